package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/internal/vmtest"
)

// qosConf is a WPA2-PSK network with WMM and HT (802.11n) on hostapd.
const qosConf = wpaConf + "wmm_enabled=1\nieee80211n=1\n"

// TestVMWlanQoS joins hostapd with wmm_enabled=1 and ieee80211n=1: hostapd
// lists the station with [WMM][HT], wlan status says so, 300 pings each way
// pass, and tshark on the radiotap capture finds QoS Data frames (subtype
// 0x28) both from the AP and from us, with nothing malformed. mac80211 on
// the AP side offers a Block Ack agreement once data flows; we accept it,
// and the medium swaps 8 of the AP's QoS Data frames with the frame after
// each (--reorder-data 8): every ping still arrives only if those MPDUs
// are reordered before the replay check (the later one's packet number
// would make the earlier one a replay), and status counts them held. Then
// the same with --crypto soft: CCMP in the software engine, a batch per
// burst, the held frames decrypted before reordering. HT rates: our rate
// control ends on an HT MCS (status and the capture's radiotap MCS field);
// the AP's rates and its station dump are logged.
// A-MSDU: after a burst of queued pings (when mac80211 aggregates, on
// hardware with IEEE80211_HW_TX_AMSDU, which hwsim lacks) status shows
// either no A-MSDU or A-MSDUs split and delivered; the wlantest AP
// proves A-MSDU receive in net80211's tests.
func TestVMWlanQoS(t *testing.T) {
	res := vmtest.Run(t, vmtest.Config{
		Modules:  []string{"rfkill", "libarc4", "cfg80211", "ctr", "ccm", "mac80211", "virtio_ring", "virtio", "mac80211_hwsim radios=1"},
		Commands: []string{"./tools/wlan"},
		Debs:     []string{"hostapd", "iputils-ping", "ethtool", "iw"},
		Files:    []vmtest.File{{Guest: "/etc/hostapd-qos.conf", Mode: 0o644, Data: []byte(qosConf)}},
		Append:   "no_timer_check",
		Timeout:  5 * time.Minute,
		Quiet:    true,
		Script:   wlanQoSScript,
	})
	for _, l := range res.Grep("RESULT ") {
		t.Log(l[strings.Index(l, "RESULT "):])
	}
	path := capturedPcap(t, res)
	hosttest.Require(t, hosttest.Tshark)
	fromAP := tsharkFields(t, path, "wlan.fc.type_subtype == 0x0028 && wlan.fc.ds == 2")
	toAP := tsharkFields(t, path, "wlan.fc.type_subtype == 0x0028 && wlan.fc.ds == 1")
	malformed := tsharkFields(t, path, "_ws.malformed || _ws.expert.severity == error")
	t.Logf("capture: %d QoS Data frames from the AP, %d to it, %d malformed", len(fromAP), len(toAP), len(malformed))
	if len(fromAP) < 10 || len(toAP) < 10 {
		t.Errorf("QoS Data in the capture: %d from the AP, %d to it; want both", len(fromAP), len(toAP))
	}
	// HT rates: our QoS Data at MCS rates (the radiotap MCS field the tap
	// writes for a rate control choice). The AP's rates are logged: the
	// kernel says in HWSIM_ATTR_TX_INFO_FLAGS which are MCSs, and
	// minstrel_ht on hwsim sends most of its data at CCK 2 Mb/s (its
	// station dump agrees), so they are not checked.
	mcsToAP := tsharkFields(t, path, "wlan.fc.type_subtype == 0x0028 && wlan.fc.ds == 1 && radiotap.mcs.index", "radiotap.mcs.index")
	mcsFromAP := tsharkFields(t, path, "wlan.fc.type_subtype == 0x0028 && wlan.fc.ds == 2 && radiotap.mcs.index", "radiotap.mcs.index")
	amsdus := tsharkFields(t, path, "wlan.qos.amsdupresent == 1")
	t.Logf("capture: %d QoS Data frames to the AP at an MCS (%s), %d from it (%s); %d A-MSDUs", len(mcsToAP), histogram(mcsToAP), len(mcsFromAP), histogram(mcsFromAP), len(amsdus))
	if len(mcsToAP) < 10 {
		t.Errorf("HT MCS in the capture: %d of our QoS Data frames; want at least 10", len(mcsToAP))
	}
	if len(malformed) != 0 {
		t.Errorf("tshark finds %d malformed frames: %q", len(malformed), malformed[:min(5, len(malformed))])
	}
}

const wlanQoSScript = `
echo "RESULT phase 1: WMM+HT association, pings with 8 frames swapped, HT rates, A-MSDU"
ip link set wlan0 up
ip addr add 198.18.0.1/24 dev wlan0
hostapd -B -P /tmp/hostapd.pid -f /tmp/hostapd.log /etc/hostapd-qos.conf || { cat /tmp/hostapd.log; fail "hostapd did not start"; }
wait_for 10 sh -c 'hostapd_cli -p /var/run/hostapd status | grep -q state=ENABLED'
wlan connect --ssid gopkt-wlan --passphrase 'the right passphrase' --addr 198.18.0.2/24 --pcap /tmp/qos.pcap --pcap-count 400 --reorder-data 8 > /tmp/connect.log 2>&1 &
pid=$!
wait_log 30 '^connected' /tmp/connect.log
wait_for 5 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
flags=$(hostapd_cli -p /var/run/hostapd all_sta | grep '^flags=')
echo "RESULT hostapd $flags"
echo "$flags" | grep -qF '[WMM]' || fail "hostapd does not list WMM for us"
echo "$flags" | grep -qF '[HT]' || fail "hostapd does not list HT for us"
out=$(wlan status); echo "$out"
expect "$out" "WMM (QoS data), HT"
echo "$out" | sed 's/^/RESULT status at connect: /' 
/bin/ping -c 300 -i 0.01 -w 120 198.18.0.2 > /tmp/lping.log 2>&1 &
lp=$!
wlan ping 198.18.0.1 --count 300 --interval 10ms > /tmp/wping.log 2>&1 || true
wait $lp || true
echo "RESULT Linux -> us: $(ping_answered /tmp/lping.log 300) of 300 answered ($(grep 'packets transmitted' /tmp/lping.log))"
echo "RESULT us -> Linux: $(grep 'packets transmitted' /tmp/wping.log) $(grep 'first error' /tmp/wping.log)"
st=$(wlan status); echo "$st" | sed 's/^/RESULT status: /'
# HT rates: our rate control is on an MCS (status), which the capture
# shows in the radiotap MCS field; the AP's side of the link as mac80211
# keeps it: its TX to us at MCS rates, its RX from us at the legacy rate
# HWSIM_CMD_FRAME can express (it has no HT field: our medium passes the
# highest legacy rate not above the MCS's data rate).
echo "RESULT phase 1b: HT rates"
iw dev wlan0 station dump | grep -E 'bitrate|rx packets|tx packets' | tr -s '\t ' ' ' | sed 's/^/RESULT AP station dump:/'
echo "$st" | grep -qE '^rate: +[0-9.]+ Mb/s \(HT MCS [0-7]\)' || fail "rate control is not on an HT MCS: $(echo "$st" | grep '^rate:')"
# A-MSDU: mac80211 builds A-MSDUs only for hardware that sets
# IEEE80211_HW_TX_AMSDU (ieee80211_amsdu_aggregate's first test), which
# mac80211_hwsim does not (and Debian's kernel has no mac80211 debugfs to
# show hwflags). A burst that queues frames behind each other, which is
# when mac80211 aggregates, must give either no A-MSDU or A-MSDUs split
# and delivered intact.
echo "RESULT phase 1c: A-MSDU"
/bin/ping -c 300 -i 0.002 -l 16 -s 300 -w 30 198.18.0.2 > /tmp/aping.log 2>&1 || true
echo "RESULT A-MSDU burst: $(grep 'packets transmitted' /tmp/aping.log)"
q=$(wlan status | grep '^qos:'); echo "RESULT after the burst: $q"
if echo "$q" | grep -qE '; [1-9][0-9]* A-MSDUs received'; then
	echo "$q" | grep -qE 'A-MSDUs received \([1-9][0-9]* MSDUs delivered; dropped: 0 malformed' || fail "A-MSDUs arrived but were not delivered: $q"
else
	echo "RESULT no A-MSDU from mac80211 on hwsim (no IEEE80211_HW_TX_AMSDU); the wlantest AP sends them in net80211's TestAMSDU*"
fi
echo "RESULT AP ethtool $(ethtool -S wlan0 2>&1 | grep -E 'dropped|failed|rx_packets|tx_packets|retr' | tr -s ' ' | tr '\n' ' ')"
grep -iE 'addba|block|error|fail' /tmp/hostapd.log | tail -n 5 | sed 's/^/RESULT hostapd: /'
must wlan disconnect
wait $pid || { cat /tmp/connect.log; fail "wlan connect exited with status $?"; }
cat /tmp/connect.log
gzip -c /tmp/qos.pcap | base64 | sed 's/^/PCAP:/'
[ "$(ping_answered /tmp/lping.log 300)" = 300 ] || fail "Linux -> us: $(ping_answered /tmp/lping.log 300) of the first 300 echo requests answered"
expect "$(cat /tmp/wping.log)" "300 packets transmitted, 300 received"
echo "$st" | grep -qE 'block ack: +[1-9][0-9]* agreements' || fail "no Block Ack agreement accepted"
echo "$st" | grep -qE '[1-9][0-9]* MPDUs held for reordering' || fail "nothing held for reordering"
echo "$st" | grep -qE '\(8 swapped\)' || fail "the medium did not swap 8 frames"
echo "$st" | grep -qE 'vap rx [0-9]+ duplicate, 0 replay' || fail "replays: reordering failed"

echo "RESULT phase 2: --crypto soft"
# Again with CCMP in the software engine of the crypto offload API
# (--crypto soft): every burst of frames is encrypted, or decrypted before
# Block Ack reordering, as one batch; the swapped frames are held already
# decrypted and still checked for replay in order.
wlan connect --ssid gopkt-wlan --passphrase 'the right passphrase' --addr 198.18.0.2/24 --crypto soft --reorder-data 8 > /tmp/connect-soft.log 2>&1 &
pid=$!
wait_log 30 '^connected' /tmp/connect-soft.log
wait_for 5 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
/bin/ping -c 300 -i 0.01 -w 120 198.18.0.2 > /tmp/lping.log 2>&1 &
lp=$!
wlan ping 198.18.0.1 --count 300 --interval 10ms > /tmp/wping.log 2>&1 || true
wait $lp || true
echo "RESULT soft: Linux -> us: $(ping_answered /tmp/lping.log 300) of 300 answered ($(grep 'packets transmitted' /tmp/lping.log))"
echo "RESULT soft: us -> Linux: $(grep 'packets transmitted' /tmp/wping.log) $(grep 'first error' /tmp/wping.log)"
st=$(wlan status); echo "$st" | sed 's/^/RESULT soft status: /'
must wlan disconnect
wait $pid || { cat /tmp/connect-soft.log; fail "wlan connect --crypto soft exited with status $?"; }
[ "$(ping_answered /tmp/lping.log 300)" = 300 ] || fail "soft: Linux -> us: $(ping_answered /tmp/lping.log 300) of the first 300 echo requests answered"
expect "$(cat /tmp/wping.log)" "300 packets transmitted, 300 received"
echo "$st" | grep -qE '^crypto: +software engine \(soft\), batched: [1-9][0-9]* frames in [1-9][0-9]* batches, 0 failed' || fail "soft: the software engine did not run the frames"
echo "$st" | grep -qE '[1-9][0-9]* MPDUs held for reordering' || fail "soft: nothing held for reordering"
echo "$st" | grep -qE 'vap rx [0-9]+ duplicate, 0 replay, 0 decrypt' || fail "soft: replays or decryption errors"
`

// histogram counts the values of a tshark field: "7×120 5×3".
func histogram(vals []string) string {
	n := map[string]int{}
	for _, v := range vals {
		n[v]++
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " %s×%d", k, n[k])
	}
	return strings.TrimSpace(b.String())
}
