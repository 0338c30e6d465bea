package ipv6_test

import (
	"context"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// redirectLab is one link with three nodes: our stack on a TAP whose
// Linux end is a port of bridge br0 in namespace A (2001:db8:6::2/64 on
// br0), and namespace C behind a veth on the same bridge (2001:db8:99::5,
// with the link's prefix 2001:db8:6::/64 on-link). Traffic between us and
// C through A, when A or we route, is what redirects shorten.
type redirectLab struct {
	*tapPeer
	c    *hosttest.Namespace
	aLL  netip.Addr // A's link-local address on br0
	cMAC string
}

const labDst = "2001:db8:99::5"

func newRedirectLab(t *testing.T, tag string) *redirectLab {
	t.Helper()
	hosttest.Require(t, hosttest.Tool("sysctl", "procps"))
	p := attachTAP(t, tag)
	a := p.ns
	a.IP(t, "addr", "del", linuxAddr+"/64", "dev", p.dev)
	a.IP(t, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
	a.IP(t, "link", "set", p.dev, "master", "br0")
	a.IP(t, "addr", "add", linuxAddr+"/64", "dev", "br0", "nodad")
	a.IP(t, "link", "add", "va", "type", "veth", "peer", "name", "vc")
	c := hosttest.NewNamespace(t, tag+"c")
	a.IP(t, "link", "set", "vc", "netns", c.Name)
	a.IP(t, "link", "set", "va", "master", "br0")
	a.IP(t, "link", "set", "va", "up")
	a.IP(t, "link", "set", "br0", "up")
	c.IP(t, "addr", "add", labDst+"/64", "dev", "vc", "nodad")
	c.IP(t, "link", "set", "vc", "up")
	c.IP(t, "-6", "route", "add", "2001:db8:6::/64", "dev", "vc")
	var ll netip.Addr
	if !stacktest.Eventually(10*time.Second, func() bool {
		out := a.IP(t, "-6", "addr", "show", "dev", "br0")
		m := regexp.MustCompile(`inet6 (fe80::[0-9a-f:]+)/64 scope link\s*\n`).FindStringSubmatch(out)
		if m == nil {
			return false
		}
		ll = netip.MustParseAddr(m[1])
		return true
	}) {
		t.Fatalf("br0 has no usable link-local address:\n%s", a.IP(t, "-6", "addr", "show", "dev", "br0"))
	}
	m := regexp.MustCompile(`link/ether ([0-9a-f:]{17})`).FindStringSubmatch(c.IP(t, "link", "show", "dev", "vc"))
	if m == nil {
		t.Fatal("no MAC on C's veth")
	}
	return &redirectLab{tapPeer: p, c: c, aLL: ll, cMAC: m[1]}
}

// snmp6 reads one counter of /proc/net/snmp6 in namespace ns.
func snmp6(t *testing.T, ns *hosttest.Namespace, name string) int {
	t.Helper()
	out := ns.Run(t, "cat", "/proc/net/snmp6")
	m := regexp.MustCompile(`(?m)^` + name + `\s+(\d+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %s in /proc/net/snmp6:\n%s", name, out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestInteropRedirectFromLinux: Linux (A) routes and sends us a redirect
// when it forwards our packet for C back out the link it came in on
// (RFC 4861 §8.2); we follow it (§8.3): C becomes on-link for us and
// our next packets to C go to C's MAC, not A's.
func TestInteropRedirectFromLinux(t *testing.T) {
	l := newRedirectLab(t, "rdf")
	h := l.h
	l.ns.Run(t, "sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1")
	l.ns.IP(t, "-6", "route", "add", "2001:db8:99::/64", "dev", "br0")
	if err := h.ip6.Routes().Add(route.Route{Prefix: netip.MustParsePrefix("2001:db8:99::/64"), Gateway: l.aLL, IfIndex: h.ifc.Index()}); err != nil {
		t.Fatal(err)
	}
	capt := l.ns.Capture(t, l.dev, "ip6")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dst := netip.MustParseAddr(labDst)
	if _, err := h.ip6.Ping(ctx, dst, ipv6.PingOptions{ID: 3, Seq: 1}); err != nil {
		t.Fatalf("ping C through A: %v", err)
	}
	if !stacktest.Eventually(5*time.Second, func() bool { return h.ip6.Stats().NDRedirectsApplied == 1 }) {
		t.Fatalf("no redirect followed: stats %+v", h.ip6.Stats())
	}
	if _, nh, err := h.ip6.Route(dst.As16(), 0); err != nil || nh != dst.As16() {
		t.Fatalf("next hop for C %v (%v), want C itself", netip.AddrFrom16(nh), err)
	}
	forwarded := snmp6(t, l.ns, "Ip6OutForwDatagrams")
	for seq := uint16(2); seq < 5; seq++ {
		if _, err := h.ip6.Ping(ctx, dst, ipv6.PingOptions{ID: 3, Seq: seq}); err != nil {
			t.Fatalf("ping C directly: %v", err)
		}
	}
	if n := snmp6(t, l.ns, "Ip6OutForwDatagrams"); n != forwarded {
		t.Errorf("A forwarded %d more packets after the redirect", n-forwarded)
	}
	capt.Stop(t)
	txt := capt.Text(t)
	if !strings.Contains(txt, l.aLL.String()+" > 2001:db8:6::1: [icmp6 sum ok] ICMP6, redirect, length") {
		t.Errorf("no redirect from A in the capture:\n%s", txt)
	}
	if !regexp.MustCompile(h.ifc.MAC().String() + ` > ` + l.cMAC + `, .*2001:db8:6::1 > ` + labDst + `: .*echo request, id 3, seq 4`).MatchString(txt) {
		t.Errorf("our echo request 4 did not go to C's MAC %s:\n%s", l.cMAC, txt)
	}
	t.Run("tshark", func(t *testing.T) { hosttest.TsharkClean(t, capt.Path) })
}

// TestInteropRedirectToLinux: we route; Linux (A, a host accepting
// redirects) sends its packets for C through us; we forward the first
// back out the link and redirect A to C (RFC 4861 §8.2), which Linux
// follows: its next packets go to C directly.
func TestInteropRedirectToLinux(t *testing.T) {
	l := newRedirectLab(t, "rdt")
	h := l.h
	h.ip6.SetForwarding(true)
	for _, k := range []string{"all", "br0"} {
		l.ns.Run(t, "sysctl", "-q", "-w", "net.ipv6.conf."+k+".accept_redirects=1")
	}
	ourLL := ipv6.LinkLocal(h.ifc.MAC())
	l.ns.IP(t, "-6", "route", "add", "2001:db8:99::/64", "via", ourLL.String(), "dev", "br0")
	if err := h.ip6.Routes().Add(route.Route{Prefix: netip.MustParsePrefix("2001:db8:99::/64"), IfIndex: h.ifc.Index(), Kind: route.Connected}); err != nil {
		t.Fatal(err)
	}
	capt := l.ns.Capture(t, l.dev, "ip6")
	in := snmp6(t, l.ns, "Icmp6InRedirects")
	out, err := l.ns.PingAll(4, "-6", "-i", "0.3", labDst)
	if err != nil {
		t.Fatalf("A pings C: %v\n%s", err, out)
	}
	if n := snmp6(t, l.ns, "Icmp6InRedirects") - in; n != 1 {
		t.Errorf("Linux counted %d redirects in, want 1", n)
	}
	st := h.ip6.Stats()
	if st.NDOutRedirects != 1 || st.ForwDatagrams != 1 {
		t.Errorf("we sent %d redirects and forwarded %d packets, want 1 and 1 (the rest went to C directly)", st.NDOutRedirects, st.ForwDatagrams)
	}
	if r := l.ns.IP(t, "-6", "route", "get", labDst); strings.Contains(r, " via ") {
		t.Errorf("Linux still routes C through a gateway: %s", r)
	}
	capt.Stop(t)
	txt := capt.Text(t)
	if !regexp.MustCompile(ourLL.String() + " > " + linuxAddr + `: \[icmp6 sum ok\] ICMP6, redirect, length \d+, ` + labDst + " to " + labDst).MatchString(txt) {
		t.Errorf("no redirect from us in the capture:\n%s", txt)
	}
	for _, bad := range []string{"bad cksum", "[|", "truncated", "malformed"} {
		if strings.Contains(strings.ToLower(txt), bad) {
			t.Errorf("tcpdump -vv flags %q:\n%s", bad, txt)
		}
	}
	t.Run("tshark", func(t *testing.T) { hosttest.TsharkClean(t, capt.Path) })
}
