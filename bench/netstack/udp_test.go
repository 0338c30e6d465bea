package netstack

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/link/ethernet"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	gipv6 "gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	gstack "gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
	"gvisor.dev/gvisor/pkg/waiter"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	gipv4 "github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
	gudp "github.com/gopkt/gopkt/stack/udp"
)

const (
	burst   = 32
	payload = 64
)

// BenchmarkUDP64 runs the same workload on both stacks; see the package doc.
func BenchmarkUDP64(b *testing.B) {
	b.Run("gopkt", func(b *testing.B) {
		pool := stacktest.NewPool(b, 1024)
		ha, hb, ia, ib := stacktest.Pair(b, pool, stacktest.Config{NoPoller: true})
		runGopkt(b, ha.UDP, hb.UDP, ia, ib, "198.18.0.2:9", "0.0.0.0:9")
	})
	b.Run("gvisor", func(b *testing.B) {
		a := newGHost(b, gHostAddr4(1), "\x02\x00\x00\x00\x00\x01")
		c := newGHost(b, gHostAddr4(2), "\x02\x00\x00\x00\x00\x02")
		runGVisor(b, a, c, ipv4.ProtocolNumber, gHostAddr4(2).AddressWithPrefix.Address)
	})
}

// BenchmarkUDP64v6 is BenchmarkUDP64 over IPv6 (2001:db8::1 to ::2,
// neighbour discovery done before the timer starts): the UDP checksum is
// mandatory there, so both stacks compute it.
func BenchmarkUDP64v6(b *testing.B) {
	b.Run("gopkt", func(b *testing.B) {
		pool := stacktest.NewPool(b, 1024)
		us, ifcs := gopktPair6(b, pool)
		runGopkt(b, us[0], us[1], ifcs[0], ifcs[1], "[2001:db8::2]:9", "[::]:9")
	})
	b.Run("gvisor", func(b *testing.B) {
		a := newGHost(b, gHostAddr6(1), "\x02\x00\x00\x00\x00\x01")
		c := newGHost(b, gHostAddr6(2), "\x02\x00\x00\x00\x00\x02")
		runGVisor(b, a, c, gipv6.ProtocolNumber, gHostAddr6(2).AddressWithPrefix.Address)
	})
}

// gopktPair6 is two gopkt stacks with IPv6 (and UDP serving it) on one
// in-memory link, 2001:db8::1 and ::2, without DAD; interfaces polled by
// the caller.
func gopktPair6(b *testing.B, pool *mbuf.Pool) ([]*gudp.UDP, []*stack.Interface) {
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		b.Fatal(err)
	}
	pa, pb := link.Pair(link.Options{})
	b.Cleanup(func() { _ = pa.Close(); _ = pb.Close() })
	var us []*gudp.UDP
	var ifcs []*stack.Interface
	for i, p := range []*link.Port{pa, pb} {
		u := gudp.New(gudp.Options{})
		ip6 := ipv6.New(ipv6.Options{DADTransmits: -1, Transports: []ipv6.Transport{u.V6()}})
		s, err := stack.New(stack.Options{Pool: pool, Budget: bg, Protocols: []stack.Protocol{gipv4.New(gipv4.Options{Transports: []gipv4.Transport{u}}), ip6}})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		ifc, err := s.Attach("eth0", p, stack.IfOptions{NoPoller: true})
		if err != nil {
			b.Fatal(err)
		}
		if err := ip6.AddAddress(ifc, netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(i + 1)}), 64)); err != nil {
			b.Fatal(err)
		}
		us, ifcs = append(us, u), append(ifcs, ifc)
	}
	return us, ifcs
}

// runGopkt measures bursts of datagrams from a socket of ua to one of ub
// bound to listen, sent to dst, after one warm-up datagram (neighbour
// resolution); ib is polled once per burst.
func runGopkt(b *testing.B, ua, ub *gudp.UDP, ia, ib *stack.Interface, dst, listen string) {
	srv, err := ub.ListenPacket(netip.MustParseAddrPort(listen))
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	cli, err := ua.Dial(netip.AddrPort{}, netip.MustParseAddrPort(dst))
	if err != nil {
		b.Fatal(err)
	}
	defer cli.Close()
	msg, buf := make([]byte, payload), make([]byte, 2048)
	if _, err := cli.Write(msg); err != nil {
		b.Fatal(err)
	}
	stacktest.Drain(ia, ib)
	if n, _, err := srv.ReadFromUDPAddrPort(buf); err != nil || n != payload {
		b.Fatalf("warm-up: %d %v", n, err)
	}
	b.SetBytes(payload)
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += burst {
		k := min(burst, b.N-done)
		for range k {
			if _, err := cli.Write(msg); err != nil {
				b.Fatal(err)
			}
		}
		ib.Poll()
		for range k {
			if n, _, err := srv.ReadFromUDPAddrPort(buf); err != nil || n != payload {
				b.Fatalf("read: %d %v", n, err)
			}
		}
	}
}

type gHost struct {
	s  *gstack.Stack
	ch *channel.Endpoint
}

// gHostAddr4 is 198.18.0.last/24; gHostAddr6 2001:db8::last/64.
func gHostAddr4(last byte) tcpip.ProtocolAddress {
	return tcpip.ProtocolAddress{Protocol: ipv4.ProtocolNumber, AddressWithPrefix: tcpip.AddressWithPrefix{
		Address: tcpip.AddrFrom4([4]byte{198, 18, 0, last}), PrefixLen: 24}}
}

func gHostAddr6(last byte) tcpip.ProtocolAddress {
	return tcpip.ProtocolAddress{Protocol: gipv6.ProtocolNumber, AddressWithPrefix: tcpip.AddressWithPrefix{
		Address: tcpip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: last}), PrefixLen: 64}}
}

// newGHost is a gVisor stack with UDP and the network protocol of pa
// (IPv4 with ARP, or IPv6) on a channel link, pa its address.
func newGHost(b *testing.B, pa tcpip.ProtocolAddress, mac tcpip.LinkAddress) *gHost {
	nets := []gstack.NetworkProtocolFactory{ipv4.NewProtocol, arp.NewProtocol}
	if pa.Protocol == gipv6.ProtocolNumber {
		nets = []gstack.NetworkProtocolFactory{gipv6.NewProtocol}
	}
	s := gstack.New(gstack.Options{
		NetworkProtocols:   nets,
		TransportProtocols: []gstack.TransportProtocolFactory{udp.NewProtocol},
	})
	ch := channel.New(4*burst, 1500, mac)
	if err := s.CreateNIC(1, ethernet.New(ch)); err != nil {
		b.Fatal(err)
	}
	if err := s.AddProtocolAddress(1, pa, gstack.AddressProperties{}); err != nil {
		b.Fatal(err)
	}
	s.SetRouteTable([]tcpip.Route{{Destination: pa.AddressWithPrefix.Subnet(), NIC: 1}})
	b.Cleanup(func() { s.Close(); s.Wait() })
	return &gHost{s: s, ch: ch}
}

// pump moves every queued frame from one link end into the other stack.
func pump(from, to *channel.Endpoint) int {
	n := 0
	for {
		pkt := from.Read()
		if pkt == nil {
			return n
		}
		np := gstack.NewPacketBuffer(gstack.PacketBufferOptions{Payload: pkt.ToBuffer()})
		pkt.DecRef()
		to.InjectInbound(0, np)
		np.DecRef()
		n++
	}
}

// runGVisor measures the same bursts from a's endpoint to c's on port 9
// at addr, after a warm-up datagram: it waits out address detection
// (IPv6; Connect fails until the source is usable) and neighbour
// resolution (gVisor sends the held datagram from its own goroutine once
// the answer is in).
func runGVisor(b *testing.B, a, c *gHost, proto tcpip.NetworkProtocolNumber, addr tcpip.Address) {
	var wqa, wqc waiter.Queue
	srv, err := c.s.NewEndpoint(udp.ProtocolNumber, proto, &wqc)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Bind(tcpip.FullAddress{Port: 9}); err != nil {
		b.Fatal(err)
	}
	cli, err := a.s.NewEndpoint(udp.ProtocolNumber, proto, &wqa)
	if err != nil {
		b.Fatal(err)
	}
	defer cli.Close()
	to := tcpip.FullAddress{Addr: addr, Port: 9}
	msg := make([]byte, payload)
	var r bytes.Reader
	var out bytes.Buffer
	deadline := time.Now().Add(10 * time.Second)
	for connected, sent := false, false; ; {
		if !connected {
			connected = cli.Connect(to) == nil
		}
		if connected && !sent {
			r.Reset(msg)
			_, werr := cli.Write(&r, tcpip.WriteOptions{})
			sent = werr == nil
		}
		pump(a.ch, c.ch)
		pump(c.ch, a.ch)
		out.Reset()
		if _, err := srv.Read(&out, tcpip.ReadOptions{}); err == nil {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("gvisor: warm-up datagram never arrived")
		}
		time.Sleep(time.Millisecond)
	}
	b.SetBytes(payload)
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += burst {
		k := min(burst, b.N-done)
		for range k {
			r.Reset(msg)
			if _, err := cli.Write(&r, tcpip.WriteOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		pump(a.ch, c.ch)
		for range k {
			out.Reset()
			res, err := srv.Read(&out, tcpip.ReadOptions{})
			if err != nil || res.Count != payload {
				b.Fatalf("gvisor read: %+v %v", res, err)
			}
		}
	}
}
