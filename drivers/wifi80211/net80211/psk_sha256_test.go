package net80211_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/observer"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
)

// TestPSKSHA256 joins an AP that offers AKM 6 (WPA-PSK-SHA256) with PMF
// required, and one that offers AKMs 2 and 6: we choose 6, derive the PTK
// with KDF-SHA-256 and send descriptor version 3 (AES-128-CMAC MICs; the
// AP checks them under its own SHA-256 PTK), traffic flows both ways, a
// PTK rekey runs the same way.
func TestPSKSHA256(t *testing.T) {
	for _, tc := range []struct {
		name   string
		offer  int
		pmf    int
		wantPF bool
	}{
		{"AKM 6 only, PMF required", 1, 2, true},
		{"AKMs 2 and 6, PMF optional", 2, 1, true},
		{"AKM 6 without PMF", 1, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(t, benchOpts{passphrase: "the right passphrase", apCfg: func(c *wlantest.APConfig) {
				c.PSKSHA256, c.PMF = tc.offer, tc.pmf
			}})
			b.connect("the right passphrase")
			st := b.vap.Status()
			if st.Security != "WPA2-PSK-SHA256" || st.PMF != tc.wantPF || b.ap.Stats.StaAKM != ie.AKMPSKSHA256 {
				t.Fatalf("security %q PMF %v, AP saw AKM %v; want WPA2-PSK-SHA256 with PMF %v", st.Security, st.PMF, b.ap.Stats.StaAKM, tc.wantPF)
			}
			if b.ap.Stats.M2 != 1 || b.ap.Stats.M4 != 1 || b.ap.Stats.BadMIC != 0 {
				t.Fatalf("4-way handshake: AP %+v", b.ap.Stats)
			}
			b.pingPong("psk-sha256")
			b.ap.RekeyPTK()
			b.runFor(time.Second)
			if b.ap.Stats.M4 != 2 || b.ap.Stats.BadMIC != 0 {
				t.Fatalf("rekey: AP %+v", b.ap.Stats)
			}
			b.pingPong("after rekey")
		})
	}
}

// TestPSKSHA256Observer: the offline decryptor (package observer, `wlan
// decrypt`) follows an AKM 6 handshake from the passphrase (descriptor
// version 3: KDF-SHA-256 PTK) and decrypts every protected data frame of
// the association, both directions.
func TestPSKSHA256Observer(t *testing.T) {
	b := newBench(t, benchOpts{passphrase: "the right passphrase", apCfg: func(c *wlantest.APConfig) {
		c.PSKSHA256, c.PMF = 1, 2
	}})
	o, err := observer.New(observer.Config{SSID: []byte("gopkt-test"), Passphrase: "the right passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	b.medium.Trace = func(_ *wlantest.Radio, f []byte) { o.Frame(bytes.Clone(f)) }
	b.connect("the right passphrase")
	b.pingPong("observed")
	b.pingPong("observed again")
	st := o.Stats()
	if st.Handshakes != 1 || st.HandshakeNoKey != 0 || st.EAPOLBadMIC != 0 || st.WPA == 0 || st.Decrypted != st.WPA {
		t.Fatalf("observer: %+v; want one handshake and every WPA frame decrypted", st)
	}
}
