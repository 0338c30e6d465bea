package net80211

import (
	"bytes"
	"errors"
	"net"
	"testing"

	"github.com/gopkt/gopkt/crypto/prf"
	"github.com/gopkt/gopkt/drivers/wifi80211/eapol"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/internal/capture"
)

// TestCaptureHandshake replays the real WPA2 handshake of wpa2.eapol.cap
// (SSID Harkonen, passphrase 12345678): derive the PTK from the captured
// nonces, verify the MIC of M2, M3 and M4, unwrap M3's key data, and check
// its RSN element equals the beacon's and its GTK KDE has key ID 1.
func TestCaptureHandshake(t *testing.T) {
	c, err := capture.Read("wpa2.eapol.cap")
	if errors.Is(err, capture.ErrNoTestdata) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	var beacon ie.Set
	var msgs []eapol.EAPOL
	var keys []eapol.Key
	var aa, spa net.HardwareAddr
	for _, p := range c.Frames() {
		f, err := frame.Parse(p)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case f.Type() == frame.TypeMgmt && f.Subtype() == frame.SubBeacon:
			b, _ := frame.ParseBeacon(f.Body())
			if beacon, err = ie.ParseSet(b.Elements()); err != nil {
				t.Fatal(err)
			}
		case f.Type() == frame.TypeData && isEAPOL(f.Body()):
			e, k, err := eapol.ParseKeyFrame(f.Body()[LLCLen:], eapol.DefaultMIC)
			if err != nil {
				t.Fatal(err)
			}
			msgs, keys = append(msgs, e), append(keys, k)
			if len(msgs) == 1 {
				aa, spa = f.Addr2(), f.Addr1()
			}
		}
	}
	if string(beacon.SSID) != "Harkonen" || beacon.Channel != 1 || beacon.RSN == nil || !beacon.RSN.HasPairwise(ie.CipherCCMP128) {
		t.Fatalf("beacon: ssid %q channel %d rsn %+v", beacon.SSID, beacon.Channel, beacon.RSN)
	}
	if len(msgs) != 4 || aa.String() != "00:14:6c:7e:40:80" || spa.String() != "00:13:46:fe:32:0c" {
		t.Fatalf("%d messages, aa %v spa %v", len(msgs), aa, spa)
	}
	pmk, err := prf.PSK("12345678", beacon.SSID)
	if err != nil {
		t.Fatal(err)
	}
	ptk, err := prf.PTK(pmk[:], aa, spa, keys[0].Nonce(), keys[1].Nonce(), 384)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 4; i++ {
		if !VerifyEAPOLMIC(keys[i].DescVersion(), ptk[:16], msgs[i].Frame(), keys[i]) {
			t.Fatalf("M%d: MIC does not verify", i+1)
		}
		// One flipped bit anywhere breaks it.
		bad := bytes.Clone(msgs[i].Frame())
		bad[30] ^= 1 // inside the Key Nonce
		_, bk, err := eapol.ParseKeyFrame(bad, eapol.DefaultMIC)
		if err != nil {
			t.Fatal(err)
		}
		if VerifyEAPOLMIC(bk.DescVersion(), ptk[:16], bad, bk) {
			t.Fatalf("M%d: tampered frame verified", i+1)
		}
	}
	rsn, gtk, err := keyData(keys[2].DescVersion(), ptk[16:32], keys[2])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rsn, beacon.RSNRaw) {
		t.Fatalf("M3 RSN %x != beacon %x", rsn, beacon.RSNRaw)
	}
	if gtk == nil || gtk.KeyID != 1 || len(gtk.Key) != 16 {
		t.Fatalf("gtk %+v", gtk)
	}
	// A wrong passphrase gives a PTK whose MIC fails.
	pmk2, _ := prf.PSK("12345679", beacon.SSID)
	ptk2, _ := prf.PTK(pmk2[:], aa, spa, keys[0].Nonce(), keys[1].Nonce(), 384)
	if VerifyEAPOLMIC(2, ptk2[:16], msgs[1].Frame(), keys[1]) {
		t.Fatal("wrong passphrase verified")
	}
}
