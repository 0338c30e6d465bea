package net80211_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/observer"
	"github.com/gopkt/gopkt/drivers/wifi80211/sae"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
)

// TestSAEGroups joins APs that run SAE in groups 20 and 21 only: the
// station offers its groups in order, follows status 77 to the next one,
// and with hash-to-element names the refused groups in its Commit (the
// AP checks it supports none of them). A station configured for groups
// the AP lacks fails and says so.
func TestSAEGroups(t *testing.T) {
	for _, tc := range []struct {
		name      string
		ap, sta   []uint16
		h2e       bool
		refusals  int
		security  string
		wantError string
	}{
		{"h&p 20 after 19", []uint16{20}, nil, false, 1, "WPA3-SAE (hunting-and-pecking, group 20)", ""},
		{"h2e 21 after 19 and 20", []uint16{21}, nil, true, 2, "WPA3-SAE (hash-to-element, group 21)", ""},
		{"h2e 20 preferred", []uint16{19, 20, 21}, []uint16{20, 19}, true, 0, "WPA3-SAE (hash-to-element, group 20)", ""},
		{"h&p 21 only", []uint16{19, 20, 21}, []uint16{21}, false, 0, "WPA3-SAE (hunting-and-pecking, group 21)", ""},
		{"none in common", []uint16{21}, []uint16{19, 20}, true, 2, "", "supports none of the groups"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(t, benchOpts{passphrase: "the right passphrase",
				apCfg: func(c *wlantest.APConfig) {
					c.PMF, c.SAE, c.SAEH2E, c.SAEGroups = 2, 1, tc.h2e, tc.ap
				},
				vapCfg: func(c *net80211.VapConfig) { c.SAEGroups = tc.sta },
			})
			if tc.wantError != "" {
				if err := b.vap.Connect([]byte("gopkt-test"), "the right passphrase"); err != nil {
					t.Fatal(err)
				}
				b.runFor(3 * time.Second)
				var err error
				for _, e := range b.events {
					if e.Kind == net80211.EventFailed {
						err = e.Err
					}
				}
				if !errors.Is(err, net80211.ErrAuthRefused) || !strings.Contains(err.Error(), tc.wantError) {
					t.Fatalf("connect: %v, want ErrAuthRefused saying %q", err, tc.wantError)
				}
				return
			}
			b.connect("the right passphrase")
			st := b.vap.Status()
			if st.Security != tc.security || st.Stats.SAEGroupsRefused != uint64(tc.refusals) || b.ap.Stats.SAEGroupRefusals != tc.refusals {
				t.Fatalf("security %q, %d refusals (AP %d); want %q after %d", st.Security, st.Stats.SAEGroupsRefused, b.ap.Stats.SAEGroupRefusals, tc.security, tc.refusals)
			}
			if b.ap.Stats.M4 != 1 || b.ap.Stats.BadMIC != 0 {
				t.Fatalf("4-way handshake: AP %+v", b.ap.Stats)
			}
			b.pingPong("group")
		})
	}
}

// An SAE group the package lacks is refused when the vap is made.
func TestSAEGroupsConfig(t *testing.T) {
	b := newBench(t, benchOpts{})
	if _, err := b.com.NewVap(net80211.VapConfig{SAEGroups: []uint16{sae.Group19, 15}}); !errors.Is(err, net80211.ErrNotSupported) {
		t.Fatalf("group 15: %v", err)
	}
}

// TestSAEGroupsTokensLoss: group 20 after a status 77, with an
// anti-clogging token round in group 20 and the AP's first two Confirms
// lost: the new exchange stays in group 20 (the refusal is not repeated)
// and joins.
func TestSAEGroupsTokensLoss(t *testing.T) {
	for _, h2e := range []bool{false, true} {
		b := newBench(t, benchOpts{passphrase: "the right passphrase", apCfg: func(c *wlantest.APConfig) {
			c.PMF, c.SAE, c.SAEH2E, c.SAETokens, c.SAEGroups = 2, 1, h2e, true, []uint16{20}
		}})
		lost := 0
		b.medium.Filter = func(from *wlantest.Radio, p []byte) []byte {
			if seq, _, ok := saeFrame(p); ok && seq == 2 && from == b.ap.Radio() && lost < 2 {
				lost++
				return nil
			}
			return p
		}
		if err := b.vap.Connect([]byte("gopkt-test"), "the right passphrase"); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 1000 && !b.vap.PortOpen(); i++ {
			b.step(10 * time.Millisecond)
		}
		st := b.vap.Status()
		if !b.vap.PortOpen() || !strings.Contains(st.Security, "group 20") || st.Stats.SAEGroupsRefused != 1 || b.ap.Stats.SAEGroupRefusals != 1 || st.Stats.SAERestarts != 1 || st.Stats.SAETokens < 2 {
			t.Fatalf("h2e=%v: port %v, security %q, stats %+v, AP %+v", h2e, b.vap.PortOpen(), st.Security, st.Stats, b.ap.Stats)
		}
		b.pingPong("groups, tokens, loss")
	}
}

// TestSAEGroupsObserver: the offline decryptor (`wlan decrypt --pmk`)
// decrypts an association made with SAE in groups 20 and 21, given its
// PMK: 32 octets in every group for AKM 8, so nothing in the decryptor
// depends on the group.
func TestSAEGroupsObserver(t *testing.T) {
	for _, group := range []uint16{sae.Group20, sae.Group21} {
		b := newBench(t, benchOpts{passphrase: "the right passphrase",
			apCfg: func(c *wlantest.APConfig) {
				c.PMF, c.SAE, c.SAEH2E, c.SAEGroups = 2, 1, true, []uint16{group}
			},
			vapCfg: func(c *net80211.VapConfig) { c.SAEGroups = []uint16{group} },
		})
		var frames [][]byte
		b.medium.Trace = func(_ *wlantest.Radio, f []byte) { frames = append(frames, bytes.Clone(f)) }
		b.connect("the right passphrase")
		b.pingPong("observed")
		pmk, ok := b.ap.SAEPMK()
		if !ok {
			t.Fatal("no SAE PMK at the AP")
		}
		o, err := observer.New(observer.Config{PMKs: [][]byte{pmk[:]}})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range frames {
			o.Frame(f)
		}
		st := o.Stats()
		if st.Handshakes != 1 || st.HandshakeNoKey != 0 || st.WPA == 0 || st.Decrypted != st.WPA {
			t.Fatalf("group %d: observer %+v; want one handshake and every WPA frame decrypted", group, st)
		}
	}
}

// TestSAEPMKSAGroup: a rejoin on a cached PMKSA names the group the PMK
// came from (21 after 19 and 20 were refused), not the first configured
// one, and so does a fall back to SAE once the AP forgets the PMKSA.
func TestSAEPMKSAGroup(t *testing.T) {
	b := newBench(t, benchOpts{passphrase: "the right passphrase", apCfg: func(c *wlantest.APConfig) {
		c.PMF, c.SAE, c.SAEH2E, c.SAEGroups = 2, 1, true, []uint16{21}
	}})
	b.connect("the right passphrase")
	const want = "WPA3-SAE (hash-to-element, group 21)"
	if st := b.vap.Status(); st.Security != want {
		t.Fatalf("after SAE: %q, want %q", st.Security, want)
	}
	b.ap.DeauthProtected(frame.ReasonAuthExpired)
	b.runFor(3 * time.Second)
	st := b.vap.Status()
	if b.connectedCount() != 2 || st.Stats.PMKSAUsed != 1 || b.ap.Stats.PMKSAHits != 1 {
		t.Fatalf("no rejoin on the PMKSA: %d connects, stats %+v", b.connectedCount(), st.Stats)
	}
	if st.Security != want {
		t.Fatalf("on the cached PMKSA: %q, want %q", st.Security, want)
	}
	b.pingPong("on the PMKSA")
	b.ap.ForgetPMKSA()
	b.ap.DeauthProtected(frame.ReasonAuthExpired)
	b.runFor(5 * time.Second)
	if st := b.vap.Status(); b.connectedCount() != 3 || st.Stats.PMKSARefused != 1 || st.Security != want {
		t.Fatalf("after the AP forgot: %d connects, %q, stats %+v", b.connectedCount(), st.Security, st.Stats)
	}
}
