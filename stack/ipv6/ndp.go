package ipv6

import (
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/wire"
)

// Neighbour discovery message layout (RFC 4861 §4.3, §4.4): after the
// 4-byte ICMPv6 header, 4 bytes (reserved; NA: R, S, O flags) and the
// 16-byte target, then options of 8-byte units (§4.6).
const (
	ndMsgLen      = 24
	ndOptSrcLL    = 1 // source link-layer address (§4.6.1)
	ndOptTgtLL    = 2 // target link-layer address
	naFlagRouter  = 0x80
	naFlagSolicit = 0x40
	naFlagOverrid = 0x20
	ndHopLimit    = 255
)

// ndOptions scans the options of a neighbour discovery message and
// returns the link-layer address option of kind want. ok is false for a
// malformed list: an option of length 0 (§4.6: "MUST silently discard")
// or one running past the end.
func ndOptions(opts []byte, want uint8) (ll *wire.MAC, ok bool) {
	for len(opts) > 0 {
		if len(opts) < 2 || opts[1] == 0 || int(opts[1])*8 > len(opts) {
			return nil, false
		}
		n := int(opts[1]) * 8
		if opts[0] == want && n >= 8 {
			m := wire.MAC(opts[2:8])
			ll = &m
		}
		opts = opts[n:]
	}
	return ll, true
}

// ndpInput validates and handles one neighbour discovery message
// (RFC 4861 §7.1 validation; §7.2.3, §7.2.4 for solicitations, §7.2.5 for
// advertisements); router advertisements go to ra.go, redirects to
// redirect.go.
func (ip *IPv6) ndpInput(ifc *stack.Interface, b *mbuf.Buf, m Meta, msg wire.ICMPv6) {
	st := &ip.st
	defer b.Free()
	// §7.1.1, §7.1.2: hop limit 255 (the message cannot have come from
	// off the link), code 0, length; and a single segment, which every
	// valid message fits.
	if m.HopLimit != ndHopLimit {
		st.ndBadHopLimit.Add(1)
		return
	}
	if msg.Code() != 0 || b.Next() != nil {
		st.ndInvalid.Add(1)
		return
	}
	ist := ip.ifState(ifc.Index())
	if ist == nil {
		return
	}
	switch msg.Type() {
	case wire.ICMPv6NeighborSolicit:
		st.ndInSolicits.Add(1)
		if len(msg) < ndMsgLen {
			st.ndInvalid.Add(1)
			return
		}
		target := [16]byte(msg[8:24])
		sll, ok := ndOptions(msg[ndMsgLen:], ndOptSrcLL)
		unspec := m.Src == [16]byte{}
		switch {
		case !ok:
			st.ndBadOptions.Add(1)
			return
		case target[0] == 0xff:
			st.ndInvalid.Add(1)
			return
		case unspec && (m.Dst != wire.SolicitedNode(m.Dst) || sll != nil):
			// From the unspecified address (a DAD probe) only to a
			// solicited-node group and without a source address option.
			st.ndInvalid.Add(1)
			return
		}
		if ist.isTentative(target) {
			// RFC 4862 §5.4.3: from the unspecified address another
			// node is doing DAD for it: a duplicate; from a unicast
			// address someone resolves it: ignored until it is ours.
			if unspec {
				ip.dadConflict(ifc, target)
			}
			return
		}
		if !ist.hasAddress(target) {
			return // not one of ours (§7.2.3: silently discarded)
		}
		if unspec {
			// §7.2.4: another node's DAD for our address: answer to
			// all-nodes, not solicited, so it sees the address taken.
			ip.sendNA(ifc, target, allNodes, false)
			return
		}
		if sll != nil {
			ip.neigh.learn(ifc.Index(), m.Src, *sll, false)
		}
		ip.sendNA(ifc, target, m.Src, true)
	case wire.ICMPv6NeighborAdvert:
		st.ndInAdverts.Add(1)
		if len(msg) < ndMsgLen {
			st.ndInvalid.Add(1)
			return
		}
		flags := msg[4]
		target := [16]byte(msg[8:24])
		tll, ok := ndOptions(msg[ndMsgLen:], ndOptTgtLL)
		switch {
		case !ok:
			st.ndBadOptions.Add(1)
			return
		case target[0] == 0xff, m.Multicast && flags&naFlagSolicit != 0:
			st.ndInvalid.Add(1)
			return
		}
		if ist.isTentative(target) {
			ip.dadConflict(ifc, target) // RFC 4862 §5.4.4
			return
		}
		if ist.hasAddress(target) || ip.LocalInterface(target) != 0 {
			// Someone else claims one of our addresses (RFC 4862
			// §5.4.4 for tentative ones; for others, a conflict).
			st.ndDupAddr.Add(1)
			return
		}
		ip.neigh.advert(ifc.Index(), target, tll, flags&naFlagSolicit != 0, flags&naFlagOverrid != 0, flags&naFlagRouter != 0)
		ip.dnaAdvert(ifc.Index(), target, tll)
	case wire.ICMPv6RouterSolicit:
		st.ndInRouterSolicits.Add(1) // hosts ignore them (§6.2.6)
	case wire.ICMPv6RouterAdvert:
		st.ndInRouterAdverts.Add(1)
		// §6.1.2: from a link-local address (hop limit and code were
		// checked above).
		if scope(m.Src) != 2 || m.Src == loopback {
			st.ndInvalid.Add(1)
			return
		}
		ip.routerAdvert(ifc, m.Src, msg)
	case wire.ICMPv6Redirect:
		st.ndInRedirects.Add(1)
		ip.redirectInput(ifc, m, msg)
	}
}

// ndPacket builds an ICMPv6 neighbour discovery message of n bytes (fill
// writes it after the checksum is zeroed), from src to dst with hop limit
// 255. The caller sends the result.
func (ip *IPv6) ndPacket(src, dst [16]byte, n int, fill func(m []byte)) *mbuf.Buf {
	b, err := ip.pool.Get()
	if err != nil {
		ip.st.outNoBuffers.Add(1)
		return nil
	}
	m, _ := b.Append(n)
	clear(m)
	fill(m)
	wire.ICMPv6(m).SetChecksum(checksum(b, src, dst))
	d, err := b.Push(wire.IPv6HeaderLen)
	if err != nil {
		b.Free()
		return nil
	}
	f := wire.IPv6Fields{PayloadLen: uint16(n), NextHeader: wire.IPProtocolICMPv6, HopLimit: ndHopLimit, Src: src, Dst: dst}
	_, _ = f.Encode(d)
	ip.st.outRequests.Add(1)
	ip.st.icmpOutMsgs.Add(1)
	return b
}

// sendNS sends a neighbour solicitation for target on ifc (§7.2.2):
// to target's solicited-node group, or, when unicast (a PROBE), to the
// cached link address mac; with our link-layer address as an option.
func (ip *IPv6) sendNS(ifc *stack.Interface, target [16]byte, mac wire.MAC, unicast bool) {
	ist := ip.ifState(ifc.Index())
	if ist == nil {
		return
	}
	src, ok := ist.sourceFor(target)
	if !ok {
		return
	}
	dst := wire.SolicitedNode(target)
	if unicast {
		dst = target
	} else {
		mac = wire.MulticastMAC6(dst)
	}
	own := ifc.MAC()
	b := ip.ndPacket(src, dst, ndMsgLen+8, func(m []byte) {
		m[0] = uint8(wire.ICMPv6NeighborSolicit)
		copy(m[8:24], target[:])
		m[24], m[25] = ndOptSrcLL, 1
		copy(m[26:32], own[:])
	})
	if b == nil {
		return
	}
	ip.st.ndOutSolicits.Add(1)
	ifc.Output(b, mac, wire.EtherTypeIPv6)
}

// sendNA answers a solicitation for our address target (§7.2.4): to the
// soliciting node (solicited, override) or, for a DAD probe, to
// all-nodes; with our link-layer address.
func (ip *IPv6) sendNA(ifc *stack.Interface, target, dst [16]byte, solicited bool) {
	own := ifc.MAC()
	flags := uint8(naFlagOverrid)
	if solicited {
		flags |= naFlagSolicit
	}
	b := ip.ndPacket(target, dst, ndMsgLen+8, func(m []byte) {
		m[0] = uint8(wire.ICMPv6NeighborAdvert)
		m[4] = flags
		copy(m[8:24], target[:])
		m[24], m[25] = ndOptTgtLL, 1
		copy(m[26:32], own[:])
	})
	if b == nil {
		return
	}
	ip.st.ndOutAdverts.Add(1)
	ip.resolve(ifc, dst, b)
}
