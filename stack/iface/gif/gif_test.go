package gif_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/iface/gif"
	"github.com/gopkt/gopkt/stack/iface/internal/tunnel/tunneltest"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

type pair = tunneltest.Pair[*gif.Module, gif.Config]

func newPair(t *testing.T) *pair { return tunneltest.NewPair[*gif.Module, gif.Config](t, gif.New) }

var (
	addrA = tunneltest.AddrA
	addrB = tunneltest.AddrB
	ping  = tunneltest.Ping
)

func TestGIFPing(t *testing.T) {
	pr := newPair(t)
	ga := pr.A.Tunnel(t, "gif0", gif.Config{Local: addrA, Remote: addrB}, "198.18.74.1/30")
	pr.B.Tunnel(t, "gif0", gif.Config{Local: addrB, Remote: addrA}, "198.18.74.2/30")
	if ga.MTU() != 1480 {
		t.Errorf("tunnel MTU %d, want 1480", ga.MTU())
	}
	for _, size := range []int{56, 1452, 3000} {
		if err := ping(pr.A.IP, "198.18.74.2", size, 5*time.Second); err != nil {
			t.Errorf("ping -s %d through the tunnel: %v", size, err)
		}
	}
	if err := ping(pr.B.IP, "198.18.74.1", 56, 5*time.Second); err != nil {
		t.Errorf("ping back: %v", err)
	}
	n := 0
	for _, f := range pr.Frames() {
		e := wire.Ethernet(f)
		if e.Type() != wire.EtherTypeIPv4 {
			continue
		}
		outer := wire.IPv4(e.Payload())
		if outer.Protocol() != wire.IPProtocolIPIP {
			continue
		}
		n++
		inner, err := wire.NewIPv4(e.Payload()[outer.HeaderLen():])
		if err != nil || inner.Protocol() != wire.IPProtocolICMP {
			t.Errorf("inner packet: %v", err)
		}
		if outer.Src() != addrA.As4() && outer.Src() != addrB.As4() {
			t.Errorf("outer source %v", outer.Src())
		}
	}
	if n < 8 {
		t.Errorf("%d IPIP packets on the wire", n)
	}
	if st, _ := gif.Tunnel(ga); st.TxPackets == 0 || st.RxPackets == 0 || st.RxErrors != 0 {
		t.Errorf("counters %+v", st)
	}
}

func TestGIFMalformedUnknownAndLoop(t *testing.T) {
	pr := newPair(t)
	gb := pr.B.Tunnel(t, "gif0", gif.Config{Local: addrB, Remote: addrA}, "198.18.74.2/30")
	// Protocol 4 whose payload is not an IPv4 header.
	pkt, err := pr.A.IP.NewPacket(0, []byte{0x60, 1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := pr.A.IP.Output(pkt, ipv4.Header{Dst: addrB.As4(), Protocol: wire.IPProtocolIPIP}); err != nil {
		t.Fatal(err)
	}
	if !stacktest.Eventually(2*time.Second, func() bool { st, _ := gif.Tunnel(gb); return st.RxErrors == 1 }) {
		st, _ := gif.Tunnel(gb)
		t.Errorf("malformed inner packet: %+v", st)
	}
	// From an address no tunnel serves.
	if err := pr.B.S.AddAddress(pr.B.Eth, netip.MustParsePrefix("198.18.70.3/24")); err != nil {
		t.Fatal(err)
	}
	pkt, _ = pr.A.IP.NewPacket(0, make([]byte, 20))
	_ = pr.A.IP.Output(pkt, ipv4.Header{Dst: netip.MustParseAddr("198.18.70.3").As4(), Protocol: wire.IPProtocolIPIP})
	if !stacktest.Eventually(2*time.Second, func() bool { return pr.B.M.Stats().NoTunnel >= 1 }) {
		t.Errorf("packet for no tunnel not counted: %+v", pr.B.M.Stats())
	}
	loop := pr.A.Tunnel(t, "gif1", gif.Config{Local: addrA, Remote: netip.MustParseAddr("198.18.72.9")}, "198.18.73.1/30")
	if err := pr.A.S.Routes().Add(route.Route{Prefix: netip.MustParsePrefix("198.18.72.9/32"), IfIndex: loop.Index()}); err != nil {
		t.Fatal(err)
	}
	if err := ping(pr.A.IP, "198.18.73.2", 56, 500*time.Millisecond); err == nil {
		t.Error("ping through a looped tunnel succeeded")
	}
	if st, _ := gif.Tunnel(loop); st.TxLoops == 0 {
		t.Errorf("loop not counted: %+v", st)
	}
	if err := pr.A.S.Destroy("gif1"); err != nil {
		t.Fatal(err)
	}
}

// TestGIFIPv6Input: protocol 41 (RFC 4213 §3.5) on a tunnel's endpoints
// delivers an IPv6 packet to the tunnel interface and counts anything
// else as malformed; encapsulation picks 41 for IPv6 and 4 for IPv4.
func TestGIFIPv6Input(t *testing.T) {
	pr := newPair(t)
	gb := pr.B.Tunnel(t, "gif0", gif.Config{Local: addrB, Remote: addrA}, "198.18.74.2/30")
	six := pr.B.M.IPv6()
	if six.Protocol() != wire.IPProtocolIPv6 {
		t.Fatalf("protocol %v", six.Protocol())
	}
	meta := ipv4.Meta{Src: addrA.As4(), Dst: addrB.As4()}
	for i, c := range []struct {
		payload []byte
		rx, bad uint64
	}{
		{[]byte{0x45, 0, 0, 20}, 0, 1}, // an IPv4 header under protocol 41
		{ipv6Packet(), 1, 1},
	} {
		b, err := pr.B.S.Pool().Get()
		if err != nil {
			t.Fatal(err)
		}
		d, _ := b.Append(len(c.payload))
		copy(d, c.payload)
		if !six.Input(b, meta) {
			t.Fatalf("case %d: not taken", i)
		}
		if st, _ := gif.Tunnel(gb); st.RxPackets != c.rx || st.RxErrors != c.bad {
			t.Errorf("case %d: %+v", i, st)
		}
	}
	// Endpoints no tunnel serves: left to IPv4.
	b, _ := pr.B.S.Pool().Get()
	if six.Input(b, ipv4.Meta{Src: wire.Addr4{198, 18, 70, 9}, Dst: addrB.As4()}) {
		t.Error("packet for no tunnel taken")
	}
	b.Free()
}

// ipv6Packet is an IPv6 header with an empty payload (no next header).
func ipv6Packet() []byte {
	p := make([]byte, wire.IPv6HeaderLen)
	f := wire.IPv6Fields{NextHeader: 59, HopLimit: 64, Src: netip.MustParseAddr("fd00:11::1").As16(), Dst: netip.MustParseAddr("fd00:11::2").As16()}
	_, _ = f.Encode(p)
	return p
}
