package cryptotest

import (
	"fmt"
	"sync"

	"github.com/gopkt/gopkt/crypto"
)

// Engine is a fake crypto.Engine. It records sessions and never transforms
// data: Submit accepts nothing. Set the exported fields before first use.
type Engine struct {
	EngineName string
	Prio       int
	Caps       []crypto.Capability
	Slots      int // key slots; 0 means unlimited

	mu       sync.Mutex
	sessions []*Session
	used     int
}

var _ crypto.Engine = (*Engine)(nil)

// KeyCache returns an Inline fake offering algs with their standard key
// sizes and a limited number of key slots, like a Wi-Fi card.
func KeyCache(name string, prio, slots int, algs ...crypto.Algorithm) *Engine {
	e := &Engine{EngineName: name, Prio: prio, Slots: slots}
	for _, a := range algs {
		e.Caps = append(e.Caps, crypto.Capability{Alg: a, KeySizes: []int{a.Params().KeySize}, Mode: crypto.Inline})
	}
	return e
}

func (e *Engine) Name() string                      { return e.EngineName }
func (e *Engine) Priority() int                     { return e.Prio }
func (e *Engine) Capabilities() []crypto.Capability { return e.Caps }
func (e *Engine) Submit([]*crypto.Op) int           { return 0 }
func (e *Engine) Poll([]*crypto.Op) int             { return 0 }

// Stats reports the open sessions only.
func (e *Engine) Stats() crypto.Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return crypto.Stats{Sessions: uint64(e.used)}
}

// NewSession takes a key slot, or fails with ErrNotSupported when all are
// used (the "key cache full" case that makes a registry fall back).
func (e *Engine) NewSession(alg crypto.Algorithm, key []byte) (crypto.Session, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ok := false
	for _, c := range e.Caps {
		ok = ok || c.Supports(alg, len(key))
	}
	if !ok {
		return nil, &crypto.OpError{Op: "new session", Engine: e.EngineName, Alg: alg, Err: crypto.ErrNotSupported, Fix: "fake engine lacks this capability"}
	}
	if e.Slots > 0 && e.used >= e.Slots {
		return nil, &crypto.OpError{Op: "new session", Engine: e.EngineName, Alg: alg, Err: crypto.ErrNotSupported,
			Fix: fmt.Sprintf("all %d key slots in use", e.Slots)}
	}
	s := &Session{e: e, alg: alg, Key: append([]byte(nil), key...), Slot: len(e.sessions)}
	e.sessions = append(e.sessions, s)
	e.used++
	return s, nil
}

// Session is a fake key slot.
type Session struct {
	e      *Engine
	alg    crypto.Algorithm
	Key    []byte
	Slot   int
	Closed bool
}

func (s *Session) Algorithm() crypto.Algorithm { return s.alg }
func (s *Session) Engine() crypto.Engine       { return s.e }

// Close frees the slot.
func (s *Session) Close() error {
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	if !s.Closed {
		s.Closed = true
		s.e.used--
	}
	return nil
}
