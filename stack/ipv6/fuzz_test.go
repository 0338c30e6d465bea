package ipv6_test

import (
	"encoding/binary"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/gopkt/gopkt/clock/clocktest"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// wireHost is our stack with eth0 on one end of a link whose other end
// the test drives by hand: it injects frames into eth0 (polled by the
// test, so an input is processed when inject returns) and reads what the
// host sends. The peer, 2001:db8::2 at peerMAC, is a permanent neighbour.
// Time is clk's: it stands still (no timer fires between inputs) until a
// test advances it.
type wireHost struct {
	pool *mbuf.Pool
	ip   *ipv6.IPv6
	s    *stack.Stack
	ifc  *stack.Interface
	peer *link.Port
	clk  *clocktest.Clock
}

var (
	hostAddr = netip.MustParseAddr("2001:db8::1").As16()
	peerAddr = netip.MustParseAddr("2001:db8::2").As16()
	peerMAC  = wire.MAC{0x02, 0, 0, 0, 0, 0x02}
)

func newWireHost(tb testing.TB) *wireHost {
	tb.Helper()
	pool := stacktest.NewPool(tb, 1024)
	// A manual clock: nothing may fire between inputs.
	clk := clocktest.New(time.Unix(1_700_000_000, 0))
	ip6 := ipv6.New(ipv6.Options{Clock: clk, DADTransmits: -1})
	s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{ipv4.New(ipv4.Options{Clock: clk}), ip6}})
	if err != nil {
		tb.Fatal(err)
	}
	pa, pb := link.Pair(link.Options{B: peerMAC})
	ifc, err := s.Attach("eth0", pa, stack.IfOptions{NoPoller: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close(); _ = pa.Close(); _ = pb.Close() })
	if err := ip6.AddAddress(ifc, netip.PrefixFrom(netip.AddrFrom16(hostAddr), 64)); err != nil {
		tb.Fatal(err)
	}
	if err := ip6.AddStaticNeighbour(ifc, netip.AddrFrom16(peerAddr), peerMAC); err != nil {
		tb.Fatal(err)
	}
	w := &wireHost{pool: pool, ip: ip6, s: s, ifc: ifc, peer: pb, clk: clk}
	w.frames() // the MLD reports of the groups joined so far
	return w
}

// frames returns (copies of) the IPv6 packets the host has sent.
func (w *wireHost) frames() [][]byte {
	var out [][]byte
	bufs := make([]*mbuf.Buf, 32)
	for {
		k := w.peer.RxBurst(bufs)
		if k == 0 {
			return out
		}
		for _, f := range bufs[:k] {
			fr := make([]byte, f.PktLen())
			f.CopyTo(fr)
			f.Free()
			if len(fr) > wire.EthernetHeaderLen {
				out = append(out, fr[wire.EthernetHeaderLen:])
			}
		}
	}
}

// inject delivers one frame (Ethernet header + ipPkt) to eth0 and returns
// the IPv6 packets the host sent back on the wire (copies).
func (w *wireHost) inject(tb testing.TB, dstMAC wire.MAC, ipPkt []byte) [][]byte {
	tb.Helper()
	b, err := w.pool.Get()
	if err != nil {
		tb.Fatal(err)
	}
	n := min(len(ipPkt)+wire.EthernetHeaderLen, b.Tailroom())
	d, _ := b.Append(n)
	e := wire.Ethernet(d)
	e.SetDst(dstMAC)
	e.SetSrc(peerMAC)
	e.SetType(wire.EtherTypeIPv6)
	copy(d[wire.EthernetHeaderLen:], ipPkt)
	_ = w.peer.TxBurst([]*mbuf.Buf{b})
	stacktest.Drain(w.ifc)
	// Replies to our own address run through lo0's goroutine.
	lo := w.s.Loopback()
	pend := lo.Port().(interface{ Pending() int })
	for end := time.Now().Add(2 * time.Second); pend.Pending() != 0 && time.Now().Before(end); {
		runtime.Gosched()
	}
	return w.frames()
}

// clean drops per-packet state and checks every buffer came back.
func (w *wireHost) clean(tb testing.TB) {
	tb.Helper()
	w.ip.ResetPerPacketState()
	lo := w.s.Loopback()
	pend := lo.Port().(interface{ Pending() int })
	for end := time.Now().Add(2 * time.Second); (pend.Pending() != 0 || w.pool.InUse() != 0) && time.Now().Before(end); {
		runtime.Gosched()
	}
	if n := w.pool.InUse(); n != 0 {
		tb.Fatalf("%d mbufs in use after the input", n)
	}
}

// pkt builds an IPv6 packet; for next header 58 the ICMPv6 checksum in
// payload is filled in.
func pkt(src, dst [16]byte, nh wire.IPProtocol, hop uint8, payload []byte) []byte {
	p := make([]byte, wire.IPv6HeaderLen+len(payload))
	f := wire.IPv6Fields{PayloadLen: uint16(len(payload)), NextHeader: nh, HopLimit: hop, Src: src, Dst: dst}
	_, _ = f.Encode(p)
	copy(p[wire.IPv6HeaderLen:], payload)
	if nh == wire.IPProtocolICMPv6 && len(payload) >= 4 {
		icmpSum(p[wire.IPv6HeaderLen:], src, dst)
	}
	return p
}

func icmpSum(m []byte, src, dst [16]byte) {
	m[2], m[3] = 0, 0
	s := wire.Checksum(m, wire.PseudoHeaderChecksum6(wire.IPProtocolICMPv6, src, dst, uint32(len(m))))
	binary.BigEndian.PutUint16(m[2:], ^s)
}

func echo(id, seq uint16, n int) []byte {
	m := make([]byte, 8+n)
	m[0] = uint8(wire.ICMPv6EchoRequest)
	binary.BigEndian.PutUint16(m[4:], id)
	binary.BigEndian.PutUint16(m[6:], seq)
	return m
}

func ns(target [16]byte, opt []byte) []byte {
	m := make([]byte, 24, 24+len(opt))
	m[0] = uint8(wire.ICMPv6NeighborSolicit)
	copy(m[8:], target[:])
	return append(m, opt...)
}

// withExt puts extension header ext (its first byte is overwritten with
// the next header inner) in front of an upper-layer payload.
func withExt(ext []byte, inner wire.IPProtocol, upper []byte) []byte {
	e := append([]byte(nil), ext...)
	e[0] = uint8(inner)
	return append(e, upper...)
}

func seeds() [][]byte {
	e := echo(1, 1, 16)
	icmpSum(e, peerAddr, hostAddr)
	slla := []byte{1, 1, 2, 0, 0, 0, 0, 2}
	return [][]byte{
		pkt(peerAddr, hostAddr, wire.IPProtocolICMPv6, 64, echo(1, 1, 16)),
		pkt(peerAddr, wire.SolicitedNode(hostAddr), wire.IPProtocolICMPv6, 255, ns(hostAddr, slla)),
		pkt(peerAddr, hostAddr, wire.IPv6DestOpts, 64, withExt([]byte{0, 0, 0x80, 1, 0, 0, 0, 0}, wire.IPProtocolICMPv6, e)),
		pkt(peerAddr, hostAddr, wire.IPv6Routing, 64, withExt([]byte{0, 0, 0, 1, 0, 0, 0, 0}, wire.IPv6NoNext, nil)),
		pkt(peerAddr, hostAddr, wire.IPv6Fragment, 64, withExt([]byte{0, 0, 0, 1, 0, 0, 0, 9}, wire.IPProtocolICMPv6, e)),
		pkt(peerAddr, hostAddr, wire.IPv6Fragment, 64, withExt([]byte{0, 0, 0, 0, 0, 0, 0, 9}, wire.IPProtocolICMPv6, e)),
		pkt(peerAddr, hostAddr, wire.IPv6HopByHop, 64, withExt([]byte{0, 0, 0xc2, 4, 0, 1, 0, 0}, 200, []byte{1, 2, 3})),
		// Neighbour advertisement, router advertisement, MLD query,
		// packet too big quoting one of our packets.
		pkt(peerAddr, hostAddr, wire.IPProtocolICMPv6, 255, append([]byte{136, 0, 0, 0, 0x60, 0, 0, 0}, append(peerAddr[:], 2, 1, 2, 0, 0, 0, 0, 2)...)),
		pkt([16]byte{0: 0xfe, 1: 0x80, 15: 2}, [16]byte{0: 0xff, 1: 2, 15: 1}, wire.IPProtocolICMPv6, 255,
			ra(1800, netip.MustParseAddr("2001:db8:77::").As16(), 64, 0xc0, 86400, 14400)),
		pkt([16]byte{0: 0xfe, 1: 0x80, 15: 2}, [16]byte{0: 0xff, 1: 2, 15: 1}, wire.IPv6HopByHop, 1,
			withExt([]byte{0, 0, 5, 2, 0, 0, 1, 0}, wire.IPProtocolICMPv6, append([]byte{130, 0, 0, 0, 0, 0, 0, 0}, make([]byte, 20)...))),
		pkt(peerAddr, hostAddr, wire.IPProtocolICMPv6, 64, append([]byte{2, 0, 0, 0, 0, 0, 5, 0}, pkt(hostAddr, peerAddr, wire.IPProtocolUDP, 64, make([]byte, 16))...)),
		// A redirect with target link-layer address and redirected
		// header options.
		pkt([16]byte{0: 0xfe, 1: 0x80, 15: 2}, hostAddr, wire.IPProtocolICMPv6, 255, redirectMsg([16]byte{0: 0xfe, 1: 0x80, 15: 3},
			netip.MustParseAddr("2001:db8:99::5").As16(), 2, 1, 2, 0, 0, 0, 0, 3, 4, 1, 0, 0, 0, 0, 0, 0)),
	}
}

// FuzzInput feeds arbitrary IPv6 packets to the input path of one host,
// unicast to us and multicast to all-nodes; nothing may panic and every
// buffer must come back once per-packet state is dropped.
func FuzzInput(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s, false)
	}
	w := newWireHost(f)
	f.Fuzz(func(t *testing.T, p []byte, multicast bool) {
		dst := w.ifc.MAC()
		if multicast {
			dst = wire.MulticastMAC6([16]byte{0: 0xff, 1: 2, 15: 1})
		}
		w.inject(t, dst, p)
		w.clean(t)
	})
}
