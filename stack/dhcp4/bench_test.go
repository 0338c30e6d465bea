package dhcp4_test

import (
	"log/slog"
	"net/netip"
	"testing"

	"github.com/gopkt/gopkt/clock/clocktest"
	"github.com/gopkt/gopkt/stack/dhcp4"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// BenchmarkUDP64 measures what a running client costs the data path: the
// udp package's 64-byte datagram benchmark shape (socket write, both
// stacks, socket read, one goroutine) with and without a DHCP client's
// Ethernet-in hook on the receiving interface. Compare the two results of
// one run.
func BenchmarkUDP64(b *testing.B) {
	for _, hook := range []bool{false, true} {
		name := "NoClient"
		if hook {
			name = "DHCPClientHook"
		}
		b.Run(name, func(b *testing.B) {
			pool := stacktest.NewPool(b, 1024)
			ha, hb, ia, ib := stacktest.Pair(b, pool, stacktest.Config{NoPoller: true})
			if hook {
				c, err := dhcp4.New(dhcp4.Config{Interface: ib, IP: hb.IP, Clock: clocktest.New(t0), Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					b.Fatal(err)
				}
				if err := c.Start(); err != nil {
					b.Fatal(err)
				}
				defer c.Close()
			}
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
			msg, buf := make([]byte, 64), make([]byte, 2048)
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
			b.StopTimer()
			stacktest.Drain(ia, ib)
		})
	}
}
