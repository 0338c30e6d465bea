package route

import (
	"errors"
	"net/netip"
	"testing"
)

func mustAdd(t *testing.T, tb *Table, r Route) {
	t.Helper()
	if err := tb.Add(r); err != nil {
		t.Fatal(err)
	}
}

func TestLookupLongestPrefix(t *testing.T) {
	tb := New()
	mustAdd(t, tb, Route{Prefix: netip.MustParsePrefix("0.0.0.0/0"), Gateway: netip.MustParseAddr("198.18.0.1"), IfIndex: 2})
	mustAdd(t, tb, Route{Prefix: netip.MustParsePrefix("198.18.0.0/24"), IfIndex: 2, Kind: Connected})
	mustAdd(t, tb, Route{Prefix: netip.MustParsePrefix("198.18.1.0/24"), IfIndex: 3, Kind: Connected})
	mustAdd(t, tb, Route{Prefix: netip.MustParsePrefix("198.18.1.128/25"), Gateway: netip.MustParseAddr("198.18.0.9"), IfIndex: 2, Metric: 5})
	mustAdd(t, tb, Route{Prefix: netip.MustParsePrefix("198.18.1.128/25"), Gateway: netip.MustParseAddr("198.18.1.9"), IfIndex: 3, Metric: 1})
	// Unmasked prefixes are masked on insert.
	mustAdd(t, tb, Route{Prefix: netip.MustParsePrefix("198.19.7.7/16"), IfIndex: 4})

	for _, tc := range []struct {
		dst     string
		ifindex int
		nexthop string
	}{
		{"198.18.0.77", 2, "198.18.0.77"},
		{"198.18.1.5", 3, "198.18.1.5"},
		{"198.18.1.200", 3, "198.18.1.9"}, // /25, lower metric wins
		{"198.19.200.1", 4, "198.19.200.1"},
		{"203.0.113.1", 2, "198.18.0.1"}, // default
	} {
		dst := netip.MustParseAddr(tc.dst).As4()
		r, ok := tb.Lookup(dst)
		if !ok {
			t.Fatalf("%s: no route", tc.dst)
		}
		if r.IfIndex != tc.ifindex || netip.AddrFrom4(r.NextHop(dst)).String() != tc.nexthop {
			t.Errorf("%s: got %v next hop %v, want dev #%d via %s", tc.dst, r, netip.AddrFrom4(r.NextHop(dst)), tc.ifindex, tc.nexthop)
		}
	}
}

func TestAddDelete(t *testing.T) {
	tb := New()
	def := Route{Prefix: netip.MustParsePrefix("0.0.0.0/0"), Gateway: netip.MustParseAddr("198.18.0.1"), IfIndex: 2}
	if _, ok := tb.Lookup([4]byte{1, 2, 3, 4}); ok {
		t.Fatal("empty table found a route")
	}
	mustAdd(t, tb, def)
	if err := tb.Add(def); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate add: %v", err)
	}
	if _, ok := tb.Lookup([4]byte{1, 2, 3, 4}); !ok {
		t.Fatal("default route not used")
	}
	if err := tb.Delete(def); err != nil {
		t.Fatal(err)
	}
	if err := tb.Delete(def); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, ok := tb.Lookup([4]byte{1, 2, 3, 4}); ok {
		t.Fatal("deleted route still used")
	}
	mustAdd(t, tb, def)
	mustAdd(t, tb, Route{Prefix: netip.MustParsePrefix("198.18.0.0/24"), IfIndex: 2})
	mustAdd(t, tb, Route{Prefix: netip.MustParsePrefix("198.18.1.0/24"), IfIndex: 3})
	if n := tb.DeleteInterface(2); n != 2 || tb.Len() != 1 {
		t.Fatalf("DeleteInterface removed %d, %d left", n, tb.Len())
	}
}

func TestBadRoutes(t *testing.T) {
	tb := New()
	for _, r := range []Route{
		{Prefix: netip.MustParsePrefix("2001:db8::/32"), IfIndex: 1},
		{Prefix: netip.MustParsePrefix("198.18.0.0/24"), IfIndex: 0},
		{Prefix: netip.MustParsePrefix("198.18.0.0/24"), Gateway: netip.MustParseAddr("::1"), IfIndex: 1},
		{},
	} {
		if err := tb.Add(r); !errors.Is(err, ErrBadRoute) {
			t.Errorf("%v: got %v, want ErrBadRoute", r, err)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	tb := New()
	_ = tb.Add(Route{Prefix: netip.MustParsePrefix("0.0.0.0/0"), Gateway: netip.MustParseAddr("198.18.0.1"), IfIndex: 2})
	_ = tb.Add(Route{Prefix: netip.MustParsePrefix("198.18.0.0/24"), IfIndex: 2})
	_ = tb.Add(Route{Prefix: netip.MustParsePrefix("198.18.1.0/24"), IfIndex: 3})
	dst := [4]byte{198, 18, 1, 7}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := tb.Lookup(dst); !ok {
			b.Fatal("no route")
		}
	}
}
