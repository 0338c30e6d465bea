package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/internal/vmtest"
)

// saeConf is a WPA3-Personal network on hostapd: SAE only, PMF required.
const saeConf = `interface=wlan0
driver=nl80211
ctrl_interface=/var/run/hostapd
ssid=gopkt-wlan
hw_mode=g
channel=6
wpa=2
wpa_key_mgmt=SAE
rsn_pairwise=CCMP
ieee80211w=2
wpa_passphrase=the right passphrase
`

// TestVMWlanSAE joins hostapd 2.10 with WPA3-Personal:
//   - sae_pwe=0 (hunting-and-pecking) with sae_anti_clogging_threshold=0,
//     so hostapd asks for an anti-clogging token before every commit:
//     hostapd lists us with [MFP] and AKM 00-0f-ac-8, wlan status says
//     WPA3-SAE (hunting-and-pecking) with one token followed; 1000 pings
//     each way;
//   - sae_pwe=1 (hash-to-element only), with the medium losing the AP's
//     first two SAE Confirms (connect --drop-sae-confirms 2): hostapd
//     never retransmits and answers one repeated Confirm, so we start a
//     new exchange (a "retrying: SAE: ..." line, "1 new exchanges" or
//     more in status) and join: WPA3-SAE (hash-to-element), 1000 pings
//     each way; after hostapd_cli deauthenticate (protected) we rejoin by
//     ourselves on the cached PMKSA (Open System and the PMKID, no second
//     SAE exchange) and pings pass;
//   - a transition network (wpa_key_mgmt=WPA-PSK SAE, ieee80211w=1,
//     sae_pwe=2): we pick SAE, with H2E;
//   - groups 20 and 21 (NIST P-384, P-521), each with sae_pwe=0 and 1:
//     hostapd with sae_groups=20 (or 21) refuses our group 19 (and 20)
//     with status 77 and we follow to the next of our groups (with H2E
//     naming the refused ones in a Rejected Groups element, which hostapd
//     checks); with --sae-groups 21 (or 20) we start there; hostapd with
//     sae_groups=19 20 21 gets our preference (--sae-groups 21,20,19 and
//     20,21,19). wlan status names the group and the refusals; 50 pings
//     each way in each;
//   - a wrong passphrase fails with an error that says so;
//
// and tshark on the capture finds SAE Authentication frames (algorithm 3)
// with the token round, the commit (seq 1) and confirm (seq 2) both ways,
// our Association Request with AKM 8 and MFPR, nothing malformed; on the
// capture of the group-21 H2E join, our Commits in groups 19 and 20
// refused with status 77, then both Commits in group 21, ours with the
// Rejected Groups 19 and 20, nothing malformed.
func TestVMWlanSAE(t *testing.T) {
	res := vmtest.Run(t, vmtest.Config{
		Modules:  []string{"rfkill", "libarc4", "cfg80211", "ctr", "ccm", "cmac", "mac80211", "virtio_ring", "virtio", "mac80211_hwsim radios=1"},
		Commands: []string{"./tools/wlan"},
		Debs:     []string{"hostapd", "iputils-ping", "ethtool"},
		Files: []vmtest.File{
			{Guest: "/etc/hostapd-sae0.conf", Mode: 0o644, Data: []byte(saeConf + "sae_pwe=0\nsae_anti_clogging_threshold=0\n")},
			{Guest: "/etc/hostapd-sae1.conf", Mode: 0o644, Data: []byte(saeConf + "sae_pwe=1\n")},
			{Guest: "/etc/hostapd-g20h0.conf", Mode: 0o644, Data: []byte(saeConf + "sae_pwe=0\nsae_groups=20\n")},
			{Guest: "/etc/hostapd-g20h1.conf", Mode: 0o644, Data: []byte(saeConf + "sae_pwe=1\nsae_groups=20\n")},
			{Guest: "/etc/hostapd-g21h0.conf", Mode: 0o644, Data: []byte(saeConf + "sae_pwe=0\nsae_groups=21\n")},
			{Guest: "/etc/hostapd-g21h1.conf", Mode: 0o644, Data: []byte(saeConf + "sae_pwe=1\nsae_groups=21\n")},
			{Guest: "/etc/hostapd-all0.conf", Mode: 0o644, Data: []byte(saeConf + "sae_pwe=0\nsae_groups=19 20 21\n")},
			{Guest: "/etc/hostapd-all1.conf", Mode: 0o644, Data: []byte(saeConf + "sae_pwe=1\nsae_groups=19 20 21\n")},
			{Guest: "/etc/hostapd-trans.conf", Mode: 0o644, Data: []byte(strings.NewReplacer("wpa_key_mgmt=SAE", "wpa_key_mgmt=WPA-PSK SAE", "ieee80211w=2", "ieee80211w=1").Replace(saeConf) + "sae_pwe=2\n")},
		},
		Append:  "no_timer_check",
		Timeout: 12 * time.Minute,
		Quiet:   true,
		Script:  wlanSAEScript,
	})
	for _, l := range res.Grep("RESULT ") {
		t.Log(l[strings.Index(l, "RESULT "):])
	}
	path := capturedPcap(t, res)
	hosttest.Require(t, hosttest.Tshark)
	auth := tsharkFields(t, path, "wlan.fc.type_subtype == 0x000b && wlan.fixed.auth.alg == 3", "wlan.fixed.auth_seq", "wlan.fixed.status_code")
	malformed := tsharkFields(t, path, "_ws.malformed")
	t.Logf("capture: SAE Authentication frames (seq, status) %v; %d malformed", auth, len(malformed))
	var commits, confirms, tokenReqs int
	for _, a := range auth {
		f := strings.Fields(a)
		if len(f) != 2 {
			continue
		}
		seq, _ := strconv.ParseUint(f[0], 0, 16)
		status, _ := strconv.ParseUint(f[1], 0, 16)
		switch {
		case seq == 1 && status == 76:
			tokenReqs++
		case seq == 1:
			commits++
		case seq == 2:
			confirms++
		}
	}
	// Our commits (one without, one with the token), the token request,
	// the AP's commit, both confirms.
	if tokenReqs < 1 || commits < 3 || confirms < 2 {
		t.Errorf("SAE frames in the capture: %d token requests, %d commits, %d confirms; want the token round, both commits and both confirms", tokenReqs, commits, confirms)
	}
	// Our Association Request names AKM 8 and requires PMF (MFPR).
	assoc := tsharkFields(t, path, "wlan.fc.type_subtype == 0x0000 && wlan.rsn.akms.type == 8 && wlan.rsn.capabilities.mfpr == 1")
	if len(assoc) == 0 {
		t.Errorf("no Association Request with AKM 8 and MFPR in the capture")
	}
	if len(malformed) != 0 {
		t.Errorf("tshark finds %d malformed frames", len(malformed))
	}

	gpath := capturedPcapPrefix(t, res, "PCAPG21:")
	gauth := tsharkFields(t, gpath, "wlan.fc.type_subtype == 0x000b && wlan.fixed.auth.alg == 3 && wlan.fixed.auth_seq == 1", "wlan.sa", "wlan.fixed.status_code", "wlan.fixed.finite_cyclic_group", "wlan.ext_tag.rejected_groups.group")
	t.Logf("group 21 capture: SAE Commits (from, status, group, rejected groups) %v", gauth)
	var refused, ours21, ap21 int
	for _, a := range gauth {
		f := strings.Fields(a)
		if len(f) < 2 {
			continue
		}
		status, _ := strconv.ParseUint(f[1], 0, 16)
		switch {
		case status == 77:
			refused++
		case len(f) >= 4 && f[0] == "02:67:6f:70:6b:01" && f[2] == "21" && strings.Contains(f[3], "19") && strings.Contains(f[3], "20"):
			ours21++
		case len(f) >= 3 && f[0] != "02:67:6f:70:6b:01" && f[2] == "21":
			ap21++
		}
	}
	if refused != 2 || ours21 < 1 || ap21 < 1 {
		t.Errorf("group 21 capture: %d status-77 refusals (want 2), %d of our group-21 Commits naming rejected groups 19 and 20, %d of the AP's group-21 Commits", refused, ours21, ap21)
	}
	if m := tsharkFields(t, gpath, "_ws.malformed"); len(m) != 0 {
		t.Errorf("tshark finds %d malformed frames in the group 21 capture", len(m))
	}
}

// wlanSAEScript uses wlanPrelude's helpers (start_ap, stop_ap, icmp,
// counters: every place an echo can be lost, printed after each ping run).
const wlanSAEScript = wlanPrelude + `
pings() {
	r0=$(icmp InType0); q0=$(icmp InType8)
	/bin/ping -c $1 -i 0.02 -w 120 198.18.0.2 > /tmp/lping.log 2>&1 &
	lp=$!
	wlan ping 198.18.0.1 --count $1 --interval 20ms > /tmp/wping.log 2>&1 || true
	wait $lp || true
	echo "RESULT $2: Linux -> us: $(ping_answered /tmp/lping.log $1) of $1 answered ($(grep 'packets transmitted' /tmp/lping.log))"
	echo "RESULT $2: us -> Linux: $(grep 'packets transmitted' /tmp/wping.log) $(grep 'first error' /tmp/wping.log)"
	echo "RESULT $2: the AP's kernel received $(($(icmp InType0) - r0)) echo replies and $(($(icmp InType8) - q0)) echo requests"
	counters $2
	[ "$(ping_answered /tmp/lping.log $1)" = "$1" ] || fail "$2: Linux -> us: $(ping_answered /tmp/lping.log $1) of the first $1 echo requests answered"
	expect "$(cat /tmp/wping.log)" "$1 packets transmitted, $1 received"
}
# join NAME CONF EXTRA-ARGS: start hostapd, connect, wait until hostapd has
# us authorized.
join() {
	start_ap $2
	wlan connect --timestamps --ssid gopkt-wlan --passphrase 'the right passphrase' --addr 198.18.0.2/24 $3 > /tmp/connect-$1.log 2>&1 &
	pid=$!
	n=0
	while ! grep -q '^connected' /tmp/connect-$1.log; do
		n=$((n + 1))
		if [ $n -gt 80 ]; then
			sed "s/^/STATUS $1: connect: /" /tmp/connect-$1.log
			tail -n 20 /tmp/hostapd.log | sed "s/^/STATUS $1: hostapd: /"
			wlan status | sed "s/^/STATUS $1: status: /"
			# The capture of a failed join, for the console log.
			[ -s /tmp/sae.pcap ] && gzip -c /tmp/sae.pcap | base64 | sed 's/^/PCAP:/'
			fail "$1: not connected after 40 s"
		fi
		sleep 0.5
	done
	wait_for 5 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
	echo "RESULT $1 hostapd $(ap all_sta | grep -E '^(flags|AKMSuiteSelector)=' | tr '\n' ' ')"
	echo "RESULT $1 wlan $(wlan status | grep -E '^(security|pmf):' | tr '\n' ' ')"
	echo "RESULT $1 connect: $(grep -E '^(authenticating|associating|handshake|connected)' /tmp/connect-$1.log | tr '\n' ' ')"
}
leave() {
	must wlan disconnect
	wait $pid || { cat /tmp/connect-$1.log; fail "$1: wlan connect exited with status $?"; }
	stop_ap
}

# WPA3, hunting-and-pecking, every commit needs an anti-clogging token.
join sae0 /etc/hostapd-sae0.conf "--pcap /tmp/sae.pcap --pcap-count 300"
ap all_sta | grep -q '^AKMSuiteSelector=00-0f-ac-8' || fail "sae0: hostapd does not list AKM 00-0f-ac:8 (SAE) for us"
ap all_sta | grep -qF '[MFP]' || fail "sae0: hostapd does not list MFP for us"
out=$(wlan status | grep '^security:')
expect "$out" "WPA3-SAE (hunting-and-pecking)"
echo "$out" | grep -qE ' [1-9][0-9]* anti-clogging tokens' || fail "sae0: no anti-clogging token followed: $out"
expect "$(cat /tmp/connect-sae0.log)" "(WPA3-SAE (hunting-and-pecking))"
pings 1000 sae0
leave sae0

# WPA3, hash-to-element only; the medium loses the AP's first two SAE
# Confirms, so the exchange must recover (a new exchange).
join sae1 /etc/hostapd-sae1.conf "--drop-sae-confirms 2"
ap all_sta | grep -q '^AKMSuiteSelector=00-0f-ac-8' || fail "sae1: hostapd does not list AKM 00-0f-ac:8 (SAE) for us"
out=$(wlan status | grep '^security:')
expect "$out" "WPA3-SAE (hash-to-element)"
echo "$out" | grep -qE '\([0-9]+ repeated, [1-9][0-9]* new exchanges\)' || fail "sae1: no new SAE exchange after the lost Confirms: $out"
expect "$(wlan status | grep '^drops:')" " 2 lost on request"
grep '^retrying: SAE' /tmp/connect-sae1.log | sed 's/^/RESULT sae1 /'
expect "$(cat /tmp/connect-sae1.log)" "retrying: SAE: "
pings 1000 sae1
# A protected deauthentication: we rejoin by ourselves, on the cached
# PMKSA (Open System and the PMKID) when hostapd kept it.
must ap deauthenticate 02:67:6f:70:6b:01
wait_for 30 sh -c '[ $(grep -c "^connected" /tmp/connect-sae1.log) -ge 2 ]' || { cat /tmp/connect-sae1.log; fail "sae1: no rejoin after the deauthentication"; }
wait_for 5 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
out=$(wlan status | grep '^security:')
echo "RESULT sae1 rejoin: $out; $(grep -E '^(authenticating|connected)' /tmp/connect-sae1.log | tail -2 | tr '\n' ' ')"
expect "$out" "PMKSA cache 1 used, 0 refused"
pings 50 sae1-rejoin
leave sae1

# WPA2/WPA3 transition: SAE is chosen.
join trans /etc/hostapd-trans.conf
ap all_sta | grep -q '^AKMSuiteSelector=00-0f-ac-8' || fail "transition: hostapd lists another AKM than SAE: $(ap all_sta | grep AKMSuite)"
expect "$(wlan status | grep '^security:')" "WPA3-SAE (hash-to-element)"
pings 50 trans
leave trans

# SAE groups 20 and 21. hostapd offers one group only: ours before it are
# refused with status 77 and we follow our list.
join g20h0 /etc/hostapd-g20h0.conf
out=$(wlan status | grep '^security:')
expect "$out" "WPA3-SAE (hunting-and-pecking, group 20)"
expect "$out" "1 groups refused (status 77)"
pings 50 g20h0
leave g20h0
join g21h1 /etc/hostapd-g21h1.conf "--pcap /tmp/g21.pcap --pcap-count 40"
out=$(wlan status | grep '^security:')
expect "$out" "WPA3-SAE (hash-to-element, group 21)"
expect "$out" "2 groups refused (status 77)"
pings 50 g21h1
leave g21h1
# Our list starting with the AP's group: no refusal.
join g21h0 /etc/hostapd-g21h0.conf "--sae-groups 21"
out=$(wlan status | grep '^security:')
expect "$out" "WPA3-SAE (hunting-and-pecking, group 21)"
echo "$out" | grep -q 'groups refused' && fail "g21h0: a group refused: $out"
pings 50 g21h0
leave g21h0
join g20h1 /etc/hostapd-g20h1.conf "--sae-groups 20"
expect "$(wlan status | grep '^security:')" "WPA3-SAE (hash-to-element, group 20)"
pings 50 g20h1
leave g20h1
# hostapd with all three: our preference decides.
join all0 /etc/hostapd-all0.conf "--sae-groups 21,20,19"
expect "$(wlan status | grep '^security:')" "WPA3-SAE (hunting-and-pecking, group 21)"
pings 50 all0
leave all0
join all1 /etc/hostapd-all1.conf "--sae-groups 20,21,19"
expect "$(wlan status | grep '^security:')" "WPA3-SAE (hash-to-element, group 20)"
pings 50 all1
leave all1
gzip -c /tmp/g21.pcap | base64 | sed 's/^/PCAPG21:/'

# A wrong passphrase: a clear error, exit status 1.
start_ap /etc/hostapd-sae0.conf
if wlan connect --ssid gopkt-wlan --passphrase 'a wrong passphrase' --timeout 30s > /tmp/wrong.log 2>&1; then fail "connect with a wrong passphrase succeeded"; fi
cat /tmp/wrong.log
echo "RESULT wrong: $(grep 'wlan connect:' /tmp/wrong.log)"
expect "$(cat /tmp/wrong.log)" "the password is"
stop_ap
gzip -c /tmp/sae.pcap | base64 | sed 's/^/PCAP:/'
`
