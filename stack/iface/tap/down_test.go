package tap_test

import (
	"fmt"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/tap"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// The announcement an address sends before Linux brings the TAP up is
// refused by the kernel (EIO): the port counts it as dropped because the
// Linux end was down, not as a transmit error.
func TestTxWhileLinuxDownIsADrop(t *testing.T) {
	need(t)
	pool := stacktest.NewPool(t, 128)
	prefix := fmt.Sprintf("gpd%d_", os.Getpid()%100000)
	s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{ipv4.New(ipv4.Options{})},
		Cloners: []stack.Cloner{&tap.Cloner{Pool: pool, LinuxPrefix: prefix}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ifc, err := s.Create("tap1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddAddress(ifc, netip.MustParsePrefix("198.18.9.1/24")); err != nil {
		t.Fatal(err)
	}
	var ps port.Stats
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		ps = ifc.Port().Stats()
		if ps.TxDropped > 0 {
			break
		}
	}
	if ps.TxDropped == 0 || ps.TxErrors != 0 || ps.TxPackets != 0 {
		t.Errorf("announcement to a down TAP: tx dropped %d errors %d packets %d, want dropped ≥ 1, no error, none sent", ps.TxDropped, ps.TxErrors, ps.TxPackets)
	}
}

// TestLinkFollowsLinuxEnd: the port counts as up while Linux has not
// brought a new device up yet; then Linux's "ip link set down" is a link
// down and "up" a link up, in the namespace the device was moved to after
// we created it, and the stack follows (LinkChanges, OnLinkChange).
func TestLinkFollowsLinuxEnd(t *testing.T) {
	need(t)
	pool := stacktest.NewPool(t, 128)
	s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{ipv4.New(ipv4.Options{})}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	heard := make(chan bool, 8)
	s.OnLinkChange(func(_ *stack.Interface, l port.LinkState) { heard <- l.Up })
	ns, dev := hosttest.NewNamespace(t, "carrier"), hosttest.LinkName("ca")
	p, err := tap.Open(dev, pool, tap.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ifc, err := s.Attach("tap0", p, stack.IfOptions{})
	if err != nil {
		p.Close()
		t.Fatal(err)
	}
	if !ifc.Link().Up {
		t.Fatal("a new device, not yet up on the Linux side, is link down")
	}
	ns.TakeLink(t, dev) // moved, then brought up there
	want := func(up bool, what string) {
		t.Helper()
		select {
		case got := <-heard:
			if got != up || ifc.Link().Up != up {
				t.Fatalf("%s: heard up=%v, link %v", what, got, ifc.Link())
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no link change heard; link %v", what, ifc.Link())
		}
	}
	ns.IP(t, "link", "set", dev, "down")
	want(false, "ip link set down")
	ns.IP(t, "link", "set", dev, "up")
	want(true, "ip link set up")
	if c := ifc.Counters(); c.LinkChanges != 2 {
		t.Errorf("link changes %d, want 2", c.LinkChanges)
	}
	select {
	case up := <-heard:
		t.Errorf("an extra link change (up=%v)", up)
	case <-time.After(200 * time.Millisecond):
	}
	if err := s.Detach(ifc); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}
