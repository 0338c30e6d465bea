package igb

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/hw/pci/pcitest"
)

// maskLog is the in-process model with a record of the interrupt mask and
// cause writes (EICR, EIMS, EIMC) WaitRx makes.
type maskLog struct {
	hostileModel
	writes []string
}

func (m *maskLog) Write32(off, v uint32) {
	switch off {
	case regEICR:
		m.writes = append(m.writes, "EICR")
	case regEIMS:
		m.writes = append(m.writes, "EIMS")
	case regEIMC:
		m.writes = append(m.writes, "EIMC")
	}
	m.hostileModel.Write32(off, v)
}

// TestWaitRx checks the NAPI-style idle wait: with a frame waiting it
// returns without touching a register; on an empty ring it clears the
// vector's cause, unmasks it, sleeps until the vector fires or the
// timeout, and masks it again; queue 1 uses its own vector's bit; and it
// needs Config.Interrupts.
func TestWaitRx(t *testing.T) {
	m := &maskLog{hostileModel: hostileModel{regs: map[uint32]uint32{}}}
	f := pcitest.New(pcitest.Config{ID: IDs()[0], BARs: [6]uint32{0x20000}, Hooks: [6]pci.RegHook{m},
		IRQs: map[pci.IRQKind]int{pci.MSIX: 3}})
	m.space = f.Space()
	pool, err := mbuf.NewPool(f.Memory(), mbuf.PoolOptions{Buffers: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	polled, err := Attach(f, Config{Pool: pool, Queues: 1, RxRing: 64, TxRing: 64})
	if err != nil {
		t.Fatal(err)
	}
	if err := polled.Queue(0).WaitRx(time.Millisecond); err == nil {
		t.Error("WaitRx without Config.Interrupts: no error")
	}
	if err := polled.Close(); err != nil {
		t.Fatal(err)
	}
	d, err := Attach(f, Config{Pool: pool, Queues: 2, RxRing: 64, TxRing: 64, Interrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	q := d.Queue(0)
	// Attach leaves the vectors unmasked (Wait's way): drop what that
	// may have counted.
	_, _ = q.irq.Wait(0)

	m.writes = nil
	if err := q.WaitRx(5 * time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Errorf("WaitRx on an empty ring, no interrupt: %v, want ErrTimeout", err)
	}
	if got := strings.Join(m.writes, " "); got != "EICR EIMS EIMC" {
		t.Errorf("register writes %q, want EICR EIMS EIMC", got)
	}
	if m.regs[regEIMC] != 1 || m.regs[regEIMS] != 1 || m.regs[regEICR] != 1 {
		t.Errorf("EICR %#x EIMS %#x EIMC %#x, want queue 0's bit (1)", m.regs[regEICR], m.regs[regEIMS], m.regs[regEIMC])
	}
	if s := q.Stats(); s.WaitTimeouts.Load() != 1 || s.IRQLate.Load() != 0 {
		t.Errorf("wait timeouts %d, late %d; want 1, 0", s.WaitTimeouts.Load(), s.IRQLate.Load())
	}

	// The vector fires while the queue sleeps: WaitRx returns, masked.
	m.writes = nil
	go func() {
		time.Sleep(5 * time.Millisecond)
		f.Raise(0)
	}()
	if err := q.WaitRx(10 * time.Second); err != nil {
		t.Errorf("WaitRx woken by the vector: %v", err)
	}
	if got := strings.Join(m.writes, " "); got != "EICR EIMS EIMC" {
		t.Errorf("register writes %q, want EICR EIMS EIMC", got)
	}
	if q.Stats().Interrupts.Load() == 0 {
		t.Error("the interrupt was not counted")
	}

	// Queue 1 sleeps on vector 1: its bit is 2.
	m.writes = nil
	if err := d.Queue(1).WaitRx(time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Errorf("queue 1: %v, want ErrTimeout", err)
	}
	if m.regs[regEIMS] != 2 || m.regs[regEIMC] != 2 {
		t.Errorf("queue 1: EIMS %#x EIMC %#x, want 2", m.regs[regEIMS], m.regs[regEIMC])
	}

	// A frame in the ring: back at once, no register touched.
	m.wbs = [][descSize]byte{wb(0, 0, rxStatEOP, 60)}
	m.receive(0)
	m.writes = nil
	start := time.Now()
	if err := q.WaitRx(10 * time.Second); err != nil || time.Since(start) > 5*time.Second {
		t.Errorf("WaitRx with a frame waiting: %v after %v", err, time.Since(start))
	}
	if len(m.writes) != 0 {
		t.Errorf("WaitRx with a frame waiting wrote %q", strings.Join(m.writes, " "))
	}
	bufs := make([]*mbuf.Buf, 4)
	n := q.RxBurst(bufs)
	if n != 1 {
		t.Fatalf("RxBurst: %d frames, want 1", n)
	}
	pool.Free(bufs[:n])
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if n := pool.InUse(); n != 0 {
		t.Errorf("%d buffers in use after Close", n)
	}
}
