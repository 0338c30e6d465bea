package mbuf_test

import (
	"bytes"
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/internal/checksum"
)

// split builds a chain from data with the given segment lengths.
func split(t testing.TB, p *mbuf.Pool, data []byte, lens ...int) *mbuf.Buf {
	t.Helper()
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

func TestChainChecksumMatchesFlat(t *testing.T) {
	p, _ := newPool(t, 64)
	data := make([]byte, 301)
	for i := range data {
		data[i] = byte(i*31 + 7)
	}
	for _, lens := range [][]int{{301}, {1, 300}, {3, 5, 293}, {100, 100, 101}, {0, 150, 0, 151}, {299, 1, 1}} {
		b := split(t, p, data, lens...)
		for _, init := range []uint16{0, 0x1234, 0xffff} {
			if got, want := b.Checksum(init), checksum.Sum(data, init); got != want {
				t.Errorf("segments %v init %#x: chain %#04x, flat %#04x", lens, init, got, want)
			}
		}
		b.Free()
	}
}

func TestChainCopyAtTruncateGetChain(t *testing.T) {
	p, _ := newPool(t, 64)
	data := make([]byte, 5000)
	for i := range data {
		data[i] = byte(i)
	}
	b, err := p.GetChain(data)
	if err != nil {
		t.Fatal(err)
	}
	if b.Segs() != 3 || b.PktLen() != 5000 || b.Headroom() != mbuf.Headroom {
		t.Fatalf("GetChain: %d segments, %d bytes, headroom %d", b.Segs(), b.PktLen(), b.Headroom())
	}
	got := make([]byte, 100)
	if n := b.CopyAt(2000, got); n != 100 || !bytes.Equal(got, data[2000:2100]) {
		t.Errorf("CopyAt across segments: %d", n)
	}
	if n := b.CopyAt(4950, got); n != 50 || !bytes.Equal(got[:50], data[4950:]) {
		t.Errorf("CopyAt at the end: %d", n)
	}
	if n := b.CopyAt(6000, got); n != 0 {
		t.Errorf("CopyAt past the end: %d", n)
	}
	b.Truncate(6000)
	if b.PktLen() != 5000 || b.Segs() != 3 {
		t.Errorf("Truncate past the end: %d bytes in %d segments", b.PktLen(), b.Segs())
	}
	b.Truncate(2100)
	if b.PktLen() != 2100 || b.Segs() != 2 || p.InUse() != 2 {
		t.Errorf("Truncate: %d bytes in %d segments, %d buffers in use", b.PktLen(), b.Segs(), p.InUse())
	}
	if n := b.CopyTo(got); n != 100 || !bytes.Equal(got, data[:100]) {
		t.Errorf("CopyTo after Truncate: %d", n)
	}
	b.Free()

	// A pool too small for the chain: nothing is held afterwards.
	small, _ := newPool(t, 2)
	if _, err := small.GetChain(data); err == nil || small.InUse() != 0 {
		t.Errorf("GetChain of 3 segments from 2 buffers: err %v, %d in use", err, small.InUse())
	}
}

// FuzzChainChecksum checks the chain checksum against the flat one for a
// two-segment chain cut anywhere (odd cuts exercise the byte swap across
// segments). One pool serves every input of a fuzz worker; each input must
// give back both buffers.
func FuzzChainChecksum(f *testing.F) {
	f.Add([]byte("abcdefg"), uint8(3))
	f.Add([]byte{}, uint8(0))
	f.Add([]byte{0xff}, uint8(1))
	f.Add([]byte{0xff, 0xff, 0x00, 0x01}, uint8(1))
	f.Add(bytes.Repeat([]byte{0xff}, 300), uint8(255))
	f.Add(bytes.Repeat([]byte{0xfe, 0x01}, (mbuf.DataRoom+9)/2), uint8(9))
	p, _ := newPool(f, 64)
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
		got, gotInit := b.Checksum(0), b.Checksum(init)
		b.Free()
		if n := p.InUse(); n != 0 {
			t.Fatalf("%d buffers in use after freeing the chain", n)
		}
		if want := checksum.Sum(data, 0); got != want {
			t.Fatalf("cut %d of %d: chain sum %#04x, flat %#04x", c, len(data), got, want)
		}
		if want := checksum.Sum(data, init); gotInit != want {
			t.Fatalf("cut %d of %d, initial %#04x: chain sum %#04x, flat %#04x", c, len(data), init, gotInit, want)
		}
	})
}
