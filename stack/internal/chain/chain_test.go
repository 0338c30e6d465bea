package chain

import (
	"bytes"
	"testing"

	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/wire"
)

func pool(t testing.TB) *mbuf.Pool {
	mem := dma.NewMemory(dma.NewSpace(), dma.MemoryOptions{NoHugepages: true})
	p, err := mbuf.NewPool(mem, mbuf.PoolOptions{Name: "chain", Buffers: 64})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.InUse() != 0 {
			t.Errorf("%d buffers leaked", p.InUse())
			return
		}
		if err := p.Close(); err != nil {
			t.Error(err)
		}
		if err := mem.Close(); err != nil {
			t.Error(err)
		}
	})
	return p
}

// split builds a chain from data with the given segment lengths.
func split(t testing.TB, p *mbuf.Pool, data []byte, lens ...int) *mbuf.Buf {
	var head, last *mbuf.Buf
	for _, n := range lens {
		b, err := p.Get()
		if err != nil {
			t.Fatal(err)
		}
		d, err := b.Append(n)
		if err != nil {
			t.Fatalf("segment of %d bytes: %v", n, err)
		}
		copy(d, data[:n])
		data = data[n:]
		if head == nil {
			head = b
		} else {
			last.SetNext(b)
		}
		last = b
	}
	return head
}

func TestSumMatchesFlatChecksum(t *testing.T) {
	p := pool(t)
	data := make([]byte, 301)
	for i := range data {
		data[i] = byte(i*31 + 7)
	}
	for _, lens := range [][]int{{301}, {1, 300}, {3, 5, 293}, {100, 100, 101}, {0, 150, 0, 151}, {299, 1, 1}} {
		b := split(t, p, data, lens...)
		for _, init := range []uint16{0, 0x1234, 0xffff} {
			if got, want := Sum(b, init), wire.Checksum(data, init); got != want {
				t.Errorf("segments %v init %#x: Sum %#04x, flat %#04x", lens, init, got, want)
			}
		}
		b.Free()
	}
}

func TestCopyTrimAlloc(t *testing.T) {
	p := pool(t)
	data := make([]byte, 5000)
	for i := range data {
		data[i] = byte(i)
	}
	b, err := Alloc(p, data)
	if err != nil {
		t.Fatal(err)
	}
	if b.Segs() != 3 || b.PktLen() != 5000 || b.Headroom() != mbuf.Headroom {
		t.Fatalf("Alloc: %d segments, %d bytes, headroom %d", b.Segs(), b.PktLen(), b.Headroom())
	}
	got := make([]byte, 100)
	if n := Copy(b, 2000, got); n != 100 || !bytes.Equal(got, data[2000:2100]) {
		t.Errorf("Copy across segments: %d", n)
	}
	if n := Copy(b, 4950, got); n != 50 {
		t.Errorf("Copy at the end: %d", n)
	}
	Trim(b, 2100)
	if b.PktLen() != 2100 || b.Segs() != 2 {
		t.Errorf("Trim: %d bytes in %d segments", b.PktLen(), b.Segs())
	}
	b.Free()
}

// FuzzSum checks the chain checksum against the flat one for a two-segment
// chain cut anywhere (odd cuts exercise the byte swap across segments). One
// pool serves every input of a fuzz worker; each input must give back both
// buffers.
func FuzzSum(f *testing.F) {
	f.Add([]byte("abcdefg"), uint8(3))
	f.Add([]byte{}, uint8(0))
	f.Add([]byte{0xff}, uint8(1))
	f.Add([]byte{0xff, 0xff, 0x00, 0x01}, uint8(1))
	f.Add(bytes.Repeat([]byte{0xff}, 300), uint8(255))
	f.Add(bytes.Repeat([]byte{0xfe, 0x01}, (mbuf.DataRoom+9)/2), uint8(9))
	p := pool(f)
	f.Fuzz(func(t *testing.T, data []byte, cut uint8) {
		if len(data) > 4000 {
			return
		}
		c := min(int(cut), len(data))
		if len(data)-c > mbuf.DataRoom {
			return
		}
		init := uint16(cut) * 0x0101
		b := split(t, p, data, c, len(data)-c)
		got, gotInit := Sum(b, 0), Sum(b, init)
		b.Free()
		if n := p.InUse(); n != 0 {
			t.Fatalf("%d buffers in use after freeing the chain", n)
		}
		if want := wire.Checksum(data, 0); got != want {
			t.Fatalf("cut %d of %d: chain sum %#04x, flat %#04x", c, len(data), got, want)
		}
		if want := wire.Checksum(data, init); gotInit != want {
			t.Fatalf("cut %d of %d, initial %#04x: chain sum %#04x, flat %#04x", c, len(data), init, gotInit, want)
		}
	})
}
