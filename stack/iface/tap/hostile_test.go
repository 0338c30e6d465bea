package tap_test

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/internal/hosttest/flood"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/udp"
)

// The hostile-network test (issue 9): our stack, with the daemon's pool of
// 4096 mbufs and the default budget, on three TAP links whose Linux ends
// sit in namespaces the test creates:
//
//	flood  198.18.20.2/24 <-> Linux 198.18.20.1 (the attacker)
//	ping   198.18.30.2/24 <-> Linux 198.18.30.1 (a peer that pings us)
//	dark   198.18.64.1/21 <-> Linux, no address there: nobody answers ARP
//
// Forwarding is on. From the flood namespace a helper (this test binary,
// re-executed with ip netns exec: internal/hosttest/flood) sends, for the whole run: UDP to 100
// ports bound by sockets nobody reads (first a burst to one port, then
// large datagrams to another, then round robin), traffic routed through us
// to 2046 next hops on the dark link that never answer ARP, incomplete
// fragmented datagrams (sixteen 1480-byte pieces each, never the last) on a
// raw socket, and an ARP storm on a packet socket (requests for other
// addresses from forged senders, requests for us). Meanwhile Linux pings us
// from the ping namespace every 20 ms. The pings must be answered (99%),
// every refusal must be counted by its reason, no receive refill may fail
// (the TAP ports' RxNoBuf), and the pool must come back full once the
// floods stop and the unread sockets close.
//
// This is the library lane of the scenario, 5 s with the default quotas
// and with the sockets overcommitted (both also under -race). The 30 s run
// is the daemon's (tools/gopkt TestDaemonHostileNetwork): the same floods
// against the whole product, run once in CI.

// TestHostileNetworkShort is the scenario for 5 s (it runs under -race).
func TestHostileNetworkShort(t *testing.T) { hostile(t, 5*time.Second, 0) }

// TestHostileNetworkShortOvercommit is the 5 s scenario with the sockets'
// quota raised to the whole budget (udp.Options.Buffers, -p udp,buffers=):
// the unread sockets take every parkable buffer, ARP hold queues and
// reassembly are refused by the budget, and the reserve still answers.
func TestHostileNetworkShortOvercommit(t *testing.T) { hostile(t, 5*time.Second, 1<<20) }

// hostile runs the scenario for dur; udpBuffers 0 keeps the default
// quotas, whose shares add up to less than the budget.
func hostile(t *testing.T, dur time.Duration, udpBuffers int) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping)
	pool := stacktest.NewPool(t, 4096) // the daemon's default --buffers
	// Reassembly gives up after 3 s instead of 30, so the test can watch
	// the pool drain by itself once the floods stop.
	h := stacktest.NewHost(t, pool, stacktest.Config{IP: ipv4.Options{Forwarding: true, ReassemblyTimeout: 3 * time.Second},
		UDP: udp.Options{Buffers: udpBuffers}})
	attacker := attachPeer(t, h, "f", "198.18.20.2/24", "198.18.20.1/24")
	pinger := attachPeer(t, h, "p", "198.18.30.2/24", "198.18.30.1/24")
	dark := attachPeer(t, h, "d", "198.18.64.1/21", "198.18.96.1/24") // Linux owns nothing in 198.18.64.0/21
	attacker.ns.IP(t, "route", "add", "198.18.64.0/21", "via", "198.18.20.2")

	const ports = 100
	socks := make([]*udp.Conn, ports)
	for i := range socks {
		c, err := h.UDP.ListenPacket(netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(20000+i)))
		if err != nil {
			t.Fatal(err)
		}
		socks[i] = c
	}
	closeSocks := sync.OnceFunc(func() {
		for _, c := range socks {
			_ = c.Close()
		}
	})
	t.Cleanup(closeSocks)

	// Warm up: both peers resolve us and we them before the floods.
	for _, p := range []*peer{attacker, pinger} {
		if out, err := p.ns.PingAll(2, "-i", "0.2", p.ourAddr(t)); err != nil {
			t.Fatalf("warm-up ping from %s: %v\n%s", p.ns.Name, err, out)
		}
	}

	budget := h.S.Budget()
	var maxInUse atomic.Int64
	sampleDone := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Add(1)
	go func() {
		defer sampler.Done()
		for {
			if n := int64(pool.InUse()); n > maxInUse.Load() {
				maxInUse.Store(n)
			}
			select {
			case <-sampleDone:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()

	plan := flood.Plan{Dev: attacker.dev, Src: "198.18.20.1", Target: "198.18.20.2", Duration: dur, FirstPort: 20000, Ports: ports,
		UDPRate: 40000, FwdPrefix: "198.18.64.0/21", FwdRate: 20000, Frags: 10000 * int(dur/time.Second) / 30, ARPRate: 10000,
		Delay: 500 * time.Millisecond}
	start := time.Now()
	fl := flood.Start(t, attacker.ns, "TestHostileHelper", flood.Job{Flood: &plan})
	time.Sleep(time.Second) // the UDP flood fills the sockets first
	// Linux pings us every 20 ms while the floods run; every request is
	// sent inside the window and counts as answered when its reply came
	// within 1 s, like ping -W 1.
	window := dur - 1500*time.Millisecond
	count := int(window / (20 * time.Millisecond))
	ping := flood.Start(t, pinger.ns, "TestHostileHelper", flood.Job{Ping: &flood.Pinger{Target: "198.18.30.2", Window: window}}).Wait(t).Ping
	sentBy := fl.Wait(t).Flood
	t.Logf("flood ran %v: %v", time.Since(start).Round(time.Millisecond), sentBy)
	t.Logf("ping during the flood: %v", ping)
	if ping.Sent < count/2 || ping.Answered*100 < ping.Sent*99 {
		t.Errorf("ping during the flood: %v, want at least 99%% answered", ping)
	}

	// Every refusal is counted by its reason.
	us, is, bs := h.UDP.Stats(), h.IP.Stats(), budget.Stats()
	t.Logf("udp: in %d no-port %d; refused %d: socket mbufs %d, socket bytes %d, all sockets %d, budget %d, closed %d",
		us.InDatagrams, us.NoPorts, us.RcvbufErrors, us.RcvbufSocketBuffers, us.RcvbufSocketBytes, us.RcvbufQuota, us.RcvbufBudget, us.RcvbufClosed)
	// Requests lost on the way (CPU starvation of the peer, the TAP
	// queue) are not the stack's: every echo request that reached it was
	// answered.
	t.Logf("icmp: echo requests in %d, replies out %d, out no-buffers %d", is.ICMPInEchos, is.ICMPOutEchoReps, is.OutNoBuffers)
	if is.ICMPOutEchoReps != is.ICMPInEchos {
		t.Errorf("the stack answered %d of the %d echo requests it received", is.ICMPOutEchoReps, is.ICMPInEchos)
	}
	if c, ps := pinger.ifc.Counters(), pinger.ifc.Port().Stats(); c.OutDrops+c.OutErrors+ps.TxErrors != 0 {
		t.Errorf("%s dropped replies: out drops %d errors %d, port tx errors %d", pinger.ifc.Name(), c.OutDrops, c.OutErrors, ps.TxErrors)
	}
	t.Logf("ipv4: forwarded %d, arp-hold refused %d (quota) %d (budget), queue drops %d, unresolved %d; reassembly needed %d, refused %d (quota) %d (budget), evicted %d, timeouts %d; arp in requests %d replies out %d",
		is.ForwDatagrams, is.ARPHoldRefusedQuota, is.ARPHoldRefusedBudget, is.ARPQueueDrops, is.ARPResolveFailed,
		is.ReasmReqds, is.ReasmRefusedQuota, is.ReasmRefusedBudget, is.ReasmEvicted, is.ReasmTimeouts, is.ARPInRequests, is.ARPOutReplies)
	t.Logf("budget: cap %d reserve %d limit %d refused %d; pool peak in use %d", bs.Cap, bs.Reserve, bs.Limit, bs.Refused, maxInUse.Load())
	var budgetRefused uint64
	for _, q := range bs.Quotas {
		t.Logf("  quota %-10s limit %4d peak %4d refused %d (quota) %d (budget)", q.Name, q.Limit, q.Peak, q.RefusedQuota, q.RefusedBudget)
		budgetRefused += q.RefusedBudget
	}
	want := map[string]uint64{
		"udp socket mbufs":    us.RcvbufSocketBuffers,
		"udp socket bytes":    us.RcvbufSocketBytes,
		"arp-hold":            is.ARPHoldRefusedQuota + is.ARPHoldRefusedBudget,
		"reassembly":          is.ReasmRefusedQuota + is.ReasmRefusedBudget,
		"ARP requests for us": is.ARPInRequests,
	}
	if udpBuffers == 0 {
		// The default shares add up to less than the budget: every class
		// is refused at its own quota, never by the budget.
		want["udp all sockets"] = us.RcvbufQuota
		want["arp-hold quota"] = is.ARPHoldRefusedQuota
		want["reassembly quota"] = is.ReasmRefusedQuota
		if bs.Refused != 0 {
			t.Errorf("%d budget refusals with the default quotas, whose shares fit the budget", bs.Refused)
		}
	} else {
		// The sockets took the whole budget before the other floods
		// began: hold queues and reassembly are refused by the budget.
		want["budget"] = bs.Refused
		want["arp-hold budget"] = is.ARPHoldRefusedBudget
		want["reassembly budget"] = is.ReasmRefusedBudget
	}
	for name, v := range want {
		if v == 0 {
			t.Errorf("no %s refusals (or frames) counted", name)
		}
	}
	if sum := us.RcvbufSocketBuffers + us.RcvbufSocketBytes + us.RcvbufQuota + us.RcvbufBudget + us.RcvbufClosed; sum != us.RcvbufErrors {
		t.Errorf("udp refusals by reason add up to %d, RcvbufErrors is %d", sum, us.RcvbufErrors)
	}
	if budgetRefused != bs.Refused {
		t.Errorf("quotas count %d budget refusals, the budget %d", budgetRefused, bs.Refused)
	}
	for _, p := range []*peer{attacker, pinger, dark} {
		if ps := p.ifc.Port().Stats(); ps.RxNoBuf != 0 {
			t.Errorf("%s: receive refill found the pool empty %d times", p.ifc.Name(), ps.RxNoBuf)
		}
	}
	if peak := int(maxInUse.Load()); peak >= pool.Cap() {
		t.Errorf("the pool ran dry (peak %d in use)", peak)
	}

	// The floods are over: with the sockets closed, hold queues fail
	// (3 ARP tries) and reassembly times out, and the pool comes back.
	closeSocks()
	if !stacktest.Eventually(10*time.Second, func() bool { return budget.Parked() == 0 && pool.InUse() <= 3 }) {
		t.Errorf("after the floods: %d parked, %d in use (3 TAP spares at most)\n%+v", budget.Parked(), pool.InUse(), budget.Stats())
	}
	close(sampleDone)
	sampler.Wait()
	t.Logf("after the floods: %d parked, pool %d of %d in use (the TAP ports' spare receive buffers)", budget.Parked(), pool.InUse(), pool.Cap())
}

// ourAddr is our address on p's link (the Linux end's subnet, .2).
func (p *peer) ourAddr(t *testing.T) string {
	a := p.ifc.Addresses()
	if len(a) == 0 {
		t.Fatal("no address")
	}
	return a[0].Addr().String()
}

// TestHostileHelper is not a test: it is the Linux side of the
// hostile-network tests (the flood or the pinger, flood.Helper), run in a
// namespace by flood.Start.
func TestHostileHelper(t *testing.T) { flood.Helper(t) }
