package tap_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"github.com/gopkt/gopkt/internal/hosttest"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gopkt/gopkt/hw/mbuf"
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
// re-executed with ip netns exec) sends, for the whole run: UDP to 100
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

const (
	hostileEnv = "GOPKT_HOSTILE_FLOOD"
	pingEnv    = "GOPKT_HOSTILE_PING" // "target,window"
)

// floodPlan is what the helper sends; the test passes it as JSON.
type floodPlan struct {
	Dev         string        // the Linux end of the flood link
	Src, Target string        // Linux's address and ours on the flood link
	Duration    time.Duration // of the whole flood
	Ports       int           // first port 20000
	UDPRate     int           // datagrams per second to the ports
	FwdPrefix   string        // forwarded destinations (a /21)
	FwdRate     int           // datagrams per second
	Frags       int           // incomplete datagrams over the run
	ARPRate     int           // ARP frames per second
}

// TestHostileNetworkShort is the scenario for 5 s (it runs under -race).
func TestHostileNetworkShort(t *testing.T) { hostile(t, 5*time.Second, 0) }

// TestHostileNetworkShortOvercommit is the 5 s scenario with the sockets'
// quota raised to the whole budget (udp.Options.Buffers, -p udp,buffers=):
// the unread sockets take every parkable buffer, ARP hold queues and
// reassembly are refused by the budget, and the reserve still answers.
func TestHostileNetworkShortOvercommit(t *testing.T) { hostile(t, 5*time.Second, 1<<20) }

// TestHostileNetworkLong is the scenario for 30 s (skipped with -short
// unless GOPKT_VM_REQUIRE=1).
func TestHostileNetworkLong(t *testing.T) {
	if testing.Short() && os.Getenv("GOPKT_VM_REQUIRE") != "1" {
		t.Skip("30 s of flooding; skipped with -short (TestHostileNetworkShort is the 5 s version)")
	}
	hostile(t, 30*time.Second, 0)
}

// hostile runs the scenario for dur; udpBuffers 0 keeps the default
// quotas, whose shares add up to less than the budget.
func hostile(t *testing.T, dur time.Duration, udpBuffers int) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping)
	pool := stacktest.NewPool(t, 4096) // the daemon's default --buffers
	// Reassembly gives up after 3 s instead of 30, so the test can watch
	// the pool drain by itself once the floods stop.
	h := stacktest.NewHost(t, pool, stacktest.Config{IP: ipv4.Options{Forwarding: true, ReassemblyTimeout: 3 * time.Second},
		UDP: udp.Options{Buffers: udpBuffers}})
	flood := attachPeer(t, h, "f", "198.18.20.2/24", "198.18.20.1/24")
	pinger := attachPeer(t, h, "p", "198.18.30.2/24", "198.18.30.1/24")
	dark := attachPeer(t, h, "d", "198.18.64.1/21", "198.18.96.1/24") // Linux owns nothing in 198.18.64.0/21
	flood.ns.IP(t, "route", "add", "198.18.64.0/21", "via", "198.18.20.2")

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
	for _, p := range []*peer{flood, pinger} {
		if out, err := p.exec("ping", "-c", "2", "-i", "0.2", "-W", "2", p.ourAddr(t)); err != nil {
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

	plan := floodPlan{Dev: flood.dev, Src: "198.18.20.1", Target: "198.18.20.2", Duration: dur, Ports: ports,
		UDPRate: 40000, FwdPrefix: "198.18.64.0/21", FwdRate: 20000, Frags: 10000 * int(dur/time.Second) / 30, ARPRate: 10000}
	js, _ := json.Marshal(plan)
	fl := flood.ns.Command(os.Args[0], "-test.run=^TestHostileFlooder$", "-test.v")
	fl.Env = append(os.Environ(), hostileEnv+"="+string(js))
	flOut := &hosttest.Output{}
	fl.Stdout, fl.Stderr = flOut, flOut
	start := time.Now()
	if err := fl.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // the UDP flood fills the sockets first
	// Linux pings us every 20 ms while the floods run (a helper on a raw
	// ICMP socket in the ping namespace: every request is sent inside the
	// window and counts as answered when its reply came within 1 s, like
	// ping -W 1, so no request is cut off by the end of the run).
	window := dur - 1500*time.Millisecond
	count := int(window / (20 * time.Millisecond))
	pingStart := time.Now()
	pc := pinger.ns.Command(os.Args[0], "-test.run=^TestHostilePinger$", "-test.v")
	pc.Env = append(os.Environ(), pingEnv+"=198.18.30.2,"+window.String())
	pingOutB, pingErr := pc.CombinedOutput()
	pingOut, pingTook := string(pingOutB), time.Since(pingStart)
	if err := fl.Wait(); err != nil {
		t.Fatalf("flooder: %v\n%s", err, flOut.String())
	}
	t.Logf("flood ran %v, ping %v; flooder:\n%s", time.Since(start).Round(time.Millisecond), pingTook.Round(time.Millisecond),
		grepLines(flOut.String(), "sent"))

	m := regexp.MustCompile(`pinged (\d+) answered (\d+)`).FindStringSubmatch(pingOut)
	if m == nil || pingErr != nil {
		t.Fatalf("pinger (%v):\n%s", pingErr, pingOut)
	}
	sent, got := atoi(m[1]), atoi(m[2])
	t.Logf("ping during the flood: %d of %d answered (%.2f%%)", got, sent, 100*float64(got)/float64(sent))
	if sent < count/2 || got*100 < sent*99 {
		t.Errorf("ping during the flood: %d of %d answered, want at least 99%%\n%s", got, sent, pingOut)
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
	for _, p := range []*peer{flood, pinger, dark} {
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

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// ourAddr is our address on p's link (the Linux end's subnet, .2).
func (p *peer) ourAddr(t *testing.T) string {
	a := p.ifc.Addresses()
	if len(a) == 0 {
		t.Fatal("no address")
	}
	return a[0].Addr().String()
}

// TestHostileFlooder is not a test: it is the attacker, run by the
// hostile-network tests inside the flood namespace with kernel sockets.
func TestHostileFlooder(t *testing.T) {
	js := os.Getenv(hostileEnv)
	if js == "" {
		t.Skip("helper process for TestHostileNetwork*")
	}
	var p floodPlan
	if err := json.Unmarshal([]byte(js), &p); err != nil {
		t.Fatal(err)
	}
	end := time.Now().Add(p.Duration)
	var wg sync.WaitGroup
	var mu sync.Mutex
	report := func(what string, n int, err error) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Printf("sent %d %s (%v)\n", n, what, err)
		if err != nil {
			t.Error(what, err)
		}
	}
	for _, f := range []struct {
		name  string
		delay time.Duration
		fn    func(p floodPlan, end time.Time) (int, error)
	}{
		{"udp datagrams to unread sockets", 0, floodPorts},
		{"datagrams to forward to silent next hops", 500 * time.Millisecond, floodForward},
		{"incomplete fragments", 500 * time.Millisecond, floodFragments},
		{"ARP frames", 500 * time.Millisecond, floodARP},
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(f.delay)
			n, err := f.fn(p, end)
			report(f.name, n, err)
		}()
	}
	wg.Wait()
}

// TestHostilePinger is not a test: it is the peer that pings us during the
// hostile-network tests, run in the ping namespace. It sends an ICMP echo
// request (RFC 792) every 20 ms for the window on a raw socket and prints
// how many were answered within 1 s.
func TestHostilePinger(t *testing.T) {
	arg := os.Getenv(pingEnv)
	if arg == "" {
		t.Skip("helper process for TestHostileNetwork*")
	}
	target, w, _ := strings.Cut(arg, ",")
	window, err := time.ParseDuration(w)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	tv := unix.NsecToTimeval(int64(100 * time.Millisecond))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	id := uint16(os.Getpid())
	sa := &unix.SockaddrInet4{Addr: netip.MustParseAddr(target).As4()}
	n := int(window / (20 * time.Millisecond))
	sentAt := make([]atomic.Int64, n)
	answered := make([]atomic.Bool, n)
	done := make(chan struct{})
	var lastSent atomic.Int64 // the receiver stops 1 s after the last request, however late that was
	lastSent.Store(1 << 62)   // until the sender is done
	go func() {               // the receiver
		defer close(done)
		buf := make([]byte, 1500)
		for time.Now().UnixNano() < lastSent.Load()+int64(1100*time.Millisecond) {
			k, _, err := unix.Recvfrom(fd, buf, 0)
			if err != nil || k < 28 {
				continue
			}
			ic := buf[int(buf[0]&0xf)*4 : k]
			if len(ic) < 8 || ic[0] != 0 || binary.BigEndian.Uint16(ic[4:]) != id {
				continue
			}
			seq := int(binary.BigEndian.Uint16(ic[6:]))
			if seq < n && time.Now().UnixNano()-sentAt[seq].Load() <= int64(time.Second) {
				answered[seq].Store(true)
			}
		}
	}()
	msg := make([]byte, 64)
	tick := time.NewTicker(20 * time.Millisecond)
	for seq := range n {
		msg[0], msg[1] = 8, 0 // echo request
		binary.BigEndian.PutUint16(msg[4:], id)
		binary.BigEndian.PutUint16(msg[6:], uint16(seq))
		msg[2], msg[3] = 0, 0
		binary.BigEndian.PutUint16(msg[2:], ^icmpSum(msg))
		sentAt[seq].Store(time.Now().UnixNano())
		if err := unix.Sendto(fd, msg, 0, sa); err != nil {
			t.Error(err)
		}
		<-tick.C
	}
	tick.Stop()
	lastSent.Store(time.Now().UnixNano())
	<-done
	got := 0
	for i := range answered {
		if answered[i].Load() {
			got++
		}
	}
	fmt.Printf("pinged %d answered %d\n", n, got)
}

// icmpSum is the ones' complement sum of b (RFC 1071).
func icmpSum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

// paced calls send(i) at rate per second until end, in 1 ms steps; a
// sender that falls behind catches up at most 10 ms worth per step, so
// the flood ends on time.
func paced(rate int, end time.Time, send func(i int) error) (int, error) {
	start := time.Now()
	n := 0
	for now := start; now.Before(end); now = time.Now() {
		due := min(int(now.Sub(start).Seconds()*float64(rate)), n+rate/100+1)
		for ; n < due; n++ {
			if err := send(n); err != nil && err != syscall.ENOBUFS && err != syscall.EAGAIN {
				return n, err
			}
		}
		time.Sleep(time.Millisecond)
	}
	return n, nil
}

// udpSocket is a non-blocking kernel UDP socket: a flood that finds the
// TAP queue full drops (EAGAIN, ENOBUFS) instead of waiting, so it ends
// on time.
func udpSocket() (int, error) {
	return unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK, 0)
}

func sendUDP(fd int, msg []byte, to netip.AddrPort) error {
	return unix.Sendto(fd, msg, 0, &unix.SockaddrInet4{Addr: to.Addr().As4(), Port: int(to.Port())})
}

func floodPorts(p floodPlan, end time.Time) (int, error) {
	fd, err := udpSocket()
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	small, large := make([]byte, 16), make([]byte, 1400)
	target := netip.MustParseAddr(p.Target)
	return paced(p.UDPRate, end, func(i int) error {
		// 400 small datagrams to one socket (past its 256 mbufs), 300
		// large ones to the next (past its 256 KiB), then round robin.
		port, msg := 20000+(i-700)%p.Ports, small
		switch {
		case i < 400:
			port = 20000
		case i < 700:
			port, msg = 20001, large
		}
		return sendUDP(fd, msg, netip.AddrPortFrom(target, uint16(port)))
	})
}

func floodForward(p floodPlan, end time.Time) (int, error) {
	fd, err := udpSocket()
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	pfx := netip.MustParsePrefix(p.FwdPrefix)
	base := binary.BigEndian.Uint32(pfx.Addr().AsSlice())
	hosts := uint32(1)<<(32-pfx.Bits()) - 2
	msg := make([]byte, 64)
	return paced(p.FwdRate, end, func(i int) error {
		a := base + 2 + uint32(i)%(hosts-1) // .0 is the network, .1 is us
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], a)
		return sendUDP(fd, msg, netip.AddrPortFrom(netip.AddrFrom4(b), 9))
	})
}

// floodFragments sends p.Frags datagrams as sixteen 1480-byte fragments
// each, offsets 0 to 22200 with More Fragments set: the last piece never
// comes (RFC 791 §3.2). Sixteen pieces, so that the 64 datagrams
// reassembly keeps in progress need far more buffers than its quota (256)
// even when most frames are lost on the way (the TAP queue drops under
// the flood): otherwise the cap on datagrams binds first.
func floodFragments(p floodPlan, end time.Time) (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_NONBLOCK, unix.IPPROTO_RAW) // IP_HDRINCL implied
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	src, dst := netip.MustParseAddr(p.Src).As4(), netip.MustParseAddr(p.Target).As4()
	pkt := make([]byte, 1500)
	sa := &unix.SockaddrInet4{Addr: dst}
	const pieces = 16
	rate := max(1, pieces*p.Frags*int(time.Second)/int(time.Until(end)))
	n, err := paced(rate, end, func(i int) error {
		if i >= pieces*p.Frags {
			return nil
		}
		id, piece := uint16(i/pieces), i%pieces
		pkt[0], pkt[1] = 0x45, 0
		binary.BigEndian.PutUint16(pkt[2:], 1500)
		binary.BigEndian.PutUint16(pkt[4:], id)
		binary.BigEndian.PutUint16(pkt[6:], 0x2000|uint16(piece*1480/8)) // MF
		pkt[8], pkt[9] = 64, unix.IPPROTO_UDP
		pkt[10], pkt[11] = 0, 0 // the kernel fills in the checksum
		copy(pkt[12:16], src[:])
		copy(pkt[16:20], dst[:])
		return unix.Sendto(fd, pkt, 0, sa)
	})
	return min(n, pieces*p.Frags) / pieces, err
}

// floodARP broadcasts ARP requests: mostly for addresses that are not
// ours from forged senders (a cache must not grow from them), every fourth
// for our address from the real sender (each answered).
func floodARP(p floodPlan, end time.Time) (int, error) {
	ifi, err := net.InterfaceByName(p.Dev)
	if err != nil {
		return 0, err
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_NONBLOCK, int(htons(unix.ETH_P_ARP)))
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	sa := &unix.SockaddrLinklayer{Ifindex: ifi.Index, Protocol: htons(unix.ETH_P_ARP), Halen: 6, Addr: [8]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}
	src, target := netip.MustParseAddr(p.Src).As4(), netip.MustParseAddr(p.Target).As4()
	f := make([]byte, 14+28)
	return paced(p.ARPRate, end, func(i int) error {
		var sha [6]byte
		spa, tpa := src, target
		copy(sha[:], ifi.HardwareAddr)
		if i%4 != 0 {
			sha = [6]byte{0x02, 0xee, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
			spa = [4]byte{198, 18, 20, byte(100 + rand.N(100))}
			tpa = [4]byte{198, 18, 20, byte(3 + rand.N(90))}
		}
		copy(f[0:6], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
		copy(f[6:12], sha[:])
		binary.BigEndian.PutUint16(f[12:], unix.ETH_P_ARP)
		a := f[14:]
		binary.BigEndian.PutUint16(a[0:], 1)      // Ethernet
		binary.BigEndian.PutUint16(a[2:], 0x0800) // IPv4
		a[4], a[5] = 6, 4
		binary.BigEndian.PutUint16(a[6:], 1) // request
		copy(a[8:14], sha[:])
		copy(a[14:18], spa[:])
		clear(a[18:24])
		copy(a[24:28], tpa[:])
		return unix.Sendto(fd, f, 0, sa)
	})
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

var _ = mbuf.ErrQuota // the refusal reasons the counters above stand for
