package soft

import (
	"sync"
	"sync/atomic"

	"github.com/gopkt/gopkt/crypto"
)

// Defaults for Options.
const (
	DefaultName       = "soft"
	DefaultQueueDepth = 256
	DefaultMaxBatch   = 64
)

// Options configure an Engine. The zero value is usable.
type Options struct {
	Name       string // registry name; DefaultName if empty
	Priority   int    // 0 unless the program wants software preferred
	QueueDepth int    // completion ring size; DefaultQueueDepth if 0
	MaxBatch   int    // most ops one Submit takes; DefaultMaxBatch if 0
}

// Engine is the software crypto engine: every crypto.Algorithm, lookaside,
// synchronous. Submit runs the batch on the caller's goroutine and parks
// the finished ops in a completion ring that Poll drains; Do (through the
// sessions' Process method) skips the ring. An Engine is safe for
// concurrent use; give each worker its own Engine if workers must not see
// each other's completions (sessions are not tied to an Engine instance).
type Engine struct {
	name     string
	prio     int
	maxBatch int
	caps     []crypto.Capability

	mu       sync.Mutex
	ring     []*crypto.Op // completed ops, FIFO
	head     int          // index of the oldest completion
	count    int          // completions waiting
	reserved int          // slots promised to Submits in flight

	ops, bytes, errs, auth, batches atomic.Uint64
	sessions                        atomic.Int64
}

var (
	_ crypto.Engine         = (*Engine)(nil)
	_ crypto.BatchProcessor = (*Engine)(nil)
)

// New returns a software engine.
func New(o Options) *Engine {
	if o.Name == "" {
		o.Name = DefaultName
	}
	if o.QueueDepth <= 0 {
		o.QueueDepth = DefaultQueueDepth
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	e := &Engine{name: o.Name, prio: o.Priority, maxBatch: o.MaxBatch, ring: make([]*crypto.Op, o.QueueDepth)}
	for alg := crypto.Algorithm(1); alg.Valid(); alg++ {
		e.caps = append(e.caps, crypto.Capability{
			Alg: alg, KeySizes: keySizes(alg), Mode: crypto.Lookaside, MaxBatch: o.MaxBatch,
		})
	}
	return e
}

// keySizes lists the key lengths the engine accepts for alg: exactly the
// size the cipher suite defines (CCMP-256 is its own algorithm).
func keySizes(alg crypto.Algorithm) []int {
	return []int{alg.Params().KeySize}
}

// Name returns the configured name.
func (e *Engine) Name() string { return e.name }

// Priority returns the configured priority.
func (e *Engine) Priority() int { return e.prio }

// Capabilities lists every algorithm, Lookaside, with MaxBatch.
func (e *Engine) Capabilities() []crypto.Capability { return e.caps }

// Stats returns a snapshot of the counters.
func (e *Engine) Stats() crypto.Stats {
	return crypto.Stats{
		Ops: e.ops.Load(), Bytes: e.bytes.Load(), Errors: e.errs.Load(),
		AuthFailures: e.auth.Load(), Batches: e.batches.Load(), Sessions: uint64(e.sessions.Load()),
	}
}

// Submit runs up to MaxBatch ops (bounded by free completion slots) and
// queues them for Poll. It returns how many it took. Ops whose session is
// not a software session complete with ErrInvalidOp.
func (e *Engine) Submit(ops []*crypto.Op) int {
	n := min(len(ops), e.maxBatch)
	e.mu.Lock()
	n = min(n, len(e.ring)-e.count-e.reserved)
	e.reserved += n
	e.mu.Unlock()
	if n <= 0 {
		return 0
	}
	var c counts
	runBatch(ops[:n], &c)
	e.mu.Lock()
	for _, op := range ops[:n] {
		e.ring[(e.head+e.count)%len(e.ring)] = op
		e.count++
	}
	e.reserved -= n
	e.mu.Unlock()
	e.account(&c)
	e.batches.Add(1)
	return n
}

// ProcessBatch implements crypto.BatchProcessor: it runs ops on the
// caller's goroutine, exactly as Submit would (CCMP four at a time), and
// sets each op's Status, without the completion ring.
func (e *Engine) ProcessBatch(ops []*crypto.Op) {
	if len(ops) == 0 {
		return
	}
	var c counts
	runBatch(ops, &c)
	e.account(&c)
	e.batches.Add(1)
}

// Poll moves completed ops into done, oldest first.
func (e *Engine) Poll(done []*crypto.Op) int {
	e.mu.Lock()
	n := min(len(done), e.count)
	for i := range n {
		done[i] = e.ring[e.head]
		e.ring[e.head] = nil
		e.head = (e.head + 1) % len(e.ring)
	}
	e.count -= n
	e.mu.Unlock()
	return n
}

// counts accumulates statistics over a batch so the shared counters are
// touched once per Submit.
type counts struct{ ops, bytes, errs, auth uint64 }

func (c *counts) add(op *crypto.Op, err error) {
	op.Status = err
	c.ops++
	c.bytes += uint64(len(op.Data))
	if err != nil {
		c.errs++
		if isAuth(err) {
			c.auth++
		}
	}
}

func (e *Engine) account(c *counts) {
	e.ops.Add(c.ops)
	e.bytes.Add(c.bytes)
	if c.errs > 0 {
		e.errs.Add(c.errs)
		e.auth.Add(c.auth)
	}
}
