package p2p

import (
	"github.com/gopkt/gopkt/stack/wire"
)

// The IPv6 counterpart of ARPAnswer: a point-to-point link has no link
// layer, so the port answers the stack's neighbour solicitations itself
// (RFC 4861 §7.2.4, as a proxy would, §7.2.8) and IPv6 resolves every
// neighbour to PeerMAC without a special case.

// NAFrameLen is the length of a neighbour advertisement frame: Ethernet,
// IPv6, the 24-byte advertisement and a target link-layer address option.
const NAFrameLen = wire.EthernetHeaderLen + wire.IPv6HeaderLen + naLen

const (
	naLen        = 24 + 8 // RFC 4861 §4.4 message + §4.6.1 option for a 6-byte address
	ndHopLimit   = 255    // RFC 4861 §7.1.1: anything else is not from the link
	naSolicited  = 0x40   // S
	naOverride   = 0x20   // O
	optTargetLLA = 2      // RFC 4861 §4.6.1
)

// IsSolicitation reports whether frame, an Ethernet frame the stack sends,
// is an IPv6 neighbour solicitation (RFC 4861 §4.3).
func IsSolicitation(frame []byte) bool {
	_, _, ok := solicitation(frame)
	return ok
}

// solicitation returns the solicitation's IPv6 header and its ICMPv6
// message after the checks RFC 4861 §7.1.1 makes on receipt (hop limit
// 255, code 0, at least 24 bytes, target not multicast).
func solicitation(frame []byte) (wire.IPv6, []byte, bool) {
	e, err := wire.NewEthernet(frame)
	if err != nil || e.Type() != wire.EtherTypeIPv6 {
		return nil, nil, false
	}
	h, err := wire.NewIPv6(e.Payload())
	if err != nil || h.NextHeader() != wire.IPProtocolICMPv6 || h.HopLimit() != ndHopLimit {
		return nil, nil, false
	}
	m := h.Payload()
	if len(m) < 24 || m[0] != uint8(wire.ICMPv6NeighborSolicit) || m[1] != 0 || m[8] == 0xff {
		return nil, nil, false
	}
	return h, m, true
}

// NDAnswer writes into out (at least NAFrameLen bytes) the neighbour
// advertisement that answers frame, the stack's solicitation: from the
// target address, solicited and override, with PeerMAC as the target's
// link-layer address. It reports false — nothing to answer — for
// anything else and for a duplicate address detection probe (unspecified
// source, RFC 4862 §5.4.2): the address being tested is the stack's own,
// and the link has no one else who could hold it.
func NDAnswer(frame, out []byte) bool {
	h, m, ok := solicitation(frame)
	if !ok || len(out) < NAFrameLen {
		return false
	}
	src := h.Src()
	if src == ([16]byte{}) {
		return false
	}
	var target [16]byte
	copy(target[:], m[8:24])
	r := wire.Ethernet(out[:NAFrameLen])
	r.SetDst(wire.Ethernet(frame).Src())
	r.SetSrc(PeerMAC())
	r.SetType(wire.EtherTypeIPv6)
	f := wire.IPv6Fields{PayloadLen: naLen, NextHeader: wire.IPProtocolICMPv6, HopLimit: ndHopLimit, Src: target, Dst: src}
	if _, err := f.Encode(r.Payload()); err != nil {
		return false
	}
	na := r.Payload()[wire.IPv6HeaderLen:]
	clear(na)
	na[0] = uint8(wire.ICMPv6NeighborAdvert)
	na[4] = naSolicited | naOverride
	copy(na[8:24], target[:])
	na[24], na[25] = optTargetLLA, 1
	peer := PeerMAC()
	copy(na[26:32], peer[:])
	sum := wire.Checksum(na, wire.PseudoHeaderChecksum6(wire.IPProtocolICMPv6, target, src, naLen))
	wire.ICMPv6(na).SetChecksum(^sum)
	return true
}
