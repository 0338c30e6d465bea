package ipv4_test

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

func TestARPReplyExactBytes(t *testing.T) {
	w := newWire(t, ipv4.Options{})
	w.inject(arpFrame(wire.ARPRequest, peerMAC, peerIP, wire.MAC{}, hostIP, wire.BroadcastMAC()))
	got := w.frames()
	want := arpFrame(wire.ARPReply, hostMAC, hostIP, peerMAC, peerIP, peerMAC)
	if len(got) != 1 || !bytes.Equal(got[0], want) {
		t.Fatalf("ARP reply\n got % x\nwant % x", got, want)
	}
	// RFC 826: the requester was added (we were the target).
	ns := w.h.IP.Neighbours()
	if len(ns) != 1 || ns[0].Addr != netip.AddrFrom4(peerIP) || ns[0].MAC != peerMAC || ns[0].State != ipv4.Reachable {
		t.Errorf("neighbours %+v", ns)
	}
	// Requests for other addresses are not answered and add nothing.
	w.inject(arpFrame(wire.ARPRequest, wire.MAC{2, 0, 0, 0, 0, 7}, wire.Addr4{198, 18, 0, 7}, wire.MAC{}, wire.Addr4{198, 18, 0, 9}, wire.BroadcastMAC()))
	if got := w.frames(); len(got) != 0 || len(w.h.IP.Neighbours()) != 1 {
		t.Errorf("answered or learned from a request for someone else: %d frames", len(got))
	}
}

func TestGratuitousARP(t *testing.T) {
	w := newWire(t, ipv4.Options{})
	if err := w.h.S.AddAddress(w.ifc, netip.MustParsePrefix("198.18.0.3/24")); err != nil {
		t.Fatal(err)
	}
	// RFC 5227 §3 announcement: sender = target = the new address.
	want := arpFrame(wire.ARPRequest, hostMAC, wire.Addr4{198, 18, 0, 3}, wire.MAC{}, wire.Addr4{198, 18, 0, 3}, wire.BroadcastMAC())
	if got := w.frames(); len(got) != 1 || !bytes.Equal(got[0], want) {
		t.Fatalf("gratuitous ARP\n got % x\nwant % x", got, want)
	}
	// A peer's gratuitous ARP updates an existing entry (merge) ...
	w.learn()
	newMAC := wire.MAC{2, 0, 0, 0, 0, 0x11}
	w.inject(arpFrame(wire.ARPRequest, newMAC, peerIP, wire.MAC{}, peerIP, wire.BroadcastMAC()))
	if ns := w.h.IP.Neighbours(); len(ns) != 1 || ns[0].MAC != newMAC {
		t.Errorf("merge: %+v", ns)
	}
	// ... and one claiming our address is a conflict, not an update: we
	// defend it with one announcement (RFC 5227 §2.4 (c)), and not again
	// within DEFEND_INTERVAL.
	w.frames()
	w.inject(arpFrame(wire.ARPRequest, newMAC, hostIP, wire.MAC{}, hostIP, wire.BroadcastMAC()))
	announce := arpFrame(wire.ARPRequest, hostMAC, hostIP, wire.MAC{}, hostIP, wire.BroadcastMAC())
	if got := w.frames(); len(got) != 1 || !bytes.Equal(got[0], announce) {
		t.Fatalf("defence\n got % x\nwant % x", got, announce)
	}
	w.inject(arpFrame(wire.ARPReply, newMAC, hostIP, hostMAC, hostIP, hostMAC))
	if got := w.frames(); len(got) != 0 {
		t.Errorf("defended twice within 10 s: % x", got)
	}
	if st := w.h.IP.Stats(); st.ARPConflicts != 2 || st.ARPDefences != 1 {
		t.Errorf("conflicts %d defences %d", st.ARPConflicts, st.ARPDefences)
	}
	for _, n := range w.h.IP.Neighbours() {
		if n.Addr == netip.AddrFrom4(hostIP) {
			t.Errorf("the claimant was learned: %+v", n)
		}
	}
}

// TestProbeAddress: RFC 5227 §2.1 probes (sender 0, target the
// candidate), a free address after the listening time, a conflict when
// the candidate answers or another host probes for it.
func TestProbeAddress(t *testing.T) {
	w := newWire(t, ipv4.Options{})
	fast := ipv4.ProbeOptions{Wait: time.Millisecond, Min: 10 * time.Millisecond, Max: 20 * time.Millisecond, AnnounceWait: 30 * time.Millisecond}
	cand := wire.Addr4{198, 18, 0, 50}
	if err := w.h.IP.ProbeAddress(context.Background(), w.ifc, netip.AddrFrom4(cand), fast); err != nil {
		t.Fatalf("free address: %v", err)
	}
	probe := arpFrame(wire.ARPRequest, hostMAC, wire.Addr4{}, wire.MAC{}, cand, wire.BroadcastMAC())
	got := w.frames()
	if len(got) != 3 {
		t.Fatalf("%d probes, want 3", len(got))
	}
	for _, f := range got {
		if !bytes.Equal(f, probe) {
			t.Fatalf("probe\n got % x\nwant % x", f, probe)
		}
	}
	for _, tc := range []struct {
		name  string
		frame []byte
	}{
		{"the candidate answers", arpFrame(wire.ARPReply, peerMAC, cand, hostMAC, wire.Addr4{}, hostMAC)},
		{"another host probes for it", arpFrame(wire.ARPRequest, peerMAC, wire.Addr4{}, wire.MAC{}, cand, wire.BroadcastMAC())},
	} {
		done := make(chan error, 1)
		go func() {
			done <- w.h.IP.ProbeAddress(context.Background(), w.ifc, netip.AddrFrom4(cand), ipv4.ProbeOptions{Wait: time.Millisecond, Min: time.Second, Max: time.Second})
		}()
		time.Sleep(50 * time.Millisecond) // the first probe is out
		w.inject(tc.frame)
		select {
		case err := <-done:
			if !errors.Is(err, ipv4.ErrAddressInUse) || !strings.Contains(err.Error(), peerMAC.String()) {
				t.Errorf("%s: %v, want ErrAddressInUse naming %v", tc.name, err, peerMAC)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: the probe did not see the conflict", tc.name)
		}
		w.frames()
	}
	if err := w.h.IP.ProbeAddress(context.Background(), w.ifc, netip.MustParseAddr("224.0.0.1"), fast); !errors.Is(err, stack.ErrBadAddress) {
		t.Errorf("multicast candidate: %v", err)
	}
}

func TestARPResolutionQueueRetriesAndFailure(t *testing.T) {
	w := newWire(t, ipv4.Options{ARPQueue: 2, ARPRetries: 3, ARPRetry: 20 * time.Millisecond, Tick: 5 * time.Millisecond})
	c, err := w.h.UDP.Dial(netip.AddrPort{}, netipAP("198.18.0.1:9"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 4 {
		if _, err := c.Write([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	// One request at once, the queue holds the last two datagrams.
	got := w.frames()
	req := arpFrame(wire.ARPRequest, hostMAC, hostIP, wire.MAC{}, peerIP, wire.BroadcastMAC())
	if len(got) != 1 || !bytes.Equal(got[0], req) {
		t.Fatalf("resolution start: % x", got)
	}
	if ns := w.h.IP.Neighbours(); len(ns) != 1 || ns[0].State != ipv4.Incomplete || ns[0].Queued != 2 {
		t.Fatalf("neighbours %+v", ns)
	}
	if st := w.h.IP.Stats(); st.ARPQueueDrops != 2 {
		t.Errorf("queue drops %d", st.ARPQueueDrops)
	}
	// The answer releases the queue in order.
	w.inject(arpFrame(wire.ARPReply, peerMAC, peerIP, hostMAC, hostIP, hostMAC))
	got = w.frames()
	if len(got) != 2 || got[0][len(got[0])-1] != 2 || got[1][len(got[1])-1] != 3 {
		t.Fatalf("released %d frames", len(got))
	}

	// A host that never answers: ARPRetries requests, then the queued
	// datagram is dropped and our own sender hears host unreachable.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err = w.h.IP.Ping(ctx, netip.MustParseAddr("198.18.0.99"), ipv4.PingOptions{})
	var pe *ipv4.PingError
	if !errors.As(err, &pe) || !errors.Is(err, ipv4.ErrUnreachable) || pe.Code != wire.ICMPv4HostUnreachable {
		t.Fatalf("ping to a silent host: %v", err)
	}
	reqs := 0
	for _, f := range w.frames() {
		if wire.Ethernet(f).Type() == wire.EtherTypeARP {
			reqs++
		}
	}
	if reqs != 3 || w.h.IP.Stats().ARPResolveFailed != 1 {
		t.Errorf("%d requests, stats %+v", reqs, w.h.IP.Stats())
	}
}

func TestARPSwitchedOff(t *testing.T) {
	w := newWire(t, ipv4.Options{})
	w.ifc.SetFlags(stack.FlagNoARP, 0)
	w.inject(arpFrame(wire.ARPRequest, peerMAC, peerIP, wire.MAC{}, hostIP, wire.BroadcastMAC()))
	if got := w.frames(); len(got) != 0 {
		t.Errorf("answered ARP with ARP off: % x", got)
	}
	// Without ARP only static entries resolve.
	w.h.IP.AddStaticNeighbour(w.ifc, netip.AddrFrom4(peerIP), peerMAC)
	c, _ := w.h.UDP.Dial(netip.AddrPort{}, netipAP("198.18.0.1:9"))
	defer c.Close()
	if _, err := c.Write([]byte("static")); err != nil {
		t.Fatal(err)
	}
	got := w.frames()
	if len(got) != 1 || wire.Ethernet(got[0]).Dst() != peerMAC {
		t.Fatalf("static neighbour: % x", got)
	}
	if ns := w.h.IP.Neighbours(); ns[0].State != ipv4.Static {
		t.Errorf("state %v", ns[0].State)
	}
	c2, _ := w.h.UDP.Dial(netip.AddrPort{}, netipAP("198.18.0.50:9"))
	defer c2.Close()
	_, _ = c2.Write([]byte("nobody"))
	if got := w.frames(); len(got) != 0 || w.h.IP.Stats().ARPResolveFailed != 1 {
		t.Errorf("resolved without ARP: %d frames", len(got))
	}
}

func TestDontFragment(t *testing.T) {
	w := newWire(t, ipv4.Options{})
	w.learn()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := w.h.IP.Ping(ctx, netip.AddrFrom4(peerIP), ipv4.PingOptions{Size: 2000, DF: true})
	if !errors.Is(err, ipv4.ErrTooBig) {
		t.Errorf("DF ping over the MTU: %v", err)
	}
}

func TestNeighbourLifetime(t *testing.T) {
	w := newWire(t, ipv4.Options{ARPTimeout: 20 * time.Millisecond, ARPRetry: 20 * time.Millisecond, ARPRetries: 2, Tick: 5 * time.Millisecond})
	w.learn()
	state := func() ipv4.NeighState {
		ns := w.h.IP.Neighbours()
		if len(ns) == 0 {
			return 255
		}
		return ns[0].State
	}
	// Reachable -> Stale after ARPTimeout, re-probed with requests
	// (RFC 1122 §2.3.2.1: prevent stale entries), deleted when unanswered.
	if !stacktest.Eventually(2*time.Second, func() bool { return state() == ipv4.Stale }) {
		t.Fatalf("entry never went stale: %v", state())
	}
	if !stacktest.Eventually(2*time.Second, func() bool { return state() == 255 }) {
		t.Fatalf("unanswered stale entry not deleted: %v", state())
	}
	reqs := 0
	for _, f := range w.frames() {
		if a := wire.ARP(f[14:]); wire.Ethernet(f).Type() == wire.EtherTypeARP && a.Op() == wire.ARPRequest && a.TargetIP() == peerIP {
			reqs++
		}
	}
	if reqs != 2 {
		t.Errorf("%d re-probes, want ARPRetries=2", reqs)
	}
	// An answer to a probe makes it reachable again.
	w.learn()
	if !stacktest.Eventually(2*time.Second, func() bool { return state() == ipv4.Stale }) {
		t.Fatal("not stale again")
	}
	w.inject(arpFrame(wire.ARPReply, peerMAC, peerIP, hostMAC, hostIP, hostMAC))
	if s := state(); s != ipv4.Reachable {
		t.Errorf("after the reply: %v", s)
	}
}
