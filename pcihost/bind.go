package pcihost

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// VFIODriver is the kernel driver that hands a function to userspace.
const VFIODriver = "vfio-pci"

// Binder moves PCI functions between kernel drivers through sysfs
// (Documentation/ABI/testing/sysfs-bus-pci: driver_override, the driver's
// unbind file, drivers_probe) and remembers where each came from.
type Binder struct {
	// Discovery reads the devices; its Sysfs root is also where Binder writes.
	Discovery *Discovery
	// StatePath is the state file (DefaultStatePath when empty).
	StatePath string
	// ModuleRoot, when set, is passed to modprobe -d: the directory holding
	// lib/modules/RELEASE, for systems without a module configuration.
	ModuleRoot string
	// Modprobe loads a kernel module; nil runs modprobe.
	Modprobe func(module string) error
	// Write writes one sysfs attribute; nil writes the file. Tests give a
	// fake kernel here.
	Write func(path, value string) error
	// Settle bounds the wait for a probe's result (default 3 s).
	Settle time.Duration
	// Procfs is where /proc is mounted ("/proc" when empty): Unbind looks
	// there for processes holding a device open through VFIO.
	Procfs string
}

// BindResult describes one device moved by Bind or Unbind.
type BindResult struct {
	Addr     string
	From, To string   // drivers before and after ("" for none)
	Group    int      // IOMMU group, -1 without one
	Warnings []string // e.g. group members still on a host driver
	// Interfaces are the network interfaces present after Unbind (the Linux
	// driver registers them again).
	Interfaces []string
}

func (b *Binder) sysfs() string { return b.Discovery.sysfs() }

func (b *Binder) devPath(addr string, attr ...string) string {
	return filepath.Join(append([]string{b.sysfs(), "bus", "pci", "devices", addr}, attr...)...)
}

func (b *Binder) write(op, addr, path, value string) error {
	w := b.Write
	if w == nil {
		w = func(p, v string) error {
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			if _, err := f.WriteString(v); err != nil {
				f.Close()
				return err
			}
			return f.Close()
		}
	}
	if err := w(path, value); err != nil {
		e := &OpError{Op: op, Addr: addr, Cause: err, Detail: fmt.Sprintf("writing %q to %s", strings.TrimSpace(value), path)}
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EPERM) {
			e.Err, e.Fix = ErrPermission, "run as root"
		}
		return e
	}
	return nil
}

// ensureDriver makes sure the kernel driver is registered, loading its
// module when it is not.
func (b *Binder) ensureDriver(op, addr, driver string) error {
	dir := filepath.Join(b.sysfs(), "bus", "pci", "drivers", driver)
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	load := b.Modprobe
	if load == nil {
		load = func(m string) error {
			args := []string{m}
			if b.ModuleRoot != "" {
				args = []string{"-d", b.ModuleRoot, m}
			}
			out, err := exec.Command("modprobe", args...).CombinedOutput()
			if err != nil {
				return fmt.Errorf("modprobe %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
			}
			return nil
		}
	}
	if err := load(driver); err != nil {
		return &OpError{Op: op, Addr: addr, Err: ErrNoDriver, Cause: err,
			Fix: "install the module (Debian: the linux-image package), load it by hand (modprobe " + driver + "), or give the module tree with --module-root"}
	}
	if _, err := os.Stat(dir); err != nil {
		return &OpError{Op: op, Addr: addr, Err: ErrNoDriver, Detail: "the module loaded but " + dir + " did not appear",
			Fix: "check dmesg for why " + driver + " did not register"}
	}
	return nil
}

// settle waits until the device's driver is want ("" for none) or the settle
// time passes, and returns the driver it has.
func (b *Binder) settle(addr, want string) string {
	wait := b.Settle
	if wait == 0 {
		wait = 3 * time.Second
	}
	deadline := time.Now().Add(wait)
	for {
		got := linkBase(b.devPath(addr, "driver"))
		if got == want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// plan is one device's bind step with what is needed to undo it.
type plan struct {
	dev  Device
	prev BindRecord
}

// Bind moves each device to vfio-pci (or driver, when given). All devices
// are checked first; none is touched when one is missing or in use. A
// device whose network interface is up with addresses or routes is refused
// with ErrInUse unless force is set. When a step fails, the device is put
// back on its previous driver, and so are the devices this call already
// moved.
func (b *Binder) Bind(addrs []string, driver string, force bool) ([]BindResult, error) {
	if driver == "" {
		driver = VFIODriver
	}
	var plans []plan
	for _, a := range addrs {
		addr, err := ParseAddr(a)
		if err != nil {
			return nil, err
		}
		dev, err := b.Discovery.Device(addr)
		if err != nil {
			return nil, err
		}
		if use := dev.InUse(); len(use) > 0 && !force && dev.Driver != driver {
			why := make([]string, len(use))
			for i, u := range use {
				why[i] = u.Why()
			}
			return nil, &OpError{Op: "bind", Addr: addr, Err: ErrInUse, Detail: strings.Join(why, "; "),
				Fix: fmt.Sprintf("binding would cut its traffic: remove them first (ip addr flush dev %[1]s; ip link set %[1]s down) or pass --force", use[0].Name)}
		}
		if driver == VFIODriver && dev.IOMMUGroup < 0 {
			return nil, &OpError{Op: "bind", Addr: addr, Err: ErrNoDriver, Detail: "the device has no IOMMU group, so vfio-pci cannot take it",
				Fix: "enable the IOMMU (boot with intel_iommu=on or amd_iommu=on; in QEMU add -device intel-iommu)"}
		}
		plans = append(plans, plan{dev: dev, prev: BindRecord{Driver: dev.Driver, Override: dev.Override, BoundTo: driver, Time: time.Now().UTC()}})
	}
	if err := b.ensureDriver("bind", plans[0].dev.Addr, driver); err != nil {
		return nil, err
	}
	st, err := openState(b.statePath())
	if err != nil {
		return nil, err
	}
	defer st.close()
	var done []BindResult
	for _, p := range plans {
		res := BindResult{Addr: p.dev.Addr, From: p.dev.Driver, To: driver, Group: p.dev.IOMMUGroup}
		if p.dev.Driver == driver {
			done = append(done, res)
			continue
		}
		if old, ok := st.st.Devices[p.dev.Addr]; ok && old.Driver != driver {
			p.prev.Driver, p.prev.Override = old.Driver, old.Override // keep the original across re-binds
		}
		// Record before touching the device, so a crash leaves the way back.
		st.st.Devices[p.dev.Addr] = p.prev
		if err := st.save(); err != nil {
			return nil, b.rollback(done, st, err)
		}
		if err := b.move(p.dev, driver); err != nil {
			b.restore(p.dev.Addr, p.prev)
			delete(st.st.Devices, p.dev.Addr)
			st.save()
			return nil, b.rollback(done, st, err)
		}
		for _, peer := range p.dev.GroupPeers {
			if d := linkBase(b.devPath(peer.Addr, "driver")); d != "" && d != VFIODriver && d != "pcieport" {
				res.Warnings = append(res.Warnings, fmt.Sprintf("IOMMU group %d also holds %s, bound to %s: the group is not usable from userspace until it is bound to vfio-pci or unbound", p.dev.IOMMUGroup, peer.Addr, d))
			}
		}
		done = append(done, res)
	}
	return done, nil
}

// move rebinds one device to driver with driver_override and drivers_probe,
// then checks it arrived.
func (b *Binder) move(dev Device, driver string) error {
	if err := b.write("bind", dev.Addr, b.devPath(dev.Addr, "driver_override"), driver+"\n"); err != nil {
		return err
	}
	if dev.Driver != "" {
		if err := b.write("bind", dev.Addr, b.devPath(dev.Addr, "driver", "unbind"), dev.Addr); err != nil {
			return err
		}
		if got := b.settle(dev.Addr, ""); got != "" {
			return &OpError{Op: "bind", Addr: dev.Addr, Detail: dev.Driver + " did not let go of the device", Fix: "check dmesg"}
		}
	}
	if err := b.write("bind", dev.Addr, filepath.Join(b.sysfs(), "bus", "pci", "drivers_probe"), dev.Addr); err != nil {
		return err
	}
	if got := b.settle(dev.Addr, driver); got != driver {
		return &OpError{Op: "bind", Addr: dev.Addr, Err: ErrNoDriver,
			Detail: fmt.Sprintf("after drivers_probe the device is bound to %q, not %s", got, driver),
			Fix:    "check dmesg for why " + driver + " refused it"}
	}
	return nil
}

// restore puts a device back as a record describes, best effort: it is the
// undo path of a failure that is already being reported.
func (b *Binder) restore(addr string, r BindRecord) {
	if d := linkBase(b.devPath(addr, "driver")); d != "" && d != r.Driver {
		b.write("restore", addr, b.devPath(addr, "driver", "unbind"), addr)
	}
	b.write("restore", addr, b.devPath(addr, "driver_override"), r.Override+"\n")
	if r.Driver != "" && linkBase(b.devPath(addr, "driver")) == "" {
		b.write("restore", addr, filepath.Join(b.sysfs(), "bus", "pci", "drivers_probe"), addr)
		b.settle(addr, r.Driver)
	}
}

// rollback undoes the devices already moved by this call and returns err.
func (b *Binder) rollback(done []BindResult, st *stateFile, err error) error {
	for i := len(done) - 1; i >= 0; i-- {
		if r, ok := st.st.Devices[done[i].Addr]; ok && done[i].From != done[i].To {
			b.restore(done[i].Addr, r)
			delete(st.st.Devices, done[i].Addr)
		}
	}
	st.save()
	return err
}

func (b *Binder) statePath() string {
	if b.StatePath == "" {
		return DefaultStatePath
	}
	return b.StatePath
}

// Unbind takes each device from its driver and gives it back to the driver
// it had before Bind (from the state file), or to driver when given. With no
// record and no driver the device is left without a driver.
func (b *Binder) Unbind(addrs []string, driver string) ([]BindResult, error) {
	st, err := openState(b.statePath())
	if err != nil {
		return nil, err
	}
	defer st.close()
	var out []BindResult
	for _, a := range addrs {
		addr, err := ParseAddr(a)
		if err != nil {
			return out, err
		}
		dev, err := b.Discovery.Device(addr)
		if err != nil {
			return out, err
		}
		rec, known := st.st.Devices[addr]
		target := driver
		if target == "" {
			target = rec.Driver
		}
		if target == "" && !known {
			return out, &OpError{Op: "unbind", Addr: addr, Err: ErrState,
				Detail: fmt.Sprintf("%s has no record of the driver this device had before bind", st.path),
				Fix:    "say which driver should take it with --to DRIVER (e.g. --to e1000), or --to none to leave it unbound"}
		}
		if target == "none" {
			target = ""
		}
		res := BindResult{Addr: addr, From: dev.Driver, To: target, Group: dev.IOMMUGroup}
		if dev.Driver != target {
			if err := b.checkNotOpen(dev); err != nil {
				return out, err
			}
		}
		if target != "" && dev.Driver != target {
			if err := b.ensureDriver("unbind", addr, target); err != nil {
				return out, err
			}
		}
		if dev.Driver != "" && dev.Driver != target {
			if err := b.write("unbind", addr, b.devPath(addr, "driver", "unbind"), addr); err != nil {
				return out, err
			}
			b.settle(addr, "")
		}
		// Point driver_override at the target for the probe, then put back
		// what it held before bind (normally nothing).
		if err := b.write("unbind", addr, b.devPath(addr, "driver_override"), target+"\n"); err != nil {
			return out, err
		}
		if target != "" && linkBase(b.devPath(addr, "driver")) != target {
			if err := b.write("unbind", addr, filepath.Join(b.sysfs(), "bus", "pci", "drivers_probe"), addr); err != nil {
				return out, err
			}
		}
		got := b.settle(addr, target)
		if err := b.write("unbind", addr, b.devPath(addr, "driver_override"), rec.Override+"\n"); err != nil {
			return out, err
		}
		if got != target {
			return out, &OpError{Op: "unbind", Addr: addr, Err: ErrNoDriver,
				Detail: fmt.Sprintf("after drivers_probe the device is bound to %q, not %s", got, target),
				Fix:    "check dmesg for why " + target + " refused it"}
		}
		delete(st.st.Devices, addr)
		if err := st.save(); err != nil {
			return out, err
		}
		if dev.IsNetwork() && target != "" && target != VFIODriver {
			res.Interfaces = b.waitInterfaces(addr)
		}
		out = append(out, res)
	}
	return out, nil
}

// waitInterfaces returns the interfaces a driver registered for the device,
// waiting briefly for them to appear.
func (b *Binder) waitInterfaces(addr string) []string {
	deadline := time.Now().Add(b.Settle + time.Second)
	for {
		var names []string
		for _, i := range readInterfaces(b.devPath(addr)) {
			names = append(names, i.Name)
		}
		if len(names) > 0 || time.Now().After(deadline) {
			return names
		}
		time.Sleep(20 * time.Millisecond)
	}
}
