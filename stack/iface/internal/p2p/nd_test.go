package p2p

import (
	"net/netip"
	"testing"

	"github.com/gopkt/gopkt/stack/wire"
)

// solicit builds the stack's neighbour solicitation for target from src
// (RFC 4861 §4.3, with the source link-layer address option).
func solicit(src, target netip.Addr, hop uint8) []byte {
	f := make([]byte, wire.EthernetHeaderLen+wire.IPv6HeaderLen+32)
	e := wire.Ethernet(f)
	e.SetDst(wire.MAC{0x33, 0x33, 0xff, 0, 0, 1})
	e.SetSrc(wire.MAC{2, 0, 0, 0, 0, 1})
	e.SetType(wire.EtherTypeIPv6)
	dst := wire.SolicitedNode(target.As16())
	h := wire.IPv6Fields{PayloadLen: 32, NextHeader: wire.IPProtocolICMPv6, HopLimit: hop, Src: src.As16(), Dst: dst}
	_, _ = h.Encode(e.Payload())
	m := e.Payload()[wire.IPv6HeaderLen:]
	m[0] = uint8(wire.ICMPv6NeighborSolicit)
	t := target.As16()
	copy(m[8:24], t[:])
	m[24], m[25] = 1, 1
	copy(m[26:32], []byte{2, 0, 0, 0, 0, 1})
	wire.ICMPv6(m).SetChecksum(^wire.Checksum(m, wire.PseudoHeaderChecksum6(wire.IPProtocolICMPv6, src.As16(), dst, 32)))
	return f
}

func TestNDAnswer(t *testing.T) {
	us, peer := netip.MustParseAddr("fd00:13::2"), netip.MustParseAddr("fd00:13::1")
	out := make([]byte, NAFrameLen)
	ns := solicit(us, peer, 255)
	if !IsSolicitation(ns) || !NDAnswer(ns, out) {
		t.Fatal("solicitation not answered")
	}
	e := wire.Ethernet(out)
	if e.Dst() != (wire.MAC{2, 0, 0, 0, 0, 1}) || e.Src() != PeerMAC() || e.Type() != wire.EtherTypeIPv6 {
		t.Errorf("ethernet %v > %v %v", e.Src(), e.Dst(), e.Type())
	}
	h, err := wire.NewIPv6(e.Payload())
	if err != nil || h.SrcAddr() != peer || h.DstAddr() != us || h.HopLimit() != 255 || h.NextHeader() != wire.IPProtocolICMPv6 || h.PayloadLen() != 32 {
		t.Fatalf("IPv6 header %x: %v", e.Payload()[:40], err)
	}
	m := h.Payload()
	if wire.Checksum(m, wire.PseudoHeaderChecksum6(wire.IPProtocolICMPv6, h.Src(), h.Dst(), 32)) != 0xffff {
		t.Error("bad ICMPv6 checksum")
	}
	pm := PeerMAC()
	want := append([]byte{136, 0, 0, 0, 0x60, 0, 0, 0}, peer.AsSlice()...)
	want = append(want, 2, 1)
	want = append(want, pm[:]...)
	m[2], m[3] = 0, 0
	if string(m) != string(want) {
		t.Errorf("advertisement\n got %x\nwant %x", m, want)
	}
	for name, f := range map[string][]byte{
		"DAD probe":   solicit(netip.IPv6Unspecified(), us, 255),
		"hop limit":   solicit(us, peer, 64),
		"multicast":   solicit(us, netip.MustParseAddr("ff02::1"), 255),
		"short":       ns[:wire.EthernetHeaderLen+wire.IPv6HeaderLen+20],
		"ARP request": arpRequest(wire.ARPRequest, wire.Addr4{198, 18, 0, 2}, wire.Addr4{198, 18, 0, 1}),
	} {
		if NDAnswer(f, out) {
			t.Errorf("%s answered", name)
		}
	}
}

func FuzzNDAnswer(f *testing.F) {
	f.Add(solicit(netip.MustParseAddr("fd00:13::2"), netip.MustParseAddr("fd00:13::1"), 255))
	f.Add(solicit(netip.IPv6Unspecified(), netip.MustParseAddr("fd00:13::1"), 255))
	f.Fuzz(func(t *testing.T, frame []byte) {
		out := make([]byte, NAFrameLen)
		if NDAnswer(frame, out) != IsSolicitation(frame) && IsSolicitation(frame) && wire.IPv6(frame[wire.EthernetHeaderLen:]).Src() != ([16]byte{}) {
			t.Fatal("a solicitation went unanswered")
		}
	})
}
