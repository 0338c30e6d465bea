package net80211_test

import (
	"bytes"
	"testing"

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
	opts := func() benchOpts {
		return benchOpts{passphrase: "fuzz the layer", apCfg: func(c *wlantest.APConfig) { c.PMF, c.QoS = 2, true }}
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
