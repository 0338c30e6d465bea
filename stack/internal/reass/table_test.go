package reass_test

import (
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/internal/reass"
	"github.com/gopkt/gopkt/stack/stacktest"
)

func piece(t *testing.T, p *mbuf.Pool, n int) *mbuf.Buf {
	t.Helper()
	b, err := p.Get()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Append(n); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVerdicts walks every verdict and checks the quota and the pool are
// whole afterwards.
func TestVerdicts(t *testing.T) {
	p := stacktest.NewPool(t, 64)
	bg, err := mbuf.NewBudget(p, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	q := bg.NewQuota("reass-test", 4)
	tb := reass.New[int, string](reass.Options{Quota: q, Timeout: time.Second, Datagrams: 2})
	now := time.Now()
	add := func(k, off, end int, last bool, want reass.Verdict) *mbuf.Buf {
		t.Helper()
		head, total, note, v := tb.Add(k, piece(t, p, end-off), off, end, last, "first", now)
		if v != want {
			t.Fatalf("datagram %d [%d,%d) last=%v: %v, want %v", k, off, end, last, v, want)
		}
		if v == reass.Complete && (total != 16 || note != "first" || head.PktLen() != 16) {
			t.Fatalf("complete: total %d note %q len %d", total, note, head.PktLen())
		}
		return head
	}
	add(1, 8, 16, true, reass.Held)
	add(1, 8, 16, true, reass.Duplicate)
	add(1, 0, 8, false, reass.Complete).Free()
	add(2, 0, 16, false, reass.Held)
	add(2, 8, 24, false, reass.Overlap)
	add(3, 16, 24, true, reass.Held)
	add(3, 0, 32, false, reass.Inconsistent)
	// Datagrams cap: a third datagram evicts the oldest.
	add(4, 0, 8, false, reass.Held)
	add(5, 0, 8, false, reass.Held)
	add(6, 0, 8, false, reass.Held)
	if n, charged, segs := tb.Held(); n != 2 || charged != 2 || segs != 2 {
		t.Fatalf("held %d datagrams, %d charged, %d segments", n, charged, segs)
	}
	// Quota 4: two more pieces fit, the fifth evicts the other datagram,
	// and when nothing else is left the datagram itself is abandoned.
	add(6, 8, 16, false, reass.Held)
	add(6, 16, 24, false, reass.Held)
	add(6, 24, 32, false, reass.Held)
	add(6, 32, 40, false, reass.Refused)
	if tb.C.Evicted.Load() != 2 || tb.C.Overlaps.Load() != 1 || tb.C.Duplicates.Load() != 1 || tb.C.OKs.Load() != 1 {
		t.Errorf("counters: evicted %d overlaps %d duplicates %d oks %d", tb.C.Evicted.Load(), tb.C.Overlaps.Load(), tb.C.Duplicates.Load(), tb.C.OKs.Load())
	}
	// Expiry hands back only first pieces.
	add(7, 0, 8, false, reass.Held)
	add(8, 8, 16, false, reass.Held)
	var firsts int
	tb.Expire(now.Add(2*time.Second), func(b *mbuf.Buf) { firsts++; b.Free() })
	if firsts != 1 || tb.Pending() != 0 || tb.C.Timeouts.Load() != 2 {
		t.Errorf("expire: %d first pieces, %d pending, %d timeouts", firsts, tb.Pending(), tb.C.Timeouts.Load())
	}
	add(9, 0, 8, false, reass.Held)
	tb.Flush()
	if q.InUse() != 0 || p.InUse() != 0 {
		t.Errorf("quota %d, pool %d in use", q.InUse(), p.InUse())
	}
}
