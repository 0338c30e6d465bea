package netstack

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/link/ethernet"
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

// BenchmarkUDP64v6 is BenchmarkUDP64 over IPv6 (2001:db8::1 to ::2,
// neighbour discovery done before the timer starts): the UDP checksum is
// mandatory there, so both stacks compute it.
func BenchmarkUDP64v6(b *testing.B) {
	b.Run("gopkt", benchGopkt6)
	b.Run("gvisor", benchGVisor6)
}

func benchGopkt6(b *testing.B) {
	pool := stacktest.NewPool(b, 1024)
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
	ia, ib := ifcs[0], ifcs[1]
	dst := netip.MustParseAddrPort("[2001:db8::2]:9")
	srv, err := us[1].ListenPacket(netip.MustParseAddrPort("[::]:9"))
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	cli, err := us[0].Dial(netip.AddrPort{}, dst)
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

func newGHost6(b *testing.B, last byte, mac tcpip.LinkAddress) *gHost {
	s := gstack.New(gstack.Options{
		NetworkProtocols:   []gstack.NetworkProtocolFactory{gipv6.NewProtocol},
		TransportProtocols: []gstack.TransportProtocolFactory{udp.NewProtocol},
	})
	ch := channel.New(4*burst, 1500, mac)
	if err := s.CreateNIC(1, ethernet.New(ch)); err != nil {
		b.Fatal(err)
	}
	pa := tcpip.ProtocolAddress{Protocol: gipv6.ProtocolNumber, AddressWithPrefix: tcpip.AddressWithPrefix{
		Address: tcpip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: last}), PrefixLen: 64}}
	if err := s.AddProtocolAddress(1, pa, gstack.AddressProperties{}); err != nil {
		b.Fatal(err)
	}
	s.SetRouteTable([]tcpip.Route{{Destination: pa.AddressWithPrefix.Subnet(), NIC: 1}})
	b.Cleanup(func() { s.Close(); s.Wait() })
	return &gHost{s: s, ch: ch}
}

func benchGVisor6(b *testing.B) {
	a := newGHost6(b, 1, "\x02\x00\x00\x00\x00\x01")
	c := newGHost6(b, 2, "\x02\x00\x00\x00\x00\x02")
	var wqa, wqc waiter.Queue
	srv, err := c.s.NewEndpoint(udp.ProtocolNumber, gipv6.ProtocolNumber, &wqc)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Bind(tcpip.FullAddress{Port: 9}); err != nil {
		b.Fatal(err)
	}
	cli, err := a.s.NewEndpoint(udp.ProtocolNumber, gipv6.ProtocolNumber, &wqa)
	if err != nil {
		b.Fatal(err)
	}
	defer cli.Close()
	to := tcpip.FullAddress{Addr: tcpip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: 2}), Port: 9}
	msg := make([]byte, payload)
	var r bytes.Reader
	var out bytes.Buffer
	// Warm up: wait out any address detection and resolve the neighbour.
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
