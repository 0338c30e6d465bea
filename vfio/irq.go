package vfio

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/gopkt/gopkt/hw/pci"
	"golang.org/x/sys/unix"
)

// IRQ is one interrupt vector delivered through an eventfd that
// VFIO_DEVICE_SET_IRQS bound to it. The eventfd is non-blocking and waits in
// Go's network poller, so Wait parks a goroutine, not a thread.
type IRQ struct {
	d      *Device
	kind   pci.IRQKind
	vector int
	fd     int
	f      *os.File
	closed atomic.Bool // set before f closes, so Wait can say why it failed
	buf    [8]byte

	rc      syscall.RawConn
	pollFn  func(fd uintptr) bool
	pollN   int
	pollErr error
}

var _ pci.IRQ = (*IRQ)(nil)

// IRQInfo describes one interrupt kind of the device.
type IRQInfo struct {
	Count      int
	Eventfd    bool // can signal an eventfd
	Maskable   bool // supports ACTION_MASK/UNMASK
	Automasked bool // masked by VFIO on each interrupt (INTx): Unmask after
	NoResize   bool // vectors must be enabled as a set (MSI, MSI-X)
}

// IRQInfo returns what VFIO_DEVICE_GET_IRQ_INFO reported for kind.
func (d *Device) IRQInfo(kind pci.IRQKind) IRQInfo {
	if kind < 0 || int(kind) >= len(d.irqs) {
		return IRQInfo{}
	}
	q := d.irqs[kind]
	return IRQInfo{
		Count:      int(q.Count),
		Eventfd:    q.Flags&irqInfoEventfd != 0,
		Maskable:   q.Flags&irqInfoMaskable != 0,
		Automasked: q.Flags&irqInfoAutomasked != 0,
		NoResize:   q.Flags&irqInfoNoResize != 0,
	}
}

// IRQCount implements pci.Function.
func (d *Device) IRQCount(kind pci.IRQKind) int { return d.IRQInfo(kind).Count }

// EnableIRQs implements pci.Function: it creates n eventfds and binds them to
// vectors 0..n-1 of kind with VFIO_IRQ_SET_DATA_EVENTFD|ACTION_TRIGGER, which
// also makes vfio-pci enable MSI or MSI-X in the device. Any kind enabled
// before is disabled first (a function uses one kind at a time, PCI 3.0 §6.8).
func (d *Device) EnableIRQs(kind pci.IRQKind, n int) ([]pci.IRQ, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, &OpError{Op: "enable IRQs", Addr: d.addr, Err: pci.ErrClosed}
	}
	info := d.IRQInfo(kind)
	if n <= 0 || n > info.Count || !info.Eventfd {
		fix := ""
		if kind != pci.INTx && info.Count == 0 {
			fix = fmt.Sprintf("use INTx (%d vector), or a device with %s (under QEMU, e1000e has MSI-X; e1000 has INTx only)", d.IRQInfo(pci.INTx).Count, kind)
		}
		return nil, &OpError{Op: "enable IRQs", Addr: d.addr, Err: pci.ErrNoIRQ,
			Detail: fmt.Sprintf("%d %s vectors requested, the device offers %d", n, kind, info.Count), Fix: fix}
	}
	if d.vectors != nil {
		if err := d.disableIRQsLocked(); err != nil {
			return nil, err
		}
	}
	vs := make([]*IRQ, 0, n)
	fds := make([]int32, 0, n)
	cleanup := func() {
		for _, v := range vs {
			_ = v.f.Close()
		}
	}
	for i := 0; i < n; i++ {
		fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
		if err != nil {
			cleanup()
			return nil, &OpError{Op: "enable IRQs", Addr: d.addr, Cause: err, Detail: "eventfd"}
		}
		q, err := newIRQ(d, kind, i, fd)
		if err != nil {
			cleanup()
			return nil, &OpError{Op: "enable IRQs", Addr: d.addr, Cause: err, Detail: "eventfd"}
		}
		vs = append(vs, q)
		fds = append(fds, int32(fd))
	}
	data := unsafe.Slice((*byte)(unsafe.Pointer(&fds[0])), 4*len(fds))
	if err := d.setIRQs(irqSetDataEventfd|irqSetActionTrigger, kind, 0, n, data); err != nil {
		cleanup()
		return nil, &OpError{Op: "enable IRQs", Addr: d.addr, Cause: err,
			Detail: fmt.Sprintf("VFIO_DEVICE_SET_IRQS(%s, %d eventfds) failed", kind, n),
			Fix:    "check dmesg; MSI and MSI-X need interrupt remapping (intremap=on on QEMU's intel-iommu)"}
	}
	d.irqKind, d.vectors = kind, vs
	out := make([]pci.IRQ, n)
	for i, v := range vs {
		out[i] = v
	}
	return out, nil
}

// DisableIRQs implements pci.Function: DATA_NONE|ACTION_TRIGGER with count 0
// tears the kind down; the eventfds are closed, so waiters get pci.ErrClosed.
func (d *Device) DisableIRQs() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return &OpError{Op: "disable IRQs", Addr: d.addr, Err: pci.ErrClosed}
	}
	if d.vectors == nil {
		return nil
	}
	return d.disableIRQsLocked()
}

func (d *Device) disableIRQsLocked() error {
	err := d.setIRQs(irqSetDataNone|irqSetActionTrigger, d.irqKind, 0, 0, nil)
	for _, v := range d.vectors {
		v.closed.Store(true)
		_ = v.f.Close()
	}
	d.vectors = nil
	if err != nil {
		return &OpError{Op: "disable IRQs", Addr: d.addr, Cause: err, Detail: fmt.Sprintf("VFIO_DEVICE_SET_IRQS(%s, none)", d.irqKind)}
	}
	return nil
}

// TriggerIRQ makes the kernel signal vector v of the enabled kind as if the
// device had interrupted (VFIO_IRQ_SET_DATA_NONE|ACTION_TRIGGER): a loopback
// self-test of the eventfd path that involves no device registers.
func (d *Device) TriggerIRQ(v int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed || v < 0 || v >= len(d.vectors) {
		return &OpError{Op: "trigger IRQ", Addr: d.addr, Err: pci.ErrNoIRQ, Detail: fmt.Sprintf("vector %d is not enabled", v)}
	}
	if err := d.setIRQs(irqSetDataNone|irqSetActionTrigger, d.irqKind, v, 1, nil); err != nil {
		return &OpError{Op: "trigger IRQ", Addr: d.addr, Cause: err}
	}
	return nil
}

// setIRQs issues VFIO_DEVICE_SET_IRQS with data appended to struct
// vfio_irq_set.
func (d *Device) setIRQs(flags uint32, kind pci.IRQKind, start, count int, data []byte) error {
	buf := infoBuf(sizeofIRQSet + len(data))
	le.PutUint32(buf[0:], uint32(len(buf)))
	le.PutUint32(buf[4:], flags)
	le.PutUint32(buf[8:], uint32(kind))
	le.PutUint32(buf[12:], uint32(start))
	le.PutUint32(buf[16:], uint32(count))
	copy(buf[sizeofIRQSet:], data)
	_, err := ioctlPtr(d.fd, ioctlDeviceSetIRQs, unsafe.Pointer(&buf[0]))
	return err
}

// Wait implements pci.IRQ: it reads the eventfd's counter (how many
// interrupts arrived since the last read). A zero timeout polls once; a
// negative one waits forever.
func (q *IRQ) Wait(timeout time.Duration) (uint64, error) {
	// First one non-blocking read through the poller's raw conn (made once
	// in newIRQ, so this does not allocate): a pending interrupt costs one
	// syscall and no deadline timer.
	q.pollN, q.pollErr = 0, nil
	if cerr := q.rc.Read(q.pollFn); cerr != nil {
		return 0, q.waitErr(cerr)
	}
	n, err := q.pollN, q.pollErr
	if errors.Is(err, unix.EAGAIN) {
		if timeout == 0 {
			return 0, pci.ErrIRQTimeout
		}
		var dl time.Time
		if timeout > 0 {
			dl = time.Now().Add(timeout)
		}
		if err := q.f.SetReadDeadline(dl); err != nil {
			return 0, q.waitErr(err)
		}
		n, err = q.f.Read(q.buf[:])
		// An expired deadline would also fail the next raw poll
		// (RawConn.Read checks it first): clear it.
		if timeout > 0 {
			_ = q.f.SetReadDeadline(time.Time{})
		}
	}
	if err != nil {
		return 0, q.waitErr(err)
	}
	if n != 8 {
		return 0, &OpError{Op: "wait IRQ", Addr: q.d.addr, Detail: fmt.Sprintf("eventfd read of %d bytes", n)}
	}
	return le.Uint64(q.buf[:]), nil
}

// pollOnce is the raw read Wait(0) runs; it reports done at once, so a
// not-ready eventfd gives EAGAIN instead of parking.
func (q *IRQ) pollOnce(fd uintptr) bool {
	q.pollN, q.pollErr = unix.Read(int(fd), q.buf[:])
	return true
}

// newIRQ wraps eventfd fd as vector v of kind.
func newIRQ(d *Device, kind pci.IRQKind, v, fd int) (*IRQ, error) {
	f := os.NewFile(uintptr(fd), fmt.Sprintf("vfio-%s-%s-%d", d.addr, kind, v))
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	q := &IRQ{d: d, kind: kind, vector: v, fd: fd, f: f, rc: rc}
	q.pollFn = q.pollOnce
	return q, nil
}

func (q *IRQ) waitErr(err error) error {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return pci.ErrIRQTimeout
	case q.closed.Load() || errors.Is(err, os.ErrClosed):
		return &OpError{Op: "wait IRQ", Addr: q.d.addr, Err: pci.ErrClosed, Detail: "interrupts were disabled"}
	}
	return &OpError{Op: "wait IRQ", Addr: q.d.addr, Cause: err}
}

// Unmask implements pci.IRQ. VFIO masks INTx when it fires (the line is level
// triggered and shared, so the host must stop it until the driver has cleared
// the cause); VFIO_IRQ_SET_DATA_NONE|ACTION_UNMASK re-enables it. MSI and
// MSI-X are edge-like messages and need nothing.
func (q *IRQ) Unmask() error {
	if q.kind != pci.INTx {
		return nil
	}
	if err := q.d.setIRQs(irqSetDataNone|irqSetActionUnmask, pci.INTx, q.vector, 1, nil); err != nil {
		return &OpError{Op: "unmask IRQ", Addr: q.d.addr, Cause: err}
	}
	return nil
}

// Fd implements pci.IRQ: the eventfd (non-blocking), for an epoll set.
func (q *IRQ) Fd() int { return q.fd }

// Kind and Vector identify the IRQ.
func (q *IRQ) Kind() pci.IRQKind { return q.kind }
func (q *IRQ) Vector() int       { return q.vector }
