package net80211_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/internal/capture"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
)

// FuzzInput feeds arbitrary frames to a station that completed a WPA2
// handshake: management, EAPOL-Key (protected and clear), data. Seeds are
// every frame of a real connection on the test medium plus the captures.
// The layer must never panic; what it drops it counts.
func FuzzInput(f *testing.F) {
	seedBench := newBench(f, benchOpts{passphrase: "fuzz the layer"})
	var seeds [][]byte
	seedBench.medium.Trace = func(_ *wlantest.Radio, p []byte) { seeds = append(seeds, bytes.Clone(p)) }
	seedBench.connect("fuzz the layer")
	seedBench.pingPong("seed")
	seedBench.ap.RekeyGTK(false)
	seedBench.medium.Run(100)
	for _, s := range seeds {
		f.Add(s)
	}
	for _, name := range capture.Names() {
		if c, err := capture.Read(name); err == nil {
			for _, p := range c.Frames() {
				f.Add(p)
			}
		}
	}
	b := newBench(f, benchOpts{passphrase: "fuzz the layer"})
	b.connect("fuzz the layer")
	b.keep = false
	rx := &net80211.RxInfo{Rate: 2, SignalDBm: -40, FreqMHz: 2437}
	f.Fuzz(func(t *testing.T, p []byte) {
		b.com.Input(bytes.Clone(p), rx)
		b.medium.Run(100)
		_ = b.vap.Status()
	})
}

// FuzzInputPMF is FuzzInput against a WMM+HT AP that requires PMF: seeds
// are a connection with QoS data, the AP's SA Query, a forged
// deauthentication (our SA Query), a Block Ack offer and BIP-protected
// group deauthentications, good and bad.
func FuzzInputPMF(f *testing.F) {
	fuzzInputPMF(f, func(c *wlantest.APConfig) { c.PMF, c.QoS = 2, true })
}

// FuzzInputPMFGCMP256 is FuzzInputPMF with GCMP-256 pairwise and group
// keys and BIP-GMAC-256 (16-octet MICs, 32-octet IGTKs), with an IGTK
// rekey among the seeds.
func FuzzInputPMFGCMP256(f *testing.F) {
	fuzzInputPMF(f, func(c *wlantest.APConfig) {
		c.PMF, c.QoS, c.Pairwise, c.Group, c.GroupMgmt = 2, true, ie.CipherGCMP256, ie.CipherGCMP256, ie.CipherBIPGMAC256
	})
}

func fuzzInputPMF(f *testing.F, apCfg func(*wlantest.APConfig)) {
	opts := func() benchOpts {
		return benchOpts{passphrase: "fuzz the layer", apCfg: apCfg}
	}
	seedBench := newBench(f, opts())
	var seeds [][]byte
	seedBench.medium.Trace = func(_ *wlantest.Radio, p []byte) { seeds = append(seeds, bytes.Clone(p)) }
	seedBench.connect("fuzz the layer")
	seedBench.pingPong("seed")
	seedBench.ap.SAQuery(7)
	seedBench.ap.SendADDBA(0)
	seedBench.ap.Inject(forgedDeauth())
	seedBench.medium.Run(100)
	if err := seedBench.ap.RekeyIGTK(); err != nil {
		f.Fatal(err)
	}
	seedBench.ap.RekeyGTK(false)
	seedBench.medium.Run(100)
	seedBench.ap.BroadcastDeauth(1, true)
	seedBench.ap.BroadcastDeauth(1, false)
	seedBench.medium.Run(100)
	for _, s := range seeds {
		f.Add(s)
	}
	b := newBench(f, opts())
	b.connect("fuzz the layer")
	b.keep = false
	rx := &net80211.RxInfo{Rate: 2, SignalDBm: -40, FreqMHz: 2437}
	f.Fuzz(func(t *testing.T, p []byte) {
		b.com.Input(bytes.Clone(p), rx)
		b.medium.Run(100)
		_ = b.vap.Status()
	})
}

// FuzzInputSAE is FuzzInput while the station waits in an SAE exchange
// (hash-to-element, anti-clogging tokens): the AP ignores our
// Authentication frames, so every input meets recvSAE with our commit
// out. Seeds are the AP's frames of a complete exchange (token request,
// commit, confirm) and of the handshake after it.
func FuzzInputSAE(f *testing.F) {
	opts := benchOpts{passphrase: "fuzz the layer", apCfg: func(c *wlantest.APConfig) { c.PMF, c.SAE, c.SAEH2E, c.SAETokens = 2, 1, true, true }}
	seedBench := newBench(f, opts)
	var seeds [][]byte
	seedBench.medium.Trace = func(_ *wlantest.Radio, p []byte) { seeds = append(seeds, bytes.Clone(p)) }
	seedBench.connect("fuzz the layer")
	seedBench.pingPong("seed")
	for _, s := range seeds {
		f.Add(s)
	}
	b := newBench(f, opts)
	b.keep = false
	apIn := b.ap.Radio().Handler
	b.ap.Radio().Handler = func(p []byte, rx *net80211.RxInfo) {
		if f, err := frame.Parse(p); err == nil && f.Type() == frame.TypeMgmt && f.Subtype() == frame.SubAuth {
			return // the AP never answers: we stay in the exchange
		}
		apIn(p, rx)
	}
	waitAuth := func(t testing.TB) {
		if b.vap.State() == net80211.StateAuth {
			return
		}
		if err := b.vap.Connect([]byte("gopkt-test"), "fuzz the layer"); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 1000 && b.vap.State() != net80211.StateAuth; i++ {
			b.step(10 * time.Millisecond)
		}
		if b.vap.State() != net80211.StateAuth {
			t.Fatalf("no SAE exchange started: state %v", b.vap.State())
		}
	}
	waitAuth(f)
	rx := &net80211.RxInfo{Rate: 2, SignalDBm: -40, FreqMHz: 2437}
	f.Fuzz(func(t *testing.T, p []byte) {
		waitAuth(t)
		b.com.Input(bytes.Clone(p), rx)
		b.medium.Run(100)
		_ = b.vap.Status()
	})
}
