package net80211_test

import (
	"bytes"
	"testing"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
)

// TestHardwareKeyCache: keys go to the radio's cache when it supports the
// cipher and has room (KeyHW set, crypto done "in the radio"); otherwise
// they stay in software, per key. Replay checks stay in software either way.
func TestHardwareKeyCache(t *testing.T) {
	ccmp := uint32(ie.CipherCCMP128)
	t.Run("ccmp-offloaded", func(t *testing.T) {
		kc := &wlantest.KeyCache{Slots: 4, Suites: []uint32{ccmp}}
		b := newBench(t, benchOpts{passphrase: "offload me", hw: kc})
		var captured []byte
		b.medium.Trace = func(_ *wlantest.Radio, p []byte) {
			if f, err := frame.Parse(p); err == nil && f.Type() == frame.TypeData && f.Protected() && bytes.Equal(f.Addr2(), apMAC) {
				captured = bytes.Clone(p)
			}
		}
		b.connect("offload me")
		ptk, gtk := b.vap.PairwiseKey(), b.vap.GroupKey(1)
		if ptk.Flags&net80211.KeyHW == 0 || gtk.Flags&net80211.KeyHW == 0 || kc.Used() != 2 {
			t.Fatalf("keys not offloaded: ptk %v gtk %v used %d", ptk.Flags, gtk.Flags, kc.Used())
		}
		enc, dec := kc.Encrypted, kc.Decrypted
		b.pingPong("hw")
		if kc.Encrypted != enc+1 || kc.Decrypted != dec+1 || ptk.Stats.Encrypted != 0 {
			t.Fatalf("hardware did not do the crypto: enc %d dec %d sw %d", kc.Encrypted-enc, kc.Decrypted-dec, ptk.Stats.Encrypted)
		}
		captured[22]++
		n := len(b.rx)
		b.ap.Inject(captured)
		b.medium.Run(10)
		if len(b.rx) != n || b.vap.Stats().RxReplay != 1 {
			t.Fatalf("replay after hardware decryption not caught: %+v", b.vap.Stats())
		}
		b.vap.Disconnect()
		b.medium.Run(10)
		if kc.Used() != 0 {
			t.Fatalf("%d slots left after disconnect", kc.Used())
		}
	})
	t.Run("cache-full", func(t *testing.T) {
		kc := &wlantest.KeyCache{Slots: 1, Suites: []uint32{ccmp}}
		b := newBench(t, benchOpts{passphrase: "offload me", hw: kc})
		b.connect("offload me")
		if b.vap.PairwiseKey().Flags&net80211.KeyHW == 0 || b.vap.GroupKey(1).Flags&net80211.KeyHW != 0 {
			t.Fatal("with one slot, the PTK goes to hardware and the GTK stays in software")
		}
		b.pingPong("mixed")
	})
	t.Run("cipher-missing", func(t *testing.T) {
		kc := &wlantest.KeyCache{Slots: 4, Suites: []uint32{ccmp}}
		b := newBench(t, benchOpts{passphrase: "offload me", pairwise: ie.CipherTKIP, hw: kc})
		b.connect("offload me")
		if b.vap.PairwiseKey().Flags&net80211.KeyHW != 0 || kc.Used() != 0 {
			t.Fatal("TKIP key offloaded to a CCMP-only cache")
		}
		b.pingPong("software")
	})
}
