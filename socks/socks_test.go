package socks

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"testing"

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
