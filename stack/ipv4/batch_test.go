package ipv4_test

import (
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// countingPort records the size of every TxBurst (one doorbell each on a NIC).
type countingPort struct {
	*link.Port
	calls []int
}

func (p *countingPort) TxBurst(bufs []*mbuf.Buf) int {
	p.calls = append(p.calls, len(bufs))
	return p.Port.TxBurst(bufs)
}

func TestRepliesLeaveInOneBurst(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	h := stacktest.NewHost(t, pool, stacktest.Config{})
	peer, pb := link.Pair(link.Options{A: peerMAC, B: hostMAC})
	t.Cleanup(func() { peer.Close(); pb.Close() })
	cp := &countingPort{Port: pb}
	ifc, err := h.S.Attach("eth0", cp, ifOptsNoPoller)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.S.AddAddress(ifc, netipPrefix("198.18.0.2/24")); err != nil {
		t.Fatal(err)
	}
	h.IP.AddStaticNeighbour(ifc, netipAddr("198.18.0.1"), peerMAC)
	send := func(frames ...[]byte) {
		for _, f := range frames {
			b, _ := pool.Get()
			d, _ := b.Append(len(f))
			copy(d, f)
			peer.TxBurst([]*mbuf.Buf{b})
		}
	}
	drain := func() int {
		bufs := make([]*mbuf.Buf, 64)
		n := peer.RxBurst(bufs)
		pool.Free(bufs[:n])
		return n
	}
	drain()
	cp.calls = nil
	var reqs [][]byte
	for i := range 32 {
		reqs = append(reqs, toHost(ipPacket(wire.IPv4Fields{ID: uint16(i), Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, echoRequest(1, uint16(i), nil))))
	}
	send(reqs...)
	if n := ifc.Poll(); n != 32 {
		t.Fatalf("polled %d", n)
	}
	if len(cp.calls) != 1 || cp.calls[0] != 32 || drain() != 32 {
		t.Errorf("32 echo replies left in TxBursts of %v, want one of 32", cp.calls)
	}
	// A burst smaller than the queue is flushed when it ends.
	cp.calls = nil
	send(reqs[:5]...)
	ifc.Poll()
	if len(cp.calls) != 1 || cp.calls[0] != 5 || drain() != 5 {
		t.Errorf("5 replies: TxBursts %v", cp.calls)
	}
	// Outside a receive burst a socket's datagram goes at once.
	cp.calls = nil
	c, _ := h.UDP.Dial(netipAP("0.0.0.0:0"), netipAP("198.18.0.1:9"))
	defer c.Close()
	if _, err := c.Write([]byte("now")); err != nil {
		t.Fatal(err)
	}
	if len(cp.calls) != 1 || cp.calls[0] != 1 || drain() != 1 {
		t.Errorf("socket write: TxBursts %v", cp.calls)
	}
	if st := ifc.Counters(); st.OutPackets != 1+32+5+1 || st.OutDrops != 0 {
		t.Errorf("counters %+v", st)
	}
}
