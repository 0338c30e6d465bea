package mbuf

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// Errors a Charge fails with; callers compare with == on the data path
// (no wrapping, no allocation) and count the refusal by its reason.
var (
	// ErrQuota: the consumer's own limit (its Quota) is reached.
	ErrQuota = errors.New("mbuf: consumer quota reached")
	// ErrBudget: the pool-wide limit on parked buffers is reached; what is
	// left of the pool is the receive reserve.
	ErrBudget = errors.New("mbuf: pool budget for parked buffers reached (the rest is the receive reserve)")
)

// BudgetOptions configure a Budget.
type BudgetOptions struct {
	// Reserve is the number of buffers parked buffers may never take:
	// receive rings and their refill, transmit rings, per-queue caches and
	// packets in flight live there. 0 means Cap/4 (at least 1).
	Reserve int
}

// Budget bounds the buffers of one pool that consumers park: buffers held
// because someone else has not acted yet (a socket receive queue waiting
// for its reader, a neighbour hold queue waiting for an ARP reply, a
// datagram waiting for its missing fragments). At most Cap−Reserve buffers
// are parked at any time, whoever the consumers are, so no remote peer and
// no slow reader can take the buffers receive refill needs. Each consumer
// class charges a Quota of the budget when it parks a buffer and uncharges
// it when the buffer leaves (delivered, sent, freed).
//
// Buffers in flight (being received, forwarded, transmitted, or in a ring)
// are not charged: they come back by themselves within a burst or a ring
// turn. One budget per pool: stacks that share a pool share its budget.
// All methods are safe for concurrent use; Charge and Uncharge are a few
// atomic operations and do not allocate.
type Budget struct {
	pool    *Pool
	limit   atomic.Int64 // Cap − Reserve; SetReserve moves it
	parked  atomic.Int64
	refused atomic.Uint64

	mu     sync.Mutex // guards quotas (configuration, not the data path)
	quotas []*Quota
}

// NewBudget returns the budget of p. The reserve must leave at least one
// buffer to park.
func NewBudget(p *Pool, o BudgetOptions) (*Budget, error) {
	if o.Reserve == 0 {
		o.Reserve = max(1, p.Cap()/4)
	}
	if o.Reserve < 0 || o.Reserve >= p.Cap() {
		return nil, fmt.Errorf("mbuf: budget of pool %q: reserve %d of %d buffers: want 1 to %d (or 0 for Cap/4); grow the pool for more", p.Name(), o.Reserve, p.Cap(), p.Cap()-1)
	}
	b := &Budget{pool: p}
	b.limit.Store(int64(p.Cap() - o.Reserve))
	return b, nil
}

// SetReserve moves the reserve of a running budget: a driver mounted at
// run time grows it by what its rings hold, an unmounted one shrinks it.
// The limits of existing quotas stay as they are (the budget is the
// bound). Buffers parked beyond the new limit stay parked until their
// owners let them go; until then every charge is refused (ErrBudget).
// The reserve must leave at least one buffer to park.
func (b *Budget) SetReserve(n int) error {
	c := b.pool.Cap()
	if n < 1 || n >= c {
		return fmt.Errorf("mbuf: budget of pool %q: reserve %d of %d buffers: want 1 to %d; grow the pool for more", b.pool.Name(), n, c, c-1)
	}
	b.limit.Store(int64(c - n))
	return nil
}

// Pool is the pool the budget bounds.
func (b *Budget) Pool() *Pool { return b.pool }

// Reserve is the number of buffers parked buffers never take.
func (b *Budget) Reserve() int { return b.pool.Cap() - b.Limit() }

// Limit is the most buffers that may be parked at once: Cap − Reserve.
func (b *Budget) Limit() int { return int(b.limit.Load()) }

// Parked is the number of buffers charged now, over every quota.
func (b *Budget) Parked() int { return int(b.parked.Load()) }

// NewQuota registers a consumer class with its own limit in buffers
// (clamped to 1..Limit()). The limits of different quotas may add up to
// more than the budget's limit (an operator raised one): the budget, not
// the sum, is the bound, and the classes then compete for what is left.
// The stack's defaults add up to at most the limit, so each class keeps
// its share.
func (b *Budget) NewQuota(name string, limit int) *Quota {
	q := &Quota{b: b, name: name, limit: int64(min(max(limit, 1), b.Limit()))}
	b.mu.Lock()
	b.quotas = append(b.quotas, q)
	b.mu.Unlock()
	return q
}

// RemoveQuota unregisters q (a protocol unloaded from a running stack);
// buffers still charged to it stay counted as parked until uncharged.
func (b *Budget) RemoveQuota(q *Quota) {
	b.mu.Lock()
	b.quotas = slices.DeleteFunc(b.quotas, func(x *Quota) bool { return x == q })
	b.mu.Unlock()
}

// BudgetStats is a snapshot of a budget and its quotas.
type BudgetStats struct {
	Cap, Reserve, Limit int
	InUse               int // the pool's InUse: parked and in flight
	Parked              int
	Refused             uint64 // charges refused because the budget was full
	Quotas              []QuotaStats
}

// Stats returns a snapshot, quotas in registration order.
func (b *Budget) Stats() BudgetStats {
	s := BudgetStats{Cap: b.pool.Cap(), Reserve: b.Reserve(), Limit: b.Limit(), InUse: b.pool.InUse(),
		Parked: b.Parked(), Refused: b.refused.Load()}
	b.mu.Lock()
	for _, q := range b.quotas {
		s.Quotas = append(s.Quotas, q.Stats())
	}
	b.mu.Unlock()
	return s
}

// Quota is one consumer class's share of a Budget: a limit in buffers,
// the buffers charged now, the peak, and the refusals by reason. A nil
// *Quota charges nothing and never refuses.
type Quota struct {
	b     *Budget
	name  string
	limit int64

	used          atomic.Int64
	peak          atomic.Int64
	refusedQuota  atomic.Uint64
	refusedBudget atomic.Uint64
}

// Name is the consumer class ("udp-rcvq", "arp-hold", ...).
func (q *Quota) Name() string { return q.name }

// Limit is the quota's limit in buffers.
func (q *Quota) Limit() int { return int(q.limit) }

// InUse is the number of buffers charged to q now.
func (q *Quota) InUse() int {
	if q == nil {
		return 0
	}
	return int(q.used.Load())
}

// Charge accounts n more parked buffers to q. It returns nil, ErrQuota
// (q's limit would be passed) or ErrBudget (the pool's parking limit
// would be passed); on error nothing was charged and the refusal is
// counted. The caller that gets nil must Uncharge the same n when the
// buffers leave its hands.
func (q *Quota) Charge(n int) error {
	if q == nil || n <= 0 {
		return nil
	}
	d := int64(n)
	for {
		u := q.used.Load()
		if u+d > q.limit {
			q.refusedQuota.Add(1)
			return ErrQuota
		}
		if q.used.CompareAndSwap(u, u+d) {
			break
		}
	}
	b := q.b
	for {
		p := b.parked.Load()
		if p+d > b.limit.Load() {
			q.used.Add(-d)
			q.refusedBudget.Add(1)
			b.refused.Add(1)
			return ErrBudget
		}
		if b.parked.CompareAndSwap(p, p+d) {
			break
		}
	}
	if u := q.used.Load(); u > q.peak.Load() {
		q.peak.Store(u) // racy by design: a statistic, never a bound
	}
	return nil
}

// Uncharge gives back n buffers charged earlier.
func (q *Quota) Uncharge(n int) {
	if q == nil || n <= 0 {
		return
	}
	q.used.Add(-int64(n))
	q.b.parked.Add(-int64(n))
}

// QuotaStats is a snapshot of one quota.
type QuotaStats struct {
	Name          string
	Limit, InUse  int
	Peak          int
	RefusedQuota  uint64 // charges refused at the quota's own limit
	RefusedBudget uint64 // charges refused because the pool budget was full
}

// Stats returns a snapshot of q (zero for a nil q).
func (q *Quota) Stats() QuotaStats {
	if q == nil {
		return QuotaStats{}
	}
	return QuotaStats{Name: q.name, Limit: q.Limit(), InUse: q.InUse(), Peak: int(q.peak.Load()),
		RefusedQuota: q.refusedQuota.Load(), RefusedBudget: q.refusedBudget.Load()}
}
