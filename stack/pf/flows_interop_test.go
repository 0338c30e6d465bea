package pf_test

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack/pf"
)

// TestInteropLinux10kFlows: Linux C opens 10 000 UDP sockets (10 000
// source ports) and sends one datagram from each through our router to
// Linux S, which answers every one. With "block in on tap1 all" only the
// states let the answers back: all 10 000 must come back, the table of
// MaxStates 10 000 must hold exactly 10 000 states and refuse the 10 001st
// flow (whose answer is then blocked), and after the UDP timeout the
// expired states must no longer pass S's datagrams to the old ports and
// must make room for new flows. (Checking packets allocates nothing:
// TestStateTableBound and BenchmarkStateTable10k.) Addresses in
// 198.18.0.0/15 only.
func TestInteropLinux10kFlows(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping)
	const n = 10000
	// The timeout outlasts the whole first phase, so all 10 000 states
	// are live together even on a loaded machine.
	const timeout = 25 * time.Second
	_, f, nsC, nsS, _, _ := newRouterLab(t, "fl", pf.Options{MaxStates: n, UDPTimeout: timeout})
	// Through the router: both of our neighbours are resolved before the
	// flows (packets held for ARP beyond its queue are dropped).
	if out, err := nsC.Output("ping", "-c", "2", "-i", "0.2", "-w", "10", tblS); err != nil {
		t.Fatalf("warm-up ping: %v\n%s", err, out)
	}
	if err := f.Load("block in on tap1 all\npass out on tap1 proto udp keep state"); err != nil {
		t.Fatal(err)
	}
	// S answers every datagram to its source.
	var srv *net.UDPConn
	if err := nsS.Do(func() (err error) { srv, err = listenUDP(tblS + ":43000"); return err }); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 64)
		for {
			m, from, err := srv.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			_, _ = srv.WriteToUDPAddrPort(buf[:m], from)
		}
	}()
	t.Cleanup(func() { _ = srv.Close(); wg.Wait() })

	socks := openUDP(t, nsC, n+1)
	start := time.Now()
	if answered := exchange(t, socks[:n], 3); answered != n {
		t.Errorf("%d of %d flows got their answer through the states; filter %+v", answered, n, f.Stats())
	}
	t.Logf("10 000 flows from Linux answered through the states in %v; filter %+v", time.Since(start).Round(time.Millisecond), f.Stats())
	if st := f.Stats(); st.States != n || st.StatesMade != n || st.StatesRefused != 0 {
		t.Errorf("state table after %d flows: %+v", n, st)
	}
	// The 10 001st flow: passed by its rule, no room for its state, so
	// its answers are blocked.
	if exchange(t, socks[n:], 1) != 0 {
		t.Errorf("the flow beyond MaxStates got its answer")
	}
	if st := f.Stats(); st.States != n || st.StatesRefused == 0 || st.StatesMade != n {
		t.Errorf("state table after flow %d: %+v", n+1, st)
	}
	// Idle past the timeout: the states have expired. S's datagram to an
	// old flow's port is blocked; a thousand new flows get states.
	time.Sleep(timeout + time.Second)
	blocked := f.Stats().Blocked
	old := socks[0].LocalAddr().(*net.UDPAddr).AddrPort()
	if _, err := srv.WriteToUDPAddrPort([]byte("late"), old); err != nil {
		t.Fatal(err)
	}
	if readAnswers(socks[:1], 600*time.Millisecond) != 0 {
		t.Errorf("S reached an expired flow's port")
	}
	if f.Stats().Blocked == blocked {
		t.Errorf("the datagram to an expired flow was not blocked by the filter: %+v", f.Stats())
	}
	refused := f.Stats().StatesRefused
	fresh := openUDP(t, nsC, 1000)
	if answered := exchange(t, fresh, 3); answered != len(fresh) {
		t.Errorf("%d of %d new flows after expiry got their answer; filter %+v", answered, len(fresh), f.Stats())
	}
	if st := f.Stats(); st.StatesMade != n+1000 || st.StatesRefused != refused || st.States > n {
		t.Errorf("state table after expiry and 1000 new flows: %+v", st)
	}
}

// exchange sends a datagram from each socket to S's echo service, in
// batches of 200, and counts the sockets whose answer came back. UDP may
// lose a datagram on a loaded machine (a TAP or socket queue overflows):
// a socket without its answer sends again, up to tries times in all,
// from the same port (the same flow and state).
func exchange(t *testing.T, socks []*net.UDPConn, tries int) int {
	t.Helper()
	dst := netip.MustParseAddrPort(tblS + ":43000")
	answered := 0
	for i := 0; i < len(socks); i += 200 {
		batch := socks[i:min(i+200, len(socks))]
		for try := 0; try < tries && len(batch) > 0; try++ {
			for _, c := range batch {
				if _, err := c.WriteToUDPAddrPort([]byte("flow"), dst); err != nil {
					t.Fatal(err)
				}
			}
			var left []*net.UDPConn
			deadline := time.Now().Add(2 * time.Second)
			buf := make([]byte, 64)
			for _, c := range batch {
				_ = c.SetReadDeadline(deadline)
				if _, _, err := c.ReadFromUDPAddrPort(buf); err == nil {
					answered++
				} else if errors.Is(err, os.ErrDeadlineExceeded) {
					left = append(left, c)
				} else {
					t.Fatal(err)
				}
			}
			batch = left
		}
	}
	return answered
}

// openUDP opens k UDP sockets on C's address inside ns (each its own
// ephemeral port), closed at cleanup.
func openUDP(t *testing.T, ns *hosttest.Namespace, k int) []*net.UDPConn {
	t.Helper()
	socks := make([]*net.UDPConn, 0, k)
	err := ns.Do(func() error {
		for range k {
			c, err := listenUDP(tblC + ":0")
			if err != nil {
				return err
			}
			socks = append(socks, c)
		}
		return nil
	})
	t.Cleanup(func() {
		for _, c := range socks {
			_ = c.Close()
		}
	})
	if err != nil {
		t.Fatalf("after %d sockets: %v", len(socks), err)
	}
	return socks
}

// readAnswers counts the sockets that have a datagram by the deadline
// (shared by all: the answers are already queued when they came).
func readAnswers(socks []*net.UDPConn, wait time.Duration) int {
	deadline := time.Now().Add(wait)
	buf := make([]byte, 64)
	n := 0
	for _, c := range socks {
		_ = c.SetReadDeadline(deadline)
		if _, _, err := c.ReadFromUDPAddrPort(buf); err == nil {
			n++
		} else if !errors.Is(err, os.ErrDeadlineExceeded) {
			return n
		}
	}
	return n
}
