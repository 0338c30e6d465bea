package main

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/internal/vmtest"
)

// Networks of the decrypt captures: Debian hostapd on hwsim radio 0 and
// Debian wpa_supplicant on radio 1, relayed by `wlan medium`, captured with
// tcpdump on hwsim0 (radiotap, every frame either radio sent).
const (
	decSSID = "gopkt-decrypt"
	decPass = "decrypt passphrase"
	decAP   = "interface=wlan0\ndriver=nl80211\nctrl_interface=/var/run/hostapd\nssid=" + decSSID +
		"\nhw_mode=g\nchannel=1\nauth_algs=1\nwpa_passphrase=" + decPass + "\n"
	decSTA = "ctrl_interface=/var/run/wpa_supplicant\nnetwork={\n\tssid=\"" + decSSID + "\"\n\tpsk=\"" + decPass + "\"\n"
)

// decCase is one capture: hostapd's security lines, wpa_supplicant's
// network lines, seconds of traffic.
type decCase struct {
	name, ap, sta string
	secs          int
}

var decCases = []decCase{
	{"ccmp", "wpa=2\nwpa_key_mgmt=WPA-PSK\nrsn_pairwise=CCMP\n", "\tkey_mgmt=WPA-PSK\n\tproto=RSN\n\tpairwise=CCMP\n", 4},
	{"tkip", "wpa=2\nwpa_key_mgmt=WPA-PSK\nrsn_pairwise=TKIP\n", "\tkey_mgmt=WPA-PSK\n\tproto=RSN\n\tpairwise=TKIP\n\tgroup=TKIP\n", 4},
	{"wpa1", "wpa=1\nwpa_key_mgmt=WPA-PSK\nwpa_pairwise=TKIP\n", "\tkey_mgmt=WPA-PSK\n\tproto=WPA\n\tpairwise=TKIP\n\tgroup=TKIP\n", 4},
	{"rekey", "wpa=2\nwpa_key_mgmt=WPA-PSK\nrsn_pairwise=CCMP\nwpa_group_rekey=3\n", "\tkey_mgmt=WPA-PSK\n\tproto=RSN\n\tpairwise=CCMP\n", 10},
	{"ptkrekey", "wpa=2\nwpa_key_mgmt=WPA-PSK\nrsn_pairwise=CCMP\nwpa_ptk_rekey=4\n", "\tkey_mgmt=WPA-PSK\n\tproto=RSN\n\tpairwise=CCMP\n", 10},
	{"sae", "wpa=2\nwpa_key_mgmt=SAE\nrsn_pairwise=CCMP\nieee80211w=2\n", "\tkey_mgmt=SAE\n\tproto=RSN\n\tpairwise=CCMP\n\tieee80211w=2\n", 4},
}

// decScript runs every case of $CASES in turn: tcpdump on hwsim0, hostapd,
// wpa_supplicant (-K logs the keys: the SAE PMK comes from there), then
// unicast pings each way (static neighbours for addresses nobody has, so
// nothing but the data frames themselves is needed) and broadcast pings
// from the AP (group-addressed: the GTK), then everything stops and the
// capture is printed as gzip+base64 "PCAP-NAME:" lines.
const decScript = `
# diag: what the medium, wpa_supplicant (keys left out) and hostapd said last.
diag() {
	tail -n 10 /tmp/medium.log | sed 's/^/DIAG medium: /'
	grep -v hexdump /tmp/wpas.log | tail -n 60 | sed 's/^/DIAG wpas: /'
	tail -n 30 /tmp/hostapd.log | sed 's/^/DIAG hostapd: /'
	grep -E 'hwsim0|wlan' /proc/net/dev | sed 's/^/DIAG dev: /'
}
ip link set hwsim0 up
ip link set wlan0 up
/bin/ip addr add 198.18.0.1/24 dev wlan0
for c in $CASES; do
	tcpdump -n -i hwsim0 -s 0 -U -w /tmp/$c.pcap 2>/tmp/td.err &
	td=$!
	wait_for 10 grep -q "listening on" /tmp/td.err
	hostapd -B -P /tmp/hostapd.pid -f /tmp/hostapd.log /etc/hostapd-$c.conf || { cat /tmp/hostapd.log; fail "hostapd ($c) did not start"; }
	wait_for 10 sh -c 'hostapd_cli -p /var/run/hostapd status | grep -q state=ENABLED'
	rm -f /tmp/wpas.log
	must wpa_supplicant -B -ddK -t -f /tmp/wpas.log -i wlan1 -D nl80211 -c /etc/wpa-$c.conf -P /tmp/wpas.pid
	i=0
	while ! grep -q CTRL-EVENT-CONNECTED /tmp/wpas.log; do
		i=$((i + 1))
		[ $i -le 600 ] || { diag; fail "wpa_supplicant ($c) did not connect"; }
		sleep 0.1
	done
	/bin/ip addr flush dev wlan1
	/bin/ip addr add 198.18.1.2/24 dev wlan1
	/bin/ip neigh replace 198.18.0.77 lladdr $(cat /sys/class/net/wlan1/address) dev wlan0 nud permanent
	/bin/ip neigh replace 198.18.1.77 lladdr $(cat /sys/class/net/wlan0/address) dev wlan1 nud permanent
	n=$((SECS_$c * 5))
	/bin/ping -q -c $n -i 0.2 -s 100 198.18.0.77 >/dev/null 2>&1 &
	p1=$!
	/bin/ping -q -c $n -i 0.2 -s 200 -I wlan1 198.18.1.77 >/dev/null 2>&1 &
	p2=$!
	/bin/ping -q -b -c $n -i 0.2 -s 300 198.18.0.255 >/dev/null 2>&1 &
	p3=$!
	wait $p1 $p2 $p3 || true
	sleep 1
	echo "PMK-$c: $(grep -m1 'SAE: PMK - hexdump' /tmp/wpas.log | sed 's/.*)://' | tr -d ' ')"
	echo "CONNECTED-$c: $(grep -c CTRL-EVENT-CONNECTED /tmp/wpas.log) GROUP-REKEYS-$c: $(grep -c 'Group rekeying completed\|WPA: Group rekeying completed' /tmp/wpas.log)"
	kill $(cat /tmp/wpas.pid)
	wait_for 5 sh -c '! [ -e /var/run/wpa_supplicant/wlan1 ]'
	kill $(cat /tmp/hostapd.pid)
	wait_for 5 sh -c '! [ -e /var/run/hostapd/wlan0 ]'
	sleep 0.5
	kill $td
	wait $td || true
	gzip -c /tmp/$c.pcap | base64 | sed "s/^/PCAP-$c:/"
done
`

// runDecryptGuest runs the cases in one guest and returns each capture's
// path (in dir) and the console.
func runDecryptGuest(t *testing.T, dir string, cases []decCase) (map[string]string, *vmtest.Result) {
	t.Helper()
	files := []vmtest.File{}
	env := map[string]string{}
	var names []string
	for _, c := range cases {
		files = append(files,
			vmtest.File{Guest: "/etc/hostapd-" + c.name + ".conf", Mode: 0o644, Data: []byte(decAP + c.ap)},
			vmtest.File{Guest: "/etc/wpa-" + c.name + ".conf", Mode: 0o600, Data: []byte(decSTA + c.sta + "}\n")})
		env["SECS_"+c.name] = strconv.Itoa(c.secs)
		names = append(names, c.name)
	}
	env["CASES"] = strings.Join(names, " ")
	res := vmtest.Run(t, vmtest.Config{
		// cmac: BIP for the PMF that SAE requires.
		Modules:  []string{"rfkill", "libarc4", "cfg80211", "ctr", "ccm", "cmac", "mac80211", "virtio_ring", "virtio", "mac80211_hwsim radios=2"},
		Commands: []string{"./tools/wlan"},
		Debs:     []string{"hostapd", "wpasupplicant", "tcpdump", "iproute2", "iputils-ping"},
		// TKIP's RC4 lives in OpenSSL 3's legacy provider.
		Libs:    []string{"/usr/lib/x86_64-linux-gnu/ossl-modules/legacy.so"},
		Files:   files,
		Env:     env,
		Append:  "no_timer_check",
		Timeout: 8 * time.Minute,
		Quiet:   true,
		Script:  "wlan medium > /tmp/medium.log 2>&1 &\nwait_for 10 grep -q relaying /tmp/medium.log\n" + decScript,
	})
	out := map[string]string{}
	for _, c := range cases {
		var b64 strings.Builder
		tag := "PCAP-" + c.name + ":"
		for _, l := range res.Grep(tag) {
			b64.WriteString(strings.TrimSpace(l[strings.Index(l, tag)+len(tag):]))
		}
		gz, err := base64.StdEncoding.DecodeString(b64.String())
		if err != nil || len(gz) == 0 {
			t.Fatalf("%s: no capture on the console: %v\n%s", c.name, err, res.Tail(40))
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, c.name+".pcap")
		if err := os.WriteFile(p, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		out[c.name] = p
	}
	for _, l := range res.Grep("PMK-") {
		t.Log(strings.TrimSpace(l[strings.Index(l, "PMK-"):]))
	}
	for _, l := range res.Grep("CONNECTED-") {
		t.Log(strings.TrimSpace(l[strings.Index(l, "CONNECTED-"):]))
	}
	return out, res
}

// TestVMDecryptCaptures makes the captures of testdata/decrypt into
// $GOPKT_DECRYPT_SAVE (run it by hand to refresh them).
func TestVMDecryptCaptures(t *testing.T) {
	dir := os.Getenv("GOPKT_DECRYPT_SAVE")
	if dir == "" {
		t.Skip("makes the committed decrypt captures: set GOPKT_DECRYPT_SAVE=DIR")
	}
	cases := decCases
	if only := os.Getenv("GOPKT_DECRYPT_CASES"); only != "" {
		cases = nil
		for _, c := range decCases {
			if strings.Contains(" "+only+" ", " "+c.name+" ") {
				cases = append(cases, c)
			}
		}
	}
	paths, _ := runDecryptGuest(t, dir, cases)
	t.Log(paths)
}

// TestVMDecrypt is the decryptor end to end: a fresh capture of hostapd
// and wpa_supplicant (WPA2-CCMP with the GTK rekeyed every 3 s, and
// WPA3-SAE with PMF, whose PMK wpa_supplicant logs) decrypted by `wlan
// decrypt`; every protected data frame must decrypt, the unicast ones
// exactly as airdecap-ng counts them (it has no SAE and no group frames),
// all of them as tshark with the same key counts them, and tshark must
// read our output with nothing malformed.
func TestVMDecrypt(t *testing.T) {
	var cases []decCase
	for _, c := range decCases {
		if c.name == "rekey" || c.name == "sae" {
			cases = append(cases, c)
		}
	}
	paths, res := runDecryptGuest(t, t.TempDir(), cases)
	pmk := ""
	for _, l := range res.Grep("PMK-sae:") {
		pmk = strings.TrimSpace(l[strings.Index(l, "PMK-sae:")+8:])
	}
	if len(pmk) != 64 {
		t.Fatalf("no SAE PMK in wpa_supplicant's log (%q)", pmk)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := paths[c.name]
			out := filepath.Join(t.TempDir(), "out.pcap")
			args := []string{"decrypt", "-r", in, "-w", out, "--ssid", decSSID, "--passphrase", decPass}
			key := `"wpa-pwd","` + decPass + ":" + decSSID + `"`
			if c.name == "sae" {
				args = []string{"decrypt", "-r", in, "-w", out, "--pmk", pmk}
				key = `"wpa-psk","` + pmk + `"`
			}
			var so, se strings.Builder
			if rc := run(args, &so, &se); rc != 0 {
				t.Fatalf("wlan %q: status %d\n%s%s", args, rc, so.String(), se.String())
			}
			t.Logf("%s:\n%s", c.name, so.String())
			wpa, dec, uni := summaryCount(t, so.String(), "WPA (TKIP/CCMP/GCMP)"), summaryCount(t, so.String(), "decrypted"), unicastCount(t, so.String())
			hs := summaryCount(t, so.String(), "handshakes")
			if wpa == 0 || dec != wpa || hs == 0 {
				t.Errorf("%d WPA frames, %d decrypted after %d handshakes: want all", wpa, dec, hs)
			}
			if g := summaryCount(t, so.String(), "group keys"); c.name == "rekey" && g < 3 {
				t.Errorf("%d group keys in 10 s of wpa_group_rekey=3, want 3 or more", g)
			}
			hosttest.TsharkClean(t, out)
			if n := tsharkDecrypted(t, in, key); n != dec {
				t.Errorf("tshark decrypts %d data frames, we %d", n, dec)
			}
			if c.name == "sae" {
				return
			}
			hosttest.Require(t, hosttest.Tool("airdecap-ng", "aircrack-ng"))
			air, err := exec.Command("airdecap-ng", "-e", decSSID, "-p", decPass, "-o", filepath.Join(t.TempDir(), "air.pcap"), in).CombinedOutput()
			if err != nil {
				t.Fatalf("airdecap-ng: %v\n%s", err, air)
			}
			m := regexp.MustCompile(`Number of decrypted WPA  packets\s+(\d+)`).FindStringSubmatch(string(air))
			if m == nil {
				t.Fatalf("airdecap-ng printed no count:\n%s", air)
			}
			n, _ := strconv.ParseUint(m[1], 10, 64)
			switch {
			case hs == 1 && n != uni:
				t.Errorf("airdecap-ng decrypted %d unicast frames, we %d:\n%s", n, uni, air)
			case hs > 1 && n > uni:
				// airdecap-ng keeps one PTK per station, so it loses
				// frames sent under a replaced one; more than us is a bug.
				t.Errorf("airdecap-ng decrypted %d unicast frames, we %d (%d handshakes):\n%s", n, uni, hs, air)
			default:
				t.Logf("airdecap-ng decrypted %d unicast frames, we %d (%d handshakes)", n, uni, hs)
			}
		})
	}
}

// summaryCount reads the number after a label of wlan decrypt's summary.
func summaryCount(t *testing.T, s, label string) uint64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(label) + `\s+(\d+)`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %q in the summary:\n%s", label, s)
	}
	n, _ := strconv.ParseUint(m[1], 10, 64)
	return n
}

func unicastCount(t *testing.T, s string) uint64 {
	t.Helper()
	m := regexp.MustCompile(`\((\d+) unicast`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no unicast count in the summary:\n%s", s)
	}
	n, _ := strconv.ParseUint(m[1], 10, 64)
	return n
}

// tsharkDecrypted counts the protected data frames tshark decrypts with key.
func tsharkDecrypted(t *testing.T, pcap, key string) uint64 {
	t.Helper()
	hosttest.Require(t, hosttest.Tshark)
	out, err := exec.Command("tshark", "-r", pcap, "-o", "wlan.enable_decryption:TRUE", "-o", "uat:80211_keys:"+key,
		"-Y", "wlan.fc.type == 2 && wlan.fc.protected == 1 && llc", "-T", "fields", "-e", "frame.number").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	return uint64(len(strings.Fields(string(out))))
}
