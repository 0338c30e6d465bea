package e1000_test

import (
	"errors"
	"log/slog"
	"testing"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// TestTxForeignPool: a buffer whose pool is not in the device's DMA memory
// never reaches a descriptor (no DMA fault in the model); TxBurst accepts,
// frees and counts it (TxForeign, and in port TxDropped), alone or as one
// segment of a chain. A second pool from the device's memory is accepted.
func TestTxForeignPool(t *testing.T) {
	r := newRig(t, 2, e1000test.ID82540EM, nil, nil)
	a, b := r.devs[0], r.devs[1]
	space := dma.NewSpace()
	mem := dma.NewMemory(space, dma.MemoryOptions{NoHugepages: true})
	alien, err := mbuf.NewPool(mem, mbuf.PoolOptions{Name: "alien", Buffers: 16})
	if err != nil {
		t.Fatal(err)
	}
	sib, err := mbuf.NewPool(r.bus.Memory(), mbuf.PoolOptions{Name: "sibling", Buffers: 16})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, p := range []*mbuf.Pool{alien, sib} {
			if p.InUse() != 0 {
				t.Errorf("pool %s: %d in use", p.Name(), p.InUse())
			}
			if err := p.Close(); err != nil {
				t.Error(err)
			}
		}
		if err := mem.Close(); err != nil {
			t.Error(err)
		}
	})
	fill := func(p *mbuf.Pool, seq int) *mbuf.Buf {
		x, err := p.Get()
		if err != nil {
			t.Fatal(err)
		}
		f := make([]byte, 60)
		e1000test.FillLoop(f, mac(1), mac(0), uint64(seq))
		d, _ := x.Append(len(f))
		copy(d, f)
		return x
	}
	chain := fill(r.pool, 100)
	chain.SetNext(fill(alien, 101))
	burst := []*mbuf.Buf{
		fill(r.pool, 0),
		fill(alien, 1), // foreign, alone
		fill(sib, 2),   // another pool in the device's memory: fine
		chain,          // a chain with one foreign segment
		fill(sib, 3),   // the sibling again, now on the fast path
		fill(r.pool, 4),
	}
	if n := a.TxBurst(burst); n != len(burst) {
		t.Fatalf("TxBurst took %d of %d", n, len(burst))
	}
	if got := recvAll(b, 4, nil); got != 4 {
		t.Fatalf("received %d frames, want 4", got)
	}
	if !a.Drain(1e9) {
		t.Fatal("TX ring did not drain")
	}
	hw, st := a.HWStats(), a.Stats()
	if hw.TxForeign != 2 || st.TxForeign != 2 || st.TxDropped != 2 || st.TxPackets != 4 {
		t.Fatalf("TxForeign hw %d port %d, TxDropped %d, TxPackets %d; want 2 2 2 4", hw.TxForeign, st.TxForeign, st.TxDropped, st.TxPackets)
	}
	if f := r.ports[0].Counts().DMAFaults; f != 0 {
		t.Fatalf("%d DMA faults: a foreign IOVA reached the device", f)
	}
	if alien.InUse() != 0 || sib.InUse() != 0 {
		t.Fatalf("in use: alien %d sibling %d", alien.InUse(), sib.InUse())
	}
}

// TestAttachForeignPool: Config.Pool must be in the function's DMA memory,
// and open.
func TestAttachForeignPool(t *testing.T) {
	bus := e1000test.NewBus()
	space := dma.NewSpace()
	mem := dma.NewMemory(space, dma.MemoryOptions{NoHugepages: true})
	alien, err := mbuf.NewPool(mem, mbuf.PoolOptions{Name: "alien", Buffers: 1024})
	if err != nil {
		t.Fatal(err)
	}
	p := e1000test.NewPort(bus, e1000test.Options{MAC: mac(0)})
	_, err = e1000.Attach(p.Function(), e1000.Config{Pool: alien, Logger: slog.New(slog.DiscardHandler)})
	if !errors.Is(err, e1000.ErrConfig) {
		t.Fatalf("attach with a foreign pool: %v", err)
	}
	t.Log(err)
	if err := alien.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = e1000.Attach(p.Function(), e1000.Config{Pool: alien, Logger: slog.New(slog.DiscardHandler)})
	if !errors.Is(err, e1000.ErrConfig) || !errors.Is(err, mbuf.ErrClosed) {
		t.Fatalf("attach with a closed pool: %v", err)
	}
	if err := errors.Join(p.Function().Close(), mem.Close(), bus.Close()); err != nil {
		t.Fatal(err)
	}
}
