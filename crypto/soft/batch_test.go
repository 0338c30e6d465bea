package soft

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/gopkt/gopkt/crypto"
)

// A batch mixes algorithms, keys, directions and lengths, with some
// corrupted frames; the grouped CCMP paths (four and two at a time) must
// give every op exactly the result Do gives it alone, and completions must
// come back in submission order.
func TestBatchMatchesDo(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	e := New(Options{QueueDepth: 128, MaxBatch: 64})
	var sessions []crypto.Session
	for _, alg := range []crypto.Algorithm{crypto.CCMP128, crypto.CCMP128, crypto.CCMP256, crypto.GCMP128, crypto.TKIP} {
		key := make([]byte, alg.Params().KeySize)
		for i := range key {
			key[i] = byte(rng.Uint32())
		}
		sessions = append(sessions, mustSession(t, e, alg, key))
	}
	for round := range 30 {
		n := 1 + rng.IntN(64)
		ops := make([]*crypto.Op, n)
		want := make([]*crypto.Op, n)
		for i := range ops {
			s := sessions[rng.IntN(len(sessions))]
			if rng.IntN(3) > 0 {
				s = sessions[rng.IntN(2)] // mostly CCMP-128, to fill groups
			}
			p := s.Algorithm().Params()
			size := []int{0, 5, 16, 100, 1500, 1500, 1500}[rng.IntN(7)]
			// The AAD lengths of 802.11 frames: 22 (three addresses), 24
			// (QoS), 28 (four addresses), 30 (both), mixed in one group.
			aadLen := []int{22, 24, 28, 30}[rng.IntN(4)]
			mk := func() *crypto.Op {
				buf := make([]byte, size+p.TagSize)
				return &crypto.Op{Session: s, Dir: crypto.Encrypt, Nonce: make([]byte, p.NonceSize),
					AAD: make([]byte, aadLen), Data: buf[:size], Tag: buf[size:], User: i}
			}
			ops[i], want[i] = mk(), mk()
			for _, o := range []*crypto.Op{ops[i], want[i]} {
				r := rand.New(rand.NewPCG(uint64(round), uint64(i)))
				for k := range o.Data {
					o.Data[k] = byte(r.Uint32())
				}
				for k := range o.Nonce {
					o.Nonce[k] = byte(r.Uint32())
				}
				for k := range o.AAD {
					o.AAD[k] = byte(r.Uint32())
				}
			}
			if rng.IntN(2) == 0 {
				// Make it a decrypt of a sealed frame, sometimes corrupted.
				bad := rng.IntN(4) == 0
				for _, o := range []*crypto.Op{ops[i], want[i]} {
					if err := crypto.Do(s, o); err != nil {
						t.Fatal(err)
					}
					o.Dir = crypto.Decrypt
					if bad {
						o.Tag[0] ^= 1
					}
				}
			}
			crypto.Do(s, want[i])
		}
		done := make([]*crypto.Op, n)
		if got := e.Submit(ops); got != n {
			t.Fatalf("round %d: Submit took %d of %d", round, got, n)
		}
		if got := e.Poll(done); got != n {
			t.Fatalf("round %d: Poll returned %d of %d", round, got, n)
		}
		for i, op := range done {
			w := want[i]
			if op.User.(int) != i {
				t.Fatalf("round %d: completion %d is op %d", round, i, op.User)
			}
			if !errors.Is(op.Status, w.Status) && !(op.Status == nil && w.Status == nil) {
				t.Fatalf("round %d op %d (%v %v, %d bytes): status %v, Do gives %v", round, i, op.Session.Algorithm(), op.Dir, len(op.Data), op.Status, w.Status)
			}
			if !bytes.Equal(op.Data, w.Data) || !bytes.Equal(op.Tag, w.Tag) {
				t.Fatalf("round %d op %d (%v %v, %d bytes): batch output differs from Do", round, i, op.Session.Algorithm(), op.Dir, len(op.Data))
			}
		}
	}
}
