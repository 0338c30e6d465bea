package main

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
)

// writeRoutes writes lines into a file in a test directory.
func writeRoutes(tb testing.TB, lines ...string) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "routes")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// TestRoutesFile reads the forms `ip route` and `ip -6 route` print.
func TestRoutesFile(t *testing.T) {
	p := writeRoutes(t,
		"# a table dumped from a Linux router",
		"default via 198.18.0.1 dev tap0 proto static metric 100",
		"198.18.5.0/24 dev tap0 proto kernel scope link src 198.18.0.2",
		"198.18.6.0/24 via 198.18.0.9",
		"198.18.7.7 via 198.18.0.9 dev tap0 onlink",
		"unicast 198.18.8.0/22 via 198.18.0.9 # a comment",
		"",
		"2001:db8:1::/48 via fe80::1 dev tap0 proto ra metric 1024 expires 1790sec pref medium",
		"default via inet6 2001:db8::1 dev tap0",
	)
	c, err := parseArgs(args("-p ipv4 -p ipv6 -d tap --routes "+p), defaultRegistry())
	if err != nil {
		t.Fatal(err)
	}
	mp, ma := netip.MustParsePrefix, netip.MustParseAddr
	want := []routeArg{
		{Dest: mp("0.0.0.0/0"), Gateway: ma("198.18.0.1"), Iface: "tap0"},
		{Dest: mp("198.18.5.0/24"), Iface: "tap0"},
		{Dest: mp("198.18.6.0/24"), Gateway: ma("198.18.0.9")},
		{Dest: mp("198.18.7.7/32"), Gateway: ma("198.18.0.9"), Iface: "tap0"},
		{Dest: mp("198.18.8.0/22"), Gateway: ma("198.18.0.9")},
		{Dest: mp("2001:db8:1::/48"), Gateway: ma("fe80::1"), Iface: "tap0"},
		{Dest: mp("::/0"), Gateway: ma("2001:db8::1"), Iface: "tap0"},
	}
	lines := []int{2, 3, 4, 5, 6, 8, 9}
	for i := range want {
		want[i].Flag, want[i].Arg = "--routes", fmt.Sprintf("%s:%d", p, lines[i])
	}
	if !slices.Equal(c.Routes, want) {
		t.Errorf("routes:\n got %+v\nwant %+v", c.Routes, want)
	}
}

func TestRoutesFileErrors(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"198.18.5.0/24", `want via GATEWAY or dev IFACE`},
		{"198.18.5.0/24 via", `via needs a value`},
		{"198.18.5.0/24 via nowhere", `gateway: "nowhere" is not an IPv4 or IPv6 address`},
		{"198.18.5.0/24 via 198.18.0.1 weight 3", `unknown word "weight" (want via GATEWAY, dev IFACE, or one of ip route's attributes)`},
		{"blackhole 198.18.5.0/24", `blackhole routes are not supported (only unicast routes: PREFIX via GATEWAY or PREFIX dev IFACE)`},
	} {
		p := writeRoutes(t, "198.18.4.0/24 dev tap0", tc.line)
		_, err := parseArgs(args("-p ipv4 -d tap --routes "+p), defaultRegistry())
		want := fmt.Sprintf("--routes %s:2: %q: %s", p, tc.line, tc.want)
		var ue *usageError
		if !errors.As(err, &ue) || err.Error() != want {
			t.Errorf("%q:\n got %v\nwant %s", tc.line, err, want)
		}
	}
	// Errors checkRoute finds name the file and line too.
	p := writeRoutes(t, "198.18.5.1/24 dev tap0")
	if _, err := parseArgs(args("-p ipv4 -d tap --routes "+p), defaultRegistry()); err == nil ||
		err.Error() != fmt.Sprintf("--routes %s:1: destination 198.18.5.1/24 has host bits set (did you mean 198.18.5.0/24?)", p) {
		t.Errorf("host bits: %v", err)
	}
	p = writeRoutes(t, "198.18.5.0/24 dev em3")
	if _, err := parseArgs(args("-p ipv4 -d tap --routes "+p), defaultRegistry()); err == nil ||
		!strings.Contains(err.Error(), "no interface em3") {
		t.Errorf("unknown interface: %v", err)
	}
	if _, err := parseArgs(args("-p ipv4 --routes /nonexistent/routes"), defaultRegistry()); err == nil ||
		!strings.Contains(err.Error(), "--routes /nonexistent/routes: open /nonexistent/routes: no such file or directory") {
		t.Errorf("missing file: %v", err)
	}
}

// routeFileLines returns n host routes in 198.18.112.0 and up (inside
// 198.18.0.0/15), alternating between two gateways, in `ip route` form
// with the attributes Linux prints.
func routeFileLines(n int, gw1, gw2 string) []string {
	lines := make([]string, 0, n)
	base := netip.MustParseAddr("198.18.112.0").As4()
	v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	for i := range n {
		a := v + uint32(i)
		gw := gw1
		if i%2 == 1 {
			gw = gw2
		}
		lines = append(lines, fmt.Sprintf("%d.%d.%d.%d via %s proto static metric 20", a>>24, byte(a>>16), byte(a>>8), byte(a), gw))
	}
	return lines
}

// BenchmarkRoutesFile parses a 100 000-line routes file (the daemon's
// --routes at start; the batch add is bench/route's).
func BenchmarkRoutesFile(b *testing.B) {
	p := writeRoutes(b, routeFileLines(100000, "198.18.110.1", "198.18.111.1")...)
	a := args("-p ipv4 -d tap -d tap --routes " + p)
	b.ResetTimer()
	for range b.N {
		c, err := parseArgs(a, defaultRegistry())
		if err != nil || len(c.Routes) != 100000 {
			b.Fatal(err)
		}
	}
}

// TestDaemonRoutesFile is issue 16's interop check: the daemon loads a
// 100 000-line routes file and forwards between two Linux namespaces
// using the route in the middle of it.
//
//	ns A 198.18.110.1/24 --tap0-- 198.18.110.2 gopkt 198.18.111.2 --tap1-- 198.18.111.1/24 ns B
//
// Line 50 002 routes 198.19.51.81/32 via B (the lines alternate between
// A and B, so a neighbouring line's route would send A's packets back to
// A); B owns that address on its loopback, and A pings it through us.
func TestDaemonRoutesFile(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping)
	const n = 100000
	lines := routeFileLines(n, "198.18.110.1", "198.18.111.1")
	mid := n/2 + 1 // odd index: via B
	target, _, _ := strings.Cut(lines[mid], " ")
	p := writeRoutes(t, lines...)
	a, b := hosttest.NewNamespace(t, "ra"), hosttest.NewNamespace(t, "rb")
	da, db := hosttest.LinkName("ra"), hosttest.LinkName("rb")
	r := startRun([]string{"-p", "ipv4,forwarding=on", "-p", "icmp",
		"-d", "tap linux=" + da + ",mac=02:00:5e:00:6e:02", "--ifconfig", "tap0=198.18.110.2/24",
		"-d", "tap linux=" + db + ",mac=02:00:5e:00:6f:02", "--ifconfig", "tap1=198.18.111.2/24",
		"--routes", p}, env{})
	t.Cleanup(func() { r.cancel() })
	waitFor(t, &r.out, "gopkt: running", 30*time.Second)
	if m := regexp.MustCompile(`routes added"? ipv4=(\d+) ipv6=0 took=(\S+)`).FindStringSubmatch(r.errOut.String()); m == nil || m[1] != strconv.Itoa(n) {
		t.Fatalf("no \"routes added ipv4=%d\" line in the log:\n%s", n, tail(r.errOut.String(), 20))
	} else {
		t.Logf("%d routes from the file added in %s (parsing is BenchmarkRoutesFile's)", n, m[2])
	}
	a.TakeLink(t, da, "198.18.110.1/24")
	b.TakeLink(t, db, "198.18.111.1/24")
	b.IP(t, "addr", "add", target+"/32", "dev", "lo")
	a.IP(t, "route", "add", target+"/32", "via", "198.18.110.2")
	b.IP(t, "route", "add", "198.18.110.0/24", "via", "198.18.111.2")
	out, err := a.Output("ping", "-c", "5", "-i", "0.2", "-W", "3", target)
	if err != nil {
		t.Fatalf("ping %s from A through the file's route %d: %v\n%s\n%s", target, mid+1, err, out, tail(r.out.String(), 20))
	}
	if !strings.Contains(out, "5 received") {
		t.Errorf("ping %s: %s", target, out)
	}
	start := time.Now()
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s", code, r.errOut.String())
	}
	t.Logf("stopped in %s", time.Since(start).Round(time.Millisecond))
	o := r.out.String()
	if !strings.Contains(o, "pool: 4096/4096 buffers free") {
		t.Errorf("the pool is not full at exit:\n%s", tail(o, 30))
	}
	// The status shows the first routes and counts the rest.
	// (The file's routes, the connected ones and loopback's.)
	if m := regexp.MustCompile(`\.\.\. and (\d+) more routes`).FindStringSubmatch(o); m == nil {
		t.Errorf("status: no \"... and N more routes\" line:\n%s", tail(o, 30))
	} else if more, _ := strconv.Atoi(m[1]); more+statusMaxRoutes < n {
		t.Errorf("status counts %d more routes after %d, want at least %d in all", more, statusMaxRoutes, n)
	}
	// 5 requests one way, 5 replies the other (more only if Linux
	// retransmitted).
	m := regexp.MustCompile(`forwarded (\d+) `).FindStringSubmatch(o)
	if fw, _ := strconv.Atoi(m[len(m)-1]); m == nil || fw < 10 {
		t.Errorf("forwarded counter: %v\n%s", m, tail(o, 30))
	}
}
