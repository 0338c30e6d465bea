package bridge_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack/iface/bridge"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// TestInteropSTPRingWithLinuxSTP: a ring of four bridges, two of ours (A
// and B) and two Linux bridges running the kernel's IEEE 802.1D STP
// (stp_state 1), br1 with priority 4096 so a Linux bridge is the root:
//
//	A.m1 — br1 — B.m1,  B.m2 — br2 — A.m2
//
// (each link one of our TAP members enslaved to a Linux bridge). Spanning
// tree must converge with exactly one port blocked in the whole ring
// (ours from our status, Linux's from bridge link), all four bridges must
// name the same root (Linux's root_id in sysfs against our status: br1's
// bridge ID), a Linux station on br2 must reach both of our bridges, and
// the ring must stay quiet (no storm). Timers are Linux's minimums (hello
// 1 s, max age 6 s, forward delay 2 s) on both sides. Addresses in
// 198.18.0.0/15 only.
func TestInteropSTPRingWithLinuxSTP(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping, hosttest.Tool("bridge", "iproute2"))
	pool := stacktest.NewPool(t, 2048)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ns := hosttest.NewNamespace(t, "lstp")
	for i, br := range []string{"br1", "br2"} {
		prio := "32768"
		if i == 0 {
			prio = "4096"
		}
		ns.IP(t, "link", "add", br, "type", "bridge", "stp_state", "1", "priority", prio,
			"hello_time", "100", "max_age", "600", "forward_delay", "200")
	}
	so := bridge.STPOptions{HelloTime: time.Second, MaxAge: 6 * time.Second, ForwardDelay: 2 * time.Second}
	brs := tapBridges(t, ns, pool, bg, so, 0, 99, "l")
	ns.IP(t, "addr", "add", "198.18.99.3/24", "dev", "br2")
	for _, br := range []string{"br1", "br2"} {
		ns.IP(t, "link", "set", br, "up")
	}
	linuxID := func(br, file string) bridge.BridgeID {
		out := strings.TrimSpace(ns.Run(t, "cat", "/sys/class/net/"+br+"/bridge/"+file))
		prio, mac, ok := strings.Cut(out, ".")
		p, err1 := strconv.ParseUint(prio, 16, 16)
		m, err2 := strconv.ParseUint(mac, 16, 48)
		if !ok || err1 != nil || err2 != nil {
			t.Fatalf("%s %s: %q", br, file, out)
		}
		return bridge.BridgeID(p<<48 | m)
	}
	linuxStates := func() map[string]string {
		var ports []struct {
			IfName string `json:"ifname"`
			State  string `json:"state"`
		}
		if err := json.Unmarshal([]byte(ns.Run(t, "bridge", "-j", "link", "show")), &ports); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, p := range ports {
			m[p.IfName] = p.State
		}
		return m
	}
	root := linuxID("br1", "bridge_id")
	var report string
	converged := func() bool {
		blocked, settled := 0, true
		var b strings.Builder
		for i, br := range brs {
			st := br.STP()
			fmt.Fprintf(&b, "ours %c: root %v root port %q %+v\n", 'A'+i, st.Root, st.RootPort, st.Ports)
			if st.Root != root {
				settled = false
			}
			for _, p := range st.Ports {
				switch p.State {
				case bridge.Blocking:
					blocked++
				case bridge.Forwarding:
				default:
					settled = false
				}
			}
		}
		for port, state := range linuxStates() {
			fmt.Fprintf(&b, "linux %s: %s\n", port, state)
			switch state {
			case "blocking":
				blocked++
			case "forwarding":
			default:
				settled = false
			}
		}
		for _, br := range []string{"br1", "br2"} {
			r := linuxID(br, "root_id")
			fmt.Fprintf(&b, "linux %s: root %v\n", br, r)
			if r != root {
				settled = false
			}
		}
		report = b.String()
		return settled && blocked == 1
	}
	if !stacktest.Eventually(40*time.Second, converged) {
		t.Fatalf("no convergence to one blocked port under root %v:\n%s", root, report)
	}
	t.Logf("converged under Linux's br1 (%v):\n%s", root, report)
	for _, dst := range []string{"198.18.99.1", "198.18.99.2"} {
		out, err := ns.Output("ping", "-c", "5", "-i", "0.2", "-w", "20", dst)
		if err != nil || !strings.Contains(out, " 0% packet loss") {
			t.Errorf("Linux pings %s across the ring: %v\n%s", dst, err, out)
		}
	}
	rx := func() (n uint64) {
		for _, br := range brs {
			for _, m := range br.Members() {
				n += m.Stats().RxPackets
			}
		}
		return n
	}
	before := rx()
	time.Sleep(2 * time.Second)
	// One BPDU a second on each of our four links; a storm would be
	// thousands.
	if n := rx() - before; n > 40 {
		t.Errorf("%d frames in two quiet seconds: a storm", n)
	}
	if !converged() {
		t.Errorf("the tree changed after convergence:\n%s", report)
	}
	for _, br := range brs {
		if st := br.STP(); st.BadBPDUs != 0 || st.BPDUsIn == 0 {
			t.Errorf("BPDUs from Linux: %+v", st)
		}
	}
}
