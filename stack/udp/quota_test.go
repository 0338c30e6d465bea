package udp_test

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/udp"
)

// TestReceiveQuotas: a socket nobody reads refuses datagrams at its queue
// in mbufs and in bytes, all sockets together at the udp-rcvq quota, and
// everything at the pool budget; each refusal is counted by its reason and
// reading gives the charge back.
func TestReceiveQuotas(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{Reserve: 256 - 16}) // 16 may be parked
	if err != nil {
		t.Fatal(err)
	}
	a, b, ia, ib := stacktest.Pair(t, pool, stacktest.Config{NoPoller: true, Budget: bg, UDP: udp.Options{Queue: 4, Buffers: 10}})
	cli, err := a.UDP.ListenPacket(netip.AddrPort{})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	var srv [4]*udp.Conn
	for i := range srv {
		if srv[i], err = b.UDP.ListenPacket(netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(7000+i))); err != nil {
			t.Fatal(err)
		}
		defer srv[i].Close()
	}
	if err := srv[1].SetReadBuffer(1000); err != nil {
		t.Fatal(err)
	}
	send := func(port, n, size int) {
		t.Helper()
		for range n {
			if _, err := cli.WriteToUDPAddrPort(make([]byte, size), netip.AddrPortFrom(netip.MustParseAddr("198.18.0.2"), uint16(port))); err != nil {
				t.Fatal(err)
			}
			stacktest.Drain(ia, ib)
		}
	}
	want := udp.Stats{}
	check := func(what string) {
		t.Helper()
		s := b.UDP.Stats()
		got := udp.Stats{RcvbufErrors: s.RcvbufErrors, RcvbufSocketBuffers: s.RcvbufSocketBuffers, RcvbufSocketBytes: s.RcvbufSocketBytes,
			RcvbufQuota: s.RcvbufQuota, RcvbufBudget: s.RcvbufBudget}
		if got != want {
			t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
		}
	}
	send(7000, 6, 10) // a queue of 4 mbufs
	want.RcvbufSocketBuffers, want.RcvbufErrors = 2, 2
	check("queue in mbufs")
	send(7001, 3, 600) // 1000 bytes: the first always fits, the second not
	want.RcvbufSocketBytes, want.RcvbufErrors = 2, 4
	check("queue in bytes")
	send(7002, 4, 10) // 4+1+4 = 9 of 10
	send(7003, 2, 10) // 10, then 11 > 10
	want.RcvbufQuota, want.RcvbufErrors = 1, 5
	check("all sockets")
	if q := b.UDP.Quota(); q.InUse() != 10 {
		t.Errorf("udp-rcvq holds %d, want 10", q.InUse())
	}
	buf := make([]byte, 4000)
	if _, _, err := srv[0].ReadFromUDPAddrPort(buf); err != nil { // 9 of 10
		t.Fatal(err)
	}
	// Another consumer of the budget takes the rest of it: the quota has
	// room, the budget not.
	other := bg.NewQuota("other", 16)
	if err := other.Charge(16 - 9); err != nil {
		t.Fatal(err)
	}
	send(7003, 1, 10)
	want.RcvbufBudget, want.RcvbufErrors = 1, 6
	check("pool budget")
	other.Uncharge(16 - 9)
	for i, n := range []int{3, 1, 4, 1} {
		for range n {
			if _, _, err := srv[i].ReadFromUDPAddrPort(buf); err != nil {
				t.Fatal(err)
			}
		}
	}
	if q := b.UDP.Quota(); q.InUse() != 0 || bg.Parked() != 0 {
		t.Errorf("after reading everything: udp-rcvq %d, budget %d", q.InUse(), bg.Parked())
	}
	if s := b.UDP.Options(); s.Queue != 4 || s.ReadBuffer != 256<<10 || s.Buffers != 10 {
		t.Errorf("options in effect %+v", s)
	}
}

// TestCloseUnchargesQueue: closing a socket with queued datagrams gives
// their charge back.
func TestCloseUnchargesQueue(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	a, b, ia, ib := stacktest.Pair(t, pool, stacktest.Config{NoPoller: true})
	srv, err := b.UDP.ListenPacket(netip.MustParseAddrPort("0.0.0.0:9"))
	if err != nil {
		t.Fatal(err)
	}
	cli, err := a.UDP.Dial(netip.AddrPort{}, netip.MustParseAddrPort("198.18.0.2:9"))
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	for range 5 {
		if _, err := cli.Write(bytes.Repeat([]byte{1}, 100)); err != nil {
			t.Fatal(err)
		}
		stacktest.Drain(ia, ib)
	}
	if q := b.UDP.Quota(); q.InUse() != 5 {
		t.Fatalf("charged %d, want 5", q.InUse())
	}
	_ = srv.Close()
	if q := b.UDP.Quota(); q.InUse() != 0 {
		t.Errorf("charged %d after Close", q.InUse())
	}
	if err := srv.SetReadBuffer(10); err == nil {
		t.Error("SetReadBuffer after Close succeeded")
	}
}
