package pf_test

import (
	"testing"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack/pf"
)

// filterTable6 is the filter table over IPv6 (the tbl6* addresses): inet6
// rules, IPv6 prefixes, icmp6 types, keep state for UDP, TCP and ICMPv6
// echo, and IPv4-only rules that must not touch IPv6 traffic. Neighbour
// discovery passes every rule set here (the filter lets it by before the
// rules), or nothing would be forwarded under "block all".
var filterTable6 = []filterCase{
	{rules: "", probe: udpCS, arrive: true, reply: true, seen: "[" + tbl6C + "]:"},
	{rules: "block all", probe: udpCS, counted: []int{1}},
	{rules: "block inet6 all", probe: udpCS, counted: []int{1}},
	{rules: "block inet all", probe: udpCS, arrive: true, reply: true, quiet: []int{1}},
	{rules: "block all\npass all", probe: udpCS, arrive: true, reply: true, counted: []int{2}, quiet: []int{1}, states: []int{2}},
	{rules: "block quick inet6 all\npass all", probe: udpCS, counted: []int{1}, quiet: []int{2}},
	{rules: "block in on tap1 all\npass out on tap1 inet6 proto udp keep state", probe: udpCS, arrive: true, reply: true, counted: []int{2}, quiet: []int{1}, states: []int{2}},
	{rules: "block in on tap1 all\npass out on tap1 proto udp no state", probe: udpCS, arrive: true, counted: []int{1, 2}},
	{rules: "block in all\npass in on tap1 inet6 proto udp keep state", probe: udpSC, arrive: true, reply: true, counted: []int{2}, states: []int{2}},
	{rules: "block out on tap0 proto udp", probe: udpSC, counted: []int{1}},
	{rules: "block proto udp to port {P}", probe: udpCS, counted: []int{1}},
	{rules: "block proto udp to port != {P}", probe: udpCS, arrive: true, counted: []int{1}},
	{rules: "block from " + tbl6C, probe: udpCS, counted: []int{1}},
	{rules: "block from 2001:db8:96::/64", probe: udpCS, counted: []int{1}},
	{rules: "block from ! 2001:db8:96::/64", probe: udpCS, arrive: true, counted: []int{1}},
	{rules: "block from ! 198.18.0.0/15", probe: udpCS, arrive: true, reply: true, quiet: []int{1}},
	{rules: "block to 2001:db8:98::/64", probe: udpCS, arrive: true, reply: true, quiet: []int{1}},
	{rules: "", probe: tcpCS, arrive: true, reply: true},
	{rules: "block inet6 proto tcp", probe: tcpCS, counted: []int{1}},
	{rules: "block proto tcp flags S/SA", probe: tcpCS, counted: []int{1}},
	{rules: "block in on tap1 all\npass out on tap1 proto tcp flags S/SA keep state", probe: tcpCS, arrive: true, reply: true, counted: []int{2}, states: []int{2}},
	{rules: "block in on tap1 all\npass out on tap1 proto tcp flags S/SA no state", probe: tcpCS, arrive: true, counted: []int{1, 2}},
	{rules: "", probe: pingCS, reply: true},
	{rules: "block proto icmp6", probe: pingCS, counted: []int{1}},
	{rules: "block proto icmp6 icmp6-type echorep", probe: pingCS, counted: []int{1}},
	{rules: "block proto icmp", probe: pingCS, reply: true, quiet: []int{1}},
	{rules: "block in on tap1 all\npass out on tap1 proto icmp6 icmp6-type echoreq keep state", probe: pingCS, reply: true, counted: []int{2}, states: []int{2}},
	{rules: "block all\npass in on tap0 proto icmp6 icmp6-type echoreq keep state", probe: pingUs, reply: true, counted: []int{2}, states: []int{2}},
	{rules: "block in on tap0 proto icmp6 to " + tbl6UsC, probe: pingUs, counted: []int{1}},
	{rules: "block all", probe: pingUs, counted: []int{1}},
}

// TestInteropLinuxFilterTable6: filterTable6 through our IPv6 router
// between two Linux namespaces, checked as TestInteropLinuxFilterTable
// checks IPv4's. Then neighbour discovery under a default block: with
// "block all" and UDP passed, both Linux sides forget their neighbours,
// and the exchange still completes because their solicitations and our
// advertisements pass; the filter counts them.
func TestInteropLinuxFilterTable6(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping, hosttest.Tcpdump)
	l := newLab(t, "f6", pf.Options{}, true)
	runFilterTable(t, l, filterTable6, 44000)

	if err := l.f.Load("block all\npass proto udp"); err != nil {
		t.Fatal(err)
	}
	l.f.FlushStates()
	before := l.f.Stats().LinkControl
	for _, ns := range []*hosttest.Namespace{l.nsC, l.nsS} {
		ns.IP(t, "-6", "neigh", "flush", "all")
	}
	r := runProbe(l, filterCase{probe: udpCS, arrive: true, reply: true}, 44999)
	if r.err != nil || !r.arrived || !r.replied {
		t.Fatalf("UDP under a default block with neighbour caches flushed: %+v", r)
	}
	if n := l.f.Stats().LinkControl - before; n == 0 {
		t.Errorf("no neighbour discovery passed the filter")
	}
}
