package route

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestAddressSpaceLimit: under an address-space limit (ulimit -v) that
// leaves no room for a plane's 8 GiB of groups, a table still works: it
// reserves what the limit allows, and 200 000 routes, many below /24 (trie
// groups), load and look up right. It runs in a child process, which sets
// the limit on itself.
func TestAddressSpaceLimit(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's shadow memory needs more address space than the limit leaves")
	}
	if os.Getenv("GOPKT_ROUTE_RLIMIT") == "1" {
		rlimitChild(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAddressSpaceLimit$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "GOPKT_ROUTE_RLIMIT=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS")) {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "reserved") {
			t.Log(strings.TrimSpace(l))
		}
	}
}

func rlimitChild(t *testing.T) {
	// The limit: what the process maps now plus 2 GiB.
	st, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	var vm uint64
	for _, l := range strings.Split(string(st), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmSize:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			vm = kb << 10
		}
	}
	if vm == 0 {
		t.Fatal("no VmSize in /proc/self/status")
	}
	lim := vm + 2<<30
	if err := unix.Setrlimit(unix.RLIMIT_AS, &unix.Rlimit{Cur: lim, Max: lim}); err != nil {
		t.Fatal(err)
	}
	tb := New()
	var rs []Route
	for i := range 200000 {
		// /24s and /28s under 10.0.0.0/8-like space in 198.18.0.0/15
		// style words: distinct prefixes, a quarter of them /28.
		a := uint32(0x0a000000) + uint32(i)<<8
		bits := 24
		if i%4 == 0 {
			bits, a = 28, a|0x30
		}
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), bits)
		rs = append(rs, Route{Prefix: p, IfIndex: 1 + i%7})
	}
	if err := tb.AddBatch(rs); err != nil {
		t.Fatal(err)
	}
	pl := tb.c.cur.Load()
	fmt.Printf("limit %d MiB above %d MiB mapped: reserved %d MiB of groups (%d of %d), %d MiB of records\n",
		(lim-vm)>>20, vm>>20, int(pl.capGroups)*groupSize*4>>20, pl.capGroups, maxGroups, len(pl.hopMem)>>20)
	if pl.capGroups >= maxGroups {
		t.Fatalf("the full group range was reserved under a %d MiB limit", lim>>20)
	}
	for i, r := range rs {
		a := r.Prefix.Addr().As4()
		w := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
		if ifx, _ := tb.NextHop4(w + 1); int(ifx) != r.IfIndex {
			t.Fatalf("route %d (%v): lookup gives interface %d, want %d", i, r.Prefix, ifx, r.IfIndex)
		}
	}
}
