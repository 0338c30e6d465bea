package em_test

import (
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/netif/em"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/wire"
)

const etExperimental wire.EtherType = 0x88b5 // IEEE 802 local experimental

var (
	macA = [6]byte{2, 0, 0x5e, 0, 1, 1}
	macB = [6]byte{2, 0, 0x5e, 0, 1, 2}
)

// sink is a protocol that counts experimental frames and may run a hook
// on the receive goroutine.
type sink struct {
	mu   sync.Mutex
	n    int
	hook func(ifc *stack.Interface)
}

func (s *sink) Attach(st *stack.Stack) error { return st.HandleEtherType(etExperimental, s) }

func (s *sink) HandleEther(ifc *stack.Interface, b *mbuf.Buf) {
	b.Free()
	s.mu.Lock()
	s.n++
	h := s.hook
	s.mu.Unlock()
	if h != nil {
		h(ifc)
	}
}

// rig is a stack with one em interface (port A) and a raw e1000 device
// (port B) on the same model bus.
type rig struct {
	bus   *e1000test.Bus
	pool  *mbuf.Pool
	s     *stack.Stack
	sink  *sink
	ifc   *em.Interface
	portA *e1000test.Port
	peer  *e1000.Device
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{bus: e1000test.NewBus(), sink: &sink{}}
	var err error
	if r.pool, err = mbuf.NewPool(r.bus.Memory(), mbuf.PoolOptions{Name: "life", Buffers: 2048}); err != nil {
		t.Fatal(err)
	}
	if r.s, err = stack.New(stack.Options{Pool: r.pool, Protocols: []stack.Protocol{r.sink}, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	r.portA = e1000test.NewPort(r.bus, e1000test.Options{MAC: macA})
	cfg := e1000.Config{RxDescs: 256, TxDescs: 256, Logger: slog.New(slog.DiscardHandler)}
	if r.ifc, err = em.Attach(r.s, "em0", r.portA.Function(), cfg); err != nil {
		t.Fatal(err)
	}
	pb := e1000test.NewPort(r.bus, e1000test.Options{MAC: macB})
	cfg.Pool = r.pool
	if r.peer, err = e1000.Attach(pb.Function(), cfg); err != nil {
		t.Fatal(err)
	}
	return r
}

// close tears everything down and checks the pool is full.
func (r *rig) close(t *testing.T, detached bool) {
	t.Helper()
	if !detached {
		if err := r.ifc.Detach(); err != nil {
			t.Error(err)
		}
	}
	if err := r.s.Close(); err != nil {
		t.Error(err)
	}
	if err := r.peer.Close(); err != nil {
		t.Error(err)
	}
	if n := r.pool.InUse(); n != 0 {
		t.Errorf("leak: %d mbufs in use", n)
	}
	if err := r.pool.Close(); err != nil {
		t.Error(err)
	}
	if err := r.bus.Close(); err != nil {
		t.Error(err)
	}
}

// frame builds an experimental frame from src to dst.
func (r *rig) frame(t *testing.T, src, dst [6]byte) *mbuf.Buf {
	t.Helper()
	b, err := r.pool.Get()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := b.Append(60)
	e := wire.Ethernet(p)
	e.SetDst(dst)
	e.SetSrc(src)
	e.SetType(etExperimental)
	return b
}

// sendToA transmits n frames from the peer to em0.
func (r *rig) sendToA(t *testing.T, n int) {
	t.Helper()
	for range n {
		b := r.frame(t, macB, macA)
		if r.peer.TxBurst([]*mbuf.Buf{b}) != 1 {
			b.Free()
			t.Fatal("peer ring full")
		}
	}
}

func eventually(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// TestLinkFlap: the model's link goes down and up (QEMU's set_link); the
// housekeeping em.Attach started (nobody calls Service here) notices, the
// interface follows, and while down em0 drops TX with a counter instead of
// filling the ring. The port's counters accumulate on their own too.
func TestLinkFlap(t *testing.T) {
	r := newRig(t)
	if !eventually(3*time.Second, func() bool { return r.ifc.Link().Up }) {
		t.Fatal("em0 link never came up")
	}
	r.portA.SetLink(false)
	if !eventually(3*time.Second, func() bool { return !r.ifc.Link().Up }) {
		t.Fatal("em0 did not follow the link down")
	}
	before := r.ifc.Device.Stats().TxPackets
	for range 5 {
		r.ifc.Transmit(r.frame(t, macA, macB))
	}
	c := r.ifc.Counters()
	if c.OutLinkDown != 5 || c.OutDrops != 5 || c.OutPackets != 0 {
		t.Fatalf("link down: %+v", c)
	}
	if got := r.ifc.Device.Stats().TxPackets; got != before {
		t.Fatalf("%d frames reached the ring of a dead link", got-before)
	}
	r.portA.SetLink(true)
	if !eventually(3*time.Second, func() bool { return r.ifc.Link().Up }) {
		t.Fatal("em0 did not follow the link up")
	}
	r.ifc.Transmit(r.frame(t, macA, macB))
	if c := r.ifc.Counters(); c.OutPackets != 1 || c.LinkChanges < 2 {
		t.Fatalf("link up: %+v", c)
	}
	var in [8]*mbuf.Buf
	if !eventually(3*time.Second, func() bool {
		n := r.peer.RxBurst(in[:])
		r.pool.Free(in[:n])
		return n > 0
	}) {
		t.Fatal("peer got nothing after the link came back")
	}
	// Service ran by itself: link flaps are counted in the port stats.
	if st := r.ifc.Device.Stats(); st.LinkFlaps < 2 {
		t.Fatalf("port LinkFlaps %d: housekeeping did not run", st.LinkFlaps)
	}
	r.close(t, false)
}

// TestDetachFromHandler: a handler on em0's receive goroutine detaches em0
// (stack detach, housekeeping stopped, device closed); Detach returns and
// everything is torn down with the pool full.
func TestDetachFromHandler(t *testing.T) {
	r := newRig(t)
	done := make(chan error, 1)
	var once sync.Once
	r.sink.mu.Lock()
	r.sink.hook = func(*stack.Interface) { once.Do(func() { done <- r.ifc.Detach() }) }
	r.sink.mu.Unlock()
	r.sendToA(t, 8)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("em Detach from a handler did not return (deadlock)")
	}
	if r.s.InterfaceByName("em0") != nil {
		t.Fatal("em0 still attached")
	}
	if err := r.ifc.Device.Close(); err == nil {
		t.Fatal("device not closed by Detach")
	}
	r.close(t, true)
}
