package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/internal/vmtest"
)

// TestVMWlanPMF joins hostapd with ieee80211w=2 (PMF required), then =1
// (optional):
//   - hostapd lists us with [MFP]; wlan status says pmf on; 100 pings each way;
//   - hostapd_cli sa_query: we answer (protected) and stay;
//   - an unprotected Deauthentication (hostapd_cli deauthenticate test=0):
//     we do not leave, our SA Query is answered by the AP;
//   - a protected Deauthentication (hostapd_cli deauthenticate): we leave
//     and rejoin by ourselves, traffic resumes;
//   - ieee80211w=1: [MFP] again, pings pass;
//   - wpa_key_mgmt=WPA-PSK-SHA256 (AKM 6) with ieee80211w=2: hostapd
//     lists AKM 00-0f-ac-6 and [MFP], status says WPA2-PSK-SHA256 and pmf
//     on, an SA Query from hostapd is answered, 50 pings each way; the
//     capture has the 4-way handshake with descriptor version 3
//     (AES-128-CMAC MICs) both ways, nothing malformed;
//   - wpa_key_mgmt=WPA-PSK WPA-PSK-SHA256, ieee80211w=1: we choose AKM 6;
//   - the other ciphers, ieee80211w=2: rsn_pairwise=CCMP GCMP GCMP-256
//     group_cipher=GCMP-256 group_mgmt_cipher=BIP-GMAC-256 (we choose
//     GCMP-256); SAE with rsn_pairwise=GCMP group_mgmt_cipher=BIP-GMAC-128;
//     rsn_pairwise=CCMP group_mgmt_cipher=BIP-CMAC-256. In each hostapd
//     lists our pairwise cipher and [MFP], status names the three ciphers,
//     SA Queries both ways, 50 pings each way, a group rekey (hostapd's
//     REKEY_GTK: a new GTK and IGTK); a broadcast Deauthentication
//     from hostapd (hostapd_cli deauthenticate ff:ff:ff:ff:ff:ff: the MME
//     under the suite) preceded by the medium's copy with a wrong MIC
//     (connect --forge-bip 1): the copy is a BIP error, the frame is
//     verified and obeyed, we rejoin and pass traffic; wlan decrypt
//     decrypts every GCMP-256 data frame of that phase's capture, as many
//     as tshark;
//
// and tshark on the capture finds protected Action and Deauthentication
// frames, nothing malformed.
func TestVMWlanPMF(t *testing.T) {
	res := vmtest.Run(t, vmtest.Config{
		Modules:  []string{"rfkill", "libarc4", "cfg80211", "ctr", "ccm", "cmac", "gcm", "ghash-generic", "mac80211", "virtio_ring", "virtio", "mac80211_hwsim radios=1"},
		Commands: []string{"./tools/wlan"},
		Debs:     []string{"hostapd", "iputils-ping", "iw"},
		Files: []vmtest.File{
			{Guest: "/etc/hostapd-pmf2.conf", Mode: 0o644, Data: []byte(wpaConf + "ieee80211w=2\n")},
			{Guest: "/etc/hostapd-pmf1.conf", Mode: 0o644, Data: []byte(wpaConf + "ieee80211w=1\n")},
			{Guest: "/etc/hostapd-sha256.conf", Mode: 0o644, Data: []byte(strings.Replace(wpaConf, "wpa_key_mgmt=WPA-PSK", "wpa_key_mgmt=WPA-PSK-SHA256", 1) + "ieee80211w=2\n")},
			{Guest: "/etc/hostapd-psk26.conf", Mode: 0o644, Data: []byte(strings.Replace(wpaConf, "wpa_key_mgmt=WPA-PSK", "wpa_key_mgmt=WPA-PSK WPA-PSK-SHA256", 1) + "ieee80211w=1\n")},
			{Guest: "/etc/hostapd-gmac256.conf", Mode: 0o644, Data: []byte(strings.Replace(wpaConf, "rsn_pairwise=CCMP", "rsn_pairwise=CCMP GCMP GCMP-256", 1) + "group_cipher=GCMP-256\ngroup_mgmt_cipher=BIP-GMAC-256\nieee80211w=2\n")},
			{Guest: "/etc/hostapd-gmac128.conf", Mode: 0o644, Data: []byte(strings.Replace(saeConf, "rsn_pairwise=CCMP", "rsn_pairwise=GCMP", 1) + "group_mgmt_cipher=BIP-GMAC-128\n")},
			{Guest: "/etc/hostapd-cmac256.conf", Mode: 0o644, Data: []byte(wpaConf + "group_mgmt_cipher=BIP-CMAC-256\nieee80211w=2\n")},
		},
		Append:  "no_timer_check",
		Timeout: 9 * time.Minute,
		Quiet:   true,
		Script:  wlanPMFScript,
	})
	for _, l := range res.Grep("RESULT ") {
		t.Log(l[strings.Index(l, "RESULT "):])
	}
	for _, l := range res.Grep("PHASE ") {
		t.Log(l[strings.Index(l, "PHASE "):])
	}
	path := capturedPcap(t, res)
	hosttest.Require(t, hosttest.Tshark)
	action := tsharkFields(t, path, "wlan.fc.type_subtype == 0x000d && wlan.fc.protected == 1")
	deauth := tsharkFields(t, path, "wlan.fc.type_subtype == 0x000c", "wlan.fc.protected")
	malformed := tsharkFields(t, path, "_ws.malformed")
	t.Logf("capture: %d protected Action frames, deauthentications (protected flag) %v, %d malformed", len(action), deauth, len(malformed))
	// hostapd's SA Query and our answer, then our SA Query after the
	// forged deauthentication and hostapd's answer: four at least.
	if len(action) < 4 {
		t.Errorf("want the SA Query exchanges as protected Action frames, got %d", len(action))
	}
	// The forged deauthentication (clear) and hostapd's real one
	// (protected) are both on the air; ours at disconnect is protected.
	var clear, protected int
	for _, d := range deauth {
		if d == "1" || d == "True" {
			protected++
		} else {
			clear++
		}
	}
	if clear < 1 || protected < 2 {
		t.Errorf("deauthentications in the capture: %d clear, %d protected; want the forged one clear, hostapd's and ours protected", clear, protected)
	}
	if len(malformed) != 0 {
		t.Errorf("tshark finds %d malformed frames", len(malformed))
	}

	spath := capturedPcapPrefix(t, res, "PCAPS6:")
	vers := tsharkFields(t, spath, "eapol", "wlan.sa", "wlan_rsna_eapol.keydes.key_info.keydes_version")
	t.Logf("AKM 6 capture: EAPOL-Key frames (from, descriptor version) %v", vers)
	var v3, other int
	for _, v := range vers {
		if f := strings.Fields(v); len(f) == 2 && f[1] == "3" {
			v3++
		} else {
			other++
		}
	}
	if v3 < 4 || other != 0 {
		t.Errorf("AKM 6 4-way handshake: %d EAPOL-Key frames with descriptor version 3 (want 4 at least), %d with another", v3, other)
	}
	if assoc := tsharkFields(t, spath, "wlan.fc.type_subtype == 0x0000 && wlan.rsn.akms.type == 6 && wlan.rsn.capabilities.mfpc == 1"); len(assoc) == 0 {
		t.Errorf("no Association Request with AKM 6 and MFPC in the AKM 6 capture")
	}
	if m := tsharkFields(t, spath, "_ws.malformed"); len(m) != 0 {
		t.Errorf("tshark finds %d malformed frames in the AKM 6 capture", len(m))
	}

	// The GCMP-256 / BIP-GMAC-256 phase: the broadcast Deauthentication
	// with its 26-octet MME (forged copy and real one) is on the air, and
	// wlan decrypt follows the two GCMP-256 associations in the capture.
	gpath := capturedPcapPrefix(t, res, "PCAPG256:")
	bdeauth := tsharkFields(t, gpath, "wlan.fc.type_subtype == 0x000c && wlan.da == ff:ff:ff:ff:ff:ff && wlan.tag.number == 76", "wlan.tag.length")
	t.Logf("GCMP-256 capture: broadcast deauthentications with an MME (its length) %v", bdeauth)
	if len(bdeauth) < 2 {
		t.Errorf("want the forged and the real broadcast deauthentication with an MME in the GCMP-256 capture, got %v", bdeauth)
	}
	if m := tsharkFields(t, gpath, "_ws.malformed"); len(m) != 0 {
		t.Errorf("tshark finds %d malformed frames in the GCMP-256 capture", len(m))
	}
	out := filepath.Join(t.TempDir(), "gmac256-dec.pcap")
	args := []string{"decrypt", "-r", gpath, "-w", out, "--ssid", "gopkt-wlan", "--passphrase", "the right passphrase"}
	var so, se strings.Builder
	if rc := run(args, &so, &se); rc != 0 {
		t.Fatalf("wlan %q: status %d\n%s%s", args, rc, so.String(), se.String())
	}
	t.Logf("wlan decrypt on the GCMP-256 capture:\n%s", so.String())
	wpa, dec, hs := summaryCount(t, so.String(), "WPA (TKIP/CCMP/GCMP)"), summaryCount(t, so.String(), "decrypted"), summaryCount(t, so.String(), "handshakes")
	if wpa < 100 || dec != wpa || hs < 2 {
		t.Errorf("GCMP-256 capture: %d WPA frames, %d decrypted, %d handshakes; want 100 or more, all, 2 (before and after the broadcast deauthentication)", wpa, dec, hs)
	}
	hosttest.TsharkClean(t, out)
	if n := tsharkDecrypted(t, gpath, `"wpa-pwd","the right passphrase:gopkt-wlan"`); n != dec {
		t.Errorf("tshark decrypts %d data frames of the GCMP-256 capture, we %d", n, dec)
	}
}

const wlanPMFScript = `
ip link set wlan0 up
ip addr add 198.18.0.1/24 dev wlan0
` + apLib + `
pings() {
	/bin/ping -c $1 -i 0.02 -w 120 198.18.0.2 > /tmp/lping.log 2>&1 &
	lp=$!
	wlan ping 198.18.0.1 --count $1 --interval 20ms > /tmp/wping.log 2>&1 || true
	wait $lp || true
	echo "RESULT $2: Linux -> us: $(ping_answered /tmp/lping.log $1) of $1 answered ($(grep 'packets transmitted' /tmp/lping.log))"
	echo "RESULT $2: us -> Linux: $(grep 'packets transmitted' /tmp/wping.log) $(grep 'first error' /tmp/wping.log)"
	[ "$(ping_answered /tmp/lping.log $1)" = "$1" ] || { wlan status | sed "s/^/STATUS $2: /"; fail "$2: Linux -> us: $(ping_answered /tmp/lping.log $1) of the first $1 echo requests answered"; }
	expect "$(cat /tmp/wping.log)" "$1 packets transmitted, $1 received"
}
STA=02:67:6f:70:6b:01
start_ap /etc/hostapd-pmf2.conf
wlan connect --ssid gopkt-wlan --passphrase 'the right passphrase' --addr 198.18.0.2/24 --pcap /tmp/pmf.pcap > /tmp/connect.log 2>&1 &
pid=$!
wait_log 30 '^connected' /tmp/connect.log
wait_for 5 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
flags=$(ap all_sta | grep '^flags=')
echo "RESULT pmf2 hostapd $flags"
echo "$flags" | grep -qF '[MFP]' || fail "hostapd does not list MFP for us"
wlan status | grep -q '^pmf: *on' || { wlan status; fail "status does not say pmf on"; }
pings 100 pmf2

# The AP asks whether we still have our keys: we answer, protected.
must ap sa_query $STA
sleep 1
out=$(wlan status | grep '^pmf:'); echo "RESULT after sa_query: $out"
expect "$out" "SA Query: 1 answered"

# A forged (unprotected) deauthentication: dropped, our SA Query is
# answered by the AP, we stay.
must ap deauthenticate $STA test=0
sleep 2
out=$(wlan status | grep '^pmf:'); echo "RESULT after unprotected deauth: $out"
expect "$out" "1 unprotected dropped"
expect "$out" "1 of ours confirmed"
[ $(grep -c '^connected' /tmp/connect.log) -eq 1 ] || fail "an unprotected deauthentication made us leave"
reject "$(cat /tmp/connect.log)" "disconnected (reason"
pings 50 after-forged-deauth

# A real (protected) deauthentication: we leave and rejoin.
must ap deauthenticate $STA
wait_for 20 sh -c '[ $(grep -c "^connected" /tmp/connect.log) -ge 2 ]'
wait_for 5 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
expect "$(cat /tmp/connect.log)" "disconnected (reason"
pings 50 after-protected-deauth
must wlan disconnect
wait $pid || { cat /tmp/connect.log; fail "wlan connect exited with status $?"; }
cat /tmp/connect.log

# PMF optional.
stop_ap
start_ap /etc/hostapd-pmf1.conf
wlan connect --ssid gopkt-wlan --passphrase 'the right passphrase' --addr 198.18.0.2/24 > /tmp/connect1.log 2>&1 &
pid=$!
wait_log 30 '^connected' /tmp/connect1.log
wait_for 5 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
flags=$(ap all_sta | grep '^flags=')
echo "RESULT pmf1 hostapd $flags"
echo "$flags" | grep -qF '[MFP]' || fail "hostapd does not list MFP for us (ieee80211w=1)"
pings 50 pmf1
must wlan disconnect
wait $pid || { cat /tmp/connect1.log; fail "wlan connect (pmf1) exited with status $?"; }
stop_ap

# AKM 6 (PSK with the SHA-256 KDF), PMF required.
start_ap /etc/hostapd-sha256.conf
wlan connect --ssid gopkt-wlan --passphrase 'the right passphrase' --addr 198.18.0.2/24 --pcap /tmp/sha256.pcap --pcap-count 60 > /tmp/connect6.log 2>&1 &
pid=$!
wait_log 30 '^connected' /tmp/connect6.log
wait_for 5 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
echo "RESULT sha256 hostapd $(ap all_sta | grep -E '^(flags|AKMSuiteSelector)=' | tr '\n' ' ')"
ap all_sta | grep -q '^AKMSuiteSelector=00-0f-ac-6' || fail "sha256: hostapd does not list AKM 00-0f-ac:6 for us"
ap all_sta | grep -qF '[MFP]' || fail "sha256: hostapd does not list MFP for us"
out=$(wlan status | grep -E '^(security|pmf):' | tr '\n' ' ')
echo "RESULT sha256 wlan $out"
expect "$out" "security: WPA2-PSK-SHA256"
echo "$out" | grep -qE 'pmf: +on' || fail "sha256: status does not say pmf on: $out"
must ap sa_query $STA
sleep 1
expect "$(wlan status | grep '^pmf:')" "SA Query: 1 answered"
pings 50 sha256
must wlan disconnect
wait $pid || { cat /tmp/connect6.log; fail "wlan connect (sha256) exited with status $?"; }
stop_ap

# AKMs 2 and 6 offered: we choose 6.
start_ap /etc/hostapd-psk26.conf
wlan connect --ssid gopkt-wlan --passphrase 'the right passphrase' --addr 198.18.0.2/24 > /tmp/connect26.log 2>&1 &
pid=$!
wait_log 30 '^connected' /tmp/connect26.log
wait_for 5 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
echo "RESULT psk26 hostapd $(ap all_sta | grep -E '^(flags|AKMSuiteSelector)=' | tr '\n' ' ')"
ap all_sta | grep -q '^AKMSuiteSelector=00-0f-ac-6' || fail "psk26: hostapd lists another AKM than 6 for us"
expect "$(wlan status | grep '^security:')" "WPA2-PSK-SHA256"
pings 20 psk26
must wlan disconnect
wait $pid || { cat /tmp/connect26.log; fail "wlan connect (psk26) exited with status $?"; }
stop_ap

# GCMP-256 and the other group management ciphers (hwsim's cipher list has
# them all; mac80211 does them in software). Each phase: hostapd lists the
# pairwise cipher and [MFP], status names the ciphers, the AP's SA Query
# is answered under the pairwise cipher and ours (after a forged unicast
# deauthentication) is answered by the AP, 50 pings each way; then a
# group-addressed Deauthentication from hostapd (BIP under the suite),
# which the medium precedes by a copy with a wrong MIC (--forge-bip 1):
# the copy dropped and counted, the real one verified and obeyed, we rejoin.
# iw 5.19 names BIP-CMAC-128 "CMAC", the others "GMAC-128" and so on.
ciphers=$(iw phy | sed -n '/Supported Ciphers:/,/Available Antennas/p' | grep -o '[A-Z][A-Z0-9-]* (00-0f-ac:[0-9]*)' | tr '\n' ' ')
echo "RESULT ciphers: $ciphers"
for c in GCMP-256 GMAC-128 GMAC-256 CMAC-256; do expect "$ciphers" "$c (00-0f-ac"; done
bip_phase() { # name conf pairwise-selector pairwise group mgmt [pcap]
	echo "PHASE $1 at $(cut -d' ' -f1 /proc/uptime) s"
	start_ap $2
	cap=""
	[ -n "$7" ] && cap="--pcap $7 --pcap-count 800"
	wlan connect --ssid gopkt-wlan --passphrase 'the right passphrase' --addr 198.18.0.2/24 --forge-bip 1 $cap > /tmp/connect-$1.log 2>&1 &
	pid=$!
	wait_log 40 '^connected' /tmp/connect-$1.log
	wait_for 5 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
	echo "RESULT $1 hostapd $(ap all_sta | grep -E '^(flags|AKMSuiteSelector|dot11RSNAStatsSelectedPairwiseCipher)=' | tr '\n' ' ')"
	ap all_sta | grep -q "^dot11RSNAStatsSelectedPairwiseCipher=$3" || fail "$1: hostapd lists another pairwise cipher than $3 for us"
	ap all_sta | grep -qF '[MFP]' || fail "$1: hostapd does not list MFP for us"
	out=$(wlan status | grep -E '^(security|ciphers|pmf):' | tr '\n' ' ')
	echo "RESULT $1 wlan $out"
	expect "$(wlan status)" "$4 pairwise, $5 group"
	expect "$(wlan status | grep '^pmf:')" "on ($6)"
	must ap sa_query $STA
	wait_for 5 sh -c 'wlan status | grep -q "SA Query: 1 answered"'
	# A forged unicast deauthentication: our SA Query Request goes out
	# under the pairwise cipher, and hostapd's answer proves it decrypted it.
	must ap deauthenticate $STA test=0
	wait_for 5 sh -c 'wlan status | grep -q "1 unprotected dropped.*1 of ours confirmed"'
	pings 50 $1
	# A group rekey: hostapd's group message 1 carries a new GTK and a new
	# IGTK (key ID 5) of the suite's length; the broadcast frame below is
	# protected with it.
	n=$(grep -c '^rekeyed' /tmp/connect-$1.log || true)
	must ap raw REKEY_GTK
	wait_for 10 sh -c "[ \$(grep -c '^rekeyed' /tmp/connect-$1.log) -gt $n ]"
	must ap deauthenticate ff:ff:ff:ff:ff:ff
	wait_for 20 sh -c "[ \$(grep -c '^connected' /tmp/connect-$1.log) -ge 2 ]"
	wait_for 5 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
	out=$(wlan status | grep -E '^(pmf|drops):' | tr '\n' ' ')
	echo "RESULT $1 after broadcast deauth: $out"
	expect "$out" "1 group frames verified, 1 BIP errors"
	expect "$out" "(0 swapped), 1 forged,"
	expect "$(cat /tmp/connect-$1.log)" "disconnected (reason"
	pings 10 $1-rejoined
	must wlan disconnect
	wait $pid || { cat /tmp/connect-$1.log; fail "wlan connect ($1) exited with status $?"; }
	sed "s/^/$1: /" /tmp/connect-$1.log
	stop_ap
}
bip_phase gmac256 /etc/hostapd-gmac256.conf 00-0f-ac-9 GCMP-256 GCMP-256 BIP-GMAC-256 /tmp/gmac256.pcap
bip_phase gmac128-sae /etc/hostapd-gmac128.conf 00-0f-ac-8 GCMP-128 GCMP-128 BIP-GMAC-128
bip_phase cmac256 /etc/hostapd-cmac256.conf 00-0f-ac-4 CCMP-128 CCMP-128 BIP-CMAC-256
gzip -c /tmp/pmf.pcap | base64 | sed 's/^/PCAP:/'
gzip -c /tmp/sha256.pcap | base64 | sed 's/^/PCAPS6:/'
gzip -c /tmp/gmac256.pcap | base64 | sed 's/^/PCAPG256:/'
`
