package vfio

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/pci"
	"golang.org/x/sys/unix"
)

// The TestGuest* tests drive real devices through real VFIO. They run inside
// the VM lane's guest (vm_test.go starts them with GOPKT_VFIO_GUEST=1, NIC0 an
// e1000 and NIC1 an e1000e bound to vfio-pci, NIC2 an e1000 left to the Linux
// driver) and skip anywhere else.

func guestNICs(t *testing.T) (e1000, e1000e string) {
	t.Helper()
	if os.Getenv("GOPKT_VFIO_GUEST") != "1" {
		t.Skip("needs the VM lane's guest (GOPKT_VFIO_GUEST=1 with NIC0_ADDR/NIC1_ADDR bound to vfio-pci); run go test -run TestVM ./vfio on the host")
	}
	return os.Getenv("NIC0_ADDR"), os.Getenv("NIC1_ADDR")
}

func sysfsID(t *testing.T, addr string) pci.ID {
	t.Helper()
	read := func(f string) uint16 {
		b, err := os.ReadFile(filepath.Join("/sys/bus/pci/devices", addr, f))
		if err != nil {
			t.Fatal(err)
		}
		v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 0, 16)
		if err != nil {
			t.Fatal(err)
		}
		return uint16(v)
	}
	return pci.ID{Vendor: read("vendor"), Device: read("device")}
}

// TestGuestSharedContainer opens both NICs in one container and checks every
// piece of the API against the kernel.
func TestGuestSharedContainer(t *testing.T) {
	a0, a1 := guestNICs(t)
	c := NewContainer(Options{DMABytes: 4 << 20})
	d0, err := c.Open(a0)
	if err != nil {
		t.Fatal(err)
	}
	d1, err := c.Open(a1)
	if err != nil {
		t.Fatal(err)
	}
	// A group belongs to one container: a second one gets EBUSY.
	c2 := NewContainer(Options{})
	if _, err := c2.Open(a0); !errors.Is(err, ErrBusy) || !errors.Is(err, unix.EBUSY) {
		t.Errorf("second container on the same group: %v, want ErrBusy (EBUSY)", err)
	} else {
		t.Log(err)
	}
	c2.Close()
	if got := c.IOMMUType(); got != "type1v2" {
		t.Errorf("IOMMU type %q, want type1v2", got)
	}
	info := c.IOMMUInfo()
	t.Logf("IOMMU: page sizes %#x, ranges %#x, DMA avail %d (%v)", info.PageSizes, info.Ranges, info.DMAAvail, info.HasDMAAvail)
	if len(info.Ranges) == 0 || info.PageSizes&0x1000 == 0 {
		t.Errorf("IOMMU info lacks ranges or 4 KiB pages: %+v", info)
	}
	for _, d := range []*Device{d0, d1} {
		if want := sysfsID(t, d.Addr()); d.ID() != want {
			t.Errorf("%s: config-space ID %s, sysfs says %s", d.Addr(), d.ID(), want)
		}
		if d.Class()>>8 != 0x0200 {
			t.Errorf("%s: class %06x, want Ethernet 0200xx", d.Addr(), d.Class())
		}
		regs, err := d.BAR(0)
		if err != nil {
			t.Fatal(err)
		}
		if regs.Size() != 0x20000 {
			t.Errorf("%s: BAR0 %#x bytes, want 128 KiB", d.Addr(), regs.Size())
		}
		again, _ := d.BAR(0)
		if again != regs {
			t.Errorf("%s: second BAR(0) mapped again", d.Addr())
		}
		t.Logf("%s %s: STATUS %#08x, regions %+v, reset %v", d.Addr(), d.ID(), regs.Read32(8), d.Regions()[:8], d.CanReset())
	}
	if _, err := d0.BAR(1); !errors.Is(err, pci.ErrNoBAR) {
		t.Errorf("e1000 BAR1 (I/O ports): err = %v, want ErrNoBAR", err)
	}
	// The e1000e's BAR3 holds the MSI-X table: sparse or MSI-X-mappable.
	r3 := d1.Regions()[3]
	t.Logf("e1000e BAR3: %+v", r3)
	if regs, err := d1.BAR(3); err != nil {
		t.Errorf("e1000e BAR3: %v", err)
	} else {
		_ = regs.Read32(0) // MSI-X table entry 0, message address low
	}

	// One DMA memory for both devices, mapped once per chunk.
	if d0.DMA() != d1.DMA() {
		t.Error("devices in one container have different DMA memory")
	}
	r, err := d0.DMA().Alloc(8192, 4096)
	if err != nil {
		t.Fatal(err)
	}
	if c.Mapped() == 0 || c.Mapped()%dma.SmallPage != 0 {
		t.Errorf("mapped %d bytes after an allocation", c.Mapped())
	}
	inRange := false
	for _, rg := range info.Ranges {
		inRange = inRange || (r.IOVA >= rg.Start && r.IOVA+uint64(r.Len())-1 <= rg.Last)
	}
	if !inRange {
		t.Errorf("IOVA %#x outside the reported ranges %#x", r.IOVA, info.Ranges)
	}

	// INTx loopback on the e1000: TRIGGER with DATA_NONE signals the eventfd.
	irqs, err := d0.EnableIRQs(pci.INTx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !d0.IRQInfo(pci.INTx).Automasked {
		t.Error("INTx is not automasked")
	}
	if _, err := irqs[0].Wait(0); !errors.Is(err, pci.ErrIRQTimeout) {
		t.Errorf("idle INTx Wait(0): %v, want ErrIRQTimeout", err)
	}
	start := time.Now()
	if _, err := irqs[0].Wait(50 * time.Millisecond); !errors.Is(err, pci.ErrIRQTimeout) || time.Since(start) < 40*time.Millisecond {
		t.Errorf("idle INTx Wait(50ms): %v after %v", err, time.Since(start))
	}
	if err := d0.TriggerIRQ(0); err != nil {
		t.Fatal(err)
	}
	if n, err := irqs[0].Wait(time.Second); err != nil || n != 1 {
		t.Errorf("INTx after loopback trigger: %d, %v", n, err)
	}
	if err := irqs[0].Unmask(); err != nil {
		t.Error(err)
	}
	if _, err := d0.EnableIRQs(pci.MSIX, 1); !errors.Is(err, pci.ErrNoIRQ) || !strings.Contains(err.Error(), "e1000e has MSI-X") {
		t.Errorf("MSI-X on e1000: %v, want ErrNoIRQ with a hint", err)
	}

	// MSI-X loopback on the e1000e: only the triggered vector fires.
	n := d1.IRQCount(pci.MSIX)
	if n < 2 {
		t.Fatalf("e1000e offers %d MSI-X vectors", n)
	}
	vs, err := d1.EnableIRQs(pci.MSIX, n)
	if err != nil {
		t.Fatal(err)
	}
	if err := d1.TriggerIRQ(n - 1); err != nil {
		t.Fatal(err)
	}
	if c, err := vs[n-1].Wait(time.Second); err != nil || c != 1 {
		t.Errorf("MSI-X vector %d: %d, %v", n-1, c, err)
	}
	if _, err := vs[0].Wait(0); !errors.Is(err, pci.ErrIRQTimeout) {
		t.Errorf("MSI-X vector 0 fired for a trigger of vector %d: %v", n-1, err)
	}
	if _, err := d1.EnableIRQs(pci.MSIX, n+1); !errors.Is(err, pci.ErrNoIRQ) {
		t.Errorf("%d MSI-X vectors: %v, want ErrNoIRQ", n+1, err)
	}
	if err := d1.DisableIRQs(); err != nil {
		t.Fatal(err)
	}
	if _, err := vs[0].Wait(10 * time.Millisecond); !errors.Is(err, pci.ErrClosed) {
		t.Errorf("Wait after DisableIRQs: %v, want ErrClosed", err)
	}

	for _, d := range []*Device{d0, d1} {
		err := d.Reset()
		t.Logf("%s reset: %v", d.Addr(), err)
		if d.CanReset() != (err == nil) || (err != nil && !errors.Is(err, pci.ErrNotSupports)) {
			t.Errorf("%s: CanReset %v but Reset: %v", d.Addr(), d.CanReset(), err)
		}
	}

	// Closing a device of a shared container keeps the DMA memory.
	if err := d0.Close(); err != nil {
		t.Fatal(err)
	}
	if c.Mapped() == 0 {
		t.Error("closing one device unmapped the shared DMA memory")
	}
	if err := d0.Close(); !errors.Is(err, pci.ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
	// Reopen in the same container (the group stays attached).
	d0, err = c.Open(a0)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if c.Mapped() != 0 {
		t.Errorf("%d bytes still mapped after Container.Close", c.Mapped())
	}
	if err := d1.Close(); !errors.Is(err, pci.ErrClosed) {
		t.Errorf("Close after Container.Close: %v", err)
	}
	_ = d0
}

// TestGuestNotBound: NIC2 is still driven by the Linux e1000 driver.
func TestGuestNotBound(t *testing.T) {
	guestNICs(t)
	a2 := os.Getenv("NIC2_ADDR")
	_, err := Open(a2, Options{})
	if !errors.Is(err, ErrNotBound) {
		t.Fatalf("err = %v, want ErrNotBound", err)
	}
	for _, w := range []string{"it is bound to e1000 (interface eth", "vfio-bind bind " + a2} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message lacks %q: %v", w, err)
		}
	}
	t.Log(err)
}

const guestUnprivEnv = "GOPKT_VFIO_GUEST_UNPRIV"

// TestGuestUnprivileged provokes the real kernel conditions: as uid 65534, the
// group node (root, 0600) refuses the open; once the node belongs to that
// user, a 64 KiB RLIMIT_MEMLOCK is refused up front for 8 MiB, and without
// the up-front check VFIO_IOMMU_MAP_DMA itself fails with ENOMEM, which
// becomes ErrMemlock too.
func TestGuestUnprivileged(t *testing.T) {
	a0, _ := guestNICs(t)
	if phase := os.Getenv(guestUnprivEnv); phase != "" {
		guestUnprivChild(t, phase, a0)
		return
	}
	if os.Getuid() != 0 {
		t.Skip("the guest runs tests as root")
	}
	n, ok, err := sysfs{root: "/sys"}.group(a0)
	if err != nil || !ok {
		t.Fatalf("group of %s: %v %v", a0, ok, err)
	}
	node := filepath.Join("/dev/vfio", strconv.Itoa(n))
	dir, err := os.MkdirTemp("", "vfio-unpriv-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	runAsNobody(t, dir, "TestGuestUnprivileged", guestUnprivEnv+"=eacces")
	if err := unix.Chown(node, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	defer unix.Chown(node, 0, 0)
	runAsNobody(t, dir, "TestGuestUnprivileged", guestUnprivEnv+"=memlock")
}

func guestUnprivChild(t *testing.T, phase, addr string) {
	switch phase {
	case "eacces":
		_, err := Open(addr, Options{})
		if !errors.Is(err, ErrPermission) || !errors.Is(err, unix.EACCES) {
			t.Fatalf("err = %v, want ErrPermission (EACCES)", err)
		}
		t.Log(err)
	case "memlock":
		if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &unix.Rlimit{Cur: 64 << 10, Max: 64 << 10}); err != nil {
			t.Fatal(err)
		}
		_, err := Open(addr, Options{DMABytes: 8 << 20})
		if !errors.Is(err, ErrMemlock) || !strings.Contains(err.Error(), "ulimit -l 8192") {
			t.Fatalf("up-front check: %v, want ErrMemlock", err)
		}
		t.Log(err)
		d, err := Open(addr, Options{NoHugepages: true})
		if err != nil {
			t.Fatalf("open without DMABytes: %v", err)
		}
		defer d.Close()
		_, err = d.DMA().Alloc(1<<20, 0)
		if !errors.Is(err, ErrMemlock) || !errors.Is(err, unix.ENOMEM) {
			t.Fatalf("1 MiB allocation under a 64 KiB limit: %v, want ErrMemlock (ENOMEM from MAP_DMA)", err)
		}
		t.Log(err)
	default:
		t.Fatalf("unknown phase %q", phase)
	}
}

// TestGuestGroupStatus asks the kernel itself (VFIO_GROUP_GET_STATUS) whether
// group $GOPKT_VFIO_GROUP is viable, so the sysfs pre-check is held to the
// kernel's verdict (TestVMNotViable runs it before and after the fix).
func TestGuestGroupStatus(t *testing.T) {
	guestNICs(t)
	g, want := os.Getenv("GOPKT_VFIO_GROUP"), os.Getenv("GOPKT_VFIO_VIABLE") == "1"
	if g == "" {
		t.Skip("set GOPKT_VFIO_GROUP and GOPKT_VFIO_VIABLE")
	}
	fd, err := unix.Open("/dev/vfio/"+g, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	st := groupStatus{Argsz: sizeofGroupStatus}
	if _, err := ioctlPtr(fd, ioctlGroupGetStatus, unsafe.Pointer(&st)); err != nil {
		t.Fatal(err)
	}
	if got := st.Flags&groupFlagsViable != 0; got != want {
		t.Fatalf("kernel says group %s viable=%v, want %v", g, got, want)
	}
	n, _ := strconv.Atoi(g)
	members, _ := sysfs{root: "/sys"}.groupMembers(n)
	if len(members) == 0 {
		t.Fatalf("group %s has no members in sysfs", g)
	}
	pre := (sysfs{root: "/sys"}).checkViable(members[0], n)
	if (pre == nil) != want {
		t.Fatalf("sysfs pre-check says %v, kernel says viable=%v", pre, want)
	}
	t.Logf("group %s: kernel flags %#x, pre-check %v", g, st.Flags, pre)
}

// TestGuestMemoryBeforeDevice: memory allocated in a container before any
// device opens is mapped when the first device's group joins, forgotten by
// the kernel when that device closes (its group leaves, so another
// container can open it), and mapped again when the device opens again.
func TestGuestMemoryBeforeDevice(t *testing.T) {
	a0, _ := guestNICs(t)
	c := NewContainer(Options{})
	defer c.Close()
	mem := c.Memory()
	r, err := mem.Alloc(64<<10, 4096)
	if err != nil {
		t.Fatal(err)
	}
	if pre := PreDeviceRanges(); r.IOVA < pre[0].Start || r.IOVA > pre[0].Last {
		t.Errorf("IOVA %#x before any device, want one in %#x", r.IOVA, pre)
	}
	if c.Mapped() != 0 || c.IOMMUType() != "" {
		t.Fatalf("before any device: %d bytes mapped, IOMMU %q", c.Mapped(), c.IOMMUType())
	}
	pre := uint64(0)
	for i := range 2 {
		d, err := c.Open(a0)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if c.IOMMUType() != "type1v2" || c.Mapped() < uint64(r.Len()) {
			t.Errorf("open %d: IOMMU %q, %d bytes mapped, want type1v2 and the memory allocated before", i, c.IOMMUType(), c.Mapped())
		}
		if i == 0 {
			pre = c.Mapped()
		} else if c.Mapped() != pre {
			t.Errorf("open %d: %d bytes mapped, %d at the first open", i, c.Mapped(), pre)
		}
		// Memory allocated now comes from the ranges the IOMMU reported.
		r2, err := d.DMA().Alloc(4<<20, 2<<20)
		if err != nil {
			t.Fatal(err)
		}
		inRange := false
		for _, rg := range c.IOMMUInfo().Ranges {
			inRange = inRange || (r2.IOVA >= rg.Start && r2.IOVA+uint64(r2.Len())-1 <= rg.Last)
		}
		if !inRange {
			t.Errorf("IOVA %#x outside the reported ranges %#x", r2.IOVA, c.IOMMUInfo().Ranges)
		}
		if c.Mapped() < pre+uint64(r2.Len()) {
			t.Errorf("open %d: %d bytes mapped after a 4 MiB allocation, %d before", i, c.Mapped(), pre)
		}
		if err := mem.Free(r2); err != nil {
			t.Fatal(err)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		if c.Mapped() != 0 || c.IOMMUType() != "" {
			t.Errorf("close %d: %d bytes mapped, IOMMU %q; the group should have left", i, c.Mapped(), c.IOMMUType())
		}
		// The group is free: another container can take the device.
		other, err := Open(a0, Options{})
		if err != nil {
			t.Fatalf("after close %d, another container cannot open the device: %v", i, err)
		}
		if err := other.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := mem.Free(r); err != nil {
		t.Fatal(err)
	}
}
