package mbuf

import (
	"math/bits"

	"github.com/gopkt/gopkt/internal/checksum"
)

// Helpers that treat a chain (segments linked by Next) as one packet. They
// do not take ownership: the caller keeps the chain, except GetChain, whose
// new chain the caller owns.

// Checksum returns the Internet checksum's ones' complement sum (not
// complemented) of every packet byte of the chain starting at b, added to
// initial, as if the segments were one buffer: after a segment of odd
// length the next one's sum is byte-swapped (RFC 1071 §2(B)).
func (b *Buf) Checksum(initial uint16) uint16 {
	sum := initial
	odd := false
	for s := b; s != nil; s = s.next {
		d := s.Bytes()
		if len(d) == 0 {
			continue
		}
		c := checksum.Sum(d, 0)
		if odd {
			c = bits.ReverseBytes16(c)
		}
		sum = checksum.Combine(sum, c)
		if len(d)%2 == 1 {
			odd = !odd
		}
	}
	return sum
}

// CopyAt copies len(dst) packet bytes starting at offset off of the chain
// into dst and returns how many it copied (fewer when the chain ends
// first). CopyTo is CopyAt at offset 0.
func (b *Buf) CopyAt(off int, dst []byte) int {
	n := 0
	for s := b; s != nil && n < len(dst); s = s.next {
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

// Truncate shortens the chain starting at b to n packet bytes, freeing the
// segments past the end; a chain of n bytes or fewer is left as it is.
func (b *Buf) Truncate(n int) {
	for s := b; s != nil; s = s.next {
		l := s.Len()
		if n >= l {
			n -= l
			continue
		}
		_ = s.Trim(l - n)
		if rest := s.next; rest != nil {
			s.next = nil
			rest.Free()
		}
		return
	}
}

// GetChain returns a new chain holding a copy of data, DataRoom bytes per
// segment; the first keeps the full Headroom for headers to be pushed in
// front. On an error (ErrExhausted, ErrClosed) nothing is held.
func (p *Pool) GetChain(data []byte) (*Buf, error) {
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
		last.next = seg
		last = seg
	}
}
