package stack_test

import (
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// detachAndSend is a handler that, inside a receive burst of one
// interface, detaches another and transmits on it (as a server answering
// while the stack is torn down does).
type detachAndSend struct {
	s     *stack.Stack
	other *stack.Interface
	pool  *mbuf.Pool
	done  chan error
}

func (h *detachAndSend) Attach(s *stack.Stack) error {
	h.s = s
	return s.HandleEtherType(0x88b5, h) // IEEE 802 local experimental
}

func (h *detachAndSend) HandleEther(_ *stack.Interface, b *mbuf.Buf) {
	b.Free()
	err := h.s.Detach(h.other)
	if err == nil {
		var out [1]*mbuf.Buf
		if h.pool.Alloc(out[:]) == 1 {
			if _, err := out[0].Append(60); err != nil {
				out[0].Free()
				h.done <- err
				return
			}
			h.other.Transmit(out[0])
		}
	}
	h.done <- err
}

// A frame sent on an interface after its Detach, while a receive burst
// runs, is dropped and counted at once: the interface has left the table
// the burst's end flushes, so queued it would stay in use for good (found
// as a 1-in-40 leak in the dhcp4 tests).
func TestTransmitAfterDetachInBurst(t *testing.T) {
	pool := stacktest.NewPool(t, 64)
	h := &detachAndSend{pool: pool, done: make(chan error, 1)}
	s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{h}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, peer := link.Pair(link.Options{})
	b, _ := link.Pair(link.Options{})
	defer a.Close()
	defer peer.Close()
	defer b.Close()
	ifa, err := s.Attach("a0", a, stack.IfOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ifb, err := s.Attach("b0", b, stack.IfOptions{NoPoller: true})
	if err != nil {
		t.Fatal(err)
	}
	if ifa.Index() == ifb.Index() {
		t.Fatal("one interface twice")
	}
	h.other = ifb
	var f [1]*mbuf.Buf
	if pool.Alloc(f[:]) != 1 {
		t.Fatal("pool empty")
	}
	frame := make([]byte, 60)
	copy(frame, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1})
	frame[12], frame[13] = 0x88, 0xb5
	d, err := f[0].Append(len(frame))
	if err != nil {
		t.Fatal(err)
	}
	copy(d, frame)
	if peer.TxBurst(f[:]) != 1 {
		t.Fatal("peer did not send")
	}
	select {
	case err := <-h.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler did not run")
	}
	// The burst ends after the handler; its flush must not be what frees
	// the frame (it no longer sees b0).
	deadline := time.Now().Add(5 * time.Second)
	for pool.InUse() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := pool.InUse(); n != 0 {
		t.Fatalf("%d buffers in use: the frame sent after Detach is stranded", n)
	}
	if c := ifb.Counters(); c.OutDrops != 1 || c.OutLinkDown != 1 {
		t.Fatalf("b0 counters %+v: want the frame dropped and counted", c)
	}
}
