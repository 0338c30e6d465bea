package pf_test

import (
	"testing"

	"github.com/gopkt/gopkt/stack/pf"
)

// TestRuleTable6: IPv6 packets against rule sets with inet6, IPv6
// prefixes, icmp6 types and rules of either or both families; neighbour
// discovery and MLD pass a default block, but not with a hop limit that
// says they could have come from off the link.
func TestRuleTable6(t *testing.T) {
	s := newStack(t)
	f := pf.New(s, pf.Options{})
	const tap0 = 2
	web := pkt{proto: tcp, src: "2001:db8:1::1", dst: "2001:db8::2", sport: 40000, dport: 80, flags: 0x02}
	dns := pkt{proto: udp, src: "2001:db8::9", dst: "2001:db8::2", sport: 5353, dport: 53}
	ping := pkt{proto: icmp6, src: "2001:db8::9", dst: "2001:db8::2", icmpType: 128, icmpID: 7}
	ns := pkt{proto: icmp6, src: "fe80::9", dst: "ff02::1:ff00:2", icmpType: 135, hop: 255}
	dad := pkt{proto: icmp6, src: "::", dst: "ff02::1:ff00:2", icmpType: 135, hop: 255}
	na := pkt{proto: icmp6, src: "fe80::9", dst: "fe80::2", icmpType: 136, hop: 255}
	ra := pkt{proto: icmp6, src: "fe80::1", dst: "ff02::1", icmpType: 134, hop: 255}
	mld := pkt{proto: icmp6, src: "fe80::9", dst: "ff02::16", icmpType: 143, hop: 1}
	web4 := pkt{proto: tcp, src: "198.19.1.1", dst: "198.18.0.2", sport: 40000, dport: 80, flags: 0x02}
	cases := []struct {
		rules string
		p     pkt
		want  pf.Action
	}{
		{"", web, pf.Pass},
		{"block all", web, pf.Block},
		{"block inet6 all", web, pf.Block},
		{"block inet all", web, pf.Pass},
		{"block inet6 all", web4, pf.Pass},
		{"block from 2001:db8:1::/48", web, pf.Block},
		{"block from 2001:db8:2::/48", web, pf.Pass},
		{"block from ! 2001:db8:2::/48", web, pf.Block},
		{"block from ! 198.18.0.0/15", web, pf.Pass}, // an IPv4 rule never matches IPv6
		{"block from 198.19.1.1", web, pf.Pass},
		{"block to 2001:db8::2", web, pf.Block},
		{"block to 2001:db8::3", web, pf.Pass},
		{"block proto tcp to port 80", web, pf.Block},
		{"block proto tcp flags S/SA", web, pf.Block},
		{"block proto udp to port 53", dns, pf.Block},
		{"block proto udp to port 53", pkt{proto: udp, src: "2001:db8::9", dst: "2001:db8::2", sport: 1, dport: 53, destOpts: true}, pf.Block},
		{"block proto udp to port 53", pkt{proto: udp, src: "2001:db8::9", dst: "2001:db8::2", sport: 1, dport: 53, fragOff: 1280}, pf.Pass},
		{"block proto udp", pkt{proto: udp, src: "2001:db8::9", dst: "2001:db8::2", fragOff: 1280, destOpts: true}, pf.Block},
		{"block proto icmp6", ping, pf.Block},
		{"block proto icmp6 icmp6-type echoreq", ping, pf.Block},
		{"block proto icmp6 icmp6-type echorep", ping, pf.Pass},
		{"block proto icmp", ping, pf.Pass},
		{"block all\npass in inet6 proto icmp6 icmp6-type echoreq", ping, pf.Pass},
		// Neighbour discovery and MLD under a default block.
		{"block all", ns, pf.Pass},
		{"block all", dad, pf.Pass},
		{"block all", na, pf.Pass},
		{"block all", ra, pf.Pass},
		{"block all", mld, pf.Pass},
		{"block quick proto icmp6 icmp6-type neighbrsol", ns, pf.Pass},
		{"block all", pkt{proto: icmp6, src: "2001:db8:5::9", dst: "2001:db8::2", icmpType: 135, hop: 64}, pf.Block},
		{"block all", pkt{proto: icmp6, src: "2001:db8:5::9", dst: "ff02::16", icmpType: 143, hop: 1}, pf.Block},
	}
	for i, c := range cases {
		if err := f.Load(c.rules); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		f.FlushStates()
		b := c.p.bytes()
		if got := f.Check(pf.In, tap0, b, len(b)); got != c.want {
			t.Errorf("case %d: rules %q, packet %+v: %v, want %v", i, c.rules, c.p, got, c.want)
		}
	}
	if st := f.Stats(); st.LinkControl != 6 {
		t.Errorf("link control passed %d, want 6", st.LinkControl)
	}
}

// TestStateful6: keep state over IPv6: a UDP reply, TCP's answer, an ICMPv6
// echo reply pass a default block; other ports, a request from the far
// side and an IPv4 packet with the same ports do not.
func TestStateful6(t *testing.T) {
	s := newStack(t)
	f := pf.New(s, pf.Options{})
	if err := f.Load("block in all\npass out inet6 all"); err != nil {
		t.Fatal(err)
	}
	check := func(d pf.Dir, p pkt) pf.Action { b := p.bytes(); return f.Check(d, 2, b, len(b)) }
	for _, c := range []struct {
		name       string
		out, reply pkt
		others     []pkt
	}{
		{"udp", pkt{proto: udp, src: "2001:db8::2", dst: "2001:db8::9", sport: 4000, dport: 53},
			pkt{proto: udp, src: "2001:db8::9", dst: "2001:db8::2", sport: 53, dport: 4000},
			[]pkt{{proto: udp, src: "2001:db8::9", dst: "2001:db8::2", sport: 53, dport: 4001},
				{proto: udp, src: "2001:db8::8", dst: "2001:db8::2", sport: 53, dport: 4000},
				{proto: udp, src: "198.18.0.9", dst: "198.18.0.2", sport: 53, dport: 4000}}},
		{"tcp", pkt{proto: tcp, src: "2001:db8::2", dst: "2001:db8::9", sport: 40000, dport: 80, flags: 0x02},
			pkt{proto: tcp, src: "2001:db8::9", dst: "2001:db8::2", sport: 80, dport: 40000, flags: 0x12},
			[]pkt{{proto: tcp, src: "2001:db8::9", dst: "2001:db8::2", sport: 80, dport: 40001, flags: 0x12}}},
		{"icmp6", pkt{proto: icmp6, src: "2001:db8::2", dst: "2001:db8::9", icmpType: 128, icmpID: 9},
			pkt{proto: icmp6, src: "2001:db8::9", dst: "2001:db8::2", icmpType: 129, icmpID: 9},
			[]pkt{{proto: icmp6, src: "2001:db8::9", dst: "2001:db8::2", icmpType: 128, icmpID: 9},
				{proto: icmp6, src: "2001:db8::9", dst: "2001:db8::2", icmpType: 129, icmpID: 10}}},
	} {
		if check(pf.In, c.reply) != pf.Block {
			t.Errorf("%s: unsolicited answer passed", c.name)
		}
		if check(pf.Out, c.out) != pf.Pass || check(pf.In, c.reply) != pf.Pass {
			t.Errorf("%s: answer to ours blocked", c.name)
		}
		for _, o := range c.others {
			if check(pf.In, o) != pf.Block {
				t.Errorf("%s: %+v passed on the state", c.name, o)
			}
		}
	}
	if st := f.Stats(); st.StatesMade != 3 {
		t.Errorf("states made %d, want 3", st.StatesMade)
	}
}

// FuzzCheck6: arbitrary packets (IPv6 ones seeded: extension headers,
// fragments, neighbour discovery, cut short) against a stateful rule set
// of both families, in and out: nothing panics, and what was passed out
// with keep state is passed again.
func FuzzCheck6(f *testing.F) {
	for _, p := range []pkt{
		{proto: udp, src: "2001:db8::9", dst: "2001:db8::2", sport: 1, dport: 53, destOpts: true},
		{proto: udp, src: "2001:db8::9", dst: "2001:db8::2", sport: 1, dport: 53, fragOff: 1280, destOpts: true},
		{proto: tcp, src: "2001:db8::2", dst: "2001:db8::9", sport: 40000, dport: 80, flags: 0x02},
		{proto: icmp6, src: "2001:db8::2", dst: "2001:db8::9", icmpType: 128, icmpID: 9},
		{proto: icmp6, src: "fe80::9", dst: "ff02::1:ff00:2", icmpType: 135, hop: 255},
		{proto: udp, src: "198.18.0.2", dst: "198.18.0.9", sport: 4000, dport: 53},
	} {
		b := p.bytes()
		f.Add(b, true)
		f.Add(b[:min(len(b), 41)], false)
	}
	s := newStack(f)
	flt := pf.New(s, pf.Options{MaxStates: 64})
	if err := flt.Load("block all\npass out inet6 all\npass out proto udp\nblock in quick inet6 proto icmp6 icmp6-type redir\npass in proto tcp from 2001:db8::/32 port 80"); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, out bool) {
		dir := pf.In
		if out {
			dir = pf.Out
		}
		a := flt.Check(dir, 2, data, len(data))
		if out && a == pf.Pass && len(data) > 0 && data[0]>>4 == 6 {
			if again := flt.Check(dir, 2, data, len(data)); again != pf.Pass {
				t.Fatalf("passed out, then %v", again)
			}
		}
	})
}

// icmpErr is an ICMP (v4) or ICMPv6 error of type typ from src to dst
// quoting the packet q.
func icmpErr(v6 bool, typ uint8, src, dst string, q []byte) []byte {
	proto := icmp
	if v6 {
		proto = icmp6
	}
	outer := pkt{proto: proto, src: src, dst: dst, icmpType: typ}.bytes()
	return append(outer, q...)
}

// TestErrorsFollowStates: under a default block, an ICMP or ICMPv6 error
// quoting a packet of a live state passes (packet too big for a TCP
// connection, port unreachable for a datagram, time exceeded for a
// ping), and one quoting anything else does not.
func TestErrorsFollowStates(t *testing.T) {
	s := newStack(t)
	f := pf.New(s, pf.Options{})
	if err := f.Load("block in all\npass out all"); err != nil {
		t.Fatal(err)
	}
	check := func(d pf.Dir, b []byte) pf.Action { return f.Check(d, 2, b, len(b)) }
	tcp6 := pkt{proto: tcp, src: "2001:db8::2", dst: "2001:db8:5::9", sport: 40000, dport: 443, flags: 0x10}.bytes()
	udp6 := pkt{proto: udp, src: "2001:db8::2", dst: "2001:db8:5::9", sport: 4000, dport: 53}.bytes()
	ping6 := pkt{proto: icmp6, src: "2001:db8::2", dst: "2001:db8:5::9", icmpType: 128, icmpID: 3}.bytes()
	udp4 := pkt{proto: udp, src: "198.18.0.2", dst: "198.18.5.9", sport: 4000, dport: 53}.bytes()
	other6 := pkt{proto: udp, src: "2001:db8::2", dst: "2001:db8:5::9", sport: 4001, dport: 53}.bytes()
	for _, b := range [][]byte{tcp6, udp6, ping6, udp4} {
		if check(pf.Out, b) != pf.Pass {
			t.Fatal("our packet blocked")
		}
	}
	for _, c := range []struct {
		name string
		err  []byte
		want pf.Action
	}{
		{"packet too big, TCP", icmpErr(true, 2, "2001:db8:1::1", "2001:db8::2", tcp6), pf.Pass},
		{"port unreachable, UDP", icmpErr(true, 1, "2001:db8:5::9", "2001:db8::2", udp6), pf.Pass},
		{"time exceeded, ping", icmpErr(true, 3, "2001:db8:1::1", "2001:db8::2", ping6), pf.Pass},
		{"quoting 8 bytes of TCP", icmpErr(true, 2, "2001:db8:1::1", "2001:db8::2", tcp6[:48]), pf.Pass},
		{"IPv4 unreachable, UDP", icmpErr(false, 3, "198.18.5.9", "198.18.0.2", udp4), pf.Pass},
		{"no state", icmpErr(true, 1, "2001:db8:5::9", "2001:db8::2", other6), pf.Block},
		{"quote cut short", icmpErr(true, 2, "2001:db8:1::1", "2001:db8::2", tcp6[:43]), pf.Block},
		{"IPv4 packet quoted in ICMPv6", icmpErr(true, 1, "2001:db8:5::9", "2001:db8::2", udp4), pf.Block},
		{"not an error", icmpErr(true, 129, "2001:db8:5::9", "2001:db8::2", udp6), pf.Block},
	} {
		if got := check(pf.In, c.err); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if st := f.Stats(); st.ErrorMatches != 5 {
		t.Errorf("error matches %d, want 5", st.ErrorMatches)
	}
}
