package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadSecret: the RFC 7217 secret is made once (256 bits, mode 0600,
// its directory created) and read back unchanged, so the station's SLAAC
// address on a prefix is the same every run; a short file is refused.
func TestLoadSecret(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "wlan-secret")
	a, err := loadSecret(path)
	if err != nil || len(a) != 32 {
		t.Fatalf("first load: %d bytes, %v", len(a), err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v %v, want mode 0600", fi.Mode(), err)
	}
	b, err := loadSecret(path)
	if err != nil || !bytes.Equal(a, b) {
		t.Fatalf("second load differs (%v)", err)
	}
	if err := os.WriteFile(path, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadSecret(path); err == nil || !strings.Contains(err.Error(), "at least 128 bits") {
		t.Fatalf("short secret: %v", err)
	}
}

// TestStatusIPv6Text: the status table's IPv6 lines.
func TestStatusIPv6Text(t *testing.T) {
	v := statusView{State: "RUN", Interface: "wlan0",
		IPv6: []addr6View{
			{Address: "2001:db8:1:0:1234:5678:9abc:def0/64", State: "preferred", Origin: "slaac", ValidS: 86400, PreferredS: -1},
			{Address: "fe80::67:6fff:fe70:6b01/64", State: "tentative", Origin: "link-local", ValidS: -1, PreferredS: -1},
			{Address: "2001:db8:1:0:1:2:3:4/64", State: "duplicate", Origin: "slaac"},
		},
		Routers6:    []string{"fe80::1"},
		Neighbours6: []neigh6View{{Address: "fe80::1", LLAddr: "02:00:00:00:00:00", State: "REACHABLE", Router: true}},
		Drops:       dropsView{Stack6: &stack6View{NDDADFailed: 1, SLAACAddrs: 1}}}
	var b bytes.Buffer
	if err := printStatus(&b, v, false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"wlan0 2001:db8:1:0:1234:5678:9abc:def0/64 preferred (slaac, valid 86400s, preferred forever)\n",
		"wlan0 fe80::67:6fff:fe70:6b01/64 tentative (link-local)\n",
		"wlan0 2001:db8:1:0:1:2:3:4/64 duplicate (slaac)\n",
		"fe80::1\n", "fe80::1 lladdr 02:00:00:00:00:00 router REACHABLE\n",
		"dad failed 1; slaac addresses 1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\nip:") {
		t.Errorf("an ip: line without IPv4 addresses:\n%s", out)
	}
}
