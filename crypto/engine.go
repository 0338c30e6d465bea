package crypto

// Capability is one algorithm an engine offers (opencrypto's
// cryptocap / DPDK's rte_cryptodev_capabilities, reduced to what 802.11
// needs).
type Capability struct {
	Alg      Algorithm
	KeySizes []int // accepted key lengths in bytes
	Mode     Mode  // Lookaside or Inline
	MaxBatch int   // most ops one Submit accepts; 0 for inline engines
}

// Supports reports whether c covers alg with a key of keyLen bytes.
func (c Capability) Supports(alg Algorithm, keyLen int) bool {
	if c.Alg != alg {
		return false
	}
	for _, k := range c.KeySizes {
		if k == keyLen {
			return true
		}
	}
	return false
}

// Stats are an engine's cumulative counters. Engines keep them with atomic
// adds, batched per Submit.
type Stats struct {
	Ops          uint64 // operations completed, successful or not
	Bytes        uint64 // Data bytes processed
	Errors       uint64 // operations that failed for any reason
	AuthFailures uint64 // of which MIC/ICV/tag mismatches (ErrAuth)
	Batches      uint64 // Submit calls that accepted at least one op
	Sessions     uint64 // sessions currently open
}

// Engine is a provider of cryptographic operations: the software engine,
// or a card's key cache. It is deliberately small so hardware can implement
// it: say what you can do, bind keys into sessions, take batches, hand
// back completions, count.
//
// Submit and Poll form one submission/completion queue pair. An engine is
// safe for concurrent use, but completions come back to whoever polls: a
// worker that shares an engine with others should use Do (for synchronous
// engines) or its own engine instance; software sessions work with any
// software engine instance.
type Engine interface {
	// Name identifies the engine in logs, statistics and the registry.
	Name() string
	// Capabilities lists what the engine offers. The slice is not modified
	// by the caller.
	Capabilities() []Capability
	// Priority ranks engines that offer the same capability: higher wins.
	// Hardware engines use 100 and up, the software engine 0.
	Priority() int
	// NewSession binds alg to key (for an inline engine: programs a key
	// slot). The engine copies the key.
	NewSession(alg Algorithm, key []byte) (Session, error)
	// Submit enqueues ops (each with Session from this engine) and returns
	// how many it accepted, from the front; the rest are the caller's to
	// retry. It must not allocate per op. Inline engines accept none.
	Submit(ops []*Op) int
	// Poll moves up to len(done) completed ops into done and returns the
	// count. Each completed op has Status set (nil on success).
	Poll(done []*Op) int
	// Stats returns a snapshot of the counters.
	Stats() Stats
}

// Session is an algorithm bound to a key on one engine (a security
// association's key). It is safe for concurrent use unless the engine says
// otherwise. Close releases it (and wipes software key material).
type Session interface {
	Algorithm() Algorithm
	// Engine returns the engine that created the session; ops carrying the
	// session must be submitted there.
	Engine() Engine
	Close() error
}

// Processor is implemented by sessions of synchronous engines, which can
// run one op on the caller's goroutine without a queue. Do uses it.
type Processor interface {
	Process(op *Op) error
}

// Op is one operation: transform Data in place and produce or check Tag.
// The caller owns every buffer until the op completes. Which fields an
// algorithm reads, and their sizes, are documented on its Algorithm
// constant and returned by Algorithm.Params.
type Op struct {
	Session Session
	Dir     Dir
	Nonce   []byte // per-frame nonce or IV (CCMP: 13 bytes, GCMP: 12, ...)
	AAD     []byte // authenticated, not encrypted
	Data    []byte // transformed in place
	Tag     []byte // MIC/ICV: written on Encrypt, checked on Decrypt
	Status  error  // set on completion; nil means success
	User    any    // the caller's cookie (for example the frame's mbuf)
}

// Reset clears o for reuse, keeping nothing.
func (o *Op) Reset() { *o = Op{} }

// Do runs op on session synchronously and returns op.Status. It needs a
// session of a synchronous engine (one implementing Processor, as the
// software engine does); for inline or asynchronous engines it returns
// ErrNotSupported and the caller submits a batch instead.
func Do(session Session, op *Op) error {
	if session == nil {
		op.Status = opErr("do", "", 0, ErrInvalidOp, "op has no session; create one with Engine.NewSession or Registry.NewSession")
		return op.Status
	}
	op.Session = session
	p, ok := session.(Processor)
	if !ok {
		op.Status = opErr("do", session.Engine().Name(), session.Algorithm(), ErrNotSupported,
			"this engine is inline or asynchronous; use Submit and Poll")
		return op.Status
	}
	op.Status = p.Process(op)
	return op.Status
}

// BatchProcessor is implemented by engines that can run a batch of ops on
// the caller's goroutine, bypassing the completion queue (the software
// engine, whose batch runs CCMP four frames at a time). DoBatch uses it.
// Going around the queue matters when an engine is shared: a Poll hands
// back whatever completed, so two users polling one engine could take
// each other's ops; a synchronous batch returns exactly its own.
type BatchProcessor interface {
	ProcessBatch(ops []*Op)
}

// DoBatch runs ops synchronously and returns how many failed (each op's
// Status says why). Every op must carry a session of eng. With an engine
// implementing BatchProcessor the whole batch runs in one call; otherwise
// each op runs through Do (and fails with ErrNotSupported on inline or
// asynchronous engines: submit those with Submit and Poll). It allocates
// nothing.
func DoBatch(eng Engine, ops []*Op) int {
	if bp, ok := eng.(BatchProcessor); ok {
		bp.ProcessBatch(ops)
	} else {
		for _, op := range ops {
			_ = Do(op.Session, op)
		}
	}
	failed := 0
	for _, op := range ops {
		if op.Status != nil {
			failed++
		}
	}
	return failed
}

// CheckOp validates op's field sizes for alg, for engines to call before
// processing. The error wraps ErrInvalidOp.
func CheckOp(op *Op, alg Algorithm) error {
	p := alg.Params()
	switch {
	case op.Dir != Encrypt && op.Dir != Decrypt:
		return opErr("check", "", alg, ErrInvalidOp, "Dir must be Encrypt or Decrypt, got %v", op.Dir)
	case len(op.Nonce) != p.NonceSize:
		return opErr("check", "", alg, ErrInvalidOp, "nonce is %d bytes; %v needs %d", len(op.Nonce), alg, p.NonceSize)
	case len(op.Tag) != p.TagSize:
		return opErr("check", "", alg, ErrInvalidOp, "tag is %d bytes; %v needs %d", len(op.Tag), alg, p.TagSize)
	}
	return nil
}
