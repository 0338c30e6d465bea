package vlan_test

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/vlan"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// host is one stack with IPv4 and a vlan cloner.
type host struct {
	s  *stack.Stack
	ip *ipv4.IPv4
	vc *vlan.Cloner
}

func newHost(t testing.TB, pool *mbuf.Pool, budget *mbuf.Budget) *host {
	t.Helper()
	ip := ipv4.New(ipv4.Options{})
	vc := vlan.NewCloner()
	s, err := stack.New(stack.Options{Pool: pool, Budget: budget, Protocols: []stack.Protocol{ip}, Cloners: []stack.Cloner{vc}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return &host{s: s, ip: ip, vc: vc}
}

func addr(t testing.TB, s *stack.Stack, ifc *stack.Interface, p string) {
	t.Helper()
	if err := s.AddAddress(ifc, netip.MustParsePrefix(p)); err != nil {
		t.Fatal(err)
	}
}

func (h *host) add(t testing.TB, name string, parent *stack.Interface, vid uint16, a string) *stack.Interface {
	t.Helper()
	ifc, err := h.vc.Add(h.s, name, vlan.Config{Parent: parent, VID: vid})
	if err != nil {
		t.Fatal(err)
	}
	addr(t, h.s, ifc, a)
	return ifc
}

func ping(t testing.TB, ip *ipv4.IPv4, dst string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := ip.Ping(ctx, netip.MustParseAddr(dst), ipv4.PingOptions{})
	return err
}

// wire2 is two hosts on one link; frames seen on it are recorded.
type wire2 struct {
	a, b   *host
	ea, eb *stack.Interface
	mu     sync.Mutex
	frames [][]byte
}

func newWire(t *testing.T) *wire2 {
	pool := stacktest.NewPool(t, 512)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w := &wire2{}
	pa, pb := link.Pair(link.Options{Filter: func(_ int, b *mbuf.Buf) bool {
		w.mu.Lock()
		w.frames = append(w.frames, bytes.Clone(b.Bytes()))
		w.mu.Unlock()
		return true
	}})
	t.Cleanup(func() { _ = pa.Close(); _ = pb.Close() })
	w.a, w.b = newHost(t, pool, bg), newHost(t, pool, bg)
	if w.ea, err = w.a.s.Attach("eth0", pa, stack.IfOptions{}); err != nil {
		t.Fatal(err)
	}
	if w.eb, err = w.b.s.Attach("eth0", pb, stack.IfOptions{}); err != nil {
		t.Fatal(err)
	}
	addr(t, w.a.s, w.ea, "198.18.4.1/24")
	addr(t, w.b.s, w.eb, "198.18.4.2/24")
	return w
}

func TestVLANsAndUntaggedOnOneParent(t *testing.T) {
	w := newWire(t)
	w.a.add(t, "vlan5", w.ea, 5, "198.18.5.1/24")
	w.a.add(t, "vlan7", w.ea, 7, "198.18.7.1/24")
	w.b.add(t, "vlan5", w.eb, 5, "198.18.5.2/24")
	w.b.add(t, "vlan7", w.eb, 7, "198.18.7.2/24")
	for _, dst := range []string{"198.18.4.2", "198.18.5.2", "198.18.7.2"} {
		if err := ping(t, w.a.ip, dst); err != nil {
			t.Errorf("ping %s: %v", dst, err)
		}
	}
	if err := ping(t, w.b.ip, "198.18.5.1"); err != nil {
		t.Errorf("ping back over vlan5: %v", err)
	}
	// Every frame on the wire for 198.18.5/24 is tagged with VID 5, those
	// for 198.18.4/24 are untagged.
	w.mu.Lock()
	defer w.mu.Unlock()
	var tagged5, tagged7, untagged int
	for _, f := range w.frames {
		e := wire.Ethernet(f)
		switch e.Type() {
		case wire.EtherTypeVLAN:
			v := wire.VLAN(e.Payload())
			if v.PCP() != 0 || v.DEI() {
				t.Errorf("tag %x: want PCP 0, DEI 0", v.TCI())
			}
			switch v.VID() {
			case 5:
				tagged5++
			case 7:
				tagged7++
			default:
				t.Errorf("frame with VID %d", v.VID())
			}
		default:
			untagged++
		}
	}
	if tagged5 < 6 || tagged7 < 4 || untagged < 4 {
		t.Errorf("frames on the wire: %d VID 5, %d VID 7, %d untagged", tagged5, tagged7, untagged)
	}
}

// inject sends raw frames to ifc as if its port had received them.
func inject(t testing.TB, ifc *stack.Interface, frames ...[]byte) {
	t.Helper()
	pool := ifc.Stack().Pool()
	bufs := make([]*mbuf.Buf, len(frames))
	if pool.Alloc(bufs) != len(bufs) {
		t.Fatal("pool empty")
	}
	for i, f := range frames {
		d, err := bufs[i].Append(len(f))
		if err != nil {
			t.Fatal(err)
		}
		copy(d, f)
	}
	ifc.Input(bufs)
}

// echoRequest builds an ICMP echo request from 198.18.4.9 to dst, tagged
// with tci when tagged.
func echoRequest(dstMAC wire.MAC, dst string, tagged bool, tci uint16) []byte {
	src := wire.MAC{2, 9, 9, 9, 9, 9}
	ip := []byte{0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0, 198, 18, 4, 9, 0, 0, 0, 0}
	d := netip.MustParseAddr(dst).As4()
	copy(ip[16:20], d[:])
	cs := ^wire.Checksum(ip[:20], 0)
	ip[10], ip[11] = byte(cs>>8), byte(cs)
	icmp := []byte{8, 0, 0, 0, 0x12, 0x34, 0, 1}
	cs = ^wire.Checksum(icmp, 0)
	icmp[2], icmp[3] = byte(cs>>8), byte(cs)
	f := append(append([]byte{}, dstMAC[:]...), src[:]...)
	if tagged {
		f = append(f, 0x81, 0x00, byte(tci>>8), byte(tci))
	}
	f = append(f, 0x08, 0x00)
	return append(append(f, ip...), icmp...)
}

func TestPriorityTaggedFramesBelongToTheUntaggedInterface(t *testing.T) {
	for _, withVLAN := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "parent-of-vlan5"}[withVLAN], func(t *testing.T) {
			w := newWire(t)
			if withVLAN {
				w.b.add(t, "vlan5", w.eb, 5, "198.18.5.2/24")
			}
			before := w.b.ip.Stats()
			// PCP 5, VID 0: IEEE 802.1Q clause 9.6 priority tag.
			inject(t, w.eb, echoRequest(w.eb.MAC(), "198.18.4.2", true, 5<<13))
			if !stacktest.Eventually(5*time.Second, func() bool {
				return w.b.ip.Stats().ICMPInEchos > before.ICMPInEchos
			}) {
				t.Fatalf("priority-tagged echo request not taken: counters %+v", w.eb.Counters())
			}
			if c := w.eb.Counters(); c.InUnknownProto != 0 {
				t.Errorf("priority-tagged frame counted as unknown: %+v", c)
			}
			// A tag for a VID nobody serves is unknown, not ours.
			inject(t, w.eb, echoRequest(w.eb.MAC(), "198.18.4.2", true, 9))
			if c := w.eb.Counters(); c.InUnknownProto != 1 {
				t.Errorf("VID 9 with no vlan: InUnknownProto %d, want 1", c.InUnknownProto)
			}
		})
	}
}

func TestMalformedTagsCountedAndDropped(t *testing.T) {
	w := newWire(t)
	w.b.add(t, "vlan5", w.eb, 5, "198.18.5.2/24")
	m := w.eb.MAC()
	short := append(append(append([]byte{}, m[:]...), 2, 9, 9, 9, 9, 9), 0x81, 0x00, 0x00)
	inject(t, w.eb, short, short[:14])
	if got := w.b.vc.Stats(w.eb).RxMalformed; got != 2 {
		t.Errorf("RxMalformed %d, want 2", got)
	}
	// Double tag inside the priority tag: unknown, dropped.
	dbl := append(append(append([]byte{}, m[:]...), 2, 9, 9, 9, 9, 9), 0x81, 0x00, 0x00, 0x00, 0x81, 0x00, 0x00, 0x05, 0x08, 0x00)
	inject(t, w.eb, dbl)
	if c := w.eb.Counters(); c.InUnknownProto != 1 {
		t.Errorf("double tag: InUnknownProto %d, want 1", c.InUnknownProto)
	}
}

func TestAddErrorsAndDestroy(t *testing.T) {
	w := newWire(t)
	for _, c := range []struct {
		vid  uint16
		want error
	}{{0, vlan.ErrBadVID}, {4095, vlan.ErrBadVID}} {
		if _, err := w.a.vc.Add(w.a.s, "vlan1", vlan.Config{Parent: w.ea, VID: c.vid}); !errors.Is(err, c.want) {
			t.Errorf("VID %d: %v, want %v", c.vid, err, c.want)
		}
	}
	if _, err := w.a.vc.Add(w.a.s, "vlan1", vlan.Config{VID: 3}); !errors.Is(err, vlan.ErrNoParent) {
		t.Errorf("no parent: %v", err)
	}
	if _, err := w.a.s.Create("vlan9"); !errors.Is(err, vlan.ErrNotConfigured) {
		t.Errorf("plain Create: %v", err)
	}
	w.a.add(t, "vlan5", w.ea, 5, "198.18.5.1/24")
	if _, err := w.a.vc.Add(w.a.s, "vlan6", vlan.Config{Parent: w.ea, VID: 5}); !errors.Is(err, vlan.ErrVIDInUse) {
		t.Errorf("second VID 5: %v", err)
	}
	w.b.add(t, "vlan5", w.eb, 5, "198.18.5.2/24")
	if err := ping(t, w.a.ip, "198.18.5.2"); err != nil {
		t.Fatal(err)
	}
	// Destroy and recreate at runtime: the parent goes back to untagged only.
	if err := w.b.s.Destroy("vlan5"); err != nil {
		t.Fatal(err)
	}
	pass := passThrough{}
	if err := w.eb.SetLinkInput(pass); err != nil {
		t.Errorf("trunk still on the parent after the last vlan went: %v", err)
	}
	if !w.eb.ClearLinkInput(pass) {
		t.Error("ClearLinkInput did not find the layer it was given")
	}
	w.b.add(t, "vlan5", w.eb, 5, "198.18.5.2/24")
	if err := ping(t, w.a.ip, "198.18.5.2"); err != nil {
		t.Errorf("after re-creating vlan5: %v", err)
	}
	if err := ping(t, w.a.ip, "198.18.4.2"); err != nil {
		t.Errorf("untagged after re-creating: %v", err)
	}
}

// passThrough is an L2 layer that hands every frame to the interface.
type passThrough struct{}

func (passThrough) LinkInput(ifc *stack.Interface, bufs []*mbuf.Buf) {
	for i, b := range bufs {
		bufs[i] = nil
		ifc.EtherInput(b)
	}
}

func (passThrough) LinkInputFrame(ifc *stack.Interface, b *mbuf.Buf) { ifc.EtherInput(b) }
