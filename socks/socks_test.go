package socks

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/net/proxy"
)

func TestRequestRoundTrip(t *testing.T) {
	for _, r := range []Request{
		{Cmd: CmdConnect, Addr: netip.MustParseAddr("198.18.0.1"), Port: 80},
		{Cmd: CmdConnect, Addr: netip.MustParseAddr("2001:db8::1"), Port: 443},
		{Cmd: CmdUDPAssociate, Host: "example.test", Port: 53},
	} {
		b := AppendRequest(nil, r)
		got, err := ParseRequest(append(b, 0xaa)) // trailing data is not the request's
		r.Len = len(b)
		if err != nil || got != r {
			t.Errorf("%+v: got %+v %v", r, got, err)
		}
		for i := range b {
			if _, err := ParseRequest(b[:i]); !errors.Is(err, ErrTruncated) {
				t.Errorf("%+v cut at %d: %v", r, i, err)
			}
		}
	}
	// RFC 1928 §4 example bytes: CONNECT 198.18.0.1:80.
	want := []byte{5, 1, 0, 1, 198, 18, 0, 1, 0, 80}
	if b := AppendRequest(nil, Request{Cmd: CmdConnect, Addr: netip.MustParseAddr("198.18.0.1"), Port: 80}); !bytes.Equal(b, want) {
		t.Errorf("encoded % x", b)
	}
	if b := AppendReply(nil, RepSucceeded, netip.MustParseAddrPort("198.18.0.2:49152")); !bytes.Equal(b, []byte{5, 0, 0, 1, 198, 18, 0, 2, 0xc0, 0}) {
		t.Errorf("reply % x", b)
	}
	for _, bad := range [][]byte{{4, 1, 0, 1, 1, 2, 3, 4, 0, 80}, {5, 1, 1, 1, 1, 2, 3, 4, 0, 80}, {5, 1, 0, 9, 1, 2}, {5, 1, 0, 3, 0, 0, 80}} {
		if _, err := ParseRequest(bad); err == nil || errors.Is(err, ErrTruncated) {
			t.Errorf("% x accepted: %v", bad, err)
		}
	}
	if _, err := ParseGreeting([]byte{5, 0}); !errors.Is(err, ErrMalformed) {
		t.Errorf("greeting without methods: %v", err)
	}
}

func FuzzParseRequest(f *testing.F) {
	f.Add([]byte{5, 1, 0, 1, 198, 18, 0, 1, 0, 80})
	f.Add([]byte{5, 1, 0, 3, 4, 'a', '.', 'b', 'c', 0, 80})
	f.Add([]byte{5, 3, 0, 4, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 53})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRequest(b)
		if err != nil {
			return
		}
		if r.Len > len(b) {
			t.Fatalf("length %d beyond %d", r.Len, len(b))
		}
		if got, err := ParseRequest(AppendRequest(nil, r)); err != nil || got.Port != r.Port || got.Host != r.Host || got.Addr != r.Addr {
			t.Fatalf("round trip of %+v: %+v %v", r, got, err)
		}
	})
}

func FuzzParseGreeting(f *testing.F) {
	f.Add([]byte{5, 1, 0})
	f.Add([]byte{5, 2, 0, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := ParseGreeting(b)
		if err == nil && (len(g) > len(b) || len(g) != 2+int(g[1])) {
			t.Fatalf("greeting %x from %x", g, b)
		}
	})
}

// TestConnectThroughServer: x/net/proxy's SOCKS5 client, our server, a
// loopback TCP echo server as the destination.
func TestConnectThroughServer(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Dial: func(ctx context.Context, dst netip.AddrPort) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", dst.String())
	}}
	go s.Serve(ln)
	defer s.Close()
	d, err := proxy.SOCKS5("tcp", ln.Addr().String(), nil, proxy.Direct)
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.Dial("tcp", echo.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	msg := bytes.Repeat([]byte("gopkt"), 20000)
	go func() { c.Write(msg); c.(*net.TCPConn).CloseWrite() }()
	got, err := io.ReadAll(c)
	c.Close()
	if err != nil || !bytes.Equal(got, msg) {
		t.Errorf("echo through SOCKS: %d of %d bytes, %v", len(got), len(msg), err)
	}
	// A name without a resolver: host unreachable.
	if _, err := d.Dial("tcp", "nosuch.test:80"); err == nil {
		t.Error("a domain name without a resolver connected")
	}
	// Refused: nobody listens on the echo port any more.
	port := echo.Addr().(*net.TCPAddr).Port
	echo.Close()
	if _, err := d.Dial("tcp", netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)).String()); err == nil {
		t.Error("connect to a closed port succeeded")
	}
}

// associate opens a UDP association through the server at addr and
// returns the control connection and the relay's address.
func associate(t *testing.T, addr string) (net.Conn, netip.AddrPort) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(append([]byte{5, 1, 0}, AppendRequest(nil, Request{Cmd: CmdUDPAssociate, Addr: netip.IPv4Unspecified()})...)); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 2+10)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b[:2], []byte{5, 0}) || b[3] != RepSucceeded || b[5] != AtypIPv4 {
		t.Fatalf("associate answer % x", b)
	}
	r, err := ParseRequest(b[2:]) // a reply has a request's shape
	if err != nil {
		t.Fatal(err)
	}
	return c, netip.AddrPortFrom(r.Addr, r.Port)
}

// TestUDPAssociate relays datagrams both ways between a client and a
// loopback UDP echo server, with the §7 header.
func TestUDPAssociate(t *testing.T) {
	echo, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		b := make([]byte, 2048)
		for {
			n, from, err := echo.ReadFromUDPAddrPort(b)
			if err != nil {
				return
			}
			echo.WriteToUDPAddrPort(b[:n], from)
		}
	}()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{
		Dial: func(context.Context, netip.AddrPort) (net.Conn, error) { return nil, errors.New("no") },
		ListenPacket: func(context.Context) (PacketConn, error) {
			return net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		},
	}
	go s.Serve(ln)
	defer s.Close()
	ctl, relay := associate(t, ln.Addr().String())
	defer ctl.Close()
	uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	dst := echo.LocalAddr().(*net.UDPAddr).AddrPort()
	for i, payload := range [][]byte{[]byte("query one"), bytes.Repeat([]byte{0xa5}, 1400)} {
		msg := append(AppendUDPHeader(nil, dst), payload...)
		if _, err := uc.WriteToUDPAddrPort(msg, relay); err != nil {
			t.Fatal(err)
		}
		_ = uc.SetReadDeadline(time.Now().Add(5 * time.Second))
		b := make([]byte, 2048)
		n, from, err := uc.ReadFromUDPAddrPort(b)
		if err != nil {
			t.Fatalf("datagram %d: %v", i, err)
		}
		h, err := ParseUDPHeader(b[:n])
		if err != nil || from != relay || netip.AddrPortFrom(h.Addr, h.Port) != dst || !bytes.Equal(b[h.Len:n], payload) {
			t.Fatalf("datagram %d back from %v: %+v %v % x", i, from, h, err, b[:min(n, 32)])
		}
	}
	// A datagram with FRAG set is dropped (§7), nothing comes back.
	if _, err := uc.WriteToUDPAddrPort(append([]byte{0, 0, 1}, AppendUDPHeader(nil, dst)[3:]...), relay); err != nil {
		t.Fatal(err)
	}
	_ = uc.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, _, err := uc.ReadFromUDPAddrPort(make([]byte, 64)); err == nil {
		t.Errorf("a fragment was relayed (%d bytes back)", n)
	}
}

func FuzzParseUDPHeader(f *testing.F) {
	f.Add(AppendUDPHeader(nil, netip.MustParseAddrPort("198.18.0.1:53")))
	f.Add([]byte{0, 0, 0, 3, 3, 'a', '.', 'b', 0, 53, 'x'})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseUDPHeader(b)
		if err == nil && h.Len > len(b) {
			t.Fatalf("header %d beyond %d", h.Len, len(b))
		}
	})
}
