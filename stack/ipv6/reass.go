package ipv6

import (
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/internal/reass"
	"github.com/gopkt/gopkt/stack/wire"
)

// fragKey identifies the packet a fragment belongs to (RFC 8200 §4.5:
// source, destination and identification).
type fragKey struct {
	src, dst [16]byte
	id       uint32
}

// firstNote is what the first fragment tells about the header chain: the
// offset of its Fragment header and of the byte that names it.
type firstNote struct{ hdr, nhField int }

// reassembler rebuilds fragmented packets addressed to us (RFC 8200
// §4.5) on stack/internal/reass, which IPv4 shares. Its limits are
// IPv4's: a timeout per packet (60 s), a cap on packets in progress, and
// the buffers held, charged to the "reassembly6" quota; a refused fragment
// evicts the oldest other packet. Overlapping fragments abandon the whole
// packet (RFC 5722 §4; exact duplicates are dropped alone, as RFC 8200
// §4.5 allows); a first fragment without the whole header chain is
// refused (RFC 7112 §5).
type reassembler struct {
	ip *IPv6
	t  *reass.Table[fragKey, firstNote]
}

func newReassembler(ip *IPv6) *reassembler {
	return &reassembler{ip: ip, t: reass.New[fragKey, firstNote](reass.Options{
		Timeout: ip.o.ReassemblyTimeout, Datagrams: ip.o.ReassemblyDatagrams})}
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
		r.t.C.Fails.Add(1)
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
	if fo != 0 {
		_, _ = b.Pull(off + wire.IPv6FragmentLen)
	}
	head, total, note, v := r.t.Add(k, b, fo, end, !more, firstNote{hdr: off, nhField: nhField}, ip.o.Clock.Now())
	switch v {
	case reass.Complete:
	case reass.Inconsistent:
		st.inHdrErrors.Add(1)
		return nil, false
	default:
		return nil, false
	}
	// Take the Fragment header out: move the unfragmentable part up over
	// it, then name the fragment's next header where it named 44.
	hd := head.Bytes()
	next := hd[note.hdr]
	copy(hd[wire.IPv6FragmentLen:note.hdr+wire.IPv6FragmentLen], hd[:note.hdr])
	_, _ = head.Pull(wire.IPv6FragmentLen)
	hd = head.Bytes()
	hd[note.nhField] = next
	wire.IPv6(hd).SetPayloadLen(uint16(note.hdr - wire.IPv6HeaderLen + total))
	return head, true
}

// tick expires packets past their timeout; when the first fragment came
// the source gets time exceeded, code 1 (RFC 8200 §4.5).
func (r *reassembler) tick(now time.Time) {
	r.t.Expire(now, func(first *mbuf.Buf) {
		r.ip.icmpError(first, wire.ICMPv6TimeExceeded, wire.ICMPv6ReassemblyTime, 0)
		first.Free()
	})
}

// pending is the number of packets in reassembly.
func (r *reassembler) pending() int { return r.t.Pending() }

func (r *reassembler) flush() { r.t.Flush() }
