package observer

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gopkt/gopkt/internal/hosttest"
)

// Airdecap is the reference decryptor (Debian package aircrack-ng).
var Airdecap = hosttest.Tool("airdecap-ng", "aircrack-ng")

var captureCases = []struct {
	name       string
	handshakes uint64 // PTKs derived
	groupKeys  uint64 // distinct GTKs handed out in the capture
	eapolKeys  uint64 // EAPOL-Key frames, counted with tshark -Y eapol
	airdecapOK bool   // airdecap-ng can decrypt it (no SAE there)
	// tsharkNoGroup: tshark 4.0 decrypts none of the AP's group frames
	// (WPA2 with a TKIP GTK); we do, and their ICV and Michael MIC verify.
	tsharkNoGroup bool
}{
	{"wpa2-ccmp", 1, 1, 6, true, false},
	{"wpa2-tkip", 1, 1, 4, true, true},
	{"wpa1-tkip", 1, 1, 6, true, false},
	{"wpa2-gtk-rekey", 1, 10, 26, true, false},
	{"wpa2-rekey-retries", 3, 9, 36, true, false},
	{"wpa2-ptk-rekey", 8, 1, 47, true, false},
	{"wpa2-gtk-repeat", 2, 10, 28, true, false},
	{"wpa3-sae", 1, 1, 4, false, false},
}

// TestCaptures decrypts the captures hostapd and wpa_supplicant made and
// compares with airdecap-ng (the unicast frames it decrypts, the WPA
// frames it counts) and with tshark (every frame it decrypts with the same
// key), then has tshark read our output: as many frames as we wrote, none
// malformed.
func TestCaptures(t *testing.T) {
	for _, c := range captureCases {
		t.Run(c.name, func(t *testing.T) {
			in := unpack(t, c.name)
			raw, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			outputs := []Output{OutputEthernet}
			if c.name == "wpa2-ccmp" {
				outputs = append(outputs, Output80211)
			}
			for _, o := range outputs {
				st, out := decryptBytes(t, raw, CaptureConfig{Config: config(c.name), Output: o})
				if st.Handshakes != c.handshakes || st.HandshakeNoKey != 0 || st.GroupKeys != c.groupKeys || st.EAPOLKey != c.eapolKeys {
					t.Errorf("handshakes %d (no key %d), group keys %d, EAPOL-Key %d; want %d, 0, %d, %d",
						st.Handshakes, st.HandshakeNoKey, st.GroupKeys, st.EAPOLKey, c.handshakes, c.groupKeys, c.eapolKeys)
				}
				if st.WPA == 0 || st.Decrypted != st.WPA || st.DecryptedGroup == 0 || st.Written != st.Decrypted {
					t.Errorf("WPA frames %d, decrypted %d (%d group), written %d: want all decrypted, some group, all written",
						st.WPA, st.Decrypted, st.DecryptedGroup, st.Written)
				}
				if st.Malformed+st.EAPOLMalformed+st.EAPOLBadMIC+st.LinkErrors+st.BadFCS != 0 {
					t.Errorf("malformed or bad frames in a clean capture: %+v", st)
				}
				p := filepath.Join(t.TempDir(), fmt.Sprintf("out%d.pcap", o))
				if err := os.WriteFile(p, out, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Run(fmt.Sprintf("tshark-reads-output-%d", o), func(t *testing.T) {
					hosttest.TsharkClean(t, p)
					if n := tsharkCount(t, p); n != st.Written {
						t.Errorf("tshark reads %d frames of our output, we wrote %d", n, st.Written)
					}
				})
				if o != OutputEthernet {
					continue
				}
				t.Run("tshark-decrypts", func(t *testing.T) {
					dec, eapol := tsharkDecrypts(t, in, c.name)
					want := st.Decrypted
					if c.tsharkNoGroup {
						want = st.Pairwise()
					}
					if dec != want || eapol != st.EAPOLKey {
						t.Errorf("tshark decrypts %d data frames and sees %d EAPOL-Key frames; we decrypted %d (%d unicast) and followed %d",
							dec, eapol, st.Decrypted, st.Pairwise(), st.EAPOLKey)
					}
				})
				t.Run("airdecap-ng", func(t *testing.T) {
					if !c.airdecapOK {
						t.Skip("airdecap-ng has no SAE (descriptor version 0, KDF-SHA-256): tshark is the reference here")
					}
					hosttest.Require(t, Airdecap)
					wpa, dec := airdecap(t, in)
					if st.Handshakes > 1 {
						// airdecap-ng keeps one PTK per station: what was
						// sent under a PTK a later handshake replaced is
						// lost to it (tshark, above, is the reference).
						t.Logf("airdecap-ng decrypts %d unicast frames, we %d (%d handshakes)", dec, st.Pairwise(), st.Handshakes)
						if dec > st.Pairwise() || wpa != st.WPA-st.Dropped[ReasonRetransmit] {
							t.Errorf("airdecap-ng: %d WPA frames, %d decrypted; we: %d WPA frames, %d unicast decrypted", wpa, dec, st.WPA, st.Pairwise())
						}
						return
					}
					if dec != st.Pairwise() || wpa != st.WPA-st.Dropped[ReasonRetransmit] {
						t.Errorf("airdecap-ng: %d WPA frames, %d decrypted; we: %d WPA frames (%d retransmissions), %d unicast decrypted",
							wpa, dec, st.WPA, st.Dropped[ReasonRetransmit], st.Pairwise())
					}
				})
			}
		})
	}
}

func tsharkKeys(name string) []string {
	key := `"wpa-pwd","` + testPass + ":" + testSSID + `"`
	if name == "wpa3-sae" {
		key = `"wpa-psk","` + saePMK + `"`
	}
	return []string{"-o", "wlan.enable_decryption:TRUE", "-o", "uat:80211_keys:" + key}
}

// tsharkDecrypts has tshark decrypt the capture with its key and returns
// how many protected data frames it decrypted and how many EAPOL-Key
// frames it saw (in the clear or decrypted).
func tsharkDecrypts(t *testing.T, pcap, name string) (decrypted, eapolKeys uint64) {
	t.Helper()
	hosttest.Require(t, hosttest.Tshark)
	args := append([]string{"-r", pcap, "-Y", "wlan.fc.type == 2", "-T", "fields", "-e", "wlan.fc.protected", "-e", "llc.type", "-e", "eapol.type"}, tsharkKeys(name)...)
	out, err := exec.Command("tshark", args...).Output()
	if err != nil {
		t.Fatalf("tshark %v: %v", args, err)
	}
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		f := strings.Split(l, "\t")
		if len(f) != 3 {
			continue
		}
		if (f[0] == "1" || f[0] == "True") && f[1] != "" {
			decrypted++
		}
		if f[2] == "3" {
			eapolKeys++
		}
	}
	return decrypted, eapolKeys
}

// tsharkCount counts the frames tshark lists.
func tsharkCount(t *testing.T, pcap string, args ...string) uint64 {
	t.Helper()
	hosttest.Require(t, hosttest.Tshark)
	out, err := exec.Command("tshark", append([]string{"-r", pcap, "-T", "fields", "-e", "frame.number"}, args...)...).Output()
	if err != nil {
		t.Fatalf("tshark -r %s %v: %v", pcap, args, err)
	}
	return uint64(len(strings.Fields(string(out))))
}

var airdecapLine = regexp.MustCompile(`(?m)^(Total number of WPA data packets|Number of decrypted WPA  packets)\s+(\d+)`)

// airdecap runs airdecap-ng with the capture's passphrase and returns its
// WPA frame and decrypted frame counts.
func airdecap(t *testing.T, pcap string) (wpa, decrypted uint64) {
	t.Helper()
	out, err := exec.Command("airdecap-ng", "-e", testSSID, "-p", testPass, "-o", filepath.Join(t.TempDir(), "air.pcap"), pcap).CombinedOutput()
	if err != nil {
		t.Fatalf("airdecap-ng: %v\n%s", err, out)
	}
	m := airdecapLine.FindAllStringSubmatch(string(out), -1)
	if len(m) != 2 {
		t.Fatalf("airdecap-ng printed no counts:\n%s", out)
	}
	wpa, _ = strconv.ParseUint(m[0][2], 10, 64)
	decrypted, _ = strconv.ParseUint(m[1][2], 10, 64)
	return wpa, decrypted
}

// TestWrongSecret: no key verifies message 2, nothing is decrypted, and
// every protected frame is counted as lacking its key.
func TestWrongSecret(t *testing.T) {
	raw := readCapture(t, "wpa2-ccmp")
	st, out := decryptBytes(t, raw, CaptureConfig{Config: Config{SSID: []byte(testSSID), Passphrase: "not the passphrase"}})
	if st.Handshakes != 0 || st.HandshakeNoKey == 0 || st.Decrypted != 0 || st.Written != 0 {
		t.Errorf("wrong passphrase: handshakes %d, no key %d, decrypted %d, written %d", st.Handshakes, st.HandshakeNoKey, st.Decrypted, st.Written)
	}
	if st.Dropped[ReasonNoPTK]+st.Dropped[ReasonNoGTK] != st.WPA {
		t.Errorf("WPA %d, dropped for want of a PTK %d and a GTK %d", st.WPA, st.Dropped[ReasonNoPTK], st.Dropped[ReasonNoGTK])
	}
	if len(out) != 24 {
		t.Errorf("output holds %d octets, want the 24-octet pcap header only", len(out))
	}
	var sb strings.Builder
	if err := st.Write(&sb); err != nil || !strings.Contains(sb.String(), "wrong passphrase, PSK or PMK?") {
		t.Errorf("summary does not point at the secret (%v):\n%s", err, sb.String())
	}
	// Two secrets, one right: the right one is found.
	k, _ := ParseKey("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
	st, _ = decryptBytes(t, raw, CaptureConfig{Config: Config{SSID: []byte(testSSID), Passphrase: testPass, PMKs: [][]byte{k}}})
	if st.Handshakes != 1 || st.Decrypted != st.WPA {
		t.Errorf("with a wrong PMK beside the passphrase: handshakes %d, decrypted %d of %d", st.Handshakes, st.Decrypted, st.WPA)
	}
	// The BSSID filter.
	st, _ = decryptBytes(t, raw, CaptureConfig{Config: Config{SSID: []byte(testSSID), Passphrase: testPass, BSSID: []byte{2, 0, 0, 0, 9, 9}}})
	if st.Decrypted != 0 || st.Dropped[ReasonOtherBSS] != st.Data {
		t.Errorf("another BSSID: decrypted %d, dropped as other BSS %d of %d data frames", st.Decrypted, st.Dropped[ReasonOtherBSS], st.Data)
	}
}

// TestConfigErrors: what New and DecryptCapture refuse, and that the
// errors say what to do.
func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want error
	}{
		{Config{}, ErrNoSecret},
		{Config{Passphrase: testPass}, ErrSecret},
		{Config{SSID: []byte("x"), Passphrase: "short"}, ErrSecret},
		{Config{PMKs: [][]byte{{1, 2, 3}}}, ErrSecret},
		{Config{SSID: []byte("x"), Passphrase: testPass, BSSID: []byte{1}}, ErrSecret},
	} {
		_, err := New(c.cfg)
		var oe *OpError
		if !errors.Is(err, c.want) || !errors.As(err, &oe) || oe.Fix == "" {
			t.Errorf("New(%+v) = %v, want %v with a fix", c.cfg, err, c.want)
		}
	}
	if _, err := ParseKey("abc"); !errors.Is(err, ErrSecret) {
		t.Errorf("ParseKey(abc) = %v", err)
	}
	good := CaptureConfig{Config: config("wpa2-ccmp")}
	for _, c := range []struct {
		in   []byte
		want error
	}{
		{nil, ErrFormat},
		{[]byte("not a capture at all, really"), ErrFormat},
		{pcapHeader(1), ErrLinkType},
	} {
		_, err := DecryptCapture(strings.NewReader(string(c.in)), new(strings.Builder), good)
		if !errors.Is(err, c.want) {
			t.Errorf("DecryptCapture(%q) = %v, want %v", c.in, err, c.want)
		}
	}
}

// pcapHeader is a pcap file header (microseconds, little-endian).
func pcapHeader(link uint32) []byte {
	return []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, byte(link), byte(link >> 8), 0, 0}
}
