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
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/internal/vmtest"
)

// The AP side of TestVMWlan: Debian hostapd on mac80211_hwsim radio 0, whose
// Linux interface wlan0 has 198.18.0.1/24 and serves DHCP (busybox udhcpd)
// in the open-network phase.
const (
	wpaConf = `interface=wlan0
driver=nl80211
ctrl_interface=/var/run/hostapd
ssid=gopkt-wlan
hw_mode=g
channel=6
auth_algs=1
wpa=2
wpa_key_mgmt=WPA-PSK
rsn_pairwise=CCMP
wpa_passphrase=the right passphrase
`
	// pskConf: a hidden network (empty SSID in beacons, no answer to
	// broadcast probes) whose key is the 256-bit PSK itself.
	pskConf = `interface=wlan0
driver=nl80211
ctrl_interface=/var/run/hostapd
ssid=gopkt-psk
ignore_broadcast_ssid=1
hw_mode=g
channel=6
auth_algs=1
wpa=2
wpa_key_mgmt=WPA-PSK
rsn_pairwise=CCMP
wpa_psk=` + testPSK + "\n"
	testPSK    = "88a6f1a1f95e8b5fdf1e7bce5bd0860b65f0b603512a0a7d9c959a7b0a93c02c"
	openConf   = "interface=wlan0\ndriver=nl80211\nctrl_interface=/var/run/hostapd\nssid=gopkt-open\nhw_mode=g\nchannel=11\n"
	udhcpdConf = "start 198.18.0.100\nend 198.18.0.110\ninterface wlan0\nlease_file /tmp/udhcpd.leases\noption subnet 255.255.255.0\noption lease 600\n"
)

// TestVMWlan runs the wlan command against Debian hostapd on a
// mac80211_hwsim radio, in one guest:
//   - WPA2-PSK/CCMP: scan (table and JSON); connect as stack interface wlan0
//     with 198.18.0.2/24 while capturing 802.11+radiotap into a pcap;
//     hostapd lists us authorized; Linux pings us and we ping Linux, 1000
//     echoes each way at 10 ms, none lost; rejoin after hostapd_cli
//     deauthenticate and after hostapd is killed and restarted, with traffic
//     resuming; disconnect (exit 0 means the pool was full after detach);
//   - a wrong passphrase fails after two handshake attempts, within 10 s of
//     the first authentication, saying so; a missing network fails;
//   - connect --help; a hidden network (shown as <hidden> by scan) joined
//     with --psk, the 64 hex digits of hostapd's wpa_psk=, 100 pings each way;
//   - an open network with the address from udhcpd (stack/dhcp4), 1000
//     pings each way;
//   - hostapd rekeying the GTK every 5 s and the PTK every 10 s while both
//     sides ping for 60 s: at most one lost echo per rekey each way, no
//     disconnection;
//
// then opens the pcap with tshark on the host: beacons, the four EAPOL-Key
// messages, and radiotap signal, channel and rate fields.
func TestVMWlan(t *testing.T) {
	res := vmtest.Run(t, vmtest.Config{
		Modules:  []string{"rfkill", "libarc4", "cfg80211", "ctr", "ccm", "mac80211", "virtio_ring", "virtio", "mac80211_hwsim radios=1"},
		Commands: []string{"./tools/wlan"},
		// iputils ping, not busybox's: busybox ping sets SO_RCVBUF to
		// 7280 bytes and no ICMP_FILTER, so its raw socket also takes a
		// copy of every echo request we send; a burst of replies after a
		// TCG stall overflows it and the pinger counts losses the AP's
		// kernel never had. iputils asks for 64 KiB and filters.
		// ethtool reads the AP radio's counters (mac80211 and hwsim);
		// iproute2's tc its qdisc drops (a full qdisc is where the AP's
		// IP OutDiscards come from: ping -q does not print its ENOBUFS).
		Debs: []string{"hostapd", "iputils-ping", "ethtool", "iproute2"},
		Files: []vmtest.File{
			{Guest: "/etc/hostapd.conf", Mode: 0o644, Data: []byte(wpaConf)},
			{Guest: "/etc/hostapd-rekey.conf", Mode: 0o644, Data: []byte(wpaConf + "wpa_group_rekey=5\nwpa_ptk_rekey=10\n")},
			{Guest: "/etc/hostapd-open.conf", Mode: 0o644, Data: []byte(openConf)},
			{Guest: "/etc/hostapd-psk.conf", Mode: 0o644, Data: []byte(pskConf)},
			{Guest: "/etc/udhcpd.conf", Mode: 0o644, Data: []byte(udhcpdConf)},
		},
		Append:  "no_timer_check",
		Timeout: 9 * time.Minute,
		Quiet:   true,
		Script:  wlanScript,
	})
	if l := res.Grep("wrong passphrase failed after"); len(l) != 1 {
		t.Errorf("console lacks the wrong-passphrase timing:\n%s", res.Tail(40))
	} else {
		t.Log(strings.TrimSpace(l[0]))
	}
	for _, l := range res.Grep("RESULT ") {
		t.Log(l[strings.Index(l, "RESULT "):])
	}
	for _, l := range res.Grep("STATUS ") {
		t.Log(l[strings.Index(l, "STATUS "):])
	}
	checkPcap(t, res)
}

const wlanScript = wlanPrelude + wlanPhases + wlanPSK + wlanOpen + wlanRekey

// apLib is the guest's hostapd helpers, shared by the wlan scenarios: ap
// runs hostapd_cli; start_ap CONF starts hostapd and waits for its
// interface to be ENABLED; stop_ap stops it and waits until the process is
// gone (or a zombie), not only its control socket: it still holds the
// radio's nl80211 registrations, and the next hostapd would fail with
// "Match already configured".
const apLib = `
ap() { hostapd_cli -p /var/run/hostapd "$@"; }
start_ap() {
	hostapd -B -P /tmp/hostapd.pid -f /tmp/hostapd.log $1 || { cat /tmp/hostapd.log; fail "hostapd did not start"; }
	wait_for 10 sh -c 'hostapd_cli -p /var/run/hostapd status | grep -q state=ENABLED'
}
stop_ap() {
	_ap=$(cat /tmp/hostapd.pid)
	kill $_ap
	wait_for 10 sh -c "[ ! -e /proc/$_ap ] || grep -q '^State:.*Z' /proc/$_ap/status"
	wait_for 5 sh -c '! [ -e /var/run/hostapd/wlan0 ]'
}
`

// wlanPrelude brings the AP's radio up and defines the script's helpers.
const wlanPrelude = `
echo "AP kernel $(uname -r)"
mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
ip link set wlan0 up
ip addr add 198.18.0.1/24 dev wlan0
PING=/bin/ping
expect "$($PING -V 2>&1)" iputils
` + apLib + `
# icmp NAME: the AP kernel's IcmpMsg counter NAME (InType0: echo replies
# received, InType8: echo requests received), 0 before the first.
icmp() { awk -v k=$1 '/^IcmpMsg:/ { if (!h) { for (i = 2; i <= NF; i++) n[i] = $i; h = 1 } else for (i = 2; i <= NF; i++) if (n[i] == k) v = $i } END { print v + 0 }' /proc/net/snmp; }
# lossless N: Linux pings $1 and we ping 198.18.0.1, N echoes each way at
# 10 ms, concurrently; prints both summaries and the echo messages the AP's
# kernel counted, fails on any loss.
both_ways() {
	r0=$(icmp InType0); q0=$(icmp InType8)
	$PING -c $2 -i 0.01 -w 120 $1 > /tmp/lping.log 2>&1 &
	lp=$!
	wlan ping 198.18.0.1 --count $2 --interval 10ms > /tmp/wping.log 2>&1 || true
	wait $lp || true
	echo "RESULT $3: Linux -> us: $(ping_answered /tmp/lping.log $2) of $2 answered ($(grep 'packets transmitted' /tmp/lping.log))"
	echo "RESULT $3: us -> Linux: $(grep 'packets transmitted' /tmp/wping.log) $(grep rtt /tmp/wping.log)"
	echo "RESULT $3: the AP's kernel received $(($(icmp InType0) - r0)) echo replies and $(($(icmp InType8) - q0)) echo requests"
	counters $3
	[ "$(ping_answered /tmp/lping.log $2)" = "$2" ] || fail "$3: Linux -> us: $(ping_answered /tmp/lping.log $2) of the first $2 echo requests answered"
	expect "$(cat /tmp/wping.log)" "$2 packets transmitted, $2 received"
}
# counters PHASE: every place a frame can be lost, ours and the AP's: our
# medium, card, vap, port and stack (wlan status), the AP interface's
# packet counters, its kernel's IP and ICMP counters, the AP radio's
# mac80211 and hwsim counters (ethtool -S: d_tx_dropped counts frames whose
# TX status the medium answered too late, dropped from hwsim's pending
# queue; d_tx_failed sends to the medium that failed) and, from debugfs,
# the station's RX drops and duplicates and each key's CCMP replays.
counters() {
	wlan status | grep -E '^(roam|probes):' | sed "s/^/STATUS $1: /"
	wlan status | grep -A6 '^refused:' | sed "s/^/STATUS $1: /"
	echo "STATUS $1: AP $(grep -E '^ *wlan0:' /proc/net/dev | tr -s ' ')"
	grep -E '^(Ip|Icmp):' /proc/net/snmp | sed "s/^/STATUS $1: AP /"
	echo "STATUS $1: AP neighbours $(ip neigh show dev wlan0 | tr '\n' ';') arp_cache (hex, a row per CPU) $(cat /proc/net/stat/arp_cache | tr -s ' ' | tr '\n' ';')"
	echo "STATUS $1: AP ping send errors $(cat /tmp/lping.log 2>/dev/null | grep -c -i 'sendmsg\|buffer space' || true); kernel: $(dmesg | grep -i 'wlan0\|queue' | tail -n 3 | tr '\n' ';')"
	echo "STATUS $1: AP ethtool $(ethtool -S wlan0 2>&1 | grep -E 'dropped|failed|duplicates|filtered|retr|rx_packets|tx_packets' | tr -s ' ' | tr '\n' ' ')"
	echo "STATUS $1: AP qdisc $(/sbin/tc -s qdisc show dev wlan0 2>&1 | tr -s ' ' | tr '\n' ' ')"
	for k in /sys/kernel/debug/ieee80211/phy*/keys/*; do
		[ -e "$k/replays" ] && echo "STATUS $1: AP key $(cat $k/keyidx 2>/dev/null) $(cat $k/algorithm 2>/dev/null): replays $(cat $k/replays), icv errors $(cat $k/icverrors 2>/dev/null), mic failures $(cat $k/mic_failures 2>/dev/null)"
	done
	return 0
}
# sample PID: while PID runs, once a second, when the AP's IP OutDiscards
# rose: the count, the qdisc backlog and drops of wlan0, and the send queue
# of every raw socket (iputils ping's: a send buffer of a few frames, so
# frames the radio holds on to make its sends fail with ENOBUFS).
sample() {
	prev=
	while kill -0 $1 2>/dev/null; do
		od=$(awk '/^Ip:/ { if (h) print $12; h = 1 }' /proc/net/snmp)
		if [ -n "$prev" ] && [ "$od" != "$prev" ]; then
			q=$(/sbin/tc -s qdisc show dev wlan0 | awk '/backlog/ { b = b $2 "/" $3 " " } /dropped/ { d = d $7 " " } END { print "backlog " b "dropped " d }')
			echo "$(cut -d' ' -f1 /proc/uptime) outdiscards $od; qdisc $q; raw tx:rx $(awk 'NR > 1 { print $5 }' /proc/net/raw | tr '\n' ' ')"
		fi
		prev=$od
		sleep 1
	done
}
# transmitted/received of a ping log: "tx rx"
counts() { grep 'packets transmitted' $1 | sed 's/^\([0-9]*\) packets transmitted, \([0-9]*\).*/\1 \2/'; }

`

// wlanPhases: WPA2-PSK, deauthentication, AP restart, wrong passphrase,
// missing network.
const wlanPhases = `
start_ap /etc/hostapd.conf
out=$(wlan scan); echo "$out"
expect "$out" "02:00:00:00:00:00  gopkt-wlan  6"
expect "$out" "WPA2-PSK"
expect "$(wlan scan --json)" '"ssid": "gopkt-wlan"'

# WPA2-PSK as a stack interface, with a radiotap capture.
wlan connect --ssid gopkt-wlan --passphrase 'the right passphrase' --addr 198.18.0.2/24 --pcap /tmp/wlan.pcap --pcap-count 300 > /tmp/connect.log 2>&1 &
pid=$!
wait_log 30 '^connected' /tmp/connect.log
for step in scanning "authenticating with 02:00:00:00:00:00" associating handshake 'connected to "gopkt-wlan"'; do
	expect "$(cat /tmp/connect.log)" "$step"
done
wait_for 5 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
echo "hostapd: $(ap all_sta | grep -E '^(02:|flags)' | tr '\n' ' ')"
out=$(wlan status); echo "$out"
expect "$out" "CCMP-128 pairwise, CCMP-128 group"
expect "$out" "wlan0 198.18.0.2/24"
both_ways 198.18.0.2 1000 wpa2

# Thrown out by the AP: we rejoin by ourselves and traffic resumes.
must ap deauthenticate 02:67:6f:70:6b:01
wait_for 20 sh -c '[ $(grep -c "^connected" /tmp/connect.log) -ge 2 ]'
wait_for 5 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
both_ways 198.18.0.2 50 after-deauth
# The AP restarts: we find it again.
stop_ap
sleep 1
start_ap /etc/hostapd.conf
wait_for 40 sh -c '[ $(grep -c "^connected" /tmp/connect.log) -ge 3 ]'
wait_for 5 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
both_ways 198.18.0.2 50 after-ap-restart
must wlan disconnect
wait $pid || { cat /tmp/connect.log; fail "wlan connect exited with status $? (a buffer leak or a teardown error)"; }
cat /tmp/connect.log
expect "$(cat /tmp/connect.log)" "capture: 300 frames"
echo "PCAP-SIZE $(wc -c < /tmp/wlan.pcap)"
gzip -c /tmp/wlan.pcap | base64 | sed 's/^/PCAP:/'

# A wrong passphrase fails after two handshake attempts with the AP it found,
# within 10 s of the first authentication (two 3 s handshake timeouts plus
# authentication and association). Scanning is timed apart: on a loaded
# machine a probe response can miss its 40 ms dwell and a scan repeat.
t0=$(cut -d' ' -f1 /proc/uptime)
if wlan connect --timestamps --ssid gopkt-wlan --passphrase 'a wrong passphrase' > /tmp/wrong.log 2>&1; then fail "connect with a wrong passphrase succeeded"; fi
t1=$(cut -d' ' -f1 /proc/uptime)
cat /tmp/wrong.log
expect "$(cat /tmp/wrong.log)" "passphrase is probably wrong (2 attempts)"
# --timestamps ends each line with [seconds]: the first word stays the step.
[ $(grep -c '^authenticating with .* \[[0-9.]*s\]$' /tmp/wrong.log) -eq 2 ] || fail "want two authentications with the AP, no rescan between"
ta=$(sed -n 's/^authenticating with .* \[\([0-9.]*\)s\]$/\1/p' /tmp/wrong.log | head -n 1)
hs=$(awk -v a=$t0 -v b=$t1 -v s=$ta 'BEGIN { printf "%.1f", b - a - s }')
echo "wrong passphrase failed after $(awk -v a=$t0 -v b=$t1 'BEGIN { printf "%.1f", b - a }') s, $hs s after the first authentication"
awk -v h=$hs 'BEGIN { exit !(h <= 10) }' || fail "wrong passphrase: $hs s from the first authentication to the failure, more than 10"
if wlan connect --ssid no-such-net --passphrase 'whatever123' > /tmp/none.log 2>&1; then fail "connect to a missing network succeeded"; fi
expect "$(cat /tmp/none.log)" "no access point answered"
`

// wlanPSK: help output, then a hidden network joined by its 256-bit PSK.
const wlanPSK = `
out=$(wlan connect --help); echo "$out"
expect "$out" "--psk"
reject "$out" "--count"
stop_ap
start_ap /etc/hostapd-psk.conf
out=$(wlan scan); echo "$out"
expect "$out" "02:00:00:00:00:00  <hidden>"
wlan connect --ssid gopkt-psk --psk ` + testPSK + ` --addr 198.18.0.2/24 > /tmp/psk.log 2>&1 &
pid=$!
wait_log 30 '^connected' /tmp/psk.log
wait_for 5 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
cat /tmp/psk.log
both_ways 198.18.0.2 100 psk-hidden
must wlan disconnect
wait $pid || { cat /tmp/psk.log; fail "wlan connect (psk) exited with status $?"; }
`

// wlanOpen: an open network, the address from udhcpd.
const wlanOpen = `
stop_ap
start_ap /etc/hostapd-open.conf
touch /tmp/udhcpd.leases
udhcpd -f /etc/udhcpd.conf > /tmp/udhcpd.log 2>&1 &
dpid=$!
expect "$(wlan scan)" "gopkt-open  11       -50 dBm  open"
wlan connect --ssid gopkt-open --dhcp > /tmp/open.log 2>&1 &
pid=$!
wait_for 30 grep -q '^address .* (dhcp)' /tmp/open.log
cat /tmp/open.log
reject "$(cat /tmp/open.log)" "handshake"
wait_for 5 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
addr=$(sed -n 's/^address \(198\.18\.0\.[0-9]*\)\/24 on wlan0 (dhcp)$/\1/p' /tmp/open.log)
[ -n "$addr" ] || fail "no leased address in the connect log"
expect "$(wlan status)" "none (open network)"
both_ways $addr 1000 open-dhcp
must wlan disconnect
wait $pid || { cat /tmp/open.log; fail "wlan connect (open) exited with status $?"; }
kill $dpid
`

// wlanRekey: rekeying under traffic.
const wlanRekey = `
# Rekeying every 5 s (GTK) and 10 s (PTK) while both sides ping for 60 s.
stop_ap
start_ap /etc/hostapd-rekey.conf
wlan connect --ssid gopkt-wlan --passphrase 'the right passphrase' --addr 198.18.0.2/24 > /tmp/rekey.log 2>&1 &
pid=$!
wait_log 30 '^connected' /tmp/rekey.log
r0=$(icmp InType0); q0=$(icmp InType8)
$PING -c 3000 -i 0.02 -W 5 -q 198.18.0.2 > /tmp/lping.log 2>&1 &
lp=$!
sample $lp > /tmp/sample.log 2>&1 &
wlan ping 198.18.0.1 --count 3000 --interval 20ms > /tmp/wping.log 2>&1 || true
wait $lp || true
sed "s/^/STATUS rekey: sample: /" /tmp/sample.log | tail -n 40
rekeys=$(grep -c '^rekeyed' /tmp/rekey.log || true)
set -- $(counts /tmp/lping.log); llost=$(($1 - $2))
set -- $(counts /tmp/wping.log); wlost=$(($1 - $2))
echo "RESULT rekey: $rekeys rekeys in 60 s; Linux -> us lost $llost, us -> Linux lost $wlost; hostapd: $(grep -c 'group key handshake completed' /tmp/hostapd.log) group, $(grep -c 'EAPOL-4WAY-HS-COMPLETED' /tmp/hostapd.log) 4-way"
echo "RESULT rekey: Linux ping: $(grep 'packets transmitted' /tmp/lping.log); the AP's kernel received $(($(icmp InType0) - r0)) echo replies and $(($(icmp InType8) - q0)) echo requests"
counters rekey
grep -v -E '^rekeyed$' /tmp/rekey.log | tail -n 8 | sed "s/^/STATUS rekey: connect: /"
must wlan disconnect
wait $pid || { cat /tmp/rekey.log; fail "wlan connect (rekey) exited with status $?"; }
if grep -E 'handshake failed|deauthenticated due to' /tmp/hostapd.log; then
	# What hostapd did around it (its timeouts and retries), and what we
	# saw: the two together tell a slow answer from a wrong one.
	grep -n -E 'WPA|EAPOL|IEEE 802.11|deauth|timeout|retr' /tmp/hostapd.log | tail -n 40 | sed "s/^/STATUS rekey: hostapd: /"
	grep -v -E '^rekeyed$' /tmp/rekey.log | tail -n 30 | sed "s/^/STATUS rekey: connect: /"
	fail "hostapd saw a failed handshake while rekeying"
fi
reject "$(cat /tmp/rekey.log)" "disconnected (reason"
[ $rekeys -ge 10 ] || fail "only $rekeys rekeys in 60 s"
[ $llost -le $rekeys ] && [ $wlost -le $rekeys ] || fail "lost $llost and $wlost echoes across $rekeys rekeys"
`

// capturedPcap decodes the capture the guest printed (PCAP: lines of
// gzip+base64) into a file and returns its path.
func capturedPcap(t *testing.T, res *vmtest.Result) string {
	t.Helper()
	return capturedPcapPrefix(t, res, "PCAP:")
}

// capturedPcapPrefix is capturedPcap for the console lines that start
// with prefix (a script that prints more than one capture).
func capturedPcapPrefix(t *testing.T, res *vmtest.Result, prefix string) string {
	t.Helper()
	var b64 strings.Builder
	for _, l := range res.Grep(prefix) {
		b64.WriteString(strings.TrimSpace(l[strings.Index(l, prefix)+len(prefix):]))
	}
	gz, err := base64.StdEncoding.DecodeString(b64.String())
	if err != nil || len(gz) == 0 {
		t.Fatalf("no capture on the console (%d base64 bytes): %v", b64.Len(), err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "wlan.pcap")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// tsharkFields runs tshark on path with a display filter and prints
// fields, one line per matching frame.
func tsharkFields(t *testing.T, path, filter string, fields ...string) []string {
	t.Helper()
	args := []string{"-r", path, "-Y", filter, "-T", "fields"}
	if len(fields) == 0 {
		fields = []string{"frame.number"}
	}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	out, err := exec.Command("tshark", args...).Output()
	if err != nil {
		t.Fatalf("tshark %v: %v", args, err)
	}
	return strings.FieldsFunc(string(out), func(r rune) bool { return r == '\n' })
}

// checkPcap has tshark read the capture the guest printed.
func checkPcap(t *testing.T, res *vmtest.Result) {
	t.Helper()
	path := capturedPcap(t, res)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hosttest.Require(t, hosttest.Tshark) // the reference decoder reads the capture
	tshark := func(filter string, fields ...string) []string { return tsharkFields(t, path, filter, fields...) }
	// Beacons of our AP, with the radiotap fields the card reported.
	beacons := tshark("wlan.fc.type_subtype == 0x0008 && wlan.ssid == \"gopkt-wlan\"", "radiotap.dbm_antsignal", "radiotap.channel.freq", "radiotap.datarate")
	if len(beacons) == 0 {
		t.Errorf("no beacons of gopkt-wlan in the capture")
	} else if f := strings.Fields(beacons[0]); len(f) != 3 || f[0] != "-50" || f[1] != "2437" {
		t.Errorf("beacon radiotap signal/frequency/rate: %q, want -50 dBm, 2437 MHz and a rate", beacons[0])
	}
	// The 4-way handshake: messages 1 to 4 in order. A retransmission
	// repeats a number; on a slow guest hostapd also sends message 1 again
	// after our message 2 (its timer ran first) or message 3 again after
	// our message 4, and each is answered (in the clear: the AP installs
	// the PTK on message 4).
	msgs := tshark("eapol", "wlan_rsna_eapol.keydes.msgnr")
	var seq []string
	for _, m := range msgs {
		if len(seq) == 0 || seq[len(seq)-1] != m {
			seq = append(seq, m)
		}
	}
	if !regexp.MustCompile(`^(1,2,)+3,4(,3,4)*$`).MatchString(strings.Join(seq, ",")) {
		t.Errorf("EAPOL-Key messages in the capture: %q, want 1,2,3,4 (with retransmissions answered)", msgs)
	}
	t.Logf("capture: %d bytes, %d beacons of gopkt-wlan, EAPOL messages %v", len(raw), len(beacons), msgs)
}
