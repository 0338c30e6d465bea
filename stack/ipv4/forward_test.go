package ipv4_test

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// inject pushes frames into the router's eth0 and returns what came out of
// (in, out): the frames sent back towards the sender and those forwarded.
func routeFrames(t *testing.T, r *stacktest.Host, in, out *link.Port, pool *mbuf.Pool, frames ...[]byte) (back, fwd [][]byte) {
	t.Helper()
	for _, f := range frames {
		b, _ := pool.Get()
		d, _ := b.Append(len(f))
		copy(d, f)
		in.TxBurst([]*mbuf.Buf{b})
	}
	stacktest.Drain(r.S.Interfaces()...)
	collect := func(p *link.Port) [][]byte {
		var res [][]byte
		bufs := make([]*mbuf.Buf, 64)
		n := p.RxBurst(bufs)
		for _, b := range bufs[:n] {
			if wire.Ethernet(b.Bytes()).Type() == wire.EtherTypeIPv4 {
				res = append(res, append([]byte(nil), b.Bytes()...))
			}
		}
		pool.Free(bufs[:n])
		return res
	}
	return collect(in), collect(out)
}

func TestForwardErrors(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	r, in, out := router(t, pool)
	eth0 := r.S.InterfaceByName("eth0")
	r.IP.AddStaticNeighbour(eth0, netip.MustParseAddr("198.18.0.1"), wire.MAC{2, 0, 0, 0, 0, 0xa})

	// TTL 1: time exceeded back to the sender from the router's address on
	// that side, quoting the datagram as it arrived (RFC 1812 §5.3.1).
	f := udpFrame(1)
	back, fwd := routeFrames(t, r, in, out, pool, f)
	if len(fwd) != 0 || len(back) != 1 {
		t.Fatalf("TTL 1: %d back, %d forwarded", len(back), len(fwd))
	}
	h := wire.IPv4(back[0][14:])
	m := wire.ICMPv4(h.Payload())
	if h.Src() != (wire.Addr4{198, 18, 0, 254}) || h.Dst() != (wire.Addr4{198, 18, 0, 1}) || m.Type() != wire.ICMPv4TimeExceeded ||
		m.Code() != wire.ICMPv4TTLExceeded || !bytes.Equal(m.Payload(), f[14:]) || !m.ChecksumValid() {
		t.Errorf("time exceeded: % x", back[0])
	}

	// No route: network unreachable.
	nr := udpFrame(64)
	ip := wire.IPv4(nr[14:])
	ip.SetDst(wire.Addr4{198, 19, 9, 9})
	ip.UpdateChecksum()
	back, _ = routeFrames(t, r, in, out, pool, nr)
	if len(back) != 1 || back[0][34] != 3 || back[0][35] != wire.ICMPv4NetUnreachable {
		t.Errorf("no route: % x", back)
	}

	// DF and too big for eth1 (MTU 1000): fragmentation needed with the
	// next-hop MTU (RFC 1191 §4), quoting the original TTL.
	if err := r.S.InterfaceByName("eth1").SetMTU(1000); err != nil {
		t.Fatal(err)
	}
	big := bigFrame(1200, true)
	back, fwd = routeFrames(t, r, in, out, pool, big)
	if len(fwd) != 0 || len(back) != 1 {
		t.Fatalf("DF: %d back %d forwarded", len(back), len(fwd))
	}
	m = wire.ICMPv4(back[0][34:])
	if m.Type() != wire.ICMPv4DestUnreach || m.Code() != wire.ICMPv4FragNeeded || m.MTU() != 1000 || !bytes.Equal(m.Payload()[:20], big[14:34]) {
		t.Errorf("frag needed: % x", back[0][:70])
	}
	// Without DF the router fragments.
	_, fwd = routeFrames(t, r, in, out, pool, bigFrame(1200, false))
	if len(fwd) != 2 || wire.IPv4(fwd[0][14:]).TTL() != 63 || !wire.IPv4(fwd[1][14:]).ChecksumValid() {
		t.Errorf("router fragmentation: %d fragments", len(fwd))
	}
}

func bigFrame(n int, df bool) []byte {
	var flags uint8
	if df {
		flags = wire.IPv4FlagDF
	}
	p := ipPacket(wire.IPv4Fields{Flags: flags, Protocol: wire.IPProtocolUDP, Src: wire.Addr4{198, 18, 0, 1}, Dst: wire.Addr4{198, 18, 1, 2}},
		udpDatagram(wire.Addr4{198, 18, 0, 1}, wire.Addr4{198, 18, 1, 2}, 1, 9, make([]byte, n)))
	return eth(wire.MAC{2, 0, 0, 0, 1, 0xfe}, wire.MAC{2, 0, 0, 0, 0, 0xa}, wire.EtherTypeIPv4, p)
}

func TestIPHooks(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	r, in, out := router(t, pool)
	// The example filter on the forward hook: drop UDP to port 9.
	f := pfil.NewAddrFilter(pfil.Rule{Proto: wire.IPProtocolUDP, Port: 9})
	if err := r.IP.Forward().Add("addrfilter", 0, f.Hook); err != nil {
		t.Fatal(err)
	}
	_, fwd := routeFrames(t, r, in, out, pool, udpFrame(64))
	if len(fwd) != 0 || f.Dropped() != 1 || r.IP.Stats().InFiltered != 1 {
		t.Errorf("forward filter: %d forwarded, dropped %d", len(fwd), f.Dropped())
	}
	_ = r.IP.Forward().Remove("addrfilter")
	// An in hook sees every datagram first; consuming it stops the stack.
	seen := 0
	_ = r.IP.In().Add("count", 0, func(pfil.Dir, int, *mbuf.Buf) pfil.Verdict { seen++; return pfil.Pass })
	_, fwd = routeFrames(t, r, in, out, pool, udpFrame(64))
	if len(fwd) != 1 || seen != 1 {
		t.Errorf("in hook: seen %d, forwarded %d", seen, len(fwd))
	}
	// An out hook on locally generated traffic.
	_ = r.IP.Out().Add("drop-all", 0, func(pfil.Dir, int, *mbuf.Buf) pfil.Verdict { return pfil.Drop })
	c, _ := r.UDP.Dial(netipAP("0.0.0.0:0"), netipAP("198.18.1.2:9"))
	defer c.Close()
	_, _ = c.Write([]byte("x"))
	if _, fwd = routeFrames(t, r, in, out, pool); len(fwd) != 0 || r.IP.Stats().OutFiltered != 1 {
		t.Errorf("out hook: %d sent", len(fwd))
	}
}
