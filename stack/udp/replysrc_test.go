package udp_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/stacktest"
)

// TestWildcardReplySource: B has two addresses on one interface
// (198.18.0.2, the primary, and 198.18.0.3). A request to .3 on a socket
// bound to 0.0.0.0 is answered from .3 (RFC 1122 §4.1.3.5), so A's
// socket connected to .3 accepts it; one to .2 from .2. A dual-stack
// [::] socket does the same for IPv4 peers.
func TestWildcardReplySource(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	a, b, _, ib := stacktest.Pair(t, pool, stacktest.Config{})
	if err := b.S.AddAddress(ib, netip.MustParsePrefix("198.18.0.3/24")); err != nil {
		t.Fatal(err)
	}
	for _, bind := range []string{"0.0.0.0:7", "[::]:8"} {
		srv, err := b.UDP.ListenPacket(netip.MustParseAddrPort(bind))
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			buf := make([]byte, 64)
			for {
				n, from, err := srv.ReadFromUDPAddrPort(buf)
				if err != nil {
					return
				}
				if _, err := srv.WriteToUDPAddrPort(buf[:n], from); err != nil {
					t.Error(err)
				}
			}
		}()
		port := netip.MustParseAddrPort(bind).Port()
		for _, dst := range []string{"198.18.0.3", "198.18.0.2", "198.18.0.3"} {
			c, err := a.UDP.Dial(netip.AddrPort{}, netip.AddrPortFrom(netip.MustParseAddr(dst), port))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Write([]byte("ping " + dst)); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
			buf := make([]byte, 64)
			n, err := c.Read(buf) // connected: only a reply from dst gets here
			if err != nil || string(buf[:n]) != "ping "+dst {
				t.Errorf("socket on %s, request to %s: reply %q, %v", bind, dst, buf[:n], err)
			}
			c.Close()
		}
		srv.Close()
	}
}
