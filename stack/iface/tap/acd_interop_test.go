package tap_test

import (
	"context"
	"errors"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// TestLinuxAddressConflict: RFC 5227 against Linux's iputils arping.
//   - Linux probes for our address (arping -D): we answer, arping reports
//     a duplicate; for an address nobody has, arping finds it free.
//   - We probe (ProbeAddress): Linux's address is in use, naming Linux's
//     MAC; a free address is free.
//   - Linux, given our address too, claims it (arping -U, a gratuitous
//     ARP from Linux's MAC): we count the conflict and defend with one announcement
//     (tcpdump on Linux's side sees it), and not again within 10 s.
func TestLinuxAddressConflict(t *testing.T) {
	need(t, hosttest.Arping, hosttest.Tcpdump)
	pool := stacktest.NewPool(t, 512)
	h := stacktest.NewHost(t, pool, stacktest.Config{})
	p := attachPeer(t, h, "acd", "198.18.72.2/24", "198.18.72.1/24")
	linuxMAC := strings.TrimSpace(p.ns.Run(t, "cat", "/sys/class/net/"+p.dev+"/address"))

	arping := func(args ...string) (string, int) {
		out, err := p.exec(append([]string{"arping"}, args...)...)
		var ee *exec.ExitError
		switch {
		case err == nil:
			return out, 0
		case errors.As(err, &ee):
			return out, ee.ExitCode()
		}
		t.Fatalf("arping %v: %v", args, err)
		return "", -1
	}
	if out, code := arping("-D", "-c", "3", "-w", "5", "-I", p.dev, "198.18.72.2"); code != 1 || !strings.Contains(out, "Received 1 response") {
		t.Errorf("arping -D for our address: status %d, want 1 (a duplicate):\n%s", code, out)
	}
	if out, code := arping("-D", "-c", "2", "-w", "3", "-I", p.dev, "198.18.72.77"); code != 0 {
		t.Errorf("arping -D for a free address: status %d, want 0:\n%s", code, out)
	}

	o := ipv4.ProbeOptions{Wait: 100 * time.Millisecond, Min: 200 * time.Millisecond, Max: 300 * time.Millisecond, AnnounceWait: 500 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := h.IP.ProbeAddress(ctx, p.ifc, netip.MustParseAddr("198.18.72.1"), o)
	if !errors.Is(err, ipv4.ErrAddressInUse) || !strings.Contains(err.Error(), linuxMAC) {
		t.Errorf("probe for Linux's address: %v, want ErrAddressInUse naming %s", err, linuxMAC)
	}
	if err := h.IP.ProbeAddress(ctx, p.ifc, netip.MustParseAddr("198.18.72.78"), o); err != nil {
		t.Errorf("probe for a free address: %v", err)
	}

	// Linux misconfigured with our address too (arping -U sends from a
	// local address only).
	p.ns.IP(t, "addr", "add", "198.18.72.2/32", "dev", p.dev)
	c := p.ns.Capture(t, p.dev, "arp")
	for range 2 {
		if out, code := arping("-U", "-c", "1", "-I", p.dev, "198.18.72.2"); code != 0 {
			t.Fatalf("arping -U (Linux claims our address): status %d\n%s", code, out)
		}
	}
	time.Sleep(300 * time.Millisecond)
	c.Stop(t)
	txt := c.Text(t, "-e", "-n")
	ours := strings.ToLower(p.ifc.MAC().String())
	var defences int
	for _, l := range strings.Split(txt, "\n") {
		if strings.HasPrefix(l, ours) || strings.Contains(l, " "+ours+" > ") {
			if strings.Contains(l, "Request who-has 198.18.72.2 tell 198.18.72.2") || strings.Contains(l, "Announcement 198.18.72.2") {
				defences++
			}
		}
	}
	if defences != 1 {
		t.Errorf("want exactly one announcement of 198.18.72.2 from us (%s) after two claims, saw %d:\n%s", ours, defences, txt)
	}
	st := h.IP.Stats()
	if st.ARPConflicts != 2 || st.ARPDefences != 1 {
		t.Errorf("conflicts %d defences %d, want 2 and 1", st.ARPConflicts, st.ARPDefences)
	}
	for _, n := range h.IP.Neighbours() {
		if n.Addr == netip.MustParseAddr("198.18.72.2") {
			t.Errorf("the claimant was learned as a neighbour: %+v", n)
		}
	}
}
