package net80211_test

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/eapol"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/sae"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
)

// saeFrame returns the transaction and status of an SAE Authentication
// frame.
func saeFrame(p []byte) (seq, status uint16, ok bool) {
	f, err := frame.Parse(p)
	if err != nil || f.Type() != frame.TypeMgmt || f.Subtype() != frame.SubAuth {
		return 0, 0, false
	}
	a, err := frame.ParseAuth(f.Body())
	if err != nil || a.Algorithm() != frame.AuthSAE {
		return 0, 0, false
	}
	return a.Seq(), a.Status(), true
}

// saeLoss loses (or, with delay, holds back) SAE frames of one
// transaction on the medium: the AP's or ours, anti-clogging token
// requests never.
type saeLoss struct {
	fromAP bool
	seq    uint16
	n      int           // frames to lose; -1: every one
	delay  time.Duration // deliver the frames this much later instead
}

// saeLossBench is a WPA3 bench whose medium applies l; it returns the
// bench and a step function that also releases held-back frames.
func saeLossBench(t *testing.T, h2e, tokens bool, l saeLoss) (*bench, func()) {
	b := saeBench(t, "the right passphrase", func(c *wlantest.APConfig) { c.SAEH2E, c.SAETokens = h2e, tokens })
	type held struct {
		at time.Time
		p  []byte
	}
	var queue []held
	releasing := false
	left := l.n
	b.medium.Filter = func(from *wlantest.Radio, p []byte) []byte {
		seq, status, ok := saeFrame(p)
		if !ok || releasing || seq != l.seq || status == sae.StatusTokenRequired || (from == b.ap.Radio()) != l.fromAP || left == 0 {
			return p
		}
		left--
		if l.delay > 0 {
			queue = append(queue, held{b.clock.Now().Add(l.delay), p})
		}
		return nil
	}
	return b, func() {
		b.step(10 * time.Millisecond)
		for len(queue) > 0 && !b.clock.Now().Before(queue[0].at) {
			releasing = true
			_ = b.ap.Radio().Transmit(queue[0].p, &net80211.TxInfo{Rate: 2})
			releasing = false
			queue = queue[1:]
		}
	}
}

// TestSAELoss loses SAE frames one way or the other and checks that the
// exchange completes against the test AP, which answers the way hostapd
// 2.10 does (it never retransmits, answers one repeated Confirm, takes an
// anti-clogging token once), and how many frames and how long it takes:
// t0 is 2 s. "AP Commit late" is what stranded TestVMWlanSAE under load:
// hostapd's Commit took longer than t0, our repeated Commit carried the
// used token, hostapd dropped it and reset its exchange, and ignored our
// Confirms from then on.
func TestSAELoss(t *testing.T) {
	for _, tc := range []struct {
		name        string
		h2e, tokens bool
		loss        saeLoss
		// Commits, Confirms, t0 retransmissions and new exchanges of
		// ours; Confirms the AP received; time to the AP's Confirm.
		commits, confirms, retransmits, restarts uint64
		apConfirms                               int
		within                                   time.Duration
	}{
		{"AP Confirm lost", false, false, saeLoss{fromAP: true, seq: 2, n: 1}, 1, 2, 1, 0, 2, 2100 * time.Millisecond},
		{"AP Confirm lost twice", false, false, saeLoss{fromAP: true, seq: 2, n: 2}, 2, 3, 1, 1, 3, 4100 * time.Millisecond},
		{"AP Confirm lost twice, H2E", true, false, saeLoss{fromAP: true, seq: 2, n: 2}, 2, 3, 1, 1, 3, 4100 * time.Millisecond},
		{"AP Confirm lost twice, tokens", false, true, saeLoss{fromAP: true, seq: 2, n: 2}, 4, 3, 1, 1, 3, 4100 * time.Millisecond},
		{"our Confirm lost", false, false, saeLoss{seq: 2, n: 1}, 1, 2, 1, 0, 1, 2100 * time.Millisecond},
		{"our Commit lost", false, false, saeLoss{seq: 1, n: 1}, 2, 1, 1, 0, 1, 2100 * time.Millisecond},
		{"AP Commit lost, tokens", false, true, saeLoss{fromAP: true, seq: 1, n: 1}, 3, 1, 0, 1, 1, 2100 * time.Millisecond},
		{"AP Commit lost, tokens, H2E", true, true, saeLoss{fromAP: true, seq: 1, n: 1}, 3, 1, 0, 1, 1, 2100 * time.Millisecond},
		{"AP Commit late, tokens", false, true, saeLoss{fromAP: true, seq: 1, n: 1, delay: 2500 * time.Millisecond}, 3, 1, 0, 1, 1, 2100 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, step := saeLossBench(t, tc.h2e, tc.tokens, tc.loss)
			if err := b.vap.Connect([]byte("gopkt-test"), "the right passphrase"); err != nil {
				t.Fatal(err)
			}
			var start time.Time // our first Commit
			var accepted time.Duration
			for i := 0; i < 1000 && !b.vap.PortOpen(); i++ {
				step()
				if start.IsZero() && b.vap.State() == net80211.StateAuth {
					start = b.clock.Now()
				}
				if accepted == 0 && b.vap.State() > net80211.StateAuth {
					accepted = b.clock.Now().Sub(start)
				}
			}
			st := b.vap.Stats()
			if !b.vap.PortOpen() {
				t.Fatalf("not connected: state %v events %v %v; stats %+v; AP %+v", b.vap.State(), b.kinds(), b.events, st, b.ap.Stats)
			}
			if st.SAECommits != tc.commits || st.SAEConfirms != tc.confirms || st.SAERetransmits != tc.retransmits || st.SAERestarts != tc.restarts || b.ap.Stats.SAEConfirms != tc.apConfirms {
				t.Errorf("%d commits, %d confirms, %d retransmitted, %d new exchanges, AP received %d confirms; want %d, %d, %d, %d, %d",
					st.SAECommits, st.SAEConfirms, st.SAERetransmits, st.SAERestarts, b.ap.Stats.SAEConfirms, tc.commits, tc.confirms, tc.retransmits, tc.restarts, tc.apConfirms)
			}
			if accepted > tc.within {
				t.Errorf("SAE took %v, want at most %v", accepted, tc.within)
			}
			retries := 0
			for _, e := range b.events {
				if e.Kind == net80211.EventAuthRetry {
					retries++
					if e.Err == nil || !strings.Contains(e.Err.Error(), "new exchange") {
						t.Errorf("EventAuthRetry without a reason: %v", e.Err)
					}
				}
			}
			if retries != int(tc.restarts) {
				t.Errorf("%d EventAuthRetry, want %d", retries, tc.restarts)
			}
			if b.ap.Stats.SAEBadTokens != 0 {
				t.Errorf("the AP dropped %d Commits for a used token", b.ap.Stats.SAEBadTokens)
			}
			t.Logf("SAE done after %v: %d commits, %d confirms, %d retransmitted, %d new exchanges", accepted, st.SAECommits, st.SAEConfirms, st.SAERetransmits, st.SAERestarts)
			b.pingPong(tc.name)
		})
	}
}

// TestSAEGivesUp: an AP that stops answering is given up on within the
// bounds (4 exchanges, 16 s), with an error that says what happened and
// does not blame the password.
func TestSAEGivesUp(t *testing.T) {
	for _, tc := range []struct {
		name string
		loss saeLoss
		want string
		at   time.Duration
	}{
		{"no AP Confirm", saeLoss{fromAP: true, seq: 2, n: -1}, "no SAE Confirm from 02:00:00:00:00:a0 in 4 exchanges over 16s, although it answered our Commits and refused none of our Confirms: frames are being lost or the access point is overloaded, not a password problem", 16 * time.Second},
		{"no AP Commit", saeLoss{fromAP: true, seq: 1, n: -1}, "no SAE Commit from 02:00:00:00:00:a0 after 3 Commits over 6s: it does not answer SAE (not a password problem)", 6 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, step := saeLossBench(t, false, false, tc.loss)
			if err := b.vap.Connect([]byte("gopkt-test"), "the right passphrase"); err != nil {
				t.Fatal(err)
			}
			var start time.Time // our first Commit
			var failed error
			var at time.Duration
			for i := 0; i < 3000 && failed == nil; i++ {
				step()
				if start.IsZero() && b.vap.State() == net80211.StateAuth {
					start = b.clock.Now()
				}
				for _, e := range b.events {
					if e.Kind == net80211.EventFailed {
						failed, at = e.Err, b.clock.Now().Sub(start)
					}
				}
			}
			if failed == nil || !errors.Is(failed, net80211.ErrNoResponse) || !strings.Contains(failed.Error(), tc.want) || strings.Contains(failed.Error(), "password is") {
				t.Fatalf("failure: %v\nwant ErrNoResponse with %q", failed, tc.want)
			}
			if at < tc.at || at > tc.at+50*time.Millisecond {
				t.Errorf("gave up after %v, want %v", at, tc.at)
			}
			t.Logf("after %v: %v; stats %+v", at, failed, b.vap.Stats())
		})
	}
}

// TestSAEHandshakeHint: after SAE proved the password, a 4-way handshake
// whose message 3 never arrives (the medium loses it) is not blamed on
// the password.
func TestSAEHandshakeHint(t *testing.T) {
	b := saeBench(t, "the right passphrase", nil)
	b.medium.Filter = func(from *wlantest.Radio, p []byte) []byte {
		f, err := frame.Parse(p)
		if err != nil || from != b.ap.Radio() || f.Type() != frame.TypeData || f.Protected() {
			return p
		}
		body := p[f.HeaderLen():]
		if len(body) >= 8+4+3 && binary.BigEndian.Uint16(body[6:]) == eapol.EtherType && binary.BigEndian.Uint16(body[13:])&eapol.InfoInstall != 0 {
			return nil // message 3
		}
		return p
	}
	if err := b.vap.Connect([]byte("gopkt-test"), "the right passphrase"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3000 && b.vap.State() != net80211.StateInit; i++ {
		b.step(10 * time.Millisecond)
	}
	last := b.events[len(b.events)-1]
	if last.Kind != net80211.EventFailed || !errors.Is(last.Err, net80211.ErrHandshake) {
		t.Fatalf("events %v, last %+v", b.kinds(), last)
	}
	msg := last.Err.Error()
	if strings.Contains(msg, "passphrase") || strings.Contains(msg, "password is") || !strings.Contains(msg, "although SAE had verified the password") {
		t.Fatalf("error %q", msg)
	}
	if b.ap.Stats.M2 == 0 {
		t.Fatalf("no message 2 reached the AP: %+v", b.ap.Stats)
	}
}
