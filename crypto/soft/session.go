package soft

import (
	"errors"
	"sync/atomic"

	"github.com/gopkt/gopkt/crypto"
)

// algSession is what every software session implements on top of
// crypto.Session.
type algSession interface {
	crypto.Session
	run(op *crypto.Op) error
	base() *session
}

// session is the state every software session shares.
type session struct {
	eng    *Engine
	alg    crypto.Algorithm
	closed atomic.Bool
	wipe   func() // clears key material on Close
}

func (s *session) Algorithm() crypto.Algorithm { return s.alg }
func (s *session) Engine() crypto.Engine       { return s.eng }
func (s *session) base() *session              { return s }

// Close wipes the key material the session holds (for GCMP and BIP the
// key schedule lives inside the standard library's AES and is only
// released to the garbage collector) and makes further ops fail with
// ErrClosed. It must not race with operations on the session.
func (s *session) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if s.wipe != nil {
		s.wipe()
	}
	s.eng.sessions.Add(-1)
	return nil
}

// process validates op and runs it on its session.
func process(op *crypto.Op) error {
	s, ok := op.Session.(algSession)
	if !ok {
		return &crypto.OpError{Op: "submit", Engine: DefaultName, Err: crypto.ErrInvalidOp,
			Fix: "the op's session was not created by a software engine; submit it to the engine that created it"}
	}
	b := s.base()
	if b.closed.Load() {
		return &crypto.OpError{Op: "submit", Engine: b.eng.name, Alg: b.alg, Err: crypto.ErrClosed,
			Fix: "the key was deleted or replaced; look up the current key's session"}
	}
	if err := crypto.CheckOp(op, b.alg); err != nil {
		return err
	}
	return s.run(op)
}

// doOne is the synchronous path behind every session's Process method.
func doOne(e *Engine, op *crypto.Op) error {
	var c counts
	c.add(op, process(op))
	e.account(&c)
	return op.Status
}

func isAuth(err error) bool { return errors.Is(err, crypto.ErrAuth) }
