package link

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
)

func newPool(t testing.TB) *mbuf.Pool {
	t.Helper()
	p, err := mbuf.NewPool(dma.NewMemory(dma.NewSpace(), dma.MemoryOptions{NoHugepages: true}), mbuf.PoolOptions{Name: "link", Buffers: 64})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.InUse() != 0 {
			t.Errorf("pool: %d buffers in use at the end", p.InUse())
		}
	})
	return p
}

func frame(t *testing.T, p *mbuf.Pool, payload byte) *mbuf.Buf {
	t.Helper()
	b, err := p.Get()
	if err != nil {
		t.Fatal(err)
	}
	d, _ := b.Append(60)
	d[59] = payload
	return b
}

func TestPairDeliversAndDropsWhenFull(t *testing.T) {
	pool := newPool(t)
	a, b := Pair(Options{Queue: 2})
	defer a.Close()
	defer b.Close()
	if a.MAC() == b.MAC() || a.MTU() != 1500 {
		t.Fatalf("defaults: %x %x mtu %d", a.MAC(), b.MAC(), a.MTU())
	}
	tx := []*mbuf.Buf{frame(t, pool, 1), frame(t, pool, 2), frame(t, pool, 3)}
	if n := a.TxBurst(tx); n != 3 {
		t.Fatalf("TxBurst accepted %d", n)
	}
	if err := b.Wait(0); err != nil {
		t.Fatalf("Wait with frames queued: %v", err)
	}
	rx := make([]*mbuf.Buf, 4)
	n := b.RxBurst(rx)
	if n != 2 || rx[0].Bytes()[59] != 1 || rx[1].Bytes()[59] != 2 {
		t.Fatalf("RxBurst got %d frames", n)
	}
	pool.Free(rx[:n])
	if st := b.Stats(); st.RxMissed != 1 || st.RxPackets != 2 || st.RxBytes != 120 {
		t.Errorf("peer stats %+v", st)
	}
	if st := a.Stats(); st.TxPackets != 2 {
		t.Errorf("sender stats %+v", st)
	}
	if err := b.Wait(time.Millisecond); !errors.Is(err, port.ErrTimeout) {
		t.Errorf("Wait on empty queue: %v", err)
	}
}

func TestLoopAndFilter(t *testing.T) {
	pool := newPool(t)
	seen := 0
	l := Loop(Options{Filter: func(from int, b *mbuf.Buf) bool { seen++; return b.Bytes()[59] != 0xdd }})
	l.TxBurst([]*mbuf.Buf{frame(t, pool, 0xdd), frame(t, pool, 7)})
	rx := make([]*mbuf.Buf, 4)
	n := l.RxBurst(rx)
	if n != 1 || seen != 2 || !bytes.Equal(rx[0].Bytes()[59:], []byte{7}) {
		t.Fatalf("loop delivered %d (filter saw %d)", n, seen)
	}
	rx[0].Free()
	// Close frees what is still queued and reports the link down.
	l.TxBurst([]*mbuf.Buf{frame(t, pool, 1)})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if st := <-l.LinkEvents(); st.Up {
		t.Error("link still up after Close")
	}
	if err := l.Wait(-1); !errors.Is(err, port.ErrClosed) {
		t.Errorf("Wait after Close: %v", err)
	}
}
