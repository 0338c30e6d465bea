package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/netif/em"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/tap"
	"github.com/gopkt/gopkt/vfio"
)

// pciHost opens PCI functions that share one DMA memory (one IOMMU
// domain), so the one mbuf pool serves every NIC. The daemon uses a VFIO
// container; tests use the e1000 device model's bus.
type pciHost interface {
	Open(addr string) (pci.Function, error)
	Memory() dma.Allocator
	Close() error
}

// vfioHost is pciHost over one VFIO container.
type vfioHost struct {
	c   *vfio.Container
	log *slog.Logger
}

func newVFIOHost(o vfio.Options) pciHost {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	return &vfioHost{c: vfio.NewContainer(o), log: log}
}

// Open opens addr in the container and logs the VFIO interface it took.
func (h *vfioHost) Open(addr string) (pci.Function, error) {
	d, err := h.c.Open(addr)
	if err != nil {
		return nil, err
	}
	h.log.Info("vfio device opened", "pci", addr, "vfio", d.Backend().String(), "iommu", h.c.IOMMUType())
	return d, nil
}

func (h *vfioHost) Memory() dma.Allocator { return h.c.Memory() }
func (h *vfioHost) Close() error          { return h.c.Close() }

// e1000Loader: -d e1000 pci=ADDR[,mtu=N][,mode=adaptive|poll|interrupt]
// [,rxdescs=N][,txdescs=N][,promisc=on][,name=emN].
var e1000Loader = driverLoader{
	Name:  "e1000",
	Usage: "pci=0000:00:02.0[,mtu=1500][,mode=adaptive|poll|interrupt][,rxdescs=512][,txdescs=512][,promisc=on][,name=em0]",
	Keys:  []string{"pci", "mtu", "mode", "rxdescs", "txdescs", "promisc"},
	New:   newE1000Driver,
}

type e1000Driver struct {
	addr string
	cfg  e1000.Config
	fn   pci.Function
	ifc  *em.Interface
}

func newE1000Driver(o options) (driver, error) {
	a, ok := o.get("pci")
	if !ok {
		return nil, errors.New("missing pci=ADDR (the NIC's PCI address, such as pci=0000:00:02.0; 'vfio-bind list' shows them)")
	}
	addr, err := parsePCIAddr(a)
	if err != nil {
		return nil, err
	}
	var c e1000.Config
	if c.MTU, err = o.intRange("mtu", 1500, e1000.MinMTU, e1000.MaxMTU); err != nil {
		return nil, err
	}
	for _, r := range []struct {
		key string
		dst *int
	}{{"rxdescs", &c.RxDescs}, {"txdescs", &c.TxDescs}} {
		n, err := o.intRange(r.key, 512, 64, 4096)
		if err != nil {
			return nil, err
		}
		if n&(n-1) != 0 {
			return nil, fmt.Errorf("%s=%d: want a power of two from 64 to 4096", r.key, n)
		}
		*r.dst = n
	}
	// A daemon should not spin a core while idle: adaptive polls under
	// load and sleeps on the interrupt otherwise (drivers/e1000 Mode).
	switch m, _ := o.get("mode"); m {
	case "", "adaptive":
		c.Mode = e1000.Adaptive
	case "poll":
		c.Mode = e1000.Poll
	case "interrupt":
		c.Mode = e1000.Interrupt
	default:
		return nil, fmt.Errorf("mode=%s: want poll, interrupt or adaptive", m)
	}
	if c.Promisc, err = o.onOff("promisc", false); err != nil {
		return nil, err
	}
	return &e1000Driver{addr: addr, cfg: c}, nil
}

func (e *e1000Driver) Prefix() string { return "em" }

// openPCI claims the PCI function at addr through VFIO for a NIC driver;
// when it is not bound to vfio-pci, the error says how to bind it.
func (d *daemon) openPCI(addr string) (pci.Function, error) {
	fn, err := d.pciHost().Open(addr)
	if err != nil && errors.Is(err, vfio.ErrNotBound) && !strings.Contains(err.Error(), "vfio-bind bind") {
		return nil, fmt.Errorf("%w\n  fix: run 'vfio-bind bind %s' first (it moves the NIC from its Linux driver to vfio-pci)", err, addr)
	}
	return fn, err
}

// Open claims the device through VFIO; the error says how to bind it.
func (e *e1000Driver) Open(d *daemon) error {
	fn, err := d.openPCI(e.addr)
	if err != nil {
		return err
	}
	e.fn = fn
	return nil
}

func (e *e1000Driver) Attach(d *daemon, name string) (*stack.Interface, error) {
	cfg := e.cfg
	cfg.Logger = d.log.With("ifname", name)
	ifc, err := em.Attach(d.s, name, e.fn, cfg)
	if err != nil {
		// e1000.Attach leaves the function open when it fails.
		_ = e.fn.Close()
		e.fn = nil
		return nil, err
	}
	e.ifc = ifc
	return ifc.Interface, nil
}

// Service does nothing: em.Attach runs the device's slow path (link
// state, 64-bit counters, TX hang detection) itself.
func (e *e1000Driver) Service() {}

func (e *e1000Driver) Detach(*daemon) error {
	switch {
	case e.ifc != nil:
		err := e.ifc.Detach() // stack detach, then the device returns its ring buffers and closes the function
		e.ifc, e.fn = nil, nil
		return err
	case e.fn != nil: // opened, never attached
		err := e.fn.Close()
		e.fn = nil
		return err
	}
	return nil
}

// tapLoader: -d tap [linux=NAME][,mtu=N][,mac=ADDR][,name=tapN], the
// NetBSD tap(4) pseudo-device over /dev/net/tun: the Linux kernel is the
// peer on the device called linux= (default: the interface name).
var tapLoader = driverLoader{
	Name:  "tap",
	Usage: "[linux=tap0][,mtu=1500][,mac=02:00:5e:00:00:01][,name=tap0]  Linux TAP device; the kernel is the peer",
	Keys:  []string{"linux", "mtu", "mac"},
	New:   newTapDriver,
}

type tapDriver struct {
	linux string
	o     tap.Options
	port  *tap.Port
	ifc   *stack.Interface
}

func newTapDriver(o options) (driver, error) {
	t := &tapDriver{}
	t.linux, _ = o.get("linux")
	if len(t.linux) > 15 {
		return nil, fmt.Errorf("linux=%s: Linux interface names are at most 15 bytes", t.linux)
	}
	var err error
	if t.o.MTU, err = o.intRange("mtu", 1500, 68, tap.MaxMTU); err != nil {
		return nil, err
	}
	if m, ok := o.get("mac"); ok {
		if t.o.MAC, err = parseMAC(m); err != nil {
			return nil, fmt.Errorf("mac=%w", err)
		}
	}
	return t, nil
}

func (t *tapDriver) Prefix() string { return "tap" }
func (t *tapDriver) Open(*daemon) error {
	return nil
}

func (t *tapDriver) Attach(d *daemon, name string) (*stack.Interface, error) {
	linux := t.linux
	if linux == "" {
		linux = name
	}
	p, err := tap.Open(linux, d.pool, t.o)
	if err != nil {
		return nil, err
	}
	ifc, err := d.s.Attach(name, p, stack.IfOptions{})
	if err != nil {
		return nil, errors.Join(err, p.Close())
	}
	t.port, t.ifc = p, ifc
	return ifc, nil
}

func (t *tapDriver) Service() {}

func (t *tapDriver) Detach(d *daemon) error {
	if t.ifc == nil {
		return nil
	}
	err := errors.Join(d.s.Detach(t.ifc), t.port.Close())
	t.ifc, t.port = nil, nil
	return err
}

// parseMAC reads a unicast Ethernet address.
func parseMAC(s string) ([6]byte, error) {
	var mac [6]byte
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 || hw[0]&1 != 0 {
		return mac, fmt.Errorf("%s: want a unicast Ethernet address such as 02:00:5e:00:00:01", s)
	}
	copy(mac[:], hw)
	return mac, nil
}

// LinuxName is the kernel's name for the device (tests move it into a
// network namespace).
func (t *tapDriver) LinuxName() string {
	if t.port == nil {
		return ""
	}
	return t.port.Name()
}

// loopLoader: -d loop [name=loN], another loopback interface from the
// stack's built-in "lo" cloner (lo0 always exists).
var loopLoader = driverLoader{
	Name:  "loop",
	Usage: "[name=lo1]  a software loopback interface (lo0 always exists)",
	New:   func(options) (driver, error) { return &loopDriver{}, nil },
}

type loopDriver struct{ ifc *stack.Interface }

// CheckName: the stack's loopback cloner serves names lo1, lo2, ...
func (l *loopDriver) CheckName(name string) error {
	if n, err := strconv.Atoi(strings.TrimPrefix(name, "lo")); err != nil || !strings.HasPrefix(name, "lo") || n < 1 {
		return fmt.Errorf("name=%s: loopback interfaces are named lo1, lo2, ... (lo0 always exists)", name)
	}
	return nil
}

func (l *loopDriver) Prefix() string     { return "lo" }
func (l *loopDriver) Open(*daemon) error { return nil }
func (l *loopDriver) Service()           {}

func (l *loopDriver) Attach(d *daemon, name string) (*stack.Interface, error) {
	ifc, err := d.s.Create(name)
	if err != nil {
		return nil, err
	}
	l.ifc = ifc
	return ifc, nil
}

func (l *loopDriver) Detach(d *daemon) error {
	if l.ifc == nil {
		return nil
	}
	err := d.s.Destroy(l.ifc.Name())
	l.ifc = nil
	return err
}
