package udp_test

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/stacktest"
)

// TestConcurrentSockets runs several echo conversations at once in both
// directions over one link, with both stacks' receive goroutines, ARP and
// fragmentation in play, under the race detector. Datagrams may be lost
// (queues are bounded) but nothing may corrupt, deadlock or leak.
func TestConcurrentSockets(t *testing.T) {
	pool := stacktest.NewPool(t, 1024)
	a, b, _, _ := stacktest.Pair(t, pool, stacktest.Config{})
	const conns, msgs = 8, 200
	var wg sync.WaitGroup
	errs := make(chan error, 2*conns)
	for i := range conns {
		port := uint16(7000 + i)
		srv, err := b.UDP.ListenPacket(netip.AddrPortFrom(netip.IPv4Unspecified(), port))
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		go func() {
			buf := make([]byte, 4096)
			for {
				n, from, err := srv.ReadFromUDPAddrPort(buf)
				if err != nil {
					return
				}
				_, _ = srv.WriteToUDPAddrPort(buf[:n], from)
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := a.UDP.Dial(netip.AddrPort{}, netip.AddrPortFrom(netip.MustParseAddr("198.18.0.2"), port))
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			buf := make([]byte, 4096)
			got := 0
			for m := range msgs {
				size := 1 + (m*37+i*101)%3000 // some need fragments
				msg := make([]byte, size)
				msg[0], msg[size-1] = byte(m), byte(i)
				if _, err := c.Write(msg); err != nil {
					errs <- err
					return
				}
				_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
				n, err := c.Read(buf)
				if err != nil {
					continue // lost under load: allowed for UDP
				}
				if n != size || buf[0] != byte(m) || buf[n-1] != byte(i) {
					// A late echo of an earlier datagram is fine; a
					// corrupted one is not.
					if n < 1 || buf[n-1] != byte(i) {
						errs <- fmt.Errorf("conn %d: corrupted echo of %d bytes", i, n)
						return
					}
				}
				got++
			}
			if got < msgs/2 {
				errs <- fmt.Errorf("conn %d: only %d of %d echoes", i, got, msgs)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
