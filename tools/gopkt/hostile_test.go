package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/internal/hosttest/flood"
)

// The hostile-network test (issue 9) against the daemon: gopkt with its
// default pool (4096 buffers) and budget, three tap drivers whose Linux
// ends the test moves into namespaces it creates:
//
//	tap0 flood  198.18.20.2/24 <-> Linux 198.18.20.1 (the attacker)
//	tap1 ping   198.18.30.2/24 <-> Linux 198.18.30.1 (a peer that pings us)
//	tap2 dark   198.18.64.1/21 <-> Linux 198.18.96.1/24: nobody answers ARP
//
// IPv4 forwards (-p ipv4,forwarding=on) and --udp-sink binds 100 ports
// nobody reads. From the flood namespace a helper (internal/hosttest/flood,
// this test binary re-executed there) sends UDP to the unread ports,
// datagrams routed through us to 2046 silent next hops on the dark link,
// incomplete fragmented datagrams and an ARP storm, while a helper in the
// ping namespace pings us every 20 ms. The test reads everything else from
// the daemon's status (SIGUSR1 and at exit): at least 99% of the pings
// answered and every echo request the stack received answered, every
// refusal counted by its reason and the reasons adding up, no receive
// refill failure on any port, nothing left parked but the unread sockets'
// queues once the floods stop (hold queues fail after their ARP tries,
// reassembly times out after reasm-timeout), and "pool: 4096/4096 buffers
// free" when the daemon exits.

// hostileScale is one size of the scenario.
type hostileScale struct {
	dur                       time.Duration
	udpRate, fwdRate, arpRate int
	frags                     int // incomplete datagrams over the run
}

// TestDaemonHostileNetwork is the scenario: 30 s of floods. CI
// runs it once, without the race detector (TestDaemonHostileNetworkShort
// is the race lane's).
func TestDaemonHostileNetwork(t *testing.T) {
	switch {
	case raceDetector:
		t.Skip("30 s of floods under -race would repeat the plain run; TestDaemonHostileNetworkShort is the race detector's scale")
	case testing.Short() && !hosttest.Strict():
		t.Skip("30 s of floods; skipped with -short (TestDaemonHostileNetworkShort is the 5 s version)")
	}
	daemonHostile(t, hostileScale{dur: 30 * time.Second, udpRate: 40000, fwdRate: 20000, arpRate: 10000, frags: 10000})
}

// TestDaemonHostileNetworkShort is the scenario at a smaller scale: 5 s at
// half the rates, with -race (scripts/test.sh) or -short. A plain run
// leaves it to TestDaemonHostileNetwork, so each run floods once.
func TestDaemonHostileNetworkShort(t *testing.T) {
	if !raceDetector && !testing.Short() {
		t.Skip("TestDaemonHostileNetwork runs the 30 s scenario in this run; the 5 s one is for -race and -short")
	}
	daemonHostile(t, hostileScale{dur: 5 * time.Second, udpRate: 20000, fwdRate: 10000, arpRate: 5000, frags: 1000})
}

// TestHostileHelper is not a test: it is the Linux side of the hostile
// tests (the flood or the pinger, flood.Helper), run in a namespace by
// flood.Start.
func TestHostileHelper(t *testing.T) { flood.Helper(t) }

func daemonHostile(t *testing.T, sc hostileScale) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping)
	type link struct {
		tag, ours, linux string
		ns               *hosttest.Namespace
		dev              string
	}
	links := []*link{
		{tag: "hf", ours: "198.18.20.2/24", linux: "198.18.20.1/24"},
		{tag: "hp", ours: "198.18.30.2/24", linux: "198.18.30.1/24"},
		{tag: "hd", ours: "198.18.64.1/21", linux: "198.18.96.1/24"}, // Linux owns nothing in 198.18.64.0/21
	}
	const ports, firstPort = 100, 20000
	args := []string{"-p", "ipv4,forwarding=on,reasm-timeout=3s", "-p", "udp",
		"--udp-sink", fmt.Sprintf("%d-%d", firstPort, firstPort+ports-1)}
	for i, l := range links {
		l.ns, l.dev = hosttest.NewNamespace(t, l.tag), hosttest.LinkName(l.tag)
		args = append(args, "-d", fmt.Sprintf("tap linux=%s,mac=02:00:5e:00:%02x:02", l.dev, 0x20+i),
			"--ifconfig", fmt.Sprintf("tap%d=%s", i, l.ours))
	}
	r := startRun(args, env{})
	t.Cleanup(func() { r.cancel() })
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	for _, l := range links {
		l.ns.TakeLink(t, l.dev, l.linux)
	}
	attacker, pinger := links[0], links[1]
	attacker.ns.IP(t, "route", "add", "198.18.64.0/21", "via", "198.18.20.2")

	// Warm up: both peers resolve us and we them before the floods.
	for _, l := range links[:2] {
		ours, _, _ := strings.Cut(l.ours, "/")
		if out, err := l.ns.Output("ping", "-c", "2", "-i", "0.2", "-W", "2", ours); err != nil {
			t.Fatalf("warm-up ping from %s: %v\n%s", l.ns.Name, err, out)
		}
	}

	plan := flood.Plan{Dev: attacker.dev, Src: "198.18.20.1", Target: "198.18.20.2", Duration: sc.dur,
		FirstPort: firstPort, Ports: ports, UDPRate: sc.udpRate, FwdPrefix: "198.18.64.0/21", FwdRate: sc.fwdRate,
		Frags: sc.frags, ARPRate: sc.arpRate, Delay: 500 * time.Millisecond}
	start := time.Now()
	fl := flood.Start(t, attacker.ns, "TestHostileHelper", flood.Job{Flood: &plan})
	time.Sleep(time.Second) // the UDP flood fills the sockets first
	window := sc.dur - 1500*time.Millisecond
	ping := flood.Start(t, pinger.ns, "TestHostileHelper", flood.Job{Ping: &flood.Pinger{Target: "198.18.30.2", Window: window}}).Wait(t).Ping
	sent := fl.Wait(t).Flood
	t.Logf("floods ran %v: %v", time.Since(start).Round(time.Millisecond), sent)
	t.Logf("ping during the floods: %v", ping)
	if want := int(window / (20 * time.Millisecond)); ping.Sent != want || ping.Answered*100 < ping.Sent*99 {
		t.Errorf("ping during the floods: %v; want %d sent and at least 99%% answered", ping, want)
	}

	// The floods are over: hold queues give up after their ARP tries and
	// reassembly after 3 s; only the unread sockets still park buffers,
	// and besides them only the TAP ports' spare receive buffers are out.
	var after daemonStatus
	deadline := time.Now().Add(20 * time.Second)
	for {
		after = statusNow(t, r)
		inUse, parked := after.num(t, `pool: (\d+) of 4096 buffers in use`), after.num(t, `parked (\d+)`)
		if after.quota(t, "arp-hold").inUse == 0 && after.quota(t, "reassembly").inUse == 0 &&
			parked == after.quota(t, "udp-rcvq").inUse && inUse-parked <= uint64(len(links)) {
			t.Logf("after the floods: pool %d of 4096 in use, %d of them parked by the unread sockets", inUse, parked)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("20 s after the floods: pool %d in use, %d parked; want only the unread sockets' queues and a spare per TAP port:\n%s",
				inUse, parked, after.text)
		}
		time.Sleep(500 * time.Millisecond)
	}

	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s", code, r.errOut.String())
	}
	out := r.out.String()
	if !strings.Contains(out, "pool: 4096/4096 buffers free") {
		t.Errorf("the pool is not full at exit:\n%s", tail(out, 40))
	}
	final := lastStatus(t, out)
	checkHostileStatus(t, final)
}

// checkHostileStatus reads the daemon's final status: every refusal
// counted by its reason, the reasons adding up, every echo request the
// stack received answered, and no receive refill failure.
func checkHostileStatus(t *testing.T, s daemonStatus) {
	t.Helper()
	echoIn, echoOut := s.num(t, `icmp: in \d+ echo-requests (\d+)`), s.num(t, `icmp: .*; out \d+ echo-replies (\d+)`)
	// Requests lost on the way (the peer starved of CPU, a full TAP queue)
	// are not the daemon's: every one that reached the stack was answered.
	if echoIn != echoOut {
		t.Errorf("the stack answered %d of the %d echo requests it received", echoOut, echoIn)
	}
	for _, ifc := range []string{"tap0", "tap1", "tap2"} {
		if n := s.iface(t, ifc, `no-buf (\d+)`); n != 0 {
			t.Errorf("%s: receive refill found the pool empty %d times", ifc, n)
		}
	}
	if n := s.iface(t, "tap1", `TX packets \d+ bytes \d+ errors (\d+)`) + s.iface(t, "tap1", `TX packets .* dropped (\d+)`); n != 0 {
		t.Errorf("tap1 (the ping link) lost %d replies on transmit", n)
	}

	udpRefused := s.num(t, `udp: in \d+ no-port \d+ errors \d+ bad-checksum \d+ queue-full (\d+)`)
	sockBufs, sockBytes := s.num(t, `refused: socket-mbufs (\d+)`), s.num(t, `socket-bytes (\d+)`)
	closing := s.num(t, `socket-bytes \d+ closing (\d+)`)
	udpq, hold, reasm := s.quota(t, "udp-rcvq"), s.quota(t, "arp-hold"), s.quota(t, "reassembly")
	holdQuota, holdBudget := s.num(t, `hold queues: dropped \d+; refused (\d+) \(quota\)`), s.num(t, `hold queues: .* (\d+) \(budget\)`)
	reasmQuota, reasmBudget := s.num(t, `fragments created .*; refused (\d+) \(quota\)`), s.num(t, `fragments created .* (\d+) \(budget\)`)
	budgetRefused := s.num(t, `budget: .* refused (\d+)`)
	t.Logf("refusals: udp %d (socket mbufs %d, socket bytes %d, closing %d, udp-rcvq quota %d, budget %d); arp-hold %d (quota) %d (budget); reassembly %d (quota) %d (budget), evicted %d; budget %d",
		udpRefused, sockBufs, sockBytes, closing, udpq.refusedQuota, udpq.refusedBudget, holdQuota, holdBudget,
		reasmQuota, reasmBudget, s.num(t, `evicted (\d+)`), budgetRefused)
	t.Logf("forwarded %d, unresolved %d; reassembly needed %d, timeouts %d; ARP requests in %d, replies out %d; quota peaks: udp-rcvq %d/%d arp-hold %d/%d reassembly %d/%d",
		s.num(t, `forwarded (\d+)`), s.num(t, `unresolved (\d+)`), s.num(t, `reassembled \d+ of (\d+) needed`),
		s.num(t, `timeouts (\d+)`), s.num(t, `arp: in requests (\d+)`), s.num(t, `arp: .*; out requests \d+ replies (\d+)`),
		udpq.peak, udpq.limit, hold.peak, hold.limit, reasm.peak, reasm.limit)
	for name, v := range map[string]uint64{
		"udp socket mbufs":    sockBufs,
		"udp socket bytes":    sockBytes,
		"udp-rcvq quota":      udpq.refusedQuota,
		"arp-hold quota":      hold.refusedQuota,
		"reassembly quota":    reasm.refusedQuota,
		"ARP requests for us": s.num(t, `arp: in requests (\d+)`),
		"forwarded datagrams": s.num(t, `forwarded (\d+)`),
	} {
		if v == 0 {
			t.Errorf("no %s refusals (or frames) counted", name)
		}
	}
	// The default shares add up to less than the budget: every class is
	// refused at its own quota, never by the budget.
	if budgetRefused != 0 {
		t.Errorf("%d budget refusals with the default quotas, whose shares fit the budget", budgetRefused)
	}
	if sum := sockBufs + sockBytes + closing + udpq.refusedQuota + udpq.refusedBudget; sum != udpRefused {
		t.Errorf("udp refusals by reason add up to %d, queue-full is %d", sum, udpRefused)
	}
	if holdQuota != hold.refusedQuota || holdBudget != hold.refusedBudget {
		t.Errorf("arp hold refusals %d/%d, the arp-hold quota counts %d/%d", holdQuota, holdBudget, hold.refusedQuota, hold.refusedBudget)
	}
	if reasmQuota != reasm.refusedQuota || reasmBudget != reasm.refusedBudget {
		t.Errorf("reassembly refusals %d/%d, the reassembly quota counts %d/%d", reasmQuota, reasmBudget, reasm.refusedQuota, reasm.refusedBudget)
	}
	if sum := udpq.refusedBudget + hold.refusedBudget + reasm.refusedBudget; sum != budgetRefused {
		t.Errorf("quotas count %d budget refusals, the budget %d", sum, budgetRefused)
	}
}

// daemonStatus is one status report of the daemon (status.go), from
// "=== gopkt status" to its last line, the UDP per-socket limits.
type daemonStatus struct{ text string }

// statusNow asks the running daemon for its status (SIGUSR1) and returns
// the report.
func statusNow(t *testing.T, r *daemonRun) daemonStatus {
	t.Helper()
	n := strings.Count(r.out.String(), "=== gopkt status")
	r.status <- syscall.SIGUSR1
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		out := r.out.String()
		if strings.Count(out, "=== gopkt status") > n {
			last := out[strings.LastIndex(out, "=== gopkt status"):]
			if strings.Contains(last, "udp per socket") {
				return lastStatus(t, out)
			}
		}
	}
	t.Fatalf("no status within 10 s of SIGUSR1:\n%s", tail(r.out.String(), 40))
	return daemonStatus{}
}

// lastStatus cuts the last status report out of the daemon's output.
func lastStatus(t *testing.T, out string) daemonStatus {
	t.Helper()
	i := strings.LastIndex(out, "=== gopkt status")
	if i < 0 {
		t.Fatalf("no status in the daemon's output:\n%s", tail(out, 40))
	}
	s := out[i:]
	j := strings.Index(s, "udp per socket")
	if j < 0 {
		t.Fatalf("status cut short:\n%s", s)
	}
	end := strings.IndexByte(s[j:], '\n')
	return daemonStatus{text: s[:j+end+1]}
}

// num is the number the regexp's group matches in the report's first
// matching line; a missing line fails the test.
func (s daemonStatus) num(t *testing.T, re string) uint64 {
	t.Helper()
	return matchNum(t, s.text, re)
}

// iface is num within the lines of interface name.
func (s daemonStatus) iface(t *testing.T, name, re string) uint64 {
	t.Helper()
	i := strings.Index(s.text, "\n  "+name+": ")
	if i < 0 {
		t.Fatalf("no interface %s in the status:\n%s", name, s.text)
	}
	block := s.text[i+1:]
	if j := regexp.MustCompile(`\n  \S`).FindStringIndex(block); j != nil {
		block = block[:j[0]] // the next interface, or the routes
	}
	return matchNum(t, block, re)
}

func matchNum(t *testing.T, text, re string) uint64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)` + re).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("the status has no line matching %q:\n%s", re, text)
	}
	n, err := strconv.ParseUint(m[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// quotaLine is one "quota NAME" line of the status.
type quotaLine struct {
	limit, inUse, peak, refusedQuota, refusedBudget uint64
}

func (s daemonStatus) quota(t *testing.T, name string) quotaLine {
	t.Helper()
	m := regexp.MustCompile(`quota ` + name + ` +limit +(\d+) in use +(\d+) peak +(\d+) refused (\d+) \(quota\) (\d+) \(budget\)`).FindStringSubmatch(s.text)
	if m == nil {
		t.Fatalf("no quota %s in the status:\n%s", name, s.text)
	}
	var v [5]uint64
	for i := range v {
		v[i], _ = strconv.ParseUint(m[i+1], 10, 64)
	}
	return quotaLine{limit: v[0], inUse: v[1], peak: v[2], refusedQuota: v[3], refusedBudget: v[4]}
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
