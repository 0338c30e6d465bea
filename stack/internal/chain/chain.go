package chain

import (
	"math/bits"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/wire"
)

// Sum is the ones' complement sum (not complemented) of every packet
// byte of the chain starting at b, as if the segments were one buffer
// (RFC 1071 §2(B): a sum over an odd-length prefix continues byte-swapped).
func Sum(b *mbuf.Buf, initial uint16) uint16 {
	sum := initial
	odd := false
	for s := b; s != nil; s = s.Next() {
		d := s.Bytes()
		if len(d) == 0 {
			continue
		}
		c := wire.Checksum(d, 0)
		if odd {
			c = bits.ReverseBytes16(c)
		}
		sum = wire.ChecksumCombine(sum, c)
		if len(d)%2 == 1 {
			odd = !odd
		}
	}
	return sum
}

// Copy copies len(dst) bytes starting at offset off of the chain into
// dst and returns how many it copied.
func Copy(b *mbuf.Buf, off int, dst []byte) int {
	n := 0
	for s := b; s != nil && n < len(dst); s = s.Next() {
		d := s.Bytes()
		if off >= len(d) {
			off -= len(d)
			continue
		}
		n += copy(dst[n:], d[off:])
		off = 0
	}
	return n
}

// Trim shortens the chain starting at b to n bytes, freeing segments
// past the end.
func Trim(b *mbuf.Buf, n int) {
	for s := b; s != nil; s = s.Next() {
		l := s.Len()
		if n >= l {
			n -= l
			continue
		}
		_ = s.Trim(l - n)
		if rest := s.Next(); rest != nil && n >= 0 {
			s.SetNext(nil)
			rest.Free()
		}
		return
	}
}

// Alloc returns a chain holding data: the first segment keeps the
// pool's full headroom for headers to be pushed in front.
func Alloc(p *mbuf.Pool, data []byte) (*mbuf.Buf, error) {
	head, err := p.Get()
	if err != nil {
		return nil, err
	}
	last := head
	for {
		n := min(len(data), last.Tailroom())
		d, _ := last.Append(n)
		copy(d, data)
		data = data[n:]
		if len(data) == 0 {
			return head, nil
		}
		seg, err := p.Get()
		if err != nil {
			head.Free()
			return nil, err
		}
		_, _ = seg.Pull(0)
		last.SetNext(seg)
		last = seg
	}
}
