package tcp_test

import (
	"net/netip"
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/tcp"
)

// net2 is two stacks with TCP on one in-memory link: A is 198.18.0.1,
// B 198.18.0.2.
type net2 struct {
	A, B   *tcp.TCP
	HA, HB *stacktest.Host
	Pool   *mbuf.Pool
}

type netOpts struct {
	TCP     tcp.Options
	Buffers int // pool size (2048)
	Link    link.Options
}

// newNet2 builds the pair; cleanup closes the stacks (TCP resets what is
// left), checks that TCP's quota is back to zero and that the pool is full.
func newNet2(tb testing.TB, o netOpts) *net2 {
	tb.Helper()
	if o.Buffers == 0 {
		o.Buffers = 2048
	}
	pool := stacktest.NewPool(tb, o.Buffers)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	ta, err := tcp.New(o.TCP)
	if err != nil {
		tb.Fatal(err)
	}
	tbb, err := tcp.New(o.TCP)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		for _, t := range []*tcp.TCP{ta, tbb} {
			if q := t.Quota(); q != nil && q.InUse() != 0 {
				tb.Errorf("tcp-rcvq: %d mbufs still charged after the stack closed", q.InUse())
			}
		}
	})
	pa, pb := link.Pair(o.Link)
	tb.Cleanup(func() { _ = pa.Close(); _ = pb.Close() })
	ha := stacktest.NewHost(tb, pool, stacktest.Config{IP: ipv4.Options{Transports: []ipv4.Transport{ta}}, Budget: bg})
	hb := stacktest.NewHost(tb, pool, stacktest.Config{IP: ipv4.Options{Transports: []ipv4.Transport{tbb}}, Budget: bg})
	ha.AttachAddr(tb, "eth0", pa, "198.18.0.1/24", false)
	hb.AttachAddr(tb, "eth0", pb, "198.18.0.2/24", false)
	return &net2{A: ta, B: tbb, HA: ha, HB: hb, Pool: pool}
}

// connect returns a connection from A to a listener on B, both ends.
func (n *net2) connect(tb testing.TB) (client, server *tcp.Conn) {
	tb.Helper()
	l, err := n.B.Listen("tcp", "198.18.0.2:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	type res struct {
		c   *tcp.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := l.AcceptTCP()
		ch <- res{c, err}
	}()
	client, err = n.A.Dial("tcp", l.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		tb.Fatal(r.err)
	}
	return client, r.c
}

func addrPort(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
