package tcp_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/tcp"
)

// TestCloseRemovesQuota: TCP's Close takes its "tcp-rcvq" quota out of
// the stack's budget itself (the unload path: no caller has to), after
// freeing what the receive queues held. A and B share one budget, so it
// holds two tcp-rcvq quotas until B's TCP closes.
func TestCloseRemovesQuota(t *testing.T) {
	n := newNet2(t, netOpts{})
	rcvqs := func() int {
		k := 0
		for _, q := range n.HB.S.Budget().Stats().Quotas {
			if q.Name == "tcp-rcvq" {
				k++
			}
		}
		return k
	}
	if k := rcvqs(); k != 2 {
		t.Fatalf("%d tcp-rcvq quotas in the budget after Attach, want 2", k)
	}
	c, s := n.connect(t)
	defer c.Close()
	if _, err := c.Write(make([]byte, 20000)); err != nil { // queued at B, unread
		t.Fatal(err)
	}
	if !stacktest.Eventually(5*time.Second, func() bool { return n.B.Quota().InUse() > 0 }) {
		t.Fatal("nothing charged to B's tcp-rcvq")
	}
	if err := n.B.Close(); err != nil {
		t.Fatal(err)
	}
	if q := n.B.Quota().InUse(); q != 0 {
		t.Errorf("B's tcp-rcvq holds %d mbufs after Close", q)
	}
	if k := rcvqs(); k != 1 {
		t.Errorf("%d tcp-rcvq quotas in the budget after B's TCP closed, want 1 (A's)", k)
	}
	if _, err := s.Read(make([]byte, 1)); err == nil {
		t.Error("read on a connection of a closed TCP succeeded")
	}
	if _, err := n.B.Listen("tcp", "198.18.0.2:0"); err == nil {
		t.Error("Listen on a closed TCP succeeded")
	}
}

// TestQuotaGuarantee: a socket whose reader is away fills the stack's
// tcp-rcvq quota with unread data, and another socket of the same stack
// must still receive (each queue may hold rcvGuarantee mbufs in the
// quota's last eighth, which the full one may not take). Without that the
// second socket's data was refused until the first was read, and an echo
// through one stack (the daemon's --tcp-echo over lo0) stopped for good.
func TestQuotaGuarantee(t *testing.T) {
	n := newNet2(t, netOpts{TCP: tcp.Options{Buffers: 100}})
	ca, sa := n.connect(t) // sa's reader is away
	defer ca.Close()
	defer sa.Close()
	cb, sb := n.connect(t)
	defer cb.Close()
	defer sb.Close()
	go func() { _, _ = ca.Write(make([]byte, 1<<20)) }() // more than the quota holds
	q := n.B.Quota()
	if !stacktest.Eventually(10*time.Second, func() bool { return q.InUse() >= q.Limit()-q.Limit()/8 }) {
		t.Fatalf("the unread socket holds %d of the quota's %d mbufs", q.InUse(), q.Limit())
	}
	want := make([]byte, 64<<10)
	for i := range want {
		want[i] = byte(i * 7)
	}
	go func() { _, _ = cb.Write(want) }()
	_ = sb.SetReadDeadline(time.Now().Add(20 * time.Second))
	got := make([]byte, len(want))
	if _, err := io.ReadFull(sb, got); err != nil {
		t.Fatalf("second socket: %v (quota %d of %d in use)", err, q.InUse(), q.Limit())
	}
	if !bytes.Equal(got, want) {
		t.Fatal("second socket: data differ")
	}
	if q.InUse() > q.Limit() {
		t.Errorf("quota in use %d above its limit %d", q.InUse(), q.Limit())
	}
}
