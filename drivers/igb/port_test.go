package igb

import (
	"errors"
	"testing"

	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/hw/pci/pcitest"
	"github.com/gopkt/gopkt/hw/port"
)

// TestPort checks the hw/port view over the in-process model: queues as
// port.Queue and port.CacheUser (a cache of another pool refused), Wait
// only with interrupts, the MTU bounds, link from STATUS, transmit refusing
// a buffer the device cannot reach, and the pool full after Close with a
// caller's cache set.
func TestPort(t *testing.T) {
	m := &hostileModel{regs: map[uint32]uint32{}}
	f := pcitest.New(pcitest.Config{ID: IDs()[0], BARs: [6]uint32{0x20000}, Hooks: [6]pci.RegHook{m}})
	m.space = f.Space()
	pool, err := mbuf.NewPool(f.Memory(), mbuf.PoolOptions{Buffers: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	other, err := mbuf.NewPool(dma.NewMemory(dma.NewSpace(), dma.MemoryOptions{NoHugepages: true}), mbuf.PoolOptions{Buffers: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := Attach(f, Config{Pool: other, Queues: 2}); !errors.Is(err, ErrConfig) {
		t.Fatalf("Attach with a pool outside the device's memory: %v, want ErrConfig", err)
	}
	d, err := Attach(f, Config{Pool: pool, Queues: 2, RxRing: 64, TxRing: 64})
	if err != nil {
		t.Fatal(err)
	}
	var p port.Port = d.Port()
	mq, ok := p.(port.MultiQueue)
	if !ok || mq.Queues() != 2 || port.QueueCount(p) != 2 {
		t.Fatalf("not a 2-queue port.MultiQueue")
	}
	if _, ok := mq.Queue(1).(port.Waiter); ok {
		t.Error("a polled queue offers Wait")
	}
	cu, ok := mq.Queue(1).(port.CacheUser)
	if !ok {
		t.Fatal("queue is no port.CacheUser")
	}
	if err := cu.SetRxCache(other.NewCache(4)); !errors.Is(err, port.ErrForeignCache) {
		t.Errorf("SetRxCache of another pool: %v", err)
	}
	c := pool.NewCache(32)
	if err := errors.Join(cu.SetRxCache(c), cu.SetTxCache(c)); err != nil {
		t.Fatal(err)
	}
	if err := p.SetMTU(9000); !errors.Is(err, port.ErrMTU) {
		t.Errorf("SetMTU(9000): %v", err)
	}
	if err := p.SetMTU(1400); err != nil || p.MTU() != 1400 {
		t.Errorf("SetMTU(1400): %v, MTU %d", err, p.MTU())
	}
	if l := p.Link(); !l.Up || l.SpeedMbps != 10 { // the model's STATUS: LU, speed bits 00
		t.Errorf("link %v", l)
	}
	// A buffer of a pool the device cannot reach is taken and dropped.
	b, err := other.Get()
	if err != nil {
		t.Fatal(err)
	}
	_, _ = b.Append(60)
	if n := mq.Queue(1).TxBurst([]*mbuf.Buf{b}); n != 1 {
		t.Fatalf("TxBurst took %d", n)
	}
	if s := p.Stats(); s.TxForeign != 1 || s.TxPackets != 0 {
		t.Errorf("stats after a foreign buffer: %+v", s)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-p.LinkEvents(); ok {
		t.Error("LinkEvents open after Close")
	}
	c.Flush()
	if n := pool.InUse(); n != 0 {
		t.Errorf("%d buffers in use after Close", n)
	}
	if n := other.InUse(); n != 0 {
		t.Errorf("other pool: %d in use", n)
	}
}

// TestLargeRing: a receive ring larger than a queue's cache holds (4096
// descriptors) is filled at attach, and the pool is full after Close.
func TestLargeRing(t *testing.T) {
	m := &hostileModel{regs: map[uint32]uint32{}}
	f := pcitest.New(pcitest.Config{ID: IDs()[0], BARs: [6]uint32{0x20000}, Hooks: [6]pci.RegHook{m}})
	m.space = f.Space()
	pool, err := mbuf.NewPool(f.Memory(), mbuf.PoolOptions{Buffers: 2 * 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	d, err := Attach(f, Config{Pool: pool, Queues: 2, RxRing: 4096, TxRing: 64})
	if err != nil {
		t.Fatal(err)
	}
	if n := pool.InUse(); n != 2*4096 {
		t.Errorf("%d buffers in the rings, want %d", n, 2*4096)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if n := pool.InUse(); n != 0 {
		t.Errorf("%d buffers in use after Close", n)
	}
}
