package route

import (
	"net/netip"
	"testing"
)

// TestGen: every change a lookup can see moves the generation; failed
// and empty changes do not.
func TestGen(t *testing.T) {
	tb := New()
	g := tb.Gen()
	step := func(what string, changed bool) {
		t.Helper()
		n := tb.Gen()
		if changed && n == g || !changed && n != g {
			t.Errorf("%s: generation %d -> %d", what, g, n)
		}
		g = n
	}
	r := Route{Prefix: netip.MustParsePrefix("198.18.0.0/24"), IfIndex: 2, Kind: Connected}
	mustAdd(t, tb, r)
	step("add", true)
	_ = tb.Add(r)
	step("add again (ErrExists)", false)
	_ = tb.Delete(Route{Prefix: netip.MustParsePrefix("198.18.9.0/24"), IfIndex: 2})
	step("delete of nothing", false)
	if err := tb.AddBatch([]Route{{Prefix: netip.MustParsePrefix("198.18.1.0/24"), IfIndex: 3}, {Prefix: netip.MustParsePrefix("198.18.2.0/24"), IfIndex: 3}}); err != nil {
		t.Fatal(err)
	}
	step("batch (rebuild)", true)
	if err := tb.Delete(r); err != nil {
		t.Fatal(err)
	}
	step("delete", true)
	if tb.DeleteInterface(3) != 2 {
		t.Fatal("delete interface")
	}
	step("delete interface", true)
	tb.DeleteInterface(3)
	step("delete interface again", false)

	t6 := New6()
	g6 := t6.Gen()
	if err := t6.Add(Route{Prefix: netip.MustParsePrefix("2001:db8::/64"), IfIndex: 2}); err != nil {
		t.Fatal(err)
	}
	if t6.Gen() == g6 {
		t.Error("IPv6 add did not move the generation")
	}
}
