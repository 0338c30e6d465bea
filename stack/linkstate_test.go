package stack_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// flapPort is a link end whose carrier the test moves.
type flapPort struct {
	*link.Port
	up atomic.Bool
	ev chan port.LinkState
}

func newFlapPort(p *link.Port) *flapPort {
	f := &flapPort{Port: p, ev: make(chan port.LinkState, 1)}
	f.up.Store(true)
	return f
}

func (f *flapPort) Link() port.LinkState {
	if !f.up.Load() {
		return port.LinkState{}
	}
	return port.LinkState{Up: true, SpeedMbps: 1000, FullDuplex: true}
}

func (f *flapPort) LinkEvents() <-chan port.LinkState { return f.ev }

// set moves the carrier and publishes the newest state, as drivers do.
func (f *flapPort) set(up bool) {
	f.up.Store(up)
	select {
	case <-f.ev:
	default:
	}
	f.ev <- f.Link()
}

func xframe(pool *mbuf.Pool, dst wire.MAC) *mbuf.Buf {
	return frame(pool, dst, etExperimental, make([]byte, 46))
}

// TestLinkStateFollowsPort: the interface's link follows the port's
// events; while it is down Transmit drops and counts instead of queueing;
// up again, frames flow.
func TestLinkStateFollowsPort(t *testing.T) {
	s, pool := newStack(t)
	pa, pb := link.Pair(link.Options{})
	defer pb.Close()
	fp := newFlapPort(pa)
	defer pa.Close()
	ifc, err := s.Attach("eth0", fp, stack.IfOptions{NoPoller: true})
	if err != nil {
		t.Fatal(err)
	}
	if !ifc.Link().Up {
		t.Fatal("link down at attach")
	}
	peer := wire.MAC(pb.MAC())
	fp.set(false)
	if !stacktest.Eventually(2*time.Second, func() bool { return !ifc.Link().Up }) {
		t.Fatal("interface did not see the link go down")
	}
	for range 3 {
		ifc.Transmit(xframe(pool, peer))
	}
	c := ifc.Counters()
	if c.OutLinkDown != 3 || c.OutDrops != 3 || c.OutPackets != 0 || c.LinkChanges != 1 {
		t.Fatalf("link down: %+v", c)
	}
	if st := pb.Stats(); st.RxPackets != 0 {
		t.Fatalf("%d frames reached a dead link", st.RxPackets)
	}
	fp.set(true)
	if !stacktest.Eventually(2*time.Second, func() bool { return ifc.Link().Up }) {
		t.Fatal("interface did not see the link come up")
	}
	ifc.Transmit(xframe(pool, peer))
	if c := ifc.Counters(); c.OutPackets != 1 || c.LinkChanges != 2 || ifc.Link().SpeedMbps != 1000 {
		t.Fatalf("link up: %+v %v", c, ifc.Link())
	}
	// The flag word's link bit is not a public flag: SetFlags cannot
	// take the link down, Flags does not show it.
	ifc.SetFlags(^stack.Flags(0), 0)
	if ifc.Flags()&(1<<31) != 0 || !ifc.Link().Up {
		t.Fatalf("flags %#x link %v", uint32(ifc.Flags()), ifc.Link())
	}
	ifc.SetFlags(0, ^stack.FlagUp)
	fp.set(false)
	if !stacktest.Eventually(2*time.Second, func() bool { return !ifc.Link().Up }) {
		t.Fatal("interface did not see the link go down")
	}
	ifc.SetFlags(0, ^stack.FlagUp)
	if ifc.Flags() != stack.FlagUp {
		t.Fatalf("flags %#x", uint32(ifc.Flags()))
	}
	fp.set(true)
	if !stacktest.Eventually(2*time.Second, func() bool { return ifc.Link().Up }) {
		t.Fatal("interface did not see the link come up")
	}
	var in [8]*mbuf.Buf
	n := pb.RxBurst(in[:])
	if n != 1 {
		t.Fatalf("peer got %d frames", n)
	}
	pool.Free(in[:n])
}

// TestLinkUpBeforeEvent: a frame sent after the port's link came up, but
// before the stack read the event, is not dropped (Transmit asks the port).
func TestLinkUpBeforeEvent(t *testing.T) {
	s, pool := newStack(t)
	pa, pb := link.Pair(link.Options{})
	defer pb.Close()
	defer pa.Close()
	fp := newFlapPort(pa)
	fp.up.Store(false)
	ifc, err := s.Attach("eth0", fp, stack.IfOptions{NoPoller: true})
	if err != nil {
		t.Fatal(err)
	}
	if ifc.Link().Up {
		t.Fatal("link up at attach")
	}
	fp.up.Store(true) // no event yet
	ifc.Transmit(xframe(pool, wire.MAC(pb.MAC())))
	if c := ifc.Counters(); c.OutPackets != 1 || c.OutLinkDown != 0 || !ifc.Link().Up {
		t.Fatalf("%+v %v", c, ifc.Link())
	}
	var in [8]*mbuf.Buf
	pool.Free(in[:pb.RxBurst(in[:])])
}

// detacher is a protocol whose handler detaches the interface the frame
// came in on, from the receive goroutine.
type detacher struct {
	s      *stack.Stack
	detach func(ifc *stack.Interface) error
	once   sync.Once
	done   chan error
}

func (d *detacher) Attach(s *stack.Stack) error {
	d.s = s
	return s.HandleEtherType(etExperimental, d)
}

func (d *detacher) HandleEther(ifc *stack.Interface, b *mbuf.Buf) {
	b.Free()
	d.once.Do(func() { d.done <- d.detach(ifc) })
}

// TestDetachFromHandler: Detach called by a handler on the interface's own
// receive goroutine returns; the port sees no RxBurst afterwards, the rest
// of the burst is handled, and Close waits for the goroutine.
func TestDetachFromHandler(t *testing.T) {
	pool := stacktest.NewPool(t, 64)
	d := &detacher{done: make(chan error, 1)}
	s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{d}})
	if err != nil {
		t.Fatal(err)
	}
	d.detach = s.Detach
	pa, pb := link.Pair(link.Options{})
	defer pa.Close()
	defer pb.Close()
	ifc, err := s.Attach("eth0", pa, stack.IfOptions{})
	if err != nil {
		t.Fatal(err)
	}
	send := func(n int) {
		for range n {
			b := xframe(pool, wire.MAC(pa.MAC()))
			if pb.TxBurst([]*mbuf.Buf{b}) != 1 {
				b.Free()
				t.Fatal("peer TxBurst")
			}
		}
	}
	send(4)
	select {
	case err := <-d.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Detach from a handler did not return (deadlock)")
	}
	if s.InterfaceByName("eth0") != nil {
		t.Fatal("still attached")
	}
	// After Detach the receive path never touches the port again.
	before := pa.Stats().RxPackets
	send(3)
	time.Sleep(20 * time.Millisecond)
	if got := pa.Stats().RxPackets; got != before {
		t.Fatalf("RxBurst after Detach: %d frames taken", got-before)
	}
	// Transmit on the detached interface does not reach the port.
	ifc.Transmit(xframe(pool, wire.MAC(pb.MAC())))
	if c := ifc.Counters(); c.OutLinkDown != 1 || c.OutPackets != 0 {
		t.Fatalf("after detach: %+v", c)
	}
	if err := s.Detach(ifc); err == nil {
		t.Fatal("second Detach succeeded")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_ = pa.Close() // frees the frames left queued
}

// TestDetachConcurrent: Detach from another goroutine while the receive
// goroutine is busy, and twice at once: one wins, nobody hangs.
func TestDetachConcurrent(t *testing.T) {
	s, _ := newStack(t)
	for range 20 {
		pa, pb := link.Pair(link.Options{})
		ifc, err := s.Attach("eth0", pa, stack.IfOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var ok atomic.Int32
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if s.Detach(ifc) == nil {
					ok.Add(1)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 1 {
			t.Fatalf("%d Detach calls succeeded", ok.Load())
		}
		_ = pa.Close()
		_ = pb.Close()
	}
}

// TestOnLinkChange: registered functions hear each down and up once, in
// order, with the interface; the state at Attach is not news, and an
// event repeating the last state is not either.
func TestOnLinkChange(t *testing.T) {
	s, _ := newStack(t)
	pa, pb := link.Pair(link.Options{})
	defer pb.Close()
	fp := newFlapPort(pa)
	defer pa.Close()
	var mu sync.Mutex
	var heard []string
	for _, who := range []string{"a", "b"} {
		s.OnLinkChange(func(ifc *stack.Interface, l port.LinkState) {
			mu.Lock()
			defer mu.Unlock()
			heard = append(heard, who+" "+ifc.Name()+" "+l.String())
		})
	}
	if _, err := s.Attach("eth0", fp, stack.IfOptions{NoPoller: true}); err != nil {
		t.Fatal(err)
	}
	got := func(n int) []string {
		stacktest.Eventually(2*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(heard) >= n })
		time.Sleep(50 * time.Millisecond) // nothing more comes
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), heard...)
	}
	fp.set(true) // up at attach already
	if h := got(0); len(h) != 0 {
		t.Fatalf("heard %q for a link that stayed up", h)
	}
	fp.set(false)
	fp.set(false)
	h := got(2)
	want := []string{"a eth0 down", "b eth0 down"}
	if len(h) != 2 || h[0] != want[0] || h[1] != want[1] {
		t.Fatalf("heard %q, want %q", h, want)
	}
	fp.set(true)
	h = got(4)
	want = append(want, "a eth0 up 1000 Mb/s full-duplex", "b eth0 up 1000 Mb/s full-duplex")
	if len(h) != 4 || h[2] != want[2] || h[3] != want[3] {
		t.Fatalf("heard %q, want %q", h, want)
	}
}
