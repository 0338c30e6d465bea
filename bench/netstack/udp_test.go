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
	gstack "gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
	"gvisor.dev/gvisor/pkg/waiter"

	"github.com/gopkt/gopkt/stack/stacktest"
)

const (
	burst   = 32
	payload = 64
)

// BenchmarkUDP64 runs the same workload on both stacks; see the package doc.
func BenchmarkUDP64(b *testing.B) {
	b.Run("gopkt", benchGopkt)
	b.Run("gvisor", benchGVisor)
}

func benchGopkt(b *testing.B) {
	pool := stacktest.NewPool(b, 1024)
	ha, hb, ia, ib := stacktest.Pair(b, pool, stacktest.Config{NoPoller: true})
	dst := netip.MustParseAddrPort("198.18.0.2:9")
	srv, err := hb.UDP.ListenPacket(netip.MustParseAddrPort("0.0.0.0:9"))
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	cli, err := ha.UDP.Dial(netip.AddrPort{}, dst)
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

func newGHost(b *testing.B, addr [4]byte, mac tcpip.LinkAddress) *gHost {
	s := gstack.New(gstack.Options{
		NetworkProtocols:   []gstack.NetworkProtocolFactory{ipv4.NewProtocol, arp.NewProtocol},
		TransportProtocols: []gstack.TransportProtocolFactory{udp.NewProtocol},
	})
	ch := channel.New(4*burst, 1500, mac)
	if err := s.CreateNIC(1, ethernet.New(ch)); err != nil {
		b.Fatal(err)
	}
	pa := tcpip.ProtocolAddress{Protocol: ipv4.ProtocolNumber, AddressWithPrefix: tcpip.AddressWithPrefix{Address: tcpip.AddrFrom4(addr), PrefixLen: 24}}
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

func benchGVisor(b *testing.B) {
	a := newGHost(b, [4]byte{198, 18, 0, 1}, "\x02\x00\x00\x00\x00\x01")
	c := newGHost(b, [4]byte{198, 18, 0, 2}, "\x02\x00\x00\x00\x00\x02")
	var wqa, wqc waiter.Queue
	srv, err := c.s.NewEndpoint(udp.ProtocolNumber, ipv4.ProtocolNumber, &wqc)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Bind(tcpip.FullAddress{Port: 9}); err != nil {
		b.Fatal(err)
	}
	cli, err := a.s.NewEndpoint(udp.ProtocolNumber, ipv4.ProtocolNumber, &wqa)
	if err != nil {
		b.Fatal(err)
	}
	defer cli.Close()
	to := tcpip.FullAddress{Addr: tcpip.AddrFrom4([4]byte{198, 18, 0, 2}), Port: 9}
	if err := cli.Connect(to); err != nil {
		b.Fatal(err)
	}
	msg := make([]byte, payload)
	var r bytes.Reader
	var out bytes.Buffer
	write := func() {
		r.Reset(msg)
		if _, err := cli.Write(&r, tcpip.WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	read := func() {
		out.Reset()
		res, err := srv.Read(&out, tcpip.ReadOptions{})
		if err != nil || res.Count != payload {
			b.Fatalf("gvisor read: %+v %v", res, err)
		}
	}
	// Warm up: resolve ARP (the first datagram waits for it; gVisor sends
	// it from its own goroutine once the reply is in).
	write()
	deadline := time.Now().Add(5 * time.Second)
	for {
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
			write()
		}
		pump(a.ch, c.ch)
		for range k {
			read()
		}
	}
}
