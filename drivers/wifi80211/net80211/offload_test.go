package net80211_test

import (
	"testing"

	"github.com/gopkt/gopkt/crypto"
	"github.com/gopkt/gopkt/crypto/cryptotest"
	"github.com/gopkt/gopkt/crypto/soft"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
)

// TestOffloadRegistry: with a crypto.Registry, CCMP keys run through an
// engine session chosen by capability and priority, not registration order.
// The fake inline engine registered second has the higher priority but its
// sessions cannot name a key slot, so the layer takes the software engine.
func TestOffloadRegistry(t *testing.T) {
	var reg crypto.Registry
	sw := soft.New(soft.Options{})
	if err := reg.Register(sw); err != nil {
		t.Fatal(err)
	}
	inline := cryptotest.KeyCache("fake-card", 100, 4, crypto.CCMP128)
	if err := reg.Register(inline); err != nil {
		t.Fatal(err)
	}
	b := newBench(t, benchOpts{passphrase: "offload api", comCfg: func(c *net80211.ComConfig) { c.Crypto = &reg }})
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
