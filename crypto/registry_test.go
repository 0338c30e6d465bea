package crypto_test

import (
	"errors"
	"testing"

	"github.com/gopkt/gopkt/crypto"
	"github.com/gopkt/gopkt/crypto/cryptotest"
	"github.com/gopkt/gopkt/crypto/soft"
)

// Selection depends on capability, then priority, then name, and never on
// the order engines were registered in: every test registers both ways.
func TestSelect(t *testing.T) {
	tests := []struct {
		name  string
		alg   crypto.Algorithm
		key   int
		needs crypto.Needs
		want  string // engine name, "" for ErrNoEngine
	}{
		{"card wins CCMP by priority", crypto.CCMP128, 16, crypto.Needs{}, "card"},
		{"lookaside needed: soft", crypto.CCMP128, 16, crypto.Needs{Mode: crypto.Lookaside}, "soft"},
		{"inline needed: card", crypto.CCMP128, 16, crypto.Needs{Mode: crypto.Inline}, "card"},
		{"card lacks WEP-40: soft", crypto.WEP40, 5, crypto.Needs{}, "soft"},
		{"batch of 32 needs a lookaside engine", crypto.CCMP128, 16, crypto.Needs{MinBatch: 32}, "soft"},
		{"batch too large for anyone", crypto.CCMP128, 16, crypto.Needs{MinBatch: 1 << 20}, ""},
		{"wrong key size for everyone", crypto.CCMP128, 15, crypto.Needs{}, ""},
		{"inline GCMP: nobody", crypto.GCMP128, 16, crypto.Needs{Mode: crypto.Inline}, ""},
	}
	for _, order := range []string{"card first", "soft first"} {
		var r crypto.Registry
		card := cryptotest.KeyCache("card", 100, 4, crypto.CCMP128, crypto.TKIP)
		sw := soft.New(soft.Options{})
		first, second := crypto.Engine(card), crypto.Engine(sw)
		if order == "soft first" {
			first, second = second, first
		}
		if err := r.Register(first); err != nil {
			t.Fatal(err)
		}
		if err := r.Register(second); err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			e, err := r.Select(tt.alg, tt.key, tt.needs)
			if tt.want == "" {
				if !errors.Is(err, crypto.ErrNoEngine) {
					t.Errorf("%s / %s: Select = %v, %v; want ErrNoEngine", order, tt.name, e, err)
				}
				continue
			}
			if err != nil || e.Name() != tt.want {
				t.Errorf("%s / %s: Select = %v, %v; want %s", order, tt.name, e, err, tt.want)
			}
		}
	}
}

// Equal priorities fall back to the name, never to registration order.
func TestSelectTieBreak(t *testing.T) {
	for _, names := range [][2]string{{"alpha", "beta"}, {"beta", "alpha"}} {
		var r crypto.Registry
		for _, n := range names {
			r.Register(cryptotest.KeyCache(n, 50, 0, crypto.CCMP128))
		}
		e, err := r.Select(crypto.CCMP128, 16, crypto.Needs{})
		if err != nil || e.Name() != "alpha" {
			t.Fatalf("registered %v: Select = %v, %v; want alpha", names, e, err)
		}
		if got := r.Engines(); got[0].Name() != "alpha" || got[1].Name() != "beta" {
			t.Fatalf("Engines order = %s, %s", got[0].Name(), got[1].Name())
		}
	}
}

// A full key cache falls through to the software engine.
func TestNewSessionFallsBack(t *testing.T) {
	var r crypto.Registry
	card := cryptotest.KeyCache("card", 100, 1, crypto.CCMP128)
	r.Register(soft.New(soft.Options{}))
	r.Register(card)
	key := make([]byte, 16)
	s1, err := r.NewSession(crypto.CCMP128, key, crypto.Needs{})
	if err != nil || s1.Engine().Name() != "card" {
		t.Fatalf("first session on %v, %v; want card", s1, err)
	}
	s2, err := r.NewSession(crypto.CCMP128, key, crypto.Needs{})
	if err != nil || s2.Engine().Name() != "soft" {
		t.Fatalf("second session on %v, %v; want soft (card full)", s2, err)
	}
	s1.Close()
	s3, err := r.NewSession(crypto.CCMP128, key, crypto.Needs{})
	if err != nil || s3.Engine().Name() != "card" {
		t.Fatalf("after freeing a slot: %v, %v; want card", s3, err)
	}
	if _, err := r.NewSession(crypto.BIPCMAC256, key, crypto.Needs{}); !errors.Is(err, crypto.ErrNoEngine) {
		t.Fatalf("BIP-CMAC-256 with a 16-byte key: %v", err)
	}
}

func TestRegisterDuplicate(t *testing.T) {
	var r crypto.Registry
	if err := r.Register(soft.New(soft.Options{})); err != nil {
		t.Fatal(err)
	}
	err := r.Register(soft.New(soft.Options{}))
	var oe *crypto.OpError
	if !errors.Is(err, crypto.ErrDuplicate) || !errors.As(err, &oe) || oe.Fix == "" {
		t.Fatalf("duplicate Register = %v", err)
	}
	if !r.Unregister("soft") || r.Unregister("soft") {
		t.Fatal("Unregister did not remove exactly once")
	}
	if _, err := r.Select(crypto.CCMP128, 16, crypto.Needs{}); !errors.Is(err, crypto.ErrNoEngine) {
		t.Fatalf("empty registry: %v", err)
	}
}

// Do refuses sessions of engines that cannot run an op synchronously.
func TestDoNeedsProcessor(t *testing.T) {
	card := cryptotest.KeyCache("card", 100, 0, crypto.CCMP128)
	s, _ := card.NewSession(crypto.CCMP128, make([]byte, 16))
	op := &crypto.Op{Dir: crypto.Encrypt}
	if err := crypto.Do(s, op); !errors.Is(err, crypto.ErrNotSupported) || op.Status != err {
		t.Fatalf("Do on an inline session = %v", err)
	}
	if err := crypto.Do(nil, op); !errors.Is(err, crypto.ErrInvalidOp) {
		t.Fatalf("Do without a session = %v", err)
	}
}

func TestAlgorithmTables(t *testing.T) {
	for a := crypto.Algorithm(0); a < 20; a++ {
		p := a.Params()
		if a.Valid() != (p.KeySize > 0) || (a.Valid() && p.TagSize == 0) {
			t.Errorf("%v: Valid %v, Params %+v", a, a.Valid(), p)
		}
		if a.String() == "" {
			t.Errorf("%d has no name", a)
		}
	}
}
