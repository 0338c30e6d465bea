package ipv6

import (
	"slices"
	"sync"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/wire"
)

// fragKey identifies the packet a fragment belongs to (RFC 8200 §4.5:
// source, destination and identification).
type fragKey struct {
	src, dst [16]byte
	id       uint32
}

type frag struct {
	off, end int
	b        *mbuf.Buf // first fragment: starts at the IPv6 header; others at the data
}

type datagram struct {
	frags   []frag // sorted by offset, never overlapping
	total   int    // fragmentable part length, known once the last fragment (M=0) arrived; -1 before
	have    int
	bufs    int
	hdr     int // first fragment: offset of its Fragment header
	nhField int // first fragment: offset of the byte naming the Fragment header
	expires time.Time
	created time.Time
}

// reassembler rebuilds fragmented packets addressed to us (RFC 8200
// §4.5). Its limits are IPv4's: a timeout per packet (60 s), a cap on
// packets in progress, and the buffers held, charged to the
// "reassembly6" quota; a refused fragment evicts the oldest other packet.
// Overlapping fragments abandon the whole packet (RFC 5722 §4; exact
// duplicates are dropped alone, as RFC 8200 §4.5 allows); a first fragment
// without the whole header chain is refused (RFC 7112 §5).
type reassembler struct {
	ip    *IPv6
	mu    sync.Mutex
	m     map[fragKey]*datagram
	spare []*datagram
}

const spareMax = 64

func newReassembler(ip *IPv6) *reassembler {
	return &reassembler{ip: ip, m: map[fragKey]*datagram{}}
}

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

func (r *reassembler) recycleLocked(d *datagram) {
	if len(r.spare) < spareMax {
		clear(d.frags[:cap(d.frags)])
		d.frags = d.frags[:0]
		r.spare = append(r.spare, d)
	}
}

func (r *reassembler) dropLocked(k fragKey, d *datagram) {
	for _, f := range d.frags {
		f.b.Free()
	}
	r.ip.reassQ.Uncharge(d.bufs)
	delete(r.m, k)
	r.recycleLocked(d)
}

func (r *reassembler) evictOldestLocked(keep *datagram) bool {
	var vk fragKey
	var vd *datagram
	for k, d := range r.m {
		if d != keep && (vd == nil || d.created.Before(vd.created)) {
			vk, vd = k, d
		}
	}
	if vd == nil {
		return false
	}
	r.dropLocked(vk, vd)
	r.ip.st.reasmEvicted.Add(1)
	r.ip.st.reasmFails.Add(1)
	return true
}

// chainComplete reports whether the headers from off on (the first of
// type nh) reach an upper-layer header inside d (RFC 7112 §5).
func chainComplete(d []byte, off int, nh wire.IPProtocol) bool {
	for {
		switch nh {
		case wire.IPv6HopByHop, wire.IPv6DestOpts, wire.IPv6Routing:
			if off+2 > len(d) {
				return false
			}
			nh, off = wire.IPProtocol(d[off]), off+(int(d[off+1])+1)*8
			if off > len(d) {
				return false
			}
		case wire.IPv6Fragment:
			return off+wire.IPv6FragmentLen <= len(d) // a nested one fails later
		default:
			return true
		}
	}
}

// add files the fragment in b (starting at the IPv6 header; its Fragment
// header at off, named by the byte at nhField). It returns the whole
// packet, with the Fragment header removed and the packet starting at its
// IPv6 header, once the last piece is in; else false (b kept or freed).
func (r *reassembler) add(b *mbuf.Buf, off, nhField int, _ bool) (*mbuf.Buf, bool) {
	ip := r.ip
	st := &ip.st
	st.reasmReqds.Add(1)
	d := b.Bytes()
	f := wire.IPv6FragHeader(d[off : off+wire.IPv6FragmentLen])
	fo, more := f.Offset(), f.More()
	n := b.PktLen() - off - wire.IPv6FragmentLen
	end := fo + n
	fail := func(code uint8, ptr int) (*mbuf.Buf, bool) {
		st.reasmFails.Add(1)
		st.inHdrErrors.Add(1)
		ip.icmpError(b, wire.ICMPv6ParamProblem, code, uint32(ptr))
		b.Free()
		return nil, false
	}
	switch {
	case more && (n == 0 || n%8 != 0):
		// RFC 8200 §4.5: not a multiple of 8 bytes and not the last:
		// parameter problem pointing at the Payload Length.
		return fail(wire.ICMPv6ErroneousHeader, 4)
	case off-wire.IPv6HeaderLen+end > 0xffff:
		return fail(wire.ICMPv6ErroneousHeader, off+2)
	case fo == 0 && !chainComplete(d, off+wire.IPv6FragmentLen, f.NextHeader()):
		st.reasmIncompleteChain.Add(1)
		return fail(wire.ICMPv6IncompleteChain, 0)
	}
	h := wire.IPv6(d)
	k := fragKey{src: h.Src(), dst: h.Dst(), id: f.ID()}
	now := time.Now()
	r.mu.Lock()
	dg := r.m[k]
	if dg == nil {
		if len(r.m) >= ip.o.ReassemblyDatagrams {
			r.evictOldestLocked(nil)
		}
		dg = r.newDatagramLocked(now)
		r.m[k] = dg
	}
	bad := false
	if !more {
		bad = dg.total >= 0 && dg.total != end || dg.total < 0 && len(dg.frags) > 0 && dg.frags[len(dg.frags)-1].end > end
		dg.total = end
	} else if dg.total >= 0 && end > dg.total {
		bad = true
	}
	if bad {
		st.reasmFails.Add(1)
		st.inHdrErrors.Add(1)
		r.dropLocked(k, dg)
		r.mu.Unlock()
		b.Free()
		return nil, false
	}
	i, _ := slices.BinarySearchFunc(dg.frags, fo, func(f frag, off int) int { return f.off - off })
	for _, j := range []int{i - 1, i} {
		if j < 0 || j >= len(dg.frags) || !(fo < dg.frags[j].end && dg.frags[j].off < end) {
			continue
		}
		if dg.frags[j].off == fo && dg.frags[j].end == end {
			st.reasmDuplicates.Add(1)
			r.mu.Unlock()
			b.Free()
			return nil, false
		}
		st.reasmOverlaps.Add(1)
		st.reasmFails.Add(1)
		r.dropLocked(k, dg)
		r.mu.Unlock()
		b.Free()
		return nil, false
	}
	if fo == 0 {
		dg.hdr, dg.nhField = off, nhField
	} else {
		_, _ = b.Pull(off + wire.IPv6FragmentLen)
	}
	segs := b.Segs()
	for ip.reassQ.Charge(segs) != nil {
		if !r.evictOldestLocked(dg) {
			r.dropLocked(k, dg)
			st.reasmFails.Add(1)
			r.mu.Unlock()
			b.Free()
			return nil, false
		}
	}
	dg.frags = slices.Insert(dg.frags, i, frag{off: fo, end: end, b: b})
	dg.have += n
	dg.bufs += segs
	if dg.total < 0 || dg.have != dg.total {
		r.mu.Unlock()
		return nil, false
	}
	ip.reassQ.Uncharge(dg.bufs)
	delete(r.m, k)
	head := dg.frags[0].b
	last := head.Last()
	for _, f := range dg.frags[1:] {
		last.SetNext(f.b)
		last = f.b.Last()
	}
	total, hdr, nhf := dg.total, dg.hdr, dg.nhField
	r.recycleLocked(dg)
	r.mu.Unlock()
	// Take the Fragment header out: move the unfragmentable part up over
	// it, then name the fragment's next header where it named 44.
	hd := head.Bytes()
	next := hd[hdr]
	copy(hd[wire.IPv6FragmentLen:hdr+wire.IPv6FragmentLen], hd[:hdr])
	_, _ = head.Pull(wire.IPv6FragmentLen)
	hd = head.Bytes()
	hd[nhf] = next
	wire.IPv6(hd).SetPayloadLen(uint16(hdr - wire.IPv6HeaderLen + total))
	st.reasmOKs.Add(1)
	return head, true
}

// tick expires packets past their timeout; when the first fragment came
// the source gets time exceeded, code 1 (RFC 8200 §4.5).
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
		r.ip.icmpError(b, wire.ICMPv6TimeExceeded, wire.ICMPv6ReassemblyTime, 0)
		b.Free()
	}
}

// pending is the number of packets in reassembly.
func (r *reassembler) pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.m)
}

func (r *reassembler) flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, d := range r.m {
		r.dropLocked(k, d)
	}
}
