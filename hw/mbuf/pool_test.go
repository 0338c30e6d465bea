package mbuf_test

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
)

func newPool(t testing.TB, n int) (*mbuf.Pool, *dma.Space) {
	t.Helper()
	space := dma.NewSpace()
	mem := dma.NewMemory(space, dma.MemoryOptions{NoHugepages: true})
	p, err := mbuf.NewPool(mem, mbuf.PoolOptions{Name: "test", Buffers: n})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
		if err := mem.Close(); err != nil {
			t.Error(err)
		}
		if space.Mappings() != 0 {
			t.Errorf("%d DMA mappings left after close", space.Mappings())
		}
	})
	return p, space
}

func TestAllocFreeAccounting(t *testing.T) {
	p, _ := newPool(t, 64)
	bufs := make([]*mbuf.Buf, 100)
	if n := p.Alloc(bufs); n != 64 {
		t.Fatalf("Alloc got %d of a 64-buffer pool", n)
	}
	if p.InUse() != 64 || p.Available() != 0 {
		t.Fatalf("InUse %d Available %d", p.InUse(), p.Available())
	}
	seen := map[uint64]bool{}
	for _, b := range bufs[:64] {
		if seen[b.IOVA()] {
			t.Fatalf("IOVA %#x handed out twice", b.IOVA())
		}
		seen[b.IOVA()] = true
		if b.Len() != 0 || b.Headroom() != mbuf.Headroom || b.Tailroom() != mbuf.DataRoom {
			t.Fatalf("fresh buffer len %d headroom %d tailroom %d", b.Len(), b.Headroom(), b.Tailroom())
		}
	}
	if _, err := p.Get(); !errors.Is(err, mbuf.ErrExhausted) {
		t.Fatalf("Get on empty pool: %v", err)
	}
	p.Free(bufs[:64])
	if p.InUse() != 0 || p.Available() != 64 {
		t.Fatalf("after free InUse %d Available %d", p.InUse(), p.Available())
	}
	if bufs[0] != nil {
		t.Fatal("Free did not clear the caller's slice")
	}
}

func TestIOVAMatchesSpace(t *testing.T) {
	p, space := newPool(t, 8)
	b, err := p.Get()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Free()
	// What a device writes at RoomIOVA must be what the driver reads.
	dev, ok := space.Lookup(b.RoomIOVA(), 4)
	if !ok {
		t.Fatal("RoomIOVA not mapped in the IOMMU")
	}
	copy(dev, "abcd")
	if err := b.SetLen(4); err != nil {
		t.Fatal(err)
	}
	if string(b.Bytes()) != "abcd" {
		t.Fatalf("driver sees %q", b.Bytes())
	}
	if err := b.SetLen(mbuf.DataRoom + 1); err == nil {
		t.Fatal("SetLen beyond the data room accepted")
	}
}

func TestViews(t *testing.T) {
	p, _ := newPool(t, 4)
	b, _ := p.Get()
	defer b.Free()
	pl, err := b.Append(5)
	if err != nil {
		t.Fatal(err)
	}
	copy(pl, "hello")
	h, err := b.Push(3)
	if err != nil {
		t.Fatal(err)
	}
	copy(h, "HDR")
	if got := string(b.Bytes()); got != "HDRhello" {
		t.Fatalf("after Push: %q", got)
	}
	if b.IOVA() != b.RoomIOVA()-3 {
		t.Fatalf("IOVA %#x, room %#x", b.IOVA(), b.RoomIOVA())
	}
	got, err := b.Pull(3)
	if err != nil || string(got) != "HDR" {
		t.Fatalf("Pull: %q %v", got, err)
	}
	if err := b.Trim(2); err != nil || string(b.Bytes()) != "hel" {
		t.Fatalf("Trim: %q %v", b.Bytes(), err)
	}
	if _, err := b.Push(mbuf.Headroom + 1); !errors.Is(err, mbuf.ErrNoHeadroom) {
		t.Fatalf("Push past headroom: %v", err)
	}
	if _, err := b.Pull(4); !errors.Is(err, mbuf.ErrShort) {
		t.Fatalf("Pull past end: %v", err)
	}
	if err := b.Trim(4); !errors.Is(err, mbuf.ErrShort) {
		t.Fatalf("Trim past end: %v", err)
	}
	if _, err := b.Append(b.Tailroom() + 1); !errors.Is(err, mbuf.ErrNoTailroom) {
		t.Fatalf("Append past tailroom: %v", err)
	}
	// Bytes has its capacity clipped: appending to it cannot scribble on the slot.
	v := b.Bytes()
	if cap(v) != len(v) {
		t.Fatalf("Bytes cap %d len %d", cap(v), len(v))
	}
}

func TestCloneRefcount(t *testing.T) {
	p, _ := newPool(t, 4)
	b, _ := p.Get()
	pl, _ := b.Append(4)
	copy(pl, "data")
	c1, err := b.Clone()
	if err != nil {
		t.Fatal(err)
	}
	c2, err := c1.Clone()
	if err != nil {
		t.Fatal(err)
	}
	if b.Refs() != 3 || c2.Refs() != 3 {
		t.Fatalf("refs %d/%d, want 3", b.Refs(), c2.Refs())
	}
	if b.Writable() || c1.Writable() {
		t.Fatal("shared buffer reported writable")
	}
	if _, err := c1.Push(1); !errors.Is(err, mbuf.ErrShared) {
		t.Fatalf("Push on clone: %v", err)
	}
	// Clones keep their own view.
	if _, err := c1.Pull(2); err != nil || string(c1.Bytes()) != "ta" || string(b.Bytes()) != "data" {
		t.Fatalf("views %q %q", c1.Bytes(), b.Bytes())
	}
	b.Free()
	if p.Available() != 3 {
		t.Fatalf("slot returned while clones live: available %d", p.Available())
	}
	if string(c2.Bytes()) != "data" {
		t.Fatalf("clone lost its bytes: %q", c2.Bytes())
	}
	c1.Free()
	c2.Free()
	if p.Available() != 4 || p.InUse() != 0 {
		t.Fatalf("available %d in use %d", p.Available(), p.InUse())
	}
}

func TestChainJumbo(t *testing.T) {
	p, _ := newPool(t, 8)
	frame := make([]byte, 9000)
	for i := range frame {
		frame[i] = byte(i * 7)
	}
	var head, tail *mbuf.Buf
	for rest := frame; len(rest) > 0; {
		s, err := p.Get()
		if err != nil {
			t.Fatal(err)
		}
		n := min(len(rest), mbuf.DataRoom)
		room, _ := s.Append(n)
		copy(room, rest[:n])
		rest = rest[n:]
		if head == nil {
			head = s
		} else {
			tail.SetNext(s)
		}
		tail = s
	}
	if head.PktLen() != 9000 || head.Segs() != 5 || head.Last() != tail {
		t.Fatalf("PktLen %d Segs %d", head.PktLen(), head.Segs())
	}
	got := make([]byte, 9000)
	if n := head.CopyTo(got); n != 9000 || !bytes.Equal(got, frame) {
		t.Fatalf("CopyTo %d bytes, equal %v", n, bytes.Equal(got, frame))
	}
	head.Free()
	if p.InUse() != 0 || p.Available() != 8 {
		t.Fatalf("chain free: in use %d available %d", p.InUse(), p.Available())
	}
}

func TestCacheBatches(t *testing.T) {
	p, _ := newPool(t, 256)
	c := p.NewCache(32)
	bufs := make([]*mbuf.Buf, 32)
	for range 100 {
		if n := c.Alloc(bufs); n != 32 {
			t.Fatalf("cache alloc %d", n)
		}
		if p.InUse() != 32 {
			t.Fatalf("InUse %d", p.InUse())
		}
		c.Free(bufs)
	}
	if p.InUse() != 0 {
		t.Fatalf("InUse %d", p.InUse())
	}
	if c.Len()+p.Available() != 256 {
		t.Fatalf("cache %d + pool %d != 256", c.Len(), p.Available())
	}
	// A clone freed through a cache takes the slow path correctly.
	c.Alloc(bufs[:1])
	cl, _ := bufs[0].Clone()
	c.Free([]*mbuf.Buf{bufs[0], cl})
	c.Flush()
	if p.InUse() != 0 || p.Available() != 256 {
		t.Fatalf("after flush: in use %d available %d", p.InUse(), p.Available())
	}
}

func TestConcurrentCaches(t *testing.T) {
	p, _ := newPool(t, 1024)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := p.NewCache(32)
			bufs := make([]*mbuf.Buf, 32)
			for i := range 2000 {
				n := c.Alloc(bufs)
				for _, b := range bufs[:n] {
					pl, _ := b.Append(1)
					pl[0] = byte(g)
				}
				for _, b := range bufs[:n] {
					if b.Bytes()[0] != byte(g) {
						t.Errorf("buffer shared between goroutines")
					}
				}
				if i%3 == 0 {
					p.Free(bufs[:n]) // mix pool and cache frees
				} else {
					c.Free(bufs[:n])
				}
			}
			c.Flush()
		}()
	}
	wg.Wait()
	if p.InUse() != 0 || p.Available() != 1024 {
		t.Fatalf("in use %d available %d", p.InUse(), p.Available())
	}
}

func TestCloseWithLeakFails(t *testing.T) {
	space := dma.NewSpace()
	mem := dma.NewMemory(space, dma.MemoryOptions{NoHugepages: true})
	p, err := mbuf.NewPool(mem, mbuf.PoolOptions{Buffers: 4})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := p.Get()
	if err := p.Close(); err == nil {
		t.Fatal("Close with a buffer out succeeded")
	}
	b.Free()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := mem.Close(); err != nil {
		t.Fatal(err)
	}
}
