package net80211_test

import (
	"testing"

	"github.com/gopkt/gopkt/crypto"
	"github.com/gopkt/gopkt/crypto/cryptotest"
	"github.com/gopkt/gopkt/crypto/soft"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
)

// TestOffloadRegistry: with a crypto.Registry, CCMP keys run through an
// engine session chosen by capability and priority, not registration order.
// The fake inline engine registered second has the higher priority but its
// sessions cannot name a key slot, so the layer takes the software engine.
func TestOffloadRegistry(t *testing.T) {
	reg, sw, inline := softAndCCMPCard(t)
	b := newBench(t, benchOpts{passphrase: "offload api", comCfg: func(c *net80211.ComConfig) { c.Crypto = reg }})
	b.connect("offload api")
	ptk := b.vap.PairwiseKey()
	if ptk.Session() == nil || ptk.Session().Engine() != crypto.Engine(sw) || ptk.Flags&net80211.KeyHW != 0 {
		t.Fatalf("PTK session %v flags %v", ptk.Session(), ptk.Flags)
	}
	if inline.Stats().Sessions != 0 {
		t.Fatalf("inline fake kept %d sessions", inline.Stats().Sessions)
	}
	ops := sw.Stats().Ops
	b.pingPong("via engine")
	if got := sw.Stats().Ops - ops; got != 2 {
		t.Fatalf("software engine ran %d ops for one frame each way, want 2", got)
	}
	before := sw.Stats().Sessions
	b.vap.Disconnect()
	if sw.Stats().Sessions >= before {
		t.Fatalf("sessions not closed on disconnect: %d -> %d", before, sw.Stats().Sessions)
	}
}

// inlineEngine is a card key cache registered in the offload API: an
// Inline engine whose sessions program slots of a wlantest.KeyCache and
// name them (net80211.SlotSession). The crypto API binds only algorithm
// and key, so this test engine supplies the peer and key ID the cache
// needs itself: first session pairwise with the AP, then group key ID 1.
type inlineEngine struct {
	kc       *wlantest.KeyCache
	sessions int
}

type inlineSession struct {
	e    *inlineEngine
	slot int
}

func (e *inlineEngine) Name() string  { return "test-card" }
func (e *inlineEngine) Priority() int { return 100 }
func (e *inlineEngine) Capabilities() []crypto.Capability {
	return []crypto.Capability{{Alg: crypto.CCMP128, KeySizes: []int{16}, Mode: crypto.Inline}}
}
func (e *inlineEngine) NewSession(alg crypto.Algorithm, key []byte) (crypto.Session, error) {
	hk := net80211.HWKey{Suite: uint32(ie.CipherCCMP128), TK: key, Peer: apMAC, Install: true}
	if e.sessions > 0 {
		hk.Group, hk.KeyID, hk.Peer = true, 1, nil
	}
	slot, err := e.kc.SetKey(&hk)
	if err != nil {
		return nil, crypto.ErrNotSupported
	}
	e.sessions++
	return &inlineSession{e: e, slot: slot}, nil
}
func (e *inlineEngine) Submit([]*crypto.Op) int { return 0 }
func (e *inlineEngine) Poll([]*crypto.Op) int   { return 0 }
func (e *inlineEngine) Stats() crypto.Stats     { return crypto.Stats{Sessions: uint64(e.kc.Used())} }

func (s *inlineSession) Algorithm() crypto.Algorithm { return crypto.CCMP128 }
func (s *inlineSession) Engine() crypto.Engine       { return s.e }
func (s *inlineSession) Close() error                { return s.e.kc.DeleteKey(s.slot) }
func (s *inlineSession) Slot() int                   { return s.slot }

// TestOffloadInline: an inline engine that names its slots wins over the
// software engine by priority; the key becomes a hardware key and the
// "card" does the CCMP work.
func TestOffloadInline(t *testing.T) {
	kc := &wlantest.KeyCache{Slots: 4, Suites: []uint32{uint32(ie.CipherCCMP128)}}
	var reg crypto.Registry
	if err := reg.Register(soft.New(soft.Options{})); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(&inlineEngine{kc: kc}); err != nil {
		t.Fatal(err)
	}
	// hw: the test radio applies the cache's slots on TX and RX, as a card
	// would; with a Registry set, keys reach the cache only through it.
	b := newBench(t, benchOpts{passphrase: "inline engine", hw: kc, comCfg: func(c *net80211.ComConfig) { c.Crypto = &reg }})
	b.connect("inline engine")
	ptk := b.vap.PairwiseKey()
	if ptk.Flags&net80211.KeyHW == 0 || ptk.Session() == nil || ptk.Session().Engine().Name() != "test-card" || kc.Used() != 2 {
		t.Fatalf("PTK flags %v session %v slots %d", ptk.Flags, ptk.Session(), kc.Used())
	}
	enc, dec := kc.Encrypted, kc.Decrypted
	b.pingPong("inline")
	if kc.Encrypted != enc+1 || kc.Decrypted != dec+1 || ptk.Stats.Encrypted != 0 {
		t.Fatalf("hardware encrypted %d, decrypted %d; software encrypted %d", kc.Encrypted-enc, kc.Decrypted-dec, ptk.Stats.Encrypted)
	}
	b.vap.Disconnect()
	if kc.Used() != 0 {
		t.Fatalf("%d slots still programmed", kc.Used())
	}
}

// TestOffloadGCMP256: with a card that does CCMP-128 only (inline) and the
// software engine registered, a GCMP-256 association's keys get sessions
// on the software engine (the card's key cache keeps doing what it can),
// and a station radio key cache without GCMP-256 leaves them in software.
func TestOffloadGCMP256(t *testing.T) {
	reg, sw, inline := softAndCCMPCard(t)
	gcmp256 := func(c *wlantest.APConfig) {
		c.Pairwise, c.Group, c.PMF, c.GroupMgmt = ie.CipherGCMP256, ie.CipherGCMP256, 2, ie.CipherBIPGMAC256
	}
	b := newBench(t, benchOpts{passphrase: "offload api", apCfg: gcmp256, comCfg: func(c *net80211.ComConfig) { c.Crypto = reg }})
	b.connect("offload api")
	ptk := b.vap.PairwiseKey()
	if ptk.Cipher.Name() != "GCMP-256" || ptk.Session() == nil || ptk.Session().Engine() != crypto.Engine(sw) || ptk.Session().Algorithm() != crypto.GCMP256 {
		t.Fatalf("PTK %s session %v", ptk.Cipher.Name(), ptk.Session())
	}
	if inline.Stats().Sessions != 0 {
		t.Fatalf("the CCMP-only card got %d sessions", inline.Stats().Sessions)
	}
	ops := sw.Stats().Ops
	b.pingPong("GCMP-256 via engine")
	if got := sw.Stats().Ops - ops; got != 2 {
		t.Fatalf("software engine ran %d ops for one frame each way, want 2", got)
	}

	kc := &wlantest.KeyCache{Slots: 8, Suites: []uint32{uint32(ie.CipherCCMP128)}}
	b2 := newBench(t, benchOpts{passphrase: "offload api", apCfg: gcmp256, hw: kc})
	b2.connect("offload api")
	if k := b2.vap.PairwiseKey(); k.Flags&net80211.KeyHW != 0 || k.Session() != nil || kc.Used() != 0 {
		t.Fatalf("GCMP-256 key in a CCMP-only key cache: flags %v, %d slots used", k.Flags, kc.Used())
	}
	b2.pingPong("GCMP-256 in software")
	if st := b2.vap.Status(); st.PairwiseOffload != "software" || st.GroupMgmt != "BIP-GMAC-256" {
		t.Fatalf("status: %q, %q", st.PairwiseOffload, st.GroupMgmt)
	}
}

// softAndCCMPCard is a registry with the software engine and, registered
// second at a higher priority, a fake card that does CCMP-128 only.
func softAndCCMPCard(t *testing.T) (*crypto.Registry, *soft.Engine, *cryptotest.Engine) {
	t.Helper()
	var reg crypto.Registry
	sw := soft.New(soft.Options{})
	if err := reg.Register(sw); err != nil {
		t.Fatal(err)
	}
	inline := cryptotest.KeyCache("fake-card", 100, 4, crypto.CCMP128)
	if err := reg.Register(inline); err != nil {
		t.Fatal(err)
	}
	return &reg, sw, inline
}
