package netstack

import (
	"context"
	"io"
	"net"
	"net/netip"
	"testing"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/link/ethernet"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	gstack "gvisor.dev/gvisor/pkg/tcpip/stack"
	gtcp "gvisor.dev/gvisor/pkg/tcpip/transport/tcp"

	"github.com/gopkt/gopkt/hw/mbuf"
	gipv4 "github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/tcp"
)

// chunk is what one benchmark op writes.
const chunk = 64 << 10

// BenchmarkTCPBulk: one TCP connection between two stacks joined by an
// in-memory Ethernet link, each link direction moved by its own goroutine
// (gopkt: link.Pair with the stacks' poll goroutines; gVisor: channel
// endpoints pumped by one goroutine per direction). Each op writes 64 KiB
// through net.Conn (gopkt: tcp.Conn; gVisor: gonet.TCPConn) while a
// reader goroutine drains the other end with 64 KiB reads. SACK on both,
// the congestion control named, MTU 1500 and 9000.
func BenchmarkTCPBulk(b *testing.B) {
	for _, mtu := range []int{1500, 9000} {
		for _, cc := range []string{"cubic", "reno"} {
			name := "mtu" + itoa(mtu) + "-" + cc
			b.Run("gopkt-"+name, func(b *testing.B) { benchGopktTCP(b, mtu, cc) })
			b.Run("gvisor-"+name, func(b *testing.B) { benchGVisorTCP(b, mtu, cc) })
		}
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

// drive writes b.N chunks on w while a goroutine reads them from r.
func drive(b *testing.B, w, r net.Conn) {
	done := make(chan int64)
	go func() {
		buf := make([]byte, chunk)
		var got int64
		for {
			k, err := r.Read(buf)
			got += int64(k)
			if err != nil {
				done <- got
				return
			}
		}
	}()
	msg := make([]byte, chunk)
	b.SetBytes(chunk)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := w.Write(msg); err != nil {
			b.Fatal(err)
		}
	}
	if cw, ok := w.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	got := <-done
	b.StopTimer()
	if got != int64(b.N)*chunk {
		b.Fatalf("received %d of %d bytes", got, int64(b.N)*chunk)
	}
}

func benchGopktTCP(b *testing.B, mtu int, cc string) {
	if cc == "reno" {
		cc = "newreno"
	}
	pool := stacktest.NewPool(b, 8192)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		b.Fatal(err)
	}
	// A fixed 1 MiB window, as gVisor's side gets: receive-window
	// auto-tuning grows it to 4 MiB on this zero-delay link, which only
	// adds buffering (about half the throughput at MTU 9000 when measured).
	o := tcp.Options{Congestion: cc, ReadBuffer: 1 << 20, MaxReadBuffer: 1 << 20, WriteBuffer: 1 << 20}
	ta, _ := tcp.New(o)
	tb, _ := tcp.New(o)
	pa, pb := link.Pair(link.Options{MTU: mtu, Queue: 4096})
	b.Cleanup(func() { _ = pa.Close(); _ = pb.Close() })
	ha := stacktest.NewHost(b, pool, stacktest.Config{IP: gipv4.Options{Transports: []gipv4.Transport{ta}}, Budget: bg})
	hb := stacktest.NewHost(b, pool, stacktest.Config{IP: gipv4.Options{Transports: []gipv4.Transport{tb}}, Budget: bg})
	ha.AttachAddr(b, "eth0", pa, "198.18.0.1/24", false)
	hb.AttachAddr(b, "eth0", pb, "198.18.0.2/24", false)
	l, err := tb.Listen("tcp", "198.18.0.2:5001")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	acc := make(chan net.Conn, 1)
	go func() { c, _ := l.Accept(); acc <- c }()
	c, err := ta.DialAddrPort(context.Background(), netip.AddrPort{}, netip.MustParseAddrPort("198.18.0.2:5001"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	s := <-acc
	defer s.Close()
	drive(b, c, s)
}

func newGTCPHost(b *testing.B, addr [4]byte, mac tcpip.LinkAddress, mtu int, cc string) *gHost {
	s := gstack.New(gstack.Options{
		NetworkProtocols:   []gstack.NetworkProtocolFactory{ipv4.NewProtocol, arp.NewProtocol},
		TransportProtocols: []gstack.TransportProtocolFactory{gtcp.NewProtocol},
	})
	sack := tcpip.TCPSACKEnabled(true)
	if err := s.SetTransportProtocolOption(gtcp.ProtocolNumber, &sack); err != nil {
		b.Fatal(err)
	}
	cco := tcpip.CongestionControlOption(cc)
	if err := s.SetTransportProtocolOption(gtcp.ProtocolNumber, &cco); err != nil {
		b.Fatal(err)
	}
	ch := channel.New(4096, uint32(mtu), mac)
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

// pumpLoop moves frames from one channel endpoint into the other until
// ctx ends.
func pumpLoop(ctx context.Context, from, to *channel.Endpoint) {
	for {
		pkt := from.ReadContext(ctx)
		if pkt == nil {
			return
		}
		np := gstack.NewPacketBuffer(gstack.PacketBufferOptions{Payload: pkt.ToBuffer()})
		pkt.DecRef()
		to.InjectInbound(0, np)
		np.DecRef()
	}
}

func benchGVisorTCP(b *testing.B, mtu int, cc string) {
	a := newGTCPHost(b, [4]byte{198, 18, 0, 1}, "\x02\x00\x00\x00\x00\x01", mtu, cc)
	c := newGTCPHost(b, [4]byte{198, 18, 0, 2}, "\x02\x00\x00\x00\x00\x02", mtu, cc)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go pumpLoop(ctx, a.ch, c.ch)
	go pumpLoop(ctx, c.ch, a.ch)
	addr := tcpip.FullAddress{NIC: 1, Addr: tcpip.AddrFrom4([4]byte{198, 18, 0, 2}), Port: 5001}
	l, err := gonet.ListenTCP(c.s, addr, ipv4.ProtocolNumber)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	acc := make(chan net.Conn, 1)
	go func() { s, _ := l.Accept(); acc <- s }()
	conn, err := gonet.DialTCP(a.s, addr, ipv4.ProtocolNumber)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	s := <-acc
	defer s.Close()
	drive(b, conn, s)
	_ = io.EOF
}
