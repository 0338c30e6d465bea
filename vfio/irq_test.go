package vfio

import (
	"errors"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/pci"
	"golang.org/x/sys/unix"
)

// eventfdIRQ is an IRQ over a plain eventfd: what VFIO would signal, written
// by the test instead.
func eventfdIRQ(tb testing.TB, kind pci.IRQKind) (*IRQ, func()) {
	tb.Helper()
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		tb.Fatal(err)
	}
	q, err := newIRQ(&Device{addr: "0000:00:00.0"}, kind, 0, fd)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { q.f.Close() })
	return q, func() {
		var one [8]byte
		le.PutUint64(one[:], 1)
		if _, err := unix.Write(fd, one[:]); err != nil {
			tb.Fatal(err)
		}
	}
}

func TestIRQEventfd(t *testing.T) {
	q, fire := eventfdIRQ(t, pci.MSIX)
	if q.Fd() < 0 || q.Kind() != pci.MSIX || q.Vector() != 0 {
		t.Fatalf("fd %d kind %s vector %d", q.Fd(), q.Kind(), q.Vector())
	}
	if _, err := q.Wait(0); !errors.Is(err, pci.ErrIRQTimeout) {
		t.Fatalf("idle Wait(0): %v", err)
	}
	fire()
	fire()
	fire()
	if n, err := q.Wait(0); n != 3 || err != nil {
		t.Fatalf("three interrupts coalesce: %d, %v", n, err)
	}
	start := time.Now()
	if _, err := q.Wait(30 * time.Millisecond); !errors.Is(err, pci.ErrIRQTimeout) || time.Since(start) < 25*time.Millisecond {
		t.Fatalf("idle Wait(30ms): %v after %v", err, time.Since(start))
	}
	// An expired deadline must not leak into the next poll.
	if _, err := q.Wait(0); !errors.Is(err, pci.ErrIRQTimeout) {
		t.Fatalf("Wait(0) after a timed-out Wait: %v", err)
	}
	fire()
	if n, err := q.Wait(0); n != 1 || err != nil {
		t.Fatalf("Wait(0) after a timed-out Wait, pending: %d, %v", n, err)
	}
	go func() {
		time.Sleep(10 * time.Millisecond)
		fire()
	}()
	if n, err := q.Wait(-1); n != 1 || err != nil {
		t.Fatalf("Wait forever: %d, %v", n, err)
	}
	if err := q.Unmask(); err != nil {
		t.Fatalf("MSI-X unmask is a no-op: %v", err)
	}
	q.closed.Store(true)
	q.f.Close()
	for _, d := range []time.Duration{0, time.Millisecond, -1} {
		if _, err := q.Wait(d); !errors.Is(err, pci.ErrClosed) {
			t.Errorf("Wait(%v) after close: %v, want ErrClosed", d, err)
		}
	}
}

// BenchmarkIRQPoll is the interrupt path of a poll-mode driver checking its
// vector: one eventfd write (the kernel's part) and Wait(0). The peer below is
// the same pair of raw syscalls without the IRQ wrapper.
func BenchmarkIRQPoll(b *testing.B) {
	q, fire := eventfdIRQ(b, pci.MSIX)
	b.ReportAllocs()
	for b.Loop() {
		fire()
		if n, err := q.Wait(0); n != 1 || err != nil {
			b.Fatal(n, err)
		}
	}
}

func BenchmarkIRQPollRawPeer(b *testing.B) {
	q, fire := eventfdIRQ(b, pci.MSIX)
	var buf [8]byte
	b.ReportAllocs()
	for b.Loop() {
		fire()
		if n, err := unix.Read(q.fd, buf[:]); n != 8 || err != nil {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkIRQWait is Wait with a timeout on a pending interrupt (the
// interrupt-mode fast path: no parking).
func BenchmarkIRQWait(b *testing.B) {
	q, fire := eventfdIRQ(b, pci.MSIX)
	b.ReportAllocs()
	for b.Loop() {
		fire()
		if n, err := q.Wait(time.Second); n != 1 || err != nil {
			b.Fatal(n, err)
		}
	}
}
