package net80211_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/crypto/prf"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
)

func saeBench(t *testing.T, pass string, cfg func(*wlantest.APConfig)) *bench {
	return newBench(t, benchOpts{passphrase: pass, apCfg: func(c *wlantest.APConfig) {
		c.PMF, c.SAE = 2, 1
		if cfg != nil {
			cfg(c)
		}
	}})
}

// TestSAE joins the test AP with WPA3-Personal: hunting-and-pecking and
// hash-to-element, each with and without an anti-clogging token round;
// then the 4-way handshake with descriptor version 0 (the AP checks our
// MICs with AES-CMAC under a KDF-SHA-256 PTK from the SAE PMK), PMF on,
// traffic both ways.
func TestSAE(t *testing.T) {
	for _, tc := range []struct {
		name       string
		h2e, token bool
		security   string
	}{
		{"hunting-and-pecking", false, false, "WPA3-SAE (hunting-and-pecking)"},
		{"hunting-and-pecking+token", false, true, "WPA3-SAE (hunting-and-pecking)"},
		{"hash-to-element", true, false, "WPA3-SAE (hash-to-element)"},
		{"hash-to-element+token", true, true, "WPA3-SAE (hash-to-element)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := saeBench(t, "the right passphrase", func(c *wlantest.APConfig) { c.SAEH2E, c.SAETokens = tc.h2e, tc.token })
			b.connect("the right passphrase")
			st := b.vap.Status()
			if st.Security != tc.security || !st.PMF || !b.ap.Stats.StaMFPR {
				t.Fatalf("security %q, PMF %v; want %q with PMF", st.Security, st.PMF, tc.security)
			}
			wantTokens := 0
			if tc.token {
				wantTokens = 1
			}
			if st.Stats.SAETokens != uint64(wantTokens) || b.ap.Stats.SAETokenReqs != wantTokens || st.Stats.SAECommits != uint64(1+wantTokens) || st.Stats.SAEConfirms != 1 {
				t.Fatalf("stats %+v; AP %+v", st.Stats, b.ap.Stats)
			}
			if b.ap.Stats.StaRSNX != tc.h2e {
				t.Fatalf("RSNXE in our association request: %v, want %v", b.ap.Stats.StaRSNX, tc.h2e)
			}
			if b.ap.Stats.M2 != 1 || b.ap.Stats.M4 != 1 || b.ap.Stats.BadMIC != 0 {
				t.Fatalf("4-way handshake: AP %+v", b.ap.Stats)
			}
			b.pingPong("sae")
			// A PTK rekey runs with version 0 as well.
			b.ap.RekeyPTK()
			b.runFor(time.Second)
			if b.ap.Stats.M4 != 2 || b.ap.Stats.BadMIC != 0 {
				t.Fatalf("rekey: AP %+v", b.ap.Stats)
			}
			b.pingPong("after rekey")
		})
	}
}

// TestSAETransition: on an AP offering PSK and SAE the passphrase joins
// with SAE (with PSK when the AP does not offer PMF); a 256-bit PSK joins
// with PSK; an SAE-only AP refuses a PSK.
func TestSAETransition(t *testing.T) {
	b := saeBench(t, "the right passphrase", func(c *wlantest.APConfig) { c.SAE, c.PMF = 2, 1 })
	b.connect("the right passphrase")
	if st := b.vap.Status(); st.Security != "WPA3-SAE (hunting-and-pecking)" || b.ap.Stats.SAEConfirms != 1 {
		t.Fatalf("transition network joined with %q (AP %+v)", st.Security, b.ap.Stats)
	}
	b.pingPong("transition")

	b = saeBench(t, "the right passphrase", func(c *wlantest.APConfig) { c.SAE, c.PMF = 2, 1 })
	psk, err := prf.PSK("the right passphrase", []byte("gopkt-test"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.vap.ConnectPSK([]byte("gopkt-test"), psk); err != nil {
		t.Fatal(err)
	}
	b.runFor(3 * time.Second)
	if st := b.vap.Status(); !st.PortOpen || st.Security != "WPA2-PSK" {
		t.Fatalf("PSK on a transition network: port %v, security %q", st.PortOpen, st.Security)
	}

	// A transition network without PMF: SAE needs it, so WPA2-PSK.
	b = saeBench(t, "the right passphrase", func(c *wlantest.APConfig) { c.SAE, c.PMF = 2, 0 })
	b.connect("the right passphrase")
	if st := b.vap.Status(); st.Security != "WPA2-PSK" || b.ap.Stats.SAECommits != 0 {
		t.Fatalf("transition network without PMF joined with %q (AP %+v)", st.Security, b.ap.Stats)
	}

	b = saeBench(t, "the right passphrase", nil)
	if err := b.vap.ConnectPSK([]byte("gopkt-test"), psk); err != nil {
		t.Fatal(err)
	}
	b.runFor(3 * time.Second)
	var failed error
	for _, e := range b.events {
		if e.Kind == net80211.EventFailed {
			failed = e.Err
		}
	}
	if failed == nil || !errors.Is(failed, net80211.ErrSecurityPolicy) || !strings.Contains(failed.Error(), "needs the passphrase") {
		t.Fatalf("PSK on an SAE-only network: %v", failed)
	}
}

// TestSAEWrongPassword: the AP refuses our only confirm (status 1, as
// hostapd 2.10 does); the attempt fails at once with an error that says
// the password is wrong.
func TestSAEWrongPassword(t *testing.T) {
	for _, h2e := range []bool{false, true} {
		b := saeBench(t, "the right passphrase", func(c *wlantest.APConfig) { c.SAEH2E = h2e })
		if err := b.vap.Connect([]byte("gopkt-test"), "a wrong passphrase"); err != nil {
			t.Fatal(err)
		}
		b.runFor(3 * time.Second)
		var failed error
		for _, e := range b.events {
			if e.Kind == net80211.EventFailed {
				failed = e.Err
			}
		}
		if failed == nil || !errors.Is(failed, net80211.ErrAuthRefused) || !strings.Contains(failed.Error(), "the password is wrong") {
			t.Fatalf("h2e=%v: %v", h2e, failed)
		}
		if b.ap.Stats.SAEBadConfirms != 1 || b.ap.Stats.M2 != 0 {
			t.Fatalf("h2e=%v: AP %+v", h2e, b.ap.Stats)
		}
	}
}

// TestSAEPMKSACaching: after a (protected) deauthentication we rejoin the
// same AP with Open System and the cached PMKID, no SAE exchange; when
// the AP no longer holds the PMKSA (status 53) we run SAE again.
func TestSAEPMKSACaching(t *testing.T) {
	b := saeBench(t, "the right passphrase", func(c *wlantest.APConfig) { c.SAEH2E = true })
	b.connect("the right passphrase")
	b.ap.DeauthProtected(frame.ReasonAuthExpired)
	b.runFor(3 * time.Second)
	st := b.vap.Stats()
	if b.connectedCount() != 2 || b.ap.Stats.SAEConfirms != 1 || b.ap.Stats.PMKSAHits != 1 || st.PMKSAUsed != 1 || st.SAECommits != 1 {
		t.Fatalf("rejoin: %d connects, stats %+v, AP %+v", b.connectedCount(), st, b.ap.Stats)
	}
	b.pingPong("on the cached PMKSA")
	b.ap.ForgetPMKSA()
	b.ap.DeauthProtected(frame.ReasonAuthExpired)
	b.runFor(5 * time.Second)
	st = b.vap.Stats()
	if b.connectedCount() != 3 || b.ap.Stats.SAEConfirms != 2 || b.ap.Stats.PMKSARefusals != 1 || st.PMKSARefused != 1 || st.SAECommits != 2 {
		t.Fatalf("after the AP forgot: %d connects, stats %+v, AP %+v", b.connectedCount(), st, b.ap.Stats)
	}
	b.pingPong("after SAE again")
}
