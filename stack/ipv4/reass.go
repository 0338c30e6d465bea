package ipv4

import (
	"slices"
	"sync"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/wire"
)

// fragKey identifies the datagram a fragment belongs to (RFC 791 §3.2:
// source, destination, protocol and identification).
type fragKey struct {
	src, dst wire.Addr4
	id       uint16
	proto    wire.IPProtocol
}

type frag struct {
	off, end int
	b        *mbuf.Buf // first fragment: starts at the IP header; others at the data
}

type datagram struct {
	frags   []frag // sorted by offset, never overlapping
	total   int    // data length, known once the last fragment (MF=0) arrived; -1 before
	have    int    // data bytes held
	bufs    int    // mbuf segments held
	expires time.Time
	created time.Time
}

// reassembler rebuilds fragmented datagrams addressed to us (RFC 791 §3.2,
// RFC 815 for the bookkeeping idea). Limits: a timeout per datagram, a cap
// on datagrams in progress, and the buffers held, charged to the
// "reassembly" quota of the pool budget (quota.go): when a fragment is
// refused (the quota or the budget is full) the oldest other datagram is
// evicted and the charge retried, so a fragment flood cannot pin the pool
// and new datagrams still get through. Overlapping fragments drop the
// whole datagram, as RFC 5722 does for IPv6 (exact duplicates are dropped
// alone).
type reassembler struct {
	ip    *IPv4
	mu    sync.Mutex
	m     map[fragKey]*datagram
	spare []*datagram // finished datagrams kept for reuse: reassembly allocates nothing once warm
}

// spareMax bounds the datagrams kept for reuse.
const spareMax = 64

// newDatagramLocked returns an empty datagram, reusing a finished one.
func (r *reassembler) newDatagramLocked(now time.Time) *datagram {
	var d *datagram
	if n := len(r.spare); n > 0 {
		d = r.spare[n-1]
		r.spare = r.spare[:n-1]
		*d = datagram{frags: d.frags[:0]}
	} else {
		d = &datagram{frags: make([]frag, 0, 8)}
	}
	d.total, d.expires, d.created = -1, now.Add(r.ip.o.ReassemblyTimeout), now
	return d
}

// recycleLocked keeps d (removed from the map, its buffers handed on or
// freed) for reuse.
func (r *reassembler) recycleLocked(d *datagram) {
	if len(r.spare) < spareMax {
		clear(d.frags[:cap(d.frags)])
		d.frags = d.frags[:0]
		r.spare = append(r.spare, d)
	}
}

func newReassembler(ip *IPv4) *reassembler {
	return &reassembler{ip: ip, m: map[fragKey]*datagram{}}
}

func (r *reassembler) dropLocked(k fragKey, d *datagram) {
	for _, f := range d.frags {
		f.b.Free()
	}
	r.ip.reassQ.Uncharge(d.bufs)
	delete(r.m, k)
	r.recycleLocked(d)
}

// evictOldestLocked frees the oldest datagram other than keep.
func (r *reassembler) evictOldestLocked(keep *datagram) bool {
	var ok bool
	var vk fragKey
	var vd *datagram
	for k, d := range r.m {
		if d != keep && (vd == nil || d.created.Before(vd.created)) {
			vk, vd, ok = k, d, true
		}
	}
	if ok {
		r.dropLocked(vk, vd)
		r.ip.st.reasmEvicted.Add(1)
		r.ip.st.reasmFails.Add(1)
	}
	return ok
}

// add files one fragment (b starts at its IPv4 header h). It returns the
// whole datagram as a chain starting at the rebuilt header once the last
// piece arrives, else nil. add owns b.
func (r *reassembler) add(_ *stack.Interface, b *mbuf.Buf, h wire.IPv4) *mbuf.Buf {
	st := &r.ip.st
	st.reasmReqds.Add(1)
	hl := h.HeaderLen()
	off := int(h.FragmentOffset())
	n := int(h.TotalLen()) - hl
	end := off + n
	mf := h.MoreFragments()
	// RFC 791: every fragment but the last carries a multiple of 8 bytes;
	// the datagram may not exceed 65535 bytes (RFC 791 §3.1).
	if mf && (n == 0 || n%8 != 0) || end+hl > 0xffff {
		st.inHdrErrors.Add(1)
		st.reasmFails.Add(1)
		b.Free()
		return nil
	}
	k := fragKey{src: h.Src(), dst: h.Dst(), id: h.ID(), proto: h.Protocol()}
	now := time.Now()
	o := &r.ip.o
	r.mu.Lock()
	d := r.m[k]
	if d == nil {
		if len(r.m) >= o.ReassemblyDatagrams {
			r.evictOldestLocked(nil)
		}
		d = r.newDatagramLocked(now)
		r.m[k] = d
	}
	bad := false
	if !mf {
		bad = d.total >= 0 && d.total != end || d.total < 0 && len(d.frags) > 0 && d.frags[len(d.frags)-1].end > end
		d.total = end
	} else if d.total >= 0 && end > d.total {
		bad = true
	}
	if bad {
		st.reasmFails.Add(1)
		st.inHdrErrors.Add(1)
		r.dropLocked(k, d)
		r.mu.Unlock()
		b.Free()
		return nil
	}
	i, _ := slices.BinarySearchFunc(d.frags, off, func(f frag, off int) int { return f.off - off })
	overlap := func(f frag) bool { return off < f.end && f.off < end }
	for _, j := range []int{i - 1, i} {
		if j < 0 || j >= len(d.frags) || !overlap(d.frags[j]) {
			continue
		}
		if d.frags[j].off == off && d.frags[j].end == end {
			r.mu.Unlock() // an exact duplicate: drop just it
			b.Free()
			return nil
		}
		st.reasmOverlaps.Add(1)
		st.reasmFails.Add(1)
		r.dropLocked(k, d)
		r.mu.Unlock()
		b.Free()
		return nil
	}
	if off != 0 {
		_, _ = b.Pull(hl)
	}
	segs := b.Segs()
	for r.ip.reassQ.Charge(segs) != nil {
		if !r.evictOldestLocked(d) {
			r.dropLocked(k, d) // nothing else to evict: this datagram cannot be held
			st.reasmFails.Add(1)
			r.mu.Unlock()
			b.Free()
			return nil
		}
	}
	d.frags = slices.Insert(d.frags, i, frag{off: off, end: end, b: b})
	d.have += n
	d.bufs += segs
	if d.total < 0 || d.have != d.total {
		r.mu.Unlock()
		return nil
	}
	// Complete: non-overlapping pieces summing to total tile [0, total).
	r.ip.reassQ.Uncharge(d.bufs)
	delete(r.m, k)
	head := d.frags[0].b
	last := head.Last()
	for _, f := range d.frags[1:] {
		last.SetNext(f.b)
		last = f.b.Last()
	}
	total := d.total
	r.recycleLocked(d)
	r.mu.Unlock()
	fh := wire.IPv4(head.Bytes())
	fh.SetTotalLen(uint16(fh.HeaderLen() + total))
	fh.SetFlagsFragmentOffset(0, 0)
	fh.UpdateChecksum()
	st.reasmOKs.Add(1)
	return head
}

// tick expires datagrams past their timeout; when the first fragment was
// received the sender gets ICMP time exceeded, code 1 (RFC 792; RFC 1122
// §3.3.2).
func (r *reassembler) tick(now time.Time) {
	var first []*mbuf.Buf
	r.mu.Lock()
	for k, d := range r.m {
		if now.Before(d.expires) {
			continue
		}
		if len(d.frags) > 0 && d.frags[0].off == 0 {
			first = append(first, d.frags[0].b)
			d.frags = d.frags[1:]
		}
		r.dropLocked(k, d)
		r.ip.st.reasmTimeouts.Add(1)
		r.ip.st.reasmFails.Add(1)
	}
	r.mu.Unlock()
	for _, b := range first {
		r.ip.icmpError(b, wire.ICMPv4TimeExceeded, wire.ICMPv4ReassemblyExceeded, 0)
		b.Free()
	}
}

// flush frees everything (Close).
func (r *reassembler) flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, d := range r.m {
		r.dropLocked(k, d)
	}
}
