package bridge_test

import (
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/bridge"
	"github.com/gopkt/gopkt/stack/iface/tap"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// TestInteropSTPLoopOverLinux: two of our bridges, A (priority 4096) and
// B, each with members m1 and m2 on TAP devices; in a namespace, Linux
// bridge br1 joins both m1 TAPs and br2 both m2 TAPs (Linux's STP and
// learning off: they are hubs that pass BPDUs), so the two links make a loop, and a
// Linux station on br2 (198.18.96.3) would start a storm with its first
// ARP broadcast. Spanning tree converges: B's m2 blocks, Linux pings both
// bridges with no loss, the links stay quiet. Then br1 goes down: B hears
// no more BPDUs on its root port m1, their information ages out after Max
// Age, m2 becomes B's root port and forwards, and Linux pings B again.
// tshark decodes the BPDUs captured on br2 as STP, nothing malformed.
// Addresses in 198.18.0.0/15 only.
func TestInteropSTPLoopOverLinux(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping, hosttest.Tcpdump)
	pool := stacktest.NewPool(t, 2048)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ns := hosttest.NewNamespace(t, "stp")
	for _, br := range []string{"br1", "br2"} {
		// No STP, no learning (ageing 0): a hub, which keeps no stale
		// idea of where a station is across the failover.
		ns.IP(t, "link", "add", br, "type", "bridge", "stp_state", "0", "ageing_time", "0")
	}
	so := bridge.STPOptions{HelloTime: 200 * time.Millisecond, MaxAge: 1500 * time.Millisecond, ForwardDelay: 500 * time.Millisecond}
	brs := tapBridges(t, ns, pool, bg, so, 4096, 96, "s")
	ns.IP(t, "addr", "add", "198.18.96.3/24", "dev", "br2")
	for _, br := range []string{"br1", "br2"} {
		ns.IP(t, "link", "set", br, "up")
	}
	dump := ns.Capture(t, "br2", "ether dst 01:80:c2:00:00:00")
	a, b := brs[0], brs[1]
	if !stacktest.Eventually(15*time.Second, func() bool {
		sb := states(b)
		return b.STP().Root == a.STP().Bridge && b.STP().RootPort == "m1" && sb["m1"] == bridge.Forwarding && sb["m2"] == bridge.Blocking &&
			states(a)["m1"] == bridge.Forwarding && states(a)["m2"] == bridge.Forwarding
	}) {
		t.Fatalf("no convergence: A %+v\nB %+v", a.STP(), b.STP())
	}
	ping := func(dst string) {
		t.Helper()
		out, err := ns.Output("ping", "-c", "5", "-i", "0.2", "-w", "20", dst)
		if err != nil || !strings.Contains(out, " 0% packet loss") {
			t.Errorf("Linux pings %s: %v\n%s", dst, err, out)
		}
	}
	ping("198.18.96.1")
	ping("198.18.96.2")
	rx := func() (n uint64) {
		for _, br := range brs {
			for _, m := range br.Members() {
				n += m.Stats().RxPackets
			}
		}
		return n
	}
	before := rx()
	time.Sleep(time.Second)
	// About five BPDUs a second from each of A's two designated ports
	// reach both bridges' other member; a storm would be thousands.
	if n := rx() - before; n > 60 {
		t.Errorf("%d frames in a quiet second: a storm", n)
	}
	ns.IP(t, "link", "set", "br1", "down")
	if !stacktest.Eventually(15*time.Second, func() bool { return b.STP().RootPort == "m2" && states(b)["m2"] == bridge.Forwarding }) {
		t.Fatalf("no failover to m2: %+v", b.STP())
	}
	ping("198.18.96.2")
	dump.Stop(t)
	t.Logf("A %+v\nB %+v", a.STP(), b.STP())
	for _, br := range brs {
		if st := br.STP(); st.BadBPDUs != 0 {
			t.Errorf("bad BPDUs: %+v", st)
		}
	}
	hosttest.Require(t, hosttest.Tshark)
	hosttest.TsharkClean(t, dump.Path)
	out, err := exec.Command("tshark", "-r", dump.Path, "-Y", "stp.type == 0x00 && stp.root.prio == 4096", "-T", "fields", "-e", "stp.root.hw").Output()
	if n := strings.Count(string(out), "\n"); err != nil || n < 5 {
		t.Errorf("tshark decodes %d configuration BPDUs with root priority 4096: %v", n, err)
	}
}

// tapBridges builds two of our stacks, A and B, each with bridge0 (spanning
// tree with so, A at priority prioA when it is not 0; address
// 198.18.SUBNET.1 or .2/24) over members m1 and m2 on TAP devices (Linux
// names from tag), whose Linux ends join the Linux bridges br1 (both m1)
// and br2 (both m2), which must exist in ns.
func tapBridges(t *testing.T, ns *hosttest.Namespace, pool *mbuf.Pool, bg *mbuf.Budget, so bridge.STPOptions, prioA uint16, subnet int, tag string) [2]*bridge.Bridge {
	t.Helper()
	var brs [2]*bridge.Bridge
	for i := range 2 {
		o := so
		if i == 0 && prioA != 0 {
			o.Priority = prioA
		}
		opts := bridge.Options{STP: &o}
		ip := ipv4.New(ipv4.Options{})
		s, err := stack.New(stack.Options{Pool: pool, Budget: bg, Protocols: []stack.Protocol{ip}, Cloners: []stack.Cloner{&bridge.Cloner{Options: opts}}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		if brs[i], err = (&bridge.Cloner{Options: opts}).Add(s, "bridge0"); err != nil {
			t.Fatal(err)
		}
		if err := s.AddAddress(s.InterfaceByName("bridge0"), netip.MustParsePrefix(fmt.Sprintf("198.18.%d.%d/24", subnet, i+1))); err != nil {
			t.Fatal(err)
		}
		for j := 1; j <= 2; j++ {
			dev := hosttest.LinkName(fmt.Sprintf("%s%c%d", tag, 'A'+i, j))
			p, err := tap.Open(dev, pool, tap.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ifc, err := s.Attach(fmt.Sprintf("m%d", j), p, stack.IfOptions{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Detach(ifc); _ = p.Close() })
			if _, err := brs[i].AddMember(ifc); err != nil {
				t.Fatal(err)
			}
			hosttest.Run(t, "ip", "link", "set", dev, "netns", ns.Name)
			ns.IP(t, "link", "set", dev, "master", fmt.Sprintf("br%d", j))
			ns.IP(t, "link", "set", dev, "up")
		}
	}
	return brs
}
