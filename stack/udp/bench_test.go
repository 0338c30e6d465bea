package udp_test

import (
	"net/netip"
	"testing"

	"github.com/gopkt/gopkt/stack/stacktest"
)

// BenchmarkUDP64 sends 64-byte UDP payloads from a socket on one stack to a
// socket on another through an in-memory link, on one goroutine: write a
// burst of 32, let the receiving interface poll it, read the 32. One op is
// one datagram end to end (socket write, UDP, IPv4, Ethernet, link, Ethernet,
// IPv4, UDP demux, socket queue, socket read). bench/netstack runs the same
// shape over gVisor's netstack.
func BenchmarkUDP64(b *testing.B) {
	pool := stacktest.NewPool(b, 1024)
	ha, hb, ia, ib := stacktest.Pair(b, pool, stacktest.Config{NoPoller: true})
	srv, err := hb.UDP.ListenPacket(netip.MustParseAddrPort("0.0.0.0:9"))
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	cli, err := ha.UDP.Dial(netip.AddrPort{}, netip.MustParseAddrPort("198.18.0.2:9"))
	if err != nil {
		b.Fatal(err)
	}
	defer cli.Close()
	msg := make([]byte, 64)
	buf := make([]byte, 2048)
	// Resolve ARP first (the datagram waits in the neighbour queue).
	if _, err := cli.Write(msg); err != nil {
		b.Fatal(err)
	}
	stacktest.Drain(ia, ib)
	if n, _, err := srv.ReadFromUDPAddrPort(buf); err != nil || n != 64 {
		b.Fatalf("warm-up datagram: %d %v", n, err)
	}
	const burst = 32
	b.SetBytes(64)
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
			if n, _, err := srv.ReadFromUDPAddrPort(buf); err != nil || n != 64 {
				b.Fatalf("read: %d %v", n, err)
			}
		}
	}
}
