package udp_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/udp"
)

// TestSockets lists open sockets with what they have queued, in port
// order, and forgets closed ones.
func TestSockets(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	a, b, _, _ := stacktest.Pair(t, pool, stacktest.Config{})
	c1, err := a.UDP.Dial(netip.MustParseAddrPort("198.18.0.1:1111"), netip.MustParseAddrPort("198.18.0.2:2222"))
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	c2, err := b.UDP.Dial(netip.MustParseAddrPort("198.18.0.2:2222"), netip.MustParseAddrPort("198.18.0.1:1111"))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	l, err := b.UDP.ListenPacket(netip.MustParseAddrPort("0.0.0.0:7"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c1.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	var got []udp.SocketInfo
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if got = b.UDP.Sockets(); len(got) == 2 && got[1].Datagrams == 1 {
			break
		}
	}
	want := []udp.SocketInfo{
		{Local: netip.MustParseAddrPort("0.0.0.0:7")},
		{Local: netip.MustParseAddrPort("198.18.0.2:2222"), Remote: netip.MustParseAddrPort("198.18.0.1:1111"), RecvQueue: 5, Datagrams: 1},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("Sockets() = %+v, want %+v", got, want)
	}
	l.Close()
	if got := b.UDP.Sockets(); len(got) != 1 || got[0].Local.Port() != 2222 {
		t.Errorf("after close: %+v", got)
	}
}
