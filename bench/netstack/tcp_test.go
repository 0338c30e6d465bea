package netstack

import (
	"context"
	"fmt"
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
	dial, l := gopktTCPPair(b, mtu, cc)
	c, s := connPair(b, dial, l)
	defer c.Close()
	defer s.Close()
	drive(b, c, s)
}

// gopktTCPPair joins two gopkt stacks by an in-memory link and returns a
// dialer on the first and a listener on the second (198.18.0.2:5001).
func gopktTCPPair(b testing.TB, mtu int, cc string) (func() (net.Conn, error), net.Listener) {
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
	b.Cleanup(func() { l.Close() })
	dst := netip.MustParseAddrPort("198.18.0.2:5001")
	dial := func() (net.Conn, error) {
		c, err := ta.DialAddrPort(context.Background(), netip.AddrPort{}, dst)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	return dial, l
}

// connPair dials one connection and accepts it.
func connPair(b *testing.B, dial func() (net.Conn, error), l net.Listener) (client, server net.Conn) {
	acc := make(chan net.Conn, 1)
	go func() { s, _ := l.Accept(); acc <- s }()
	c, err := dial()
	if err != nil {
		b.Fatal(err)
	}
	s := <-acc
	if s == nil {
		b.Fatal("accept failed")
	}
	return c, s
}

func newGTCPHost(b testing.TB, addr [4]byte, mac tcpip.LinkAddress, mtu int, cc string) *gHost {
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
	dial, l := gvisorTCPPair(b, mtu, cc)
	c, s := connPair(b, dial, l)
	defer c.Close()
	defer s.Close()
	drive(b, c, s)
}

// gvisorTCPPair is gopktTCPPair for gVisor: two stacks, channel endpoints
// pumped by a goroutine per direction, gonet's dialer and listener.
func gvisorTCPPair(b testing.TB, mtu int, cc string) (func() (net.Conn, error), net.Listener) {
	a := newGTCPHost(b, [4]byte{198, 18, 0, 1}, "\x02\x00\x00\x00\x00\x01", mtu, cc)
	c := newGTCPHost(b, [4]byte{198, 18, 0, 2}, "\x02\x00\x00\x00\x00\x02", mtu, cc)
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	go pumpLoop(ctx, a.ch, c.ch)
	go pumpLoop(ctx, c.ch, a.ch)
	addr := tcpip.FullAddress{NIC: 1, Addr: tcpip.AddrFrom4([4]byte{198, 18, 0, 2}), Port: 5001}
	l, err := gonet.ListenTCP(c.s, addr, ipv4.ProtocolNumber)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	dial := func() (net.Conn, error) {
		conn, err := gonet.DialTCP(a.s, addr, ipv4.ProtocolNumber)
		if err != nil {
			return nil, err
		}
		return conn, nil
	}
	return dial, l
}

// rrSize is BenchmarkTCPRR's message.
const rrSize = 64

// BenchmarkTCPRR: request/response over one connection at MTU 1500, as
// netperf's TCP_RR: each op the client writes a 64-byte request, the
// server reads it and writes it back, the client reads the 64-byte
// response. One transaction in flight; Nagle off on both sides (gopkt:
// SetNoDelay; gVisor's endpoints do not delay by default). Reports
// transactions per second.
func BenchmarkTCPRR(b *testing.B) {
	b.Run("gopkt", func(b *testing.B) { benchRR(b, gopktTCPPair) })
	b.Run("gvisor", func(b *testing.B) { benchRR(b, gvisorTCPPair) })
}

func benchRR(b *testing.B, pair func(testing.TB, int, string) (func() (net.Conn, error), net.Listener)) {
	dial, l := pair(b, 1500, "cubic")
	c, s := connPair(b, dial, l)
	defer c.Close()
	defer s.Close()
	for _, x := range []net.Conn{c, s} {
		if nd, ok := x.(interface{ SetNoDelay(bool) error }); ok {
			if err := nd.SetNoDelay(true); err != nil {
				b.Fatal(err)
			}
		}
	}
	go func() {
		buf := make([]byte, rrSize)
		for {
			if _, err := io.ReadFull(s, buf); err != nil {
				return
			}
			if _, err := s.Write(buf); err != nil {
				return
			}
		}
	}()
	req, resp := make([]byte, rrSize), make([]byte, rrSize)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		req[0] = byte(i)
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, resp); err != nil {
			b.Fatal(err)
		}
		if resp[0] != byte(i) {
			b.Fatalf("response %d to request %d", resp[0], byte(i))
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "trans/s")
}

// BenchmarkTCPConnect: connection setup and teardown at MTU 1500, as
// netperf's TCP_CRR without the data: each op the client dials (three-way
// handshake), the server accepts, the client closes, the server reads EOF
// and closes (FIN both ways; the client's side goes to TIME_WAIT), and the
// op ends when the server has closed. Run it
// with a fixed count (-benchtime 5000x): each op takes an ephemeral port
// that TIME_WAIT holds. Reports connections per second.
func BenchmarkTCPConnect(b *testing.B) {
	b.Run("gopkt", func(b *testing.B) { benchConnect(b, gopktTCPPair) })
	b.Run("gvisor", func(b *testing.B) { benchConnect(b, gvisorTCPPair) })
}

func benchConnect(b *testing.B, pair func(testing.TB, int, string) (func() (net.Conn, error), net.Listener)) {
	dial, l := pair(b, 1500, "cubic")
	done := make(chan error)
	go func() {
		var one [1]byte
		for {
			s, err := l.Accept()
			if err != nil {
				return
			}
			n, err := s.Read(one[:])
			s.Close()
			if n != 0 || err != io.EOF {
				err = fmt.Errorf("server read %d bytes, %v; want EOF", n, err)
			} else {
				err = nil
			}
			done <- err
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c, err := dial()
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "conns/s")
}
