package tcp_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
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
	waitQueueSettled(t, q) // it holds what its window let in: all the quota but the last eighth
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

// TestQuotaWindow: a socket whose reader is away never advertises more
// than the quota will take for it, so a sender filling the window with
// full segments has none refused. Two things had it promise more: the
// quota's last eighth, which is not this socket's once it holds its
// guarantee, counted as free; and the never-shrinking edge rounded up to
// the window scale on every ACK, creeping 2.4 KB past the free space over
// 88 segments (RFC 7323 appendix F).
func TestQuotaWindow(t *testing.T) {
	n := newNet2(t, netOpts{TCP: tcp.Options{Buffers: 100}})
	c, s := n.connect(t) // s's reader is away
	defer c.Close()
	defer s.Close()
	// Full segments only (Nagle): the window counts one full segment per
	// mbuf, and a short segment, which a sender is free to send, takes a
	// whole mbuf for less.
	if err := c.SetNoDelay(false); err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = c.Write(make([]byte, 1<<20)) }()
	q := n.B.Quota()
	waitQueueSettled(t, q)
	if d := n.B.Stats().DropQuota; d != 0 {
		t.Errorf("%d segments refused by the quota: the window promised more than it holds (%d of %d mbufs in use; %s)", d, q.InUse(), q.Limit(), s.DebugForTest())
	}
}

// waitQueueSettled waits until an unread socket's window has closed: the
// quota's use stops growing above half its limit for half a second
// (window probes and retransmissions come in the meantime).
func waitQueueSettled(t *testing.T, q *mbuf.Quota) {
	t.Helper()
	last, since := -1, time.Now()
	if !stacktest.Eventually(10*time.Second, func() bool {
		if u := q.InUse(); u != last {
			last, since = u, time.Now()
		}
		return last > q.Limit()/2 && time.Since(since) > 500*time.Millisecond
	}) {
		t.Fatalf("the unread socket's queue did not settle: %d of the quota's %d mbufs", q.InUse(), q.Limit())
	}
}
