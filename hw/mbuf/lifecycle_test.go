package mbuf_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// TestCloseRefusesWhileOut: Close names how many buffers are held and how
// many are parked in a cache, changes nothing, and succeeds once both are
// back. After Close nothing is handed out and late frees are only counted.
func TestCloseRefusesWhileOut(t *testing.T) {
	space := dma.NewSpace()
	mem := dma.NewMemory(space, dma.MemoryOptions{NoHugepages: true})
	p, err := mbuf.NewPool(mem, mbuf.PoolOptions{Name: "life", Buffers: 64})
	if err != nil {
		t.Fatal(err)
	}
	held := make([]*mbuf.Buf, 3)
	if p.Alloc(held) != 3 {
		t.Fatal("alloc")
	}
	c := p.NewCache(8)
	var one [1]*mbuf.Buf
	c.Alloc(one[:]) // refills the cache: 1 + 8 out, 1 of them held
	ghost := one[0] // kept for a double free after Close
	c.Free(one[:])
	parked := c.Len()
	if parked == 0 {
		t.Fatal("cache holds nothing")
	}
	if h, k, cl := p.Outstanding(); h != 3 || k != parked || cl != 0 {
		t.Fatalf("Outstanding %d held %d cached %d clones, want 3 %d 0", h, k, cl, parked)
	}
	err = p.Close()
	var oe *mbuf.OpError
	if !errors.Is(err, mbuf.ErrBusy) || !errors.As(err, &oe) || oe.Op != "close" || oe.Pool != "life" {
		t.Fatalf("Close with buffers out: %v", err)
	}
	t.Log(err)
	if p.Err() != nil {
		t.Fatalf("refused Close changed the pool: Err %v", p.Err())
	}
	// Still usable after the refusal.
	if b, err := p.Get(); err != nil {
		t.Fatalf("Get after refused Close: %v", err)
	} else {
		b.Free()
	}
	p.Free(held)
	if err := p.Close(); !errors.Is(err, mbuf.ErrBusy) {
		t.Fatalf("Close with a cache still full: %v", err)
	}
	c.Flush()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// Closed: nothing is handed out, from the pool or a cache.
	bufs := make([]*mbuf.Buf, 8)
	if n := p.Alloc(bufs); n != 0 || !errors.Is(p.Err(), mbuf.ErrClosed) {
		t.Fatalf("Alloc after Close: %d, Err %v", n, p.Err())
	}
	if n := c.Alloc(bufs); n != 0 {
		t.Fatalf("Cache.Alloc after Close: %d", n)
	}
	if _, err := p.Get(); !errors.Is(err, mbuf.ErrClosed) {
		t.Fatalf("Get after Close: %v", err)
	}
	// A double free after Close is dropped and counted, never reused.
	p.Free(held[:0])
	stale := []*mbuf.Buf{ghost}
	p.Free(stale)
	if p.LateFrees() != 1 || stale[0] != nil {
		t.Fatalf("late free: counted %d, slice %v", p.LateFrees(), stale[0])
	}
	ghost.Free()
	c.Free([]*mbuf.Buf{ghost})
	c.Flush()
	if p.LateFrees() != 3 || c.Len() != 0 || p.Available() != 0 || p.InUse() != 0 {
		t.Fatalf("late frees %d cache %d available %d in use %d", p.LateFrees(), c.Len(), p.Available(), p.InUse())
	}
	if err := mem.Close(); err != nil {
		t.Fatal(err)
	}
	if space.Mappings() != 0 {
		t.Fatalf("%d mappings left", space.Mappings())
	}
}

// TestCloseCountsClones: a clone header out keeps the pool busy.
func TestCloseCountsClones(t *testing.T) {
	p, _ := newPool(t, 4)
	b, _ := p.Get()
	c, err := b.Clone()
	if err != nil {
		t.Fatal(err)
	}
	b.Free()
	if err := p.Close(); !errors.Is(err, mbuf.ErrBusy) {
		t.Fatalf("Close with a clone out: %v", err)
	}
	if _, _, cl := p.Outstanding(); cl != 1 {
		t.Fatalf("clones out %d", cl)
	}
	c.Free()
}

// TestMixedChainsNoLockNesting frees chains that mix two pools from both
// sides at once. Freeing a foreign segment under the own pool's lock would
// take the two locks in opposite orders and deadlock.
func TestMixedChainsNoLockNesting(t *testing.T) {
	a, _ := newPool(t, 256)
	b, _ := newPool(t, 256)
	var wg sync.WaitGroup
	for _, pp := range [][2]*mbuf.Pool{{a, b}, {b, a}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			head, other := pp[0], pp[1]
			c := head.NewCache(16)
			bufs := make([]*mbuf.Buf, 16)
			for i := range 3000 {
				n := head.Alloc(bufs)
				for _, x := range bufs[:n] {
					if seg, err := other.Get(); err == nil {
						x.SetNext(seg)
					}
				}
				switch i % 3 {
				case 0:
					head.Free(bufs[:n])
				case 1:
					c.Free(bufs[:n]) // chains take the cache's slow path
				default:
					for _, x := range bufs[:n] {
						x.Free()
					}
				}
			}
			c.Flush()
		}()
	}
	wg.Wait()
	for _, p := range []*mbuf.Pool{a, b} {
		if p.InUse() != 0 || p.Available() != 256 {
			t.Fatalf("pool: in use %d available %d", p.InUse(), p.Available())
		}
	}
}

// TestFreeForeignBuffer: a buffer freed through another pool's Free or
// Cache goes home.
func TestFreeForeignBuffer(t *testing.T) {
	a, _ := newPool(t, 8)
	b, _ := newPool(t, 8)
	x, _ := b.Get()
	y, _ := b.Get()
	a.Free([]*mbuf.Buf{x})
	a.NewCache(4).Free([]*mbuf.Buf{y})
	if b.InUse() != 0 || b.Available() != 8 || a.Available() != 8 {
		t.Fatalf("b in use %d available %d, a available %d", b.InUse(), b.Available(), a.Available())
	}
}

func TestFrom(t *testing.T) {
	space := dma.NewSpace()
	m1 := dma.NewMemory(space, dma.MemoryOptions{NoHugepages: true})
	m2 := dma.NewMemory(space, dma.MemoryOptions{NoHugepages: true})
	p, err := mbuf.NewPool(m1, mbuf.PoolOptions{Buffers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !p.From(m1) || p.From(m2) || p.From(nil) || p.From(uncomparable{}) {
		t.Fatal("From")
	}
	if p.Allocator() != dma.Allocator(m1) {
		t.Fatal("Allocator")
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m1.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m2.Close(); err != nil {
		t.Fatal(err)
	}
}

// uncomparable is an Allocator whose dynamic type panics under ==.
type uncomparable struct{ _ []int }

func (uncomparable) Alloc(int, int) (dma.Region, error) { return dma.Region{}, errors.ErrUnsupported }
func (uncomparable) Free(dma.Region) error              { return nil }
