package mbuf_test

import (
	"sync"
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
)

func TestBudgetDefaultsAndErrors(t *testing.T) {
	p, _ := newPool(t, 4096)
	b, err := mbuf.NewBudget(p, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Reserve() != 1024 || b.Limit() != 3072 || b.Pool() != p {
		t.Errorf("default budget of 4096: reserve %d limit %d", b.Reserve(), b.Limit())
	}
	for _, r := range []int{-1, 4096, 5000} {
		if _, err := mbuf.NewBudget(p, mbuf.BudgetOptions{Reserve: r}); err == nil {
			t.Errorf("reserve %d accepted", r)
		}
	}
	small, _ := newPool(t, 2)
	if b, err := mbuf.NewBudget(small, mbuf.BudgetOptions{}); err != nil || b.Reserve() != 1 || b.Limit() != 1 {
		t.Errorf("budget of a 2-buffer pool: %v %v", b, err)
	}
	if q := b.NewQuota("big", 1<<20); q.Limit() != b.Limit() {
		t.Errorf("quota limit %d not clamped to the budget's %d", q.Limit(), b.Limit())
	}
}

// TestQuotaRefusesAtBound: a quota refuses at its own limit (ErrQuota), the
// budget refuses when the quotas together reach Cap−Reserve (ErrBudget),
// each refusal is counted by its reason, and nothing refused is charged.
func TestQuotaRefusesAtBound(t *testing.T) {
	p, _ := newPool(t, 64)
	b, err := mbuf.NewBudget(p, mbuf.BudgetOptions{Reserve: 16}) // 48 may be parked
	if err != nil {
		t.Fatal(err)
	}
	qa, qb := b.NewQuota("a", 32), b.NewQuota("b", 32)
	bufs := make([]*mbuf.Buf, 64)
	if n := p.Alloc(bufs); n != 64 {
		t.Fatal(n)
	}
	defer p.Free(bufs)
	for i := range 32 {
		if err := qa.Charge(1); err != nil {
			t.Fatalf("charge %d: %v", i, err)
		}
	}
	if err := qa.Charge(1); err != mbuf.ErrQuota {
		t.Fatalf("33rd charge of a 32 quota: %v", err)
	}
	if err := qb.Charge(17); err != mbuf.ErrBudget {
		t.Fatalf("charge past the budget: %v", err)
	}
	if err := qb.Charge(16); err != nil {
		t.Fatalf("charge up to the budget: %v", err)
	}
	if err := qb.Charge(1); err != mbuf.ErrBudget {
		t.Fatalf("charge of a full budget: %v", err)
	}
	if err := qb.Charge(17); err != mbuf.ErrQuota {
		t.Fatalf("charge past both: %v (the quota is checked first)", err)
	}
	s := b.Stats()
	want := mbuf.BudgetStats{Cap: 64, Reserve: 16, Limit: 48, InUse: 64, Parked: 48, Refused: 2, Quotas: []mbuf.QuotaStats{
		{Name: "a", Limit: 32, InUse: 32, Peak: 32, RefusedQuota: 1},
		{Name: "b", Limit: 32, InUse: 16, Peak: 16, RefusedQuota: 1, RefusedBudget: 2},
	}}
	if !equalBudgetStats(s, want) {
		t.Errorf("stats\n got %+v\nwant %+v", s, want)
	}
	qa.Uncharge(32)
	qb.Uncharge(16)
	if b.Parked() != 0 || qa.InUse() != 0 || qb.InUse() != 0 {
		t.Errorf("after uncharging: parked %d, a %d, b %d", b.Parked(), qa.InUse(), qb.InUse())
	}
}

func equalBudgetStats(a, b mbuf.BudgetStats) bool {
	if a.Cap != b.Cap || a.Reserve != b.Reserve || a.Limit != b.Limit || a.InUse != b.InUse || a.Parked != b.Parked ||
		a.Refused != b.Refused || len(a.Quotas) != len(b.Quotas) {
		return false
	}
	for i := range a.Quotas {
		if a.Quotas[i] != b.Quotas[i] {
			return false
		}
	}
	return true
}

func TestNilQuota(t *testing.T) {
	var q *mbuf.Quota
	if err := q.Charge(1000); err != nil || q.InUse() != 0 {
		t.Fatal(err)
	}
	q.Uncharge(1000)
}

// TestQuotaConcurrent: charging from many goroutines never passes the
// limits, and everything comes back.
func TestQuotaConcurrent(t *testing.T) {
	p, _ := newPool(t, 256)
	b, _ := mbuf.NewBudget(p, mbuf.BudgetOptions{Reserve: 56}) // 200
	qs := []*mbuf.Quota{b.NewQuota("x", 150), b.NewQuota("y", 150)}
	var wg sync.WaitGroup
	var mu sync.Mutex
	maxParked := 0
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := qs[g%2]
			held := 0
			for i := range 20000 {
				if i%3 != 2 {
					if q.Charge(1) == nil {
						held++
					}
				} else if held > 0 {
					q.Uncharge(1)
					held--
				}
				if pk := b.Parked(); pk > 200 || q.InUse() > 150 {
					mu.Lock()
					maxParked = max(maxParked, pk)
					mu.Unlock()
				}
			}
			q.Uncharge(held)
		}()
	}
	wg.Wait()
	if maxParked != 0 {
		t.Errorf("parked reached %d, over the limit of 200", maxParked)
	}
	if b.Parked() != 0 {
		t.Errorf("parked %d after every charge was given back", b.Parked())
	}
	if s := b.Stats(); s.Refused+s.Quotas[0].RefusedQuota+s.Quotas[1].RefusedQuota == 0 {
		t.Errorf("no refusals counted: %+v", s)
	}
}

func BenchmarkQuotaChargeUncharge(b *testing.B) {
	p, _ := newPool(b, 64)
	bg, _ := mbuf.NewBudget(p, mbuf.BudgetOptions{})
	q := bg.NewQuota("bench", 32)
	b.ReportAllocs()
	for b.Loop() {
		if q.Charge(1) != nil {
			b.Fatal("refused")
		}
		q.Uncharge(1)
	}
}

// TestBudgetSetReserve: a running budget's reserve moves (a driver mounted
// or unmounted); what is parked beyond the new limit stays, and charges
// are refused until it drains below; a reserve that leaves nothing to
// park is refused and changes nothing.
func TestBudgetSetReserve(t *testing.T) {
	p, _ := newPool(t, 64)
	b, err := mbuf.NewBudget(p, mbuf.BudgetOptions{Reserve: 16})
	if err != nil {
		t.Fatal(err)
	}
	q := b.NewQuota("q", 48)
	if err := q.Charge(40); err != nil {
		t.Fatal(err)
	}
	if err := b.SetReserve(32); err != nil || b.Reserve() != 32 || b.Limit() != 32 {
		t.Fatalf("SetReserve(32): %v, reserve %d limit %d", err, b.Reserve(), b.Limit())
	}
	if err := q.Charge(1); err != mbuf.ErrBudget {
		t.Errorf("charge with 40 parked over a limit of 32: %v, want ErrBudget", err)
	}
	q.Uncharge(9)
	if err := q.Charge(1); err != nil {
		t.Errorf("charge with 31 parked under a limit of 32: %v", err)
	}
	for _, r := range []int{0, -1, 64, 100} {
		if err := b.SetReserve(r); err == nil {
			t.Errorf("reserve %d of 64 accepted", r)
		}
	}
	if b.Reserve() != 32 {
		t.Errorf("a refused SetReserve moved the reserve to %d", b.Reserve())
	}
	if err := b.SetReserve(16); err != nil || b.Limit() != 48 {
		t.Errorf("SetReserve(16): %v, limit %d", err, b.Limit())
	}
	if s := b.Stats(); s.Reserve != 16 || s.Limit != 48 || s.Parked != 32 {
		t.Errorf("stats %+v", s)
	}
	q.Uncharge(32)
}
