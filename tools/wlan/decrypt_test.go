package main

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopkt/gopkt/internal/hosttest"
)

// observerCapture unpacks one of drivers/wifi80211/observer's captures.
func observerCapture(t *testing.T, name string) string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "drivers", "wifi80211", "observer", "testdata", name+".pcap.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name+".pcap")
	out, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, zr); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func runWlan(args ...string) (int, string, string) {
	var so, se strings.Builder
	rc := run(args, &so, &se)
	return rc, so.String(), se.String()
}

// TestDecryptCommand: wlan decrypt with each kind of key, its summary, its
// output read by tshark, and what it says when something is missing.
func TestDecryptCommand(t *testing.T) {
	dir := t.TempDir()
	rekey := observerCapture(t, "wpa2-gtk-rekey")
	out := filepath.Join(dir, "out.pcap")
	rc, so, se := runWlan("decrypt", "-r", rekey, "-w", out, "--ssid", "gopkt-decrypt", "--passphrase", "decrypt passphrase")
	if rc != 0 || !strings.Contains(so, "decrypted                      179  (125 unicast, 54 group)") || !strings.Contains(so, "group keys                      10") {
		t.Fatalf("decrypt: status %d\n%s%s", rc, so, se)
	}
	t.Run("tshark", func(t *testing.T) { hosttest.TsharkClean(t, out) })

	sae := observerCapture(t, "wpa3-sae")
	out80211 := filepath.Join(dir, "sae.pcap")
	rc, so, se = runWlan("decrypt", "-r", sae, "-w", out80211, "--keep-80211",
		"--pmk", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"--pmk", "f8906aee207be9e36efa8258529b6df50cbd3a64b0bb40a7a3e4a8df5bb58832")
	if rc != 0 || !strings.Contains(so, "decrypted                       67") {
		t.Fatalf("decrypt SAE: status %d\n%s%s", rc, so, se)
	}
	t.Run("tshark-80211", func(t *testing.T) { hosttest.TsharkClean(t, out80211) })

	rc, so, se = runWlan("decrypt", "-r", rekey, "-w", filepath.Join(dir, "x.pcap"), "--ssid", "gopkt-decrypt", "--passphrase", "not the passphrase")
	if rc != 0 || !strings.Contains(se, "check the passphrase") || !strings.Contains(so, "no PTK (no handshake)        125") {
		t.Errorf("wrong passphrase: status %d\n%s%s", rc, so, se)
	}

	for _, c := range []struct {
		args []string
		rc   int
		want string
	}{
		{[]string{"--help"}, 0, "--keep-80211"},
		{[]string{"-r", rekey}, 1, "want -r CAPTURE and -w OUTPUT"},
		{[]string{"-r", rekey, "-w", out}, 1, "no key: give --ssid and --passphrase"},
		{[]string{"-r", rekey, "-w", out, "--passphrase", "decrypt passphrase"}, 1, "give the SSID too"},
		{[]string{"-r", rekey, "-w", out, "--psk", "12"}, 1, "64 hex digits"},
		{[]string{"-r", rekey, "-w", out, "--psk", strings.Repeat("ab", 32), "--bssid", "nope"}, 1, "--bssid"},
		{[]string{"-r", filepath.Join(dir, "missing.pcap"), "-w", out, "--psk", strings.Repeat("ab", 32)}, 1, "no such file"},
		{[]string{"-r", out, "-w", filepath.Join(dir, "y.pcap"), "--psk", strings.Repeat("ab", 32)}, 1, "link type 1 is not 802.11"},
		{[]string{"--frobnicate"}, 2, "unknown flag"},
	} {
		rc, so, se := runWlan(append([]string{"decrypt"}, c.args...)...)
		if rc != c.rc || !strings.Contains(so+se, c.want) {
			t.Errorf("wlan decrypt %q: status %d, want %d and %q:\n%s%s", c.args, rc, c.rc, c.want, so, se)
		}
	}
}
