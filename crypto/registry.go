package crypto

import "sync"

// Needs narrows an engine selection beyond algorithm and key size.
type Needs struct {
	Mode     Mode // AnyMode, Lookaside or Inline
	MinBatch int  // the engine's MaxBatch must be at least this
}

// Registry holds the engines a program registered, explicitly (there is no
// global registry and no init-time registration). Selection is by
// capability first, then Priority, then Name; registration order never
// matters. A Registry is safe for concurrent use.
type Registry struct {
	mu      sync.RWMutex
	engines []Engine
}

// Register adds e. Names must be unique.
func (r *Registry) Register(e Engine) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range r.engines {
		if x.Name() == e.Name() {
			return opErr("register", e.Name(), 0, ErrDuplicate, "unregister the old engine first or give the new one another name")
		}
	}
	r.engines = append(r.engines, e)
	return nil
}

// Unregister removes the engine called name and reports whether it was
// there. Sessions it created stay valid until closed.
func (r *Registry) Unregister(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, x := range r.engines {
		if x.Name() == name {
			r.engines = append(r.engines[:i], r.engines[i+1:]...)
			return true
		}
	}
	return false
}

// Engines returns the registered engines, best first for no particular
// algorithm: by Priority, then Name.
func (r *Registry) Engines() []Engine {
	r.mu.RLock()
	out := append([]Engine(nil), r.engines...)
	r.mu.RUnlock()
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && better(out[j], out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// better orders engines: higher Priority first, then Name ascending, so the
// outcome never depends on registration order.
func better(a, b Engine) bool {
	if a.Priority() != b.Priority() {
		return a.Priority() > b.Priority()
	}
	return a.Name() < b.Name()
}

// matches reports whether e can run alg with keyLen under needs.
func matches(e Engine, alg Algorithm, keyLen int, needs Needs) bool {
	for _, c := range e.Capabilities() {
		if !c.Supports(alg, keyLen) {
			continue
		}
		if needs.Mode != AnyMode && c.Mode != needs.Mode {
			continue
		}
		if needs.MinBatch > 0 && c.MaxBatch < needs.MinBatch {
			continue
		}
		return true
	}
	return false
}

// Select returns the best engine that offers alg with a keyLen-byte key
// and meets needs: capability filters, Priority ranks, Name breaks ties.
func (r *Registry) Select(alg Algorithm, keyLen int, needs Needs) (Engine, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var best Engine
	for _, e := range r.engines {
		if matches(e, alg, keyLen, needs) && (best == nil || better(e, best)) {
			best = e
		}
	}
	if best == nil {
		return nil, opErr("select", "", alg, ErrNoEngine,
			"no registered engine offers %v with a %d-byte key in %v mode; register the software engine (crypto/soft) as a fallback", alg, keyLen, needs.Mode)
	}
	return best, nil
}

// NewSession selects engines for alg and key in rank order and returns the
// first session one of them creates; a hardware engine whose key slots are
// full falls through to the next (usually software) engine.
func (r *Registry) NewSession(alg Algorithm, key []byte, needs Needs) (Session, error) {
	var firstErr error
	for _, e := range r.Engines() {
		if !matches(e, alg, len(key), needs) {
			continue
		}
		s, err := e.NewSession(alg, key)
		if err == nil {
			return s, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return nil, opErr("new session", "", alg, ErrNoEngine,
		"no registered engine offers %v with a %d-byte key in %v mode; register the software engine (crypto/soft)", alg, len(key), needs.Mode)
}
