package pf_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/tap"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/pf"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// TestInteropLinuxFilter: Linux in a namespace the test creates pings us
// over a TAP while rule sets are loaded at runtime; the filter blocks and
// passes what each set says, and our own pings through a "block in all"
// set come back on their state. Addresses in 198.18.0.0/15 only.
func TestInteropLinuxFilter(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping)
	pool := stacktest.NewPool(t, 1024)
	h := stacktest.NewHost(t, pool, stacktest.Config{})
	ns := hosttest.NewNamespace(t, "pf")
	dev := hosttest.LinkName("pf")
	p, err := tap.Open(dev, pool, tap.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ns.TakeLink(t, dev, "198.18.90.1/24")
	ifc, err := h.S.Attach("tap0", p, stack.IfOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.S.Detach(ifc); _ = p.Close() })
	if err := h.S.AddAddress(ifc, netip.MustParsePrefix("198.18.90.2/24")); err != nil {
		t.Fatal(err)
	}
	f := pf.New(h.S, pf.Options{})
	if err := f.Attach(h.IP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Detach)
	linuxPings := func() bool {
		out, err := ns.Output("ping", "-c", "2", "-i", "0.2", "-w", "3", "198.18.90.2")
		return err == nil && strings.Contains(out, " 0% packet loss")
	}
	wePing := func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, err := h.IP.Ping(ctx, netip.MustParseAddr("198.18.90.1"), ipv4.PingOptions{})
		return err == nil
	}
	for _, c := range []struct {
		rules        string
		linux, we    bool
		decidingLine int // rule that must have counted Linux's requests (0: none)
	}{
		{"", true, true, 0},
		{"block in proto icmp", false, false, 1},
		{"block in proto icmp\npass in proto icmp icmp-type echoreq", true, false, 2},
		{"block in all\npass out all", false, true, 1},
		// Our request keeps state on "pass all", and states come before rules.
		{"block in quick on tap0 from 198.18.90.1\npass all", false, true, 1},
		{"block in quick on tap9 from 198.18.90.1\npass all", true, true, 2},
		{"block in proto icmp from ! 198.18.90.0/24", true, true, 0},
		{"block out proto icmp icmp-type echorep", false, true, 0},
	} {
		if err := f.Load(c.rules); err != nil {
			t.Fatal(err)
		}
		f.FlushStates()
		if got := linuxPings(); got != c.linux {
			t.Errorf("rules %q: Linux's ping got through: %v, want %v", c.rules, got, c.linux)
		}
		if got := wePing(); got != c.we {
			t.Errorf("rules %q: our ping got through: %v, want %v", c.rules, got, c.we)
		}
		if c.decidingLine > 0 && f.Rules()[c.decidingLine-1].Packets == 0 {
			t.Errorf("rules %q: rule %d counted nothing: %+v", c.rules, c.decidingLine, f.Rules())
		}
	}
	if st := h.IP.Stats(); st.InFiltered == 0 || st.OutFiltered == 0 {
		t.Errorf("IPv4 counted no filtered packets: in %d out %d", st.InFiltered, st.OutFiltered)
	}
}
