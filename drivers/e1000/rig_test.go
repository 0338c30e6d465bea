package e1000_test

import (
	"log/slog"
	"testing"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/pci"
)

// rig is a bus of model ports, each driven by the driver, sharing one pool.
type rig struct {
	bus   *e1000test.Bus
	pool  *mbuf.Pool
	ports []*e1000test.Port
	devs  []*e1000.Device
}

func mac(i int) [6]byte { return [6]byte{0x02, 0x00, 0x5e, 0x10, 0x00, byte(i + 1)} }

// newRig attaches n ports of model id. opt and cfg may adjust each port.
func newRig(tb testing.TB, n int, id pci.ID, opt func(i int, o *e1000test.Options), cfg func(i int, c *e1000.Config)) *rig {
	tb.Helper()
	r := &rig{bus: e1000test.NewBus()}
	var err error
	r.pool, err = mbuf.NewPool(r.bus.Memory(), mbuf.PoolOptions{Name: "test", Buffers: 4096})
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < n; i++ {
		o := e1000test.Options{ID: id, MAC: mac(i)}
		if opt != nil {
			opt(i, &o)
		}
		p := e1000test.NewPort(r.bus, o)
		c := e1000.Config{Pool: r.pool, RxDescs: 256, TxDescs: 256, Logger: slog.New(slog.DiscardHandler)}
		if cfg != nil {
			cfg(i, &c)
		}
		d, err := e1000.Attach(p.Function(), c)
		if err != nil {
			tb.Fatalf("attach port %d: %v", i, err)
		}
		r.ports = append(r.ports, p)
		r.devs = append(r.devs, d)
	}
	tb.Cleanup(func() { r.close(tb) })
	return r
}

// close detaches everything and checks that nothing leaked: every mbuf back
// in the pool and every DMA mapping gone.
func (r *rig) close(tb testing.TB) {
	for _, d := range r.devs {
		if err := d.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	}
	r.devs = nil
	if n := r.pool.InUse(); n != 0 {
		tb.Errorf("leak: %d mbufs in use after close", n)
	}
	if err := r.pool.Close(); err != nil {
		tb.Error(err)
	}
	if err := r.bus.Close(); err != nil {
		tb.Error(err)
	}
	if n := r.bus.Space().Mappings(); n != 0 {
		tb.Errorf("leak: %d DMA mappings after close", n)
	}
}

// frame allocates a buffer holding b (chained when longer than the data room).
func (r *rig) frame(tb testing.TB, b []byte) *mbuf.Buf {
	tb.Helper()
	var head, last *mbuf.Buf
	for len(b) > 0 || head == nil {
		s, err := r.pool.Get()
		if err != nil {
			tb.Fatal(err)
		}
		n := min(len(b), mbuf.DataRoom)
		dst, err := s.Append(n)
		if err != nil {
			tb.Fatal(err)
		}
		copy(dst, b[:n])
		b = b[n:]
		if head == nil {
			head = s
		} else {
			last.SetNext(s)
		}
		last = s
	}
	return head
}

// bytesOf flattens a chain.
func bytesOf(b *mbuf.Buf) []byte {
	out := make([]byte, b.PktLen())
	b.CopyTo(out)
	return out
}

// sendAll transmits every buffer, retrying while the ring is full and
// draining the receiver in between.
func sendAll(tb testing.TB, tx *e1000.Device, bufs []*mbuf.Buf, drain func()) {
	tb.Helper()
	for tries := 0; len(bufs) > 0; tries++ {
		n := tx.TxBurst(bufs)
		bufs = bufs[n:]
		if drain != nil {
			drain()
		}
		if tries > 100000 {
			tb.Fatalf("TxBurst stuck with %d frames left", len(bufs))
		}
	}
}

// recvAll collects up to want frames from rx (flattened), freeing the mbufs.
func recvAll(rx *e1000.Device, want int, each func(b *mbuf.Buf)) int {
	var burst [64]*mbuf.Buf
	got := 0
	for idle := 0; got < want && idle < 100; {
		n := rx.RxBurst(burst[:])
		if n == 0 {
			idle++
			continue
		}
		idle = 0
		for _, b := range burst[:n] {
			if each != nil {
				each(b)
			}
			b.Free()
		}
		got += n
	}
	return got
}
