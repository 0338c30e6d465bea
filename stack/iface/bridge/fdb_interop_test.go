package bridge_test

import (
	"strings"
	"testing"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/bridge"
	"github.com/gopkt/gopkt/stack/iface/tap"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// TestInteropLinuxBridgeFDB chains our bridge and a Linux bridge:
//
//	nsA --TAP-- [our bridge0] --TAP-- [Linux br0 in nsL] --veth-- nsB
//
// A and B ping each other across both bridges; then our filtering
// database and Linux's (bridge fdb show) must agree on where each MAC
// lives: A behind our tap0 and behind br0's TAP port, B behind our tap1
// and behind br0's veth port. Addresses in 198.18.0.0/15 only.
func TestInteropLinuxBridgeFDB(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping, hosttest.Tool("bridge", "iproute2"))
	pool := stacktest.NewPool(t, 1024)
	ip := ipv4.New(ipv4.Options{})
	s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{ip}, Cloners: []stack.Cloner{&bridge.Cloner{}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	br, err := (&bridge.Cloner{}).Add(s, "bridge0")
	if err != nil {
		t.Fatal(err)
	}
	nsA, nsL, nsB := hosttest.NewNamespace(t, "fA"), hosttest.NewNamespace(t, "fL"), hosttest.NewNamespace(t, "fB")
	devA, devL := hosttest.LinkName("fA"), hosttest.LinkName("fL")
	vL, vB := hosttest.LinkName("fvL"), hosttest.LinkName("fvB")
	var members []*stack.Interface
	for i, dev := range []string{devA, devL} {
		p, err := tap.Open(dev, pool, tap.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ifc, err := s.Attach("tap"+string(rune('0'+i)), p, stack.IfOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Detach(ifc); _ = p.Close() })
		if _, err := br.AddMember(ifc); err != nil {
			t.Fatal(err)
		}
		members = append(members, ifc)
	}
	nsA.TakeLink(t, devA, "198.18.41.1/24")
	hosttest.Run(t, "ip", "link", "set", devL, "netns", nsL.Name)
	nsL.IP(t, "link", "add", "br0", "type", "bridge")
	nsL.IP(t, "link", "add", vL, "type", "veth", "peer", "name", vB, "netns", nsB.Name)
	for _, dev := range []string{devL, vL} {
		nsL.IP(t, "link", "set", dev, "master", "br0")
		nsL.IP(t, "link", "set", dev, "up")
	}
	nsL.IP(t, "link", "set", "br0", "up")
	nsB.IP(t, "addr", "add", "198.18.41.2/24", "dev", vB)
	nsB.IP(t, "link", "set", vB, "up")
	macA, macB := linkMAC(t, nsA, devA), linkMAC(t, nsB, vB)

	for _, c := range []struct {
		ns *hosttest.Namespace
		to string
	}{{nsA, "198.18.41.2"}, {nsB, "198.18.41.1"}} {
		out, err := c.ns.Output("ping", "-c", "3", "-i", "0.2", "-w", "20", c.to)
		if err != nil || !strings.Contains(out, " 0% packet loss") {
			t.Errorf("%s pings %s across both bridges: %v\n%s", c.ns.Name, c.to, err, out)
		}
	}
	ours := map[wire.MAC]string{}
	for _, e := range br.FDB() {
		ours[e.MAC] = e.Member
	}
	if ours[macA] != members[0].Name() || ours[macB] != members[1].Name() {
		t.Errorf("our fdb %v: want %v on %s and %v on %s", ours, macA, members[0].Name(), macB, members[1].Name())
	}
	linux := nsL.Run(t, "bridge", "fdb", "show", "br", "br0")
	for _, want := range []string{macA.String() + " dev " + devL, macB.String() + " dev " + vL} {
		if !strings.Contains(linux, want) {
			t.Errorf("Linux's fdb lacks %q:\n%s", want, linux)
		}
	}
}
