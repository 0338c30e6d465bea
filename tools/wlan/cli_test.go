package main

import (
	"bytes"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
)

func TestRunUsageErrors(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "ctl.sock")
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "usage:"},
		{[]string{"bogus"}, 2, "unknown command \"bogus\""},
		{[]string{"connect", "--socket", sock}, 1, "--ssid is required"},
		{[]string{"connect", "--socket", sock, "--ssid", "x", "--passphrase", "short"}, 1, "has 5 characters; WPA2 wants 8 to 63 printable ASCII characters, or --psk with 64 hex digits"},
		// Characters, not bytes: five two-byte letters are five characters,
		// and non-ASCII ones are named.
		{[]string{"connect", "--socket", sock, "--ssid", "x", "--passphrase", strings.Repeat("é", 40)}, 1, "character 1, 'é', is not printable ASCII"},
		{[]string{"connect", "--socket", sock, "--ssid", "x", "--passphrase", strings.Repeat("a", 64)}, 1, "has 64 characters; WPA2 wants 8 to 63 printable ASCII characters, or --psk with 64 hex digits"},
		{[]string{"connect", "--socket", sock, "--ssid", "x", "--psk", "abcd"}, 1, "--psk has 4 characters; it wants 64 hex digits"},
		{[]string{"connect", "--socket", sock, "--ssid", "x", "--psk", strings.Repeat("g", 64)}, 1, "it wants 64 hex digits"},
		{[]string{"connect", "--socket", sock, "--ssid", "x", "--psk", strings.Repeat("0", 64), "--passphrase", "12345678"}, 1, "exclude each other"},
		{[]string{"status", "--socket", sock, "--ssid", "x"}, 2, "unknown flag: --ssid"},
		{[]string{"status", "--socket", sock, "extra"}, 1, "unexpected argument"},
		{[]string{"status", "--socket", sock}, 1, "no wlan connect is running"},
		{[]string{"disconnect", "--socket", sock}, 1, "no wlan connect is running"},
		{[]string{"scan", "--mac", "zz"}, 1, "--mac \"zz\""},
		{[]string{"scan", "--no-such-flag"}, 2, "unknown flag"},
		{[]string{"connect", "--socket", sock, "--ssid", "x", "--addr", "198.18.0.2"}, 1, "want an IPv4 address with prefix length"},
		{[]string{"connect", "--socket", sock, "--ssid", "x", "--addr", "198.18.0.2/24", "--dhcp"}, 1, "exclude each other"},
		{[]string{"ping", "--socket", sock}, 1, "want one destination address"},
		{[]string{"ping", "--socket", sock, "ff02::1"}, 1, "is not a unicast IPv4 or IPv6 address"},
		{[]string{"ping", "--socket", sock, "2001:db8::1%wlan0"}, 1, "a zone only on link-local ones"},
		{[]string{"ping", "--socket", sock, "fe80::1%wlan0"}, 1, "no wlan connect is running"},
		{[]string{"ping", "--socket", sock, "--count", "0", "198.18.0.1"}, 1, "--count must be at least 1"},
		{[]string{"ping", "--socket", sock, "198.18.0.1"}, 1, "no wlan connect is running"},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		if code := run(c.args, &out, &errb); code != c.code || !strings.Contains(errb.String(), c.msg) {
			t.Errorf("wlan %v: exit %d, stderr %q; want %d and %q", c.args, code, errb.String(), c.code, c.msg)
		}
	}
}

// TestHelp: --help shows that subcommand's flags only, on stdout, exit 0.
func TestHelp(t *testing.T) {
	for _, c := range []struct {
		cmd       string
		want, not []string
	}{
		{"connect", []string{"wlan connect --ssid SSID", "--passphrase", "--psk", "--timestamps", "--socket"}, []string{"--count", "--json"}},
		{"ping", []string{"wlan ping ADDR", "--count", "--interval", "--socket"}, []string{"--ssid", "--json"}},
		{"scan", []string{"wlan scan", "--json", "--mac"}, []string{"--ssid", "--count"}},
		{"status", []string{"--json"}, []string{"--psk"}},
	} {
		var out, errb bytes.Buffer
		code := run([]string{c.cmd, "--help"}, &out, &errb)
		if code != 0 || errb.Len() != 0 {
			t.Errorf("wlan %s --help: exit %d, stderr %q", c.cmd, code, errb.String())
		}
		for _, w := range c.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("wlan %s --help lacks %q:\n%s", c.cmd, w, out.String())
			}
		}
		for _, w := range c.not {
			if strings.Contains(out.String(), w) {
				t.Errorf("wlan %s --help shows another command's %q:\n%s", c.cmd, w, out.String())
			}
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "wlan connect --ssid SSID [--passphrase P | --psk HEX]") {
		t.Errorf("wlan help: %d %q", code, out.String())
	}
}

func TestParseKey(t *testing.T) {
	psk := strings.Repeat("0f", 32)
	k, err := parseKey("", psk)
	if err != nil || k == nil || k[0] != 0x0f || k[31] != 0x0f {
		t.Fatalf("parseKey(psk) = %x, %v", k, err)
	}
	if k, err := parseKey("", strings.ToUpper(strings.Repeat("ab", 32))); err != nil || k[5] != 0xab {
		t.Fatalf("upper-case hex: %x %v", k, err)
	}
	for _, ok := range []string{"", "12345678", strings.Repeat("~", 63)} {
		if k, err := parseKey(ok, ""); err != nil || k != nil {
			t.Errorf("parseKey(%q) = %v %v", ok, k, err)
		}
	}
}

func TestScanRowsHidden(t *testing.T) {
	es := []net80211.ScanEntry{{SSID: []byte("net")}, {SSID: nil}, {SSID: make([]byte, 7)}}
	rows := scanRows(es)
	if rows[0].Hidden || !rows[1].Hidden || !rows[2].Hidden || rows[2].SSID != "" {
		t.Fatalf("rows %+v", rows)
	}
	var b bytes.Buffer
	if err := printScan(&b, rows, false); err != nil {
		t.Fatal(err)
	}
	if strings.Count(b.String(), "<hidden>") != 2 {
		t.Fatalf("table:\n%s", b.String())
	}
}

func TestPrintStatusRefused(t *testing.T) {
	var b bytes.Buffer
	v := statusView{State: "RUN", RefusedByOtherRadios: 17}
	v.Drops.MediumUnacked = 3
	if err := printStatus(&b, v, false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "refused: 17 of our frames by other radios") {
		t.Fatalf("status:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "drops:") && (strings.Contains(l, "refused") || strings.Contains(l, "17")) {
			t.Fatalf("drops line still counts refusals: %q", l)
		}
	}
}

func TestPrintScan(t *testing.T) {
	rows := []scanRow{
		{BSSID: "02:00:00:00:00:00", SSID: "gopkt-wlan", Channel: 6, FreqMHz: 2437, Signal: -50, Security: "WPA2-PSK"},
		{BSSID: "02:00:00:00:01:00", SSID: "open", Channel: 1, FreqMHz: 2412, Signal: -71, Security: "open"},
	}
	var b bytes.Buffer
	if err := printScan(&b, rows, false); err != nil {
		t.Fatal(err)
	}
	want := "BSSID              SSID        CHANNEL  SIGNAL   SECURITY\n" +
		"02:00:00:00:00:00  gopkt-wlan  6        -50 dBm  WPA2-PSK\n" +
		"02:00:00:00:01:00  open        1        -71 dBm  open\n"
	if b.String() != want {
		t.Fatalf("table:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	if err := printScan(&b, rows[:1], true); err != nil {
		t.Fatal(err)
	}
	wantJSON := `[
  {
    "bssid": "02:00:00:00:00:00",
    "ssid": "gopkt-wlan",
    "channel": 6,
    "freq_mhz": 2437,
    "signal_dbm": -50,
    "security": "WPA2-PSK"
  }
]
`
	if b.String() != wantJSON {
		t.Fatalf("JSON:\n%s", b.String())
	}
}

func TestChannelOf(t *testing.T) {
	for mhz, ch := range map[int]int{2412: 1, 2437: 6, 2472: 13, 2484: 14, 5180: 36, 5825: 165, 900: 0, 2400: 0} {
		if got := channelOf(mhz); got != ch {
			t.Errorf("channelOf(%d) = %d, want %d", mhz, got, ch)
		}
	}
}

// TestPrintStatusSecurity: status names the key management, and for SAE
// the exchange's counters.
func TestPrintStatusSecurity(t *testing.T) {
	for _, c := range []struct {
		v    statusView
		want string
	}{
		{statusView{Security: "WPA3-SAE (hunting-and-pecking)", SAE: saeView{Commits: 2, Confirms: 1, Tokens: 1}}, "security: WPA3-SAE (hunting-and-pecking); 2 commits, 1 confirms sent (0 repeated, 0 new exchanges), 1 anti-clogging tokens, 0 dropped; PMKSA cache 0 used, 0 refused\n"},
		{statusView{Security: "WPA3-SAE (hash-to-element)", SAE: saeView{Commits: 2, Confirms: 3, Retransmits: 1, Restarts: 1}}, "security: WPA3-SAE (hash-to-element); 2 commits, 3 confirms sent (1 repeated, 1 new exchanges), 0 anti-clogging tokens, 0 dropped; PMKSA cache 0 used, 0 refused\n"},
		{statusView{Security: "WPA3-SAE (hash-to-element, group 21)", SAE: saeView{Commits: 3, Confirms: 1, GroupsRefused: 2}}, "security: WPA3-SAE (hash-to-element, group 21); 3 commits, 1 confirms sent (0 repeated, 0 new exchanges), 0 anti-clogging tokens, 2 groups refused (status 77), 0 dropped; PMKSA cache 0 used, 0 refused\n"},
		{statusView{Security: "WPA2-PSK"}, "security: WPA2-PSK\n"},
	} {
		var b bytes.Buffer
		if err := printStatus(&b, c.v, false); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), c.want) {
			t.Errorf("status lacks %q:\n%s", c.want, b.String())
		}
	}
}

func TestProgressLines(t *testing.T) {
	cases := []struct {
		e    net80211.Event
		want string
	}{
		{net80211.Event{Kind: net80211.EventScanning}, "scanning"},
		{net80211.Event{Kind: net80211.EventScanDone}, ""},
		{net80211.Event{Kind: net80211.EventAuthenticating, BSSID: "02:00:00:00:00:00"}, "authenticating with 02:00:00:00:00:00"},
		{net80211.Event{Kind: net80211.EventAuthenticating, BSSID: "02:00:00:00:00:00", Security: "WPA3-SAE (hash-to-element)"}, "authenticating with 02:00:00:00:00:00 (WPA3-SAE (hash-to-element))"},
		{net80211.Event{Kind: net80211.EventAuthenticating, BSSID: "02:00:00:00:00:00", Security: "WPA2-PSK"}, "authenticating with 02:00:00:00:00:00"},
		{net80211.Event{Kind: net80211.EventAssociating}, "associating"},
		{net80211.Event{Kind: net80211.EventHandshake}, "handshake"},
		{net80211.Event{Kind: net80211.EventConnected, SSID: "n", BSSID: "02:00:00:00:00:00"}, `connected to "n" (02:00:00:00:00:00)`},
		{net80211.Event{Kind: net80211.EventFailed, Err: errors.New("boom")}, ""},
		{net80211.Event{Kind: net80211.EventAuthRetry, Err: errors.New("SAE: no Confirm from the AP after 2 of ours; new exchange 2 of 4")}, "retrying: SAE: no Confirm from the AP after 2 of ours; new exchange 2 of 4"},
	}
	for _, c := range cases {
		if got := progress(c.e); got != c.want {
			t.Errorf("progress(%v) = %q, want %q", c.e.Kind, got, c.want)
		}
	}
}

func TestControlSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctl.sock")
	l, err := serveControl(path, func(r request) response {
		switch r.Cmd {
		case "status":
			return response{Status: &statusView{State: "RUN", BSSID: "02:00:00:00:00:00", PortOpen: true}}
		case "scan":
			return response{Scan: []scanRow{{SSID: "x"}}}
		}
		return response{Error: "unknown command " + r.Cmd}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := serveControl(path, nil); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second listener on a live socket: %v", err)
	}
	resp, err := call(path, request{Cmd: "status"})
	if err != nil || resp.Status == nil || resp.Status.BSSID != "02:00:00:00:00:00" || !resp.Status.PortOpen {
		t.Fatalf("status: %+v %v", resp, err)
	}
	if resp, err := call(path, request{Cmd: "scan"}); err != nil || len(resp.Scan) != 1 {
		t.Fatalf("scan: %+v %v", resp, err)
	}
	if _, err := call(path, request{Cmd: "reboot"}); err == nil || err.Error() != "unknown command reboot" {
		t.Fatalf("unknown command: %v", err)
	}
	// Garbage on the socket gets an error answer, not a crash.
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("{not json\n"))
	buf := make([]byte, 256)
	n, _ := c.Read(buf)
	c.Close()
	if !strings.Contains(string(buf[:n]), "malformed request") {
		t.Fatalf("garbage answered with %q", buf[:n])
	}
	var out, errb bytes.Buffer
	if code := run([]string{"status", "--socket", path}, &out, &errb); code != 0 || !strings.Contains(out.String(), "bssid:   02:00:00:00:00:00") {
		t.Fatalf("wlan status: %d %q %q", code, out.String(), errb.String())
	}
}

func TestPrintPing(t *testing.T) {
	cases := []struct {
		v    pingView
		want string
	}{
		{pingView{Dst: "198.18.0.1", Sent: 4, Received: 3, Errors: 1, Min: 1500 * time.Microsecond, Avg: 2 * time.Millisecond, Max: 2500 * time.Microsecond, FirstErr: "context deadline exceeded"},
			"--- 198.18.0.1 ping statistics ---\n4 packets transmitted, 3 received, 25% packet loss\nrtt min/avg/max = 1.500/2.000/2.500 ms\nfirst error: context deadline exceeded\n"},
		{pingView{Dst: "198.18.0.9", Sent: 2, Errors: 2},
			"--- 198.18.0.9 ping statistics ---\n2 packets transmitted, 0 received, 100% packet loss\n"},
	}
	for _, c := range cases {
		var b bytes.Buffer
		printPing(&b, c.v)
		if b.String() != c.want {
			t.Errorf("printPing(%+v):\n%s\nwant:\n%s", c.v, b.String(), c.want)
		}
	}
	// A ping request may take four times its count of intervals (a loaded
	// machine stretches them) plus the last wait and a minute.
	r := request{Cmd: "ping", Count: 1000, Interval: 10 * time.Millisecond, Wait: 2 * time.Second}
	if d := r.duration(); d != 102*time.Second {
		t.Errorf("duration %v, want 1m42s", d)
	}
}
