package ipv6

import (
	"encoding/binary"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/wire"
)

// etherHandler is the EtherType 0x86DD entry.
type etherHandler struct{ ip *IPv6 }

func (h etherHandler) HandleEther(ifc *stack.Interface, b *mbuf.Buf) { h.ip.input(ifc, b) }

var loopback = [16]byte{15: 1}

// header validates the fixed header at the start of b (RFC 8200 §3) and
// trims link padding so that PktLen is 40 + Payload Length. The fixed
// header must sit in the first segment.
func (ip *IPv6) header(b *mbuf.Buf) (wire.IPv6, bool) {
	d := b.Bytes()
	if len(d) < wire.IPv6HeaderLen {
		ip.st.inTruncated.Add(1)
		return nil, false
	}
	if d[0]>>4 != 6 {
		ip.st.inHdrErrors.Add(1)
		return nil, false
	}
	n := wire.IPv6HeaderLen + int(binary.BigEndian.Uint16(d[4:6]))
	if n > b.PktLen() {
		ip.st.inTruncated.Add(1)
		return nil, false
	}
	if b.PktLen() > n {
		b.Truncate(n) // Ethernet padding
	}
	return wire.IPv6(b.Bytes()), true
}

// input is the receive path of one packet (b starts at the IPv6 header).
func (ip *IPv6) input(ifc *stack.Interface, b *mbuf.Buf) {
	st := &ip.st
	st.inReceives.Add(1)
	h, ok := ip.header(b)
	if !ok {
		b.Free()
		return
	}
	ist := ip.ifState(ifc.Index())
	if ist == nil {
		st.inDiscards.Add(1)
		b.Free()
		return
	}
	src, dst := h.Src(), h.Dst()
	loop := ifc.Flags()&stack.FlagLoopback != 0
	// RFC 4291 §2.7: a multicast address is never a source; §2.5.3: the
	// loopback address never leaves a node; a packet from the wire with
	// one of our addresses as its source is forged or looped back.
	// Multicast of scope 0 (reserved) or 1 (interface-local) never
	// arrives from a link (§2.7).
	if src[0] == 0xff || dst == [16]byte{} ||
		!loop && (src == loopback || dst == loopback || ip.LocalInterface(src) != 0 ||
			dst[0] == 0xff && dst[1]&0x0f <= 1) {
		st.inAddrErrors.Add(1)
		b.Free()
		return
	}
	if ip.in.Active() {
		switch ip.in.Run(pfil.In, ifc.Index(), b) {
		case pfil.Drop:
			st.inFiltered.Add(1)
			b.Free()
			return
		case pfil.Consumed:
			return
		case pfil.Modified:
			if h, ok = ip.header(b); !ok {
				b.Free()
				return
			}
			dst = h.Dst()
		}
	}
	multicast := dst[0] == 0xff
	if multicast {
		if !ist.joined(dst) {
			st.inNotJoined.Add(1)
			b.Free()
			return
		}
		st.inMcastPkts.Add(1)
	} else if !ist.hasAddress(dst) && ip.LocalInterface(dst) == 0 {
		// Not ours: a router forwards it, a host discards it; never
		// what arrived as a link-layer broadcast or multicast.
		if ip.forwarding.Load() && !loop && b.Meta.Flags&(mbuf.FlagBroadcast|mbuf.FlagMulticast) == 0 {
			ip.forward(ifc, b)
			return
		}
		st.inAddrErrors.Add(1)
		b.Free()
		return
	}
	ip.walk(ifc, b, multicast)
}

// walk processes the extension header chain (RFC 8200 §4.1 order;
// hop-by-hop only right after the fixed header) and delivers the upper
// layer. Headers must sit in b's first segment. Offsets are from the start
// of the fixed header, which stays at b.Bytes()[0] so ICMPv6 errors can
// quote the packet and point into it.
func (ip *IPv6) walk(ifc *stack.Interface, b *mbuf.Buf, multicast bool) {
	st := &ip.st
	nh := wire.IPProtocol(b.Bytes()[6])
	off, nhField := wire.IPv6HeaderLen, 6
	for first := true; ; first = false {
		d := b.Bytes()
		switch nh {
		case wire.IPv6HopByHop, wire.IPv6DestOpts:
			if nh == wire.IPv6HopByHop && !first {
				// RFC 8200 §4.1: hop-by-hop anywhere else is an
				// unrecognised next header (code 1).
				st.inExtErrors.Add(1)
				ip.icmpError(b, wire.ICMPv6ParamProblem, wire.ICMPv6UnknownNextHdr, uint32(nhField))
				b.Free()
				return
			}
			if off+2 > len(d) || off+(int(d[off+1])+1)*8 > len(d) {
				st.inTruncated.Add(1)
				b.Free()
				return
			}
			hl := (int(d[off+1]) + 1) * 8
			if !ip.options(b, off, hl, multicast) {
				b.Free()
				return
			}
			nh, nhField, off = wire.IPProtocol(d[off]), off, off+hl
		case wire.IPv6Routing:
			if off+8 > len(d) || off+(int(d[off+1])+1)*8 > len(d) {
				st.inTruncated.Add(1)
				b.Free()
				return
			}
			if d[off+3] != 0 {
				// Segments left: we implement no routing type, and
				// type 0 is deprecated (RFC 5095 §3: handled as an
				// unrecognised type). RFC 8200 §4.4: parameter
				// problem, code 0, pointing to the Routing Type.
				if d[off+2] == 0 {
					st.inRH0.Add(1)
				}
				st.inExtErrors.Add(1)
				ip.icmpError(b, wire.ICMPv6ParamProblem, wire.ICMPv6ErroneousHeader, uint32(off+2))
				b.Free()
				return
			}
			hl := (int(d[off+1]) + 1) * 8
			nh, nhField, off = wire.IPProtocol(d[off]), off, off+hl
		case wire.IPv6Fragment:
			if off+wire.IPv6FragmentLen > len(d) {
				st.inTruncated.Add(1)
				b.Free()
				return
			}
			f := wire.IPv6FragHeader(d[off : off+wire.IPv6FragmentLen])
			next := f.NextHeader()
			if f.Offset() == 0 && !f.More() {
				// An atomic fragment (RFC 6946 §4, RFC 8021): processed
				// in isolation, never mixed with fragments in progress.
				st.reasmAtomic.Add(1)
				nh, nhField, off = next, off, off+wire.IPv6FragmentLen
				continue
			}
			nb, ok := ip.reass.add(b, off, nhField, multicast)
			if !ok {
				return // held for the rest, or refused (counted, freed)
			}
			// Reassembled: the Fragment header is gone and the packet
			// continues at the same offset with the fragment's next header.
			b, nh = nb, next
		case wire.IPv6NoNext:
			st.inDelivers.Add(1) // RFC 8200 §4.7: nothing follows
			b.Free()
			return
		default:
			ip.deliver(ifc, b, off, nh, nhField, multicast)
			return
		}
	}
}

// options processes a hop-by-hop or destination options header at off,
// hl bytes long (RFC 8200 §4.2): padding is skipped and an unrecognised
// option is acted on by the two high bits of its type. It reports whether
// the packet goes on; on false the caller frees b.
func (ip *IPv6) options(b *mbuf.Buf, off, hl int, multicast bool) bool {
	d := b.Bytes()
	end := off + hl
	for i := off + 2; i < end; {
		t := d[i]
		if t == 0 { // Pad1
			i++
			continue
		}
		if i+2 > end || i+2+int(d[i+1]) > end {
			ip.st.inOptionErrors.Add(1)
			ip.icmpError(b, wire.ICMPv6ParamProblem, wire.ICMPv6ErroneousHeader, uint32(i))
			return false
		}
		switch t {
		case 1, 5: // PadN; Router Alert (RFC 2711), which a host ignores
		default:
			switch t >> 6 {
			case 0: // skip over it
			case 1: // discard silently
				ip.st.inOptionErrors.Add(1)
				return false
			case 2, 3: // discard and report, the latter not to multicast
				ip.st.inOptionErrors.Add(1)
				if t>>6 == 2 || !multicast {
					ip.icmpError(b, wire.ICMPv6ParamProblem, wire.ICMPv6UnknownOption, uint32(i))
				}
				return false
			}
		}
		i += 2 + int(d[i+1])
	}
	return true
}

// deliver hands the upper-layer part (at off; nh is its type, announced in
// the byte at nhField) to ICMPv6 or a transport.
func (ip *IPv6) deliver(ifc *stack.Interface, b *mbuf.Buf, off int, nh wire.IPProtocol, nhField int, multicast bool) {
	st := &ip.st
	h := wire.IPv6(b.Bytes())
	m := Meta{Src: h.Src(), Dst: h.Dst(), IfIndex: ifc.Index(), HopLimit: h.HopLimit(),
		TrafficClass: h.TrafficClass(), Multicast: multicast}
	if nh == wire.IPProtocolICMPv6 {
		_, _ = b.Pull(off)
		st.inDelivers.Add(1)
		ip.icmpInput(ifc, b, m)
		return
	}
	t := ip.transport(nh)
	if t == nil {
		// RFC 8200 §4: an unrecognised Next Header is a parameter
		// problem, code 1, pointing at the field that named it.
		st.inUnknownProtos.Add(1)
		ip.icmpError(b, wire.ICMPv6ParamProblem, wire.ICMPv6UnknownNextHdr, uint32(nhField))
		b.Free()
		return
	}
	_, _ = b.Pull(off)
	st.inDelivers.Add(1)
	if t.Input(b, m) {
		return
	}
	if _, err := b.Push(off); err == nil && !multicast {
		ip.icmpError(b, wire.ICMPv6DestUnreach, wire.ICMPv6PortUnreachable, 0)
	}
	b.Free()
}
