package stack_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/bpf/capture"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

const etExperimental wire.EtherType = 0x88b5 // IEEE 802 local experimental

// recorder is a protocol that registers one EtherType and keeps payloads.
type recorder struct {
	s    *stack.Stack
	got  [][]byte
	ifcs []int
}

func (r *recorder) Attach(s *stack.Stack) error {
	r.s = s
	return s.HandleEtherType(etExperimental, r)
}

func (r *recorder) HandleEther(ifc *stack.Interface, b *mbuf.Buf) {
	r.got = append(r.got, append([]byte(nil), b.Bytes()...))
	r.ifcs = append(r.ifcs, ifc.Index())
	b.Free()
}

func stacktestPool(tb testing.TB, n int) *mbuf.Pool { return stacktest.NewPool(tb, n) }

func newStack(t *testing.T, protos ...stack.Protocol) (*stack.Stack, *mbuf.Pool) {
	t.Helper()
	pool := stacktest.NewPool(t, 64)
	s, err := stack.New(stack.Options{Pool: pool, Protocols: protos})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, pool
}

func TestRegistryAndLoopback(t *testing.T) {
	s, _ := newStack(t)
	lo := s.Loopback()
	if lo == nil || lo.Name() != "lo0" || lo.Index() != 1 || lo.Flags()&stack.FlagLoopback == 0 {
		t.Fatalf("lo0: %+v", lo)
	}
	if got := lo.Addresses(); len(got) != 1 || got[0] != netip.MustParsePrefix("127.0.0.1/8") {
		t.Errorf("lo0 addresses %v", got)
	}
	if r, ok := s.Routes().Lookup([4]byte{127, 9, 9, 9}); !ok || r.IfIndex != 1 || r.Kind != route.Connected {
		t.Errorf("127/8 route: %v %v", r, ok)
	}
	pa, pb := link.Pair(link.Options{})
	defer pa.Close()
	defer pb.Close()
	e0, err := s.Attach("eth0", pa, stack.IfOptions{NoPoller: true})
	if err != nil {
		t.Fatal(err)
	}
	if e0.Index() != 2 || s.Interface(2) != e0 || s.InterfaceByName("eth0") != e0 || e0.MTU() != 1500 {
		t.Fatalf("eth0 registry: index %d", e0.Index())
	}
	if _, err := s.Attach("eth0", pb, stack.IfOptions{NoPoller: true}); !errors.Is(err, stack.ErrExists) {
		t.Errorf("duplicate name: %v", err)
	}
	var oe *stack.OpError
	if _, err := s.Attach("", pb, stack.IfOptions{}); !errors.As(err, &oe) || !errors.Is(err, stack.ErrBadName) {
		t.Errorf("empty name: %v", err)
	}
	// Addresses install connected routes; removal takes them away.
	p := netip.MustParsePrefix("198.18.4.1/24")
	if err := s.AddAddress(e0, p); err != nil {
		t.Fatal(err)
	}
	if err := s.AddAddress(e0, p); !errors.Is(err, stack.ErrExists) {
		t.Errorf("duplicate address: %v", err)
	}
	if s.LocalInterface([4]byte{198, 18, 4, 1}) != 2 || !e0.HasAddress([4]byte{198, 18, 4, 1}) {
		t.Error("address not registered")
	}
	if r, ok := s.Routes().Lookup([4]byte{198, 18, 4, 77}); !ok || r.IfIndex != 2 {
		t.Errorf("connected route: %v %v", r, ok)
	}
	if err := s.RemoveAddress(e0, p); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Routes().Lookup([4]byte{198, 18, 4, 77}); ok {
		t.Error("connected route survived address removal")
	}
	// Detach leaves a hole that the next interface reuses.
	if err := s.Detach(e0); err != nil {
		t.Fatal(err)
	}
	if s.Interface(2) != nil {
		t.Error("detached interface still registered")
	}
	e1, _ := s.Attach("eth1", pb, stack.IfOptions{NoPoller: true})
	if e1.Index() != 2 {
		t.Errorf("index hole not reused: %d", e1.Index())
	}
}

func TestCloners(t *testing.T) {
	s, _ := newStack(t)
	lo1, err := s.Create("lo1")
	if err != nil {
		t.Fatal(err)
	}
	if lo1.Flags()&(stack.FlagLoopback|stack.FlagNoARP) != stack.FlagLoopback|stack.FlagNoARP {
		t.Errorf("lo1 flags %v", lo1.Flags())
	}
	for _, tc := range []struct {
		name string
		want error
	}{
		{"lo1", stack.ErrExists},
		{"gre0", stack.ErrNoCloner},
		{"tap", stack.ErrBadName},
		{"7", stack.ErrBadName},
	} {
		if _, err := s.Create(tc.name); !errors.Is(err, tc.want) {
			t.Errorf("Create(%q): %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := s.Destroy("lo0"); !errors.Is(err, stack.ErrNotClonable) {
		t.Errorf("destroying lo0: %v", err)
	}
	if err := s.Destroy("lo1"); err != nil {
		t.Fatal(err)
	}
	if s.InterfaceByName("lo1") != nil {
		t.Error("lo1 still there")
	}
	if err := s.Destroy("lo1"); !errors.Is(err, stack.ErrNoInterface) {
		t.Errorf("second destroy: %v", err)
	}
}

func TestHandleEtherTypeFrozen(t *testing.T) {
	r := &recorder{}
	s, _ := newStack(t, r)
	if err := s.HandleEtherType(0x88b6, r); !errors.Is(err, stack.ErrFrozen) {
		t.Errorf("late registration: %v", err)
	}
	if _, err := stack.New(stack.Options{}); !errors.Is(err, stack.ErrMissingField) {
		t.Errorf("no pool: %v", err)
	}
	dup := &recorder{}
	pool := stacktest.NewPool(t, 8)
	if _, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{r, dup}}); !errors.Is(err, stack.ErrExists) {
		t.Errorf("duplicate EtherType: %v", err)
	}
}

// frame returns an Ethernet frame to dst of type et with the given payload.
func frame(pool *mbuf.Pool, dst wire.MAC, et wire.EtherType, payload []byte) *mbuf.Buf {
	b, _ := pool.Get()
	d, _ := b.Append(14 + len(payload))
	e := wire.Ethernet(d)
	e.SetDst(dst)
	e.SetSrc(wire.MAC{2, 0, 0, 0, 0, 0x99})
	e.SetType(et)
	copy(d[14:], payload)
	return b
}

func TestEtherDemuxAndCounters(t *testing.T) {
	r := &recorder{}
	s, pool := newStack(t, r)
	pa, pb := link.Pair(link.Options{})
	defer pa.Close()
	defer pb.Close()
	ifc, _ := s.Attach("eth0", pa, stack.IfOptions{NoPoller: true})
	mac := ifc.MAC()
	bufs := []*mbuf.Buf{
		frame(pool, mac, etExperimental, []byte{1, 2, 3}),            // delivered
		frame(pool, wire.BroadcastMAC(), etExperimental, []byte{4}),  // delivered, multicast counter
		frame(pool, wire.MAC{2, 9, 9, 9, 9, 9}, etExperimental, nil), // not for us
		frame(pool, mac, 0x88b6, nil),                                // unknown type
	}
	short, _ := pool.Get()
	_, _ = short.Append(13) // truncated Ethernet header
	bufs = append(bufs, short)
	ifc.Input(bufs)
	if len(r.got) != 2 || string(r.got[0]) != "\x01\x02\x03" || string(r.got[1]) != "\x04" || r.ifcs[0] != ifc.Index() {
		t.Fatalf("delivered %q", r.got)
	}
	c := ifc.Counters()
	want := stack.Counters{InPackets: 5, InBytes: 17 + 15 + 14 + 14 + 13, InMulticast: 1, InErrors: 1, InDrops: 1, InUnknownProto: 1}
	if c != want {
		t.Errorf("counters\n got %+v\nwant %+v", c, want)
	}
	// Promiscuous mode accepts the frame for another MAC; down drops all.
	ifc.SetFlags(stack.FlagPromisc, 0)
	ifc.Input([]*mbuf.Buf{frame(pool, wire.MAC{2, 9, 9, 9, 9, 9}, etExperimental, []byte{5})})
	ifc.SetFlags(0, stack.FlagUp)
	ifc.Input([]*mbuf.Buf{frame(pool, mac, etExperimental, []byte{6})})
	ifc.Output(frame(pool, mac, etExperimental, nil), mac, etExperimental)
	if len(r.got) != 3 || ifc.Counters().InDrops != 2 || ifc.Counters().OutDrops != 1 {
		t.Errorf("promisc/down: got %d frames, counters %+v", len(r.got), ifc.Counters())
	}
}

func TestEtherHooks(t *testing.T) {
	r := &recorder{}
	s, pool := newStack(t, r)
	pa, pb := link.Pair(link.Options{})
	defer pa.Close()
	defer pb.Close()
	ifc, _ := s.Attach("eth0", pa, stack.IfOptions{NoPoller: true})
	var held *mbuf.Buf
	hook := func(dir pfil.Dir, ifindex int, b *mbuf.Buf) pfil.Verdict {
		switch b.Bytes()[14] {
		case 0xd0:
			return pfil.Drop
		case 0xc0:
			held = b
			return pfil.Consumed
		case 0x30:
			b.Bytes()[14] = 0x31 // rewrite in place
			return pfil.Modified
		}
		return pfil.Pass
	}
	if err := s.EtherIn().Add("test", 0, hook); err != nil {
		t.Fatal(err)
	}
	if err := s.EtherOut().Add("test", 0, hook); err != nil {
		t.Fatal(err)
	}
	mac := ifc.MAC()
	ifc.Input([]*mbuf.Buf{
		frame(pool, mac, etExperimental, []byte{0xd0}),
		frame(pool, mac, etExperimental, []byte{0xc0}),
		frame(pool, mac, etExperimental, []byte{0x30}),
		frame(pool, mac, etExperimental, []byte{0x01}),
	})
	if len(r.got) != 2 || r.got[0][0] != 0x31 || r.got[1][0] != 0x01 || held == nil {
		t.Fatalf("in hooks: delivered % x", r.got)
	}
	held.Free()
	// Out: the dropped frame never reaches the link.
	b, _ := pool.Get()
	d, _ := b.Append(1)
	d[0] = 0xd0
	ifc.Output(b, wire.BroadcastMAC(), etExperimental)
	if pb.Pending() != 0 || ifc.Counters().OutDrops != 1 || ifc.Counters().InDrops != 1 {
		t.Errorf("out hook: %d queued, counters %+v", pb.Pending(), ifc.Counters())
	}
}

func TestTapsSeeBothDirections(t *testing.T) {
	r := &recorder{}
	s, pool := newStack(t, r)
	pa, pb := link.Pair(link.Options{})
	defer pa.Close()
	defer pb.Close()
	ifc, _ := s.Attach("eth0", pa, stack.IfOptions{NoPoller: true})
	tp, err := capture.New(capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tp.Close()
	ifc.AddTap(tp)
	ifc.Input([]*mbuf.Buf{frame(pool, ifc.MAC(), etExperimental, []byte{1})})
	b, _ := pool.Get()
	d, _ := b.Append(2)
	d[0], d[1] = 7, 8
	ifc.Output(b, wire.BroadcastMAC(), etExperimental)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	buf := make([]byte, 128)
	in1, err := tp.Read(ctx, buf)
	if err != nil || in1.Dir != capture.In || in1.IfIndex != ifc.Index() || in1.Length != 15 {
		t.Fatalf("first capture: %+v %v", in1, err)
	}
	in2, err := tp.Read(ctx, buf)
	if err != nil || in2.Dir != capture.Out || in2.Length != 16 || buf[14] != 7 || wire.Ethernet(buf).Src() != ifc.MAC() {
		t.Fatalf("second capture: %+v %v % x", in2, err, buf[:16])
	}
	if !ifc.RemoveTap(tp) || ifc.RemoveTap(tp) {
		t.Error("RemoveTap")
	}
	pool.Free(drain(pb))
}

func drain(p *link.Port) []*mbuf.Buf {
	out := make([]*mbuf.Buf, 64)
	return out[:p.RxBurst(out)]
}
