package pf_test

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
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
	const timeout = 4 * time.Second
	h, f, nsC, nsS, _, _ := newRouterLab(t, "fl", pf.Options{MaxStates: n, UDPTimeout: timeout})
	if err := f.Load("block in on tap1 all\npass out on tap1 proto udp keep state"); err != nil {
		t.Fatal(err)
	}
	if out, err := nsC.Output("ping", "-c", "1", "-w", "10", tblUsC); err != nil {
		t.Fatalf("warm-up ping: %v\n%s", err, out)
	}
	// S answers every datagram to its source, and counts them.
	var srv *net.UDPConn
	if err := nsS.Do(func() (err error) { srv, err = listenUDP(tblS + ":43000"); return err }); err != nil {
		t.Fatal(err)
	}
	var got atomic.Int64
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
			got.Add(1)
			_, _ = srv.WriteToUDPAddrPort(buf[:m], from)
		}
	}()
	t.Cleanup(func() { _ = srv.Close(); wg.Wait() })

	socks := openUDP(t, nsC, n+1)
	dst := netip.MustParseAddrPort(tblS + ":43000")
	// sendAll sends one datagram from each socket, in batches that wait
	// for S to have read them (S's receive buffer holds a few hundred).
	sendAll := func(socks []*net.UDPConn) {
		t.Helper()
		for i := 0; i < len(socks); i += 250 {
			end := min(i+250, len(socks))
			want := got.Load() + int64(end-i)
			for _, c := range socks[i:end] {
				if _, err := c.WriteToUDPAddrPort([]byte("flow"), dst); err != nil {
					t.Fatal(err)
				}
			}
			for deadline := time.Now().Add(10 * time.Second); got.Load() < want; time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("S received %d of %d datagrams; ipv4 %+v", got.Load(), want, h.IP.Stats())
				}
			}
		}
	}
	start := time.Now()
	sendAll(socks[:n])
	if answered := readAnswers(socks[:n], 10*time.Second); answered != n {
		t.Errorf("%d of %d flows got their answer through the states; filter %+v", answered, n, f.Stats())
	}
	t.Logf("10 000 flows from Linux, all answered, in %v; filter %+v", time.Since(start).Round(time.Millisecond), f.Stats())
	if st := f.Stats(); st.States != n || st.StatesMade != n || st.StatesRefused != 0 {
		t.Errorf("state table after %d flows: %+v", n, st)
	}
	// The 10 001st flow: passed by its rule, no room for its state, so
	// its answer is blocked.
	sendAll(socks[n:])
	if answered := readAnswers(socks[n:], 600*time.Millisecond); answered != 0 {
		t.Errorf("the flow beyond MaxStates got its answer")
	}
	if st := f.Stats(); st.States != n || st.StatesRefused != 1 {
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
	fresh := openUDP(t, nsC, 1000)
	sendAll(fresh)
	if answered := readAnswers(fresh, 10*time.Second); answered != len(fresh) {
		t.Errorf("%d of %d new flows after expiry got their answer; filter %+v", answered, len(fresh), f.Stats())
	}
	if st := f.Stats(); st.StatesMade != n+1000 || st.StatesRefused != 1 || st.States > n {
		t.Errorf("state table after expiry and 1000 new flows: %+v", st)
	}
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
