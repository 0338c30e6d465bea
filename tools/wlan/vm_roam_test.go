package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/internal/vmtest"
)

// roamConf is one of two APs of the ESS gopkt-wlan: interface and channel
// differ, everything else is wpaConf's; both are bridged into br0 (the
// distribution system, which has 198.18.0.1), so traffic to 198.18.0.1
// flows through whichever AP the station is on.
func roamConf(ifname, channel string) string {
	c := strings.Replace(wpaConf, "interface=wlan0", "interface="+ifname+"\nbridge=br0", 1)
	return strings.Replace(c, "channel=6", "channel="+channel, 1)
}

// The two APs: a (radio 0, channel 1) is the stronger, b (radio 1,
// channel 11) the weaker.
const (
	roamAPA = "02:00:00:00:00:00"
	roamAPB = "02:00:00:00:01:00"
	// roamTarget is issue 15's target from the last beacon of the AP that
	// died to the first data frame through the other AP: a speed target,
	// printed in every run and enforced with GOPKT_ROAM_TARGET=1 (a quiet
	// machine). roamLimit is what every run must meet: the roam itself,
	// as phase 3's bound, with the guest's frozen time taken out.
	roamTarget = 500 * time.Millisecond
	roamLimit  = 2 * time.Second
)

// TestVMWlanRoam runs two hostapd APs of one ESS on two hwsim radios
// (channels 1 and 11) bridged together, one stronger than the other: our
// medium carries AP a's frames at -35 dBm and AP b's at -70 dBm (--signal),
// which the scan shows. We connect — to the stronger AP a — with a
// background scan every second (--bgscan 1s), ping 198.18.0.1 every 10 ms
// and then:
//
//  1. AP a dies silently: hostapd killed with SIGKILL and its interface
//     taken down (no deauthentication, its beacons stop; the medium hears
//     hwsim's DEL_MAC_ADDR and acknowledges nothing to it any more). The
//     first missed beacon makes us probe it (a Null Data frame, twice,
//     net80211's connection monitor); unacknowledged, we move to AP b,
//     which the background scan keeps known, with a Reassociation
//     Request and the 4-way handshake, and pass traffic: from the
//     radiotap capture the time from AP a's last beacon to the first
//     protected data frame AP b sends us is printed (detection: to our
//     Authentication to AP b; join: from there), less the time the guest
//     ran none of its CPUs (cpuwatch in the guest, the vCPU threads'
//     schedstat on the host, as issue 10 measures); it must stay under 2
//     s in every run, and the 500 ms target is printed (enforced with
//     GOPKT_ROAM_TARGET=1);
//  2. AP a comes back: the background scan hears it 35 dB stronger, and
//     after the hold time (10 s on one AP) and two visits in a row we roam
//     back to it (status: "stronger AP"), telling AP b with a
//     Deauthentication on b's channel (b no longer lists us);
//  3. AP a is stopped (hostapd deauthenticates with reason 3 as it goes):
//     we go to AP b at once, without a scan; the time from our
//     "disconnected" line to the next "connected" line is printed and must
//     stay under 2 s (it was 3.6 s when the station first retried the
//     vanished AP and paused before rescanning, then up to 0.55 s with a
//     scan of the channels where the ESS was heard).
//
// Each phase's pings are counted and printed.
func TestVMWlanRoam(t *testing.T) {
	var hs hostSched
	res := vmtest.Run(t, vmtest.Config{
		Host:     hs.run,
		Modules:  []string{"rfkill", "libarc4", "cfg80211", "ctr", "ccm", "mac80211", "virtio_ring", "virtio", "mac80211_hwsim radios=2", "bridge"},
		Commands: []string{"./tools/wlan", "./tools/gopkt/internal/cpuwatch"},
		Debs:     []string{"hostapd", "iputils-ping"},
		Files: []vmtest.File{
			{Guest: "/etc/hostapd-a.conf", Mode: 0o644, Data: []byte(roamConf("wlan0", "1"))},
			{Guest: "/etc/hostapd-b.conf", Mode: 0o644, Data: []byte(roamConf("wlan1", "11"))},
		},
		Append:  "no_timer_check",
		Timeout: 8 * time.Minute,
		Quiet:   true,
		Script:  wlanRoamScript,
	})
	for _, l := range res.Grep("RESULT ") {
		t.Log(l[strings.Index(l, "RESULT "):])
	}
	for _, tag := range []string{"TIMELINE ", "STATUS "} {
		for _, l := range res.Grep(tag) {
			t.Log(l[strings.Index(l, tag):])
		}
	}
	checkRoamCapture(t, res, &hs)
}

// hostSched samples, from the host, the run and wait (runnable, not
// running) times of QEMU's vCPU threads (/proc/TID/schedstat, as
// tools/gopkt's vm_sched_test.go does) every 5 ms, and notes the host
// time the guest's KILL line arrived, which places the capture's times
// on the host's clock.
type hostSched struct {
	mu      sync.Mutex
	tids    []int
	at      []time.Time
	wait    [][]time.Duration // per sample, per vCPU, cumulative
	kill    time.Time
	killUp  float64 // the guest's /proc/uptime in the KILL line
	problem string
}

func (h *hostSched) run(host *vmtest.Host) error {
	raw, err := host.Monitor.Execute("query-cpus-fast", nil)
	var cpus []struct {
		Thread int `json:"thread-id"`
	}
	if err == nil {
		err = json.Unmarshal(raw, &cpus)
	}
	if err != nil || len(cpus) == 0 {
		h.problem = fmt.Sprintf("query-cpus-fast: %s: %v", raw, err)
		return nil // an aid to the measurement; the scenario goes on
	}
	for _, c := range cpus {
		h.tids = append(h.tids, c.Thread)
	}
	go func() {
		if l, err := host.WaitConsole("KILL ", 8*time.Minute); err == nil {
			now := time.Now()
			f := strings.Fields(l[strings.Index(l, "KILL "):])
			up, _ := strconv.ParseFloat(f[len(f)-1], 64)
			h.mu.Lock()
			h.kill, h.killUp = now, up
			h.mu.Unlock()
		}
	}()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		w := make([]time.Duration, len(h.tids))
		for i, tid := range h.tids {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", tid))
			f := strings.Fields(string(b))
			if err != nil || len(f) < 2 {
				return nil // QEMU has exited
			}
			ns, _ := strconv.ParseInt(f[1], 10, 64)
			w[i] = time.Duration(ns)
		}
		h.mu.Lock()
		h.at, h.wait = append(h.at, time.Now()), append(h.wait, w)
		h.mu.Unlock()
	}
	return nil
}

// frozen returns, for the host-time span [a, b], each vCPU's wait for a
// host CPU and the time all of them waited at once. schedstat's run_delay
// grows when a waiting thread is finally run, by the whole wait (Linux
// sched_info_arrive), so a sample can show 300 ms of wait in 5 ms: each
// increase d seen at sample time t is taken as the wait [t-d, t] (its end
// placed within one sample interval of the truth), and the waits of all
// vCPUs are intersected at 1 ms resolution. (Per sample, w0+w1-L as a
// lower bound of the common wait is wrong for such credited waits: it
// once gave 1.96 s of common wait where each vCPU had waited 1.73 and
// 1.80 s.)
func (h *hostSched) frozen(a, b time.Time) (each []time.Duration, all time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	each = make([]time.Duration, len(h.tids))
	n := int(b.Sub(a) / time.Millisecond)
	if n <= 0 || len(h.tids) == 0 {
		return each, 0
	}
	waiting := make([][]bool, len(h.tids))
	for c := range h.tids {
		waiting[c] = make([]bool, n)
		for i := 1; i < len(h.at); i++ {
			d := h.wait[i][c] - h.wait[i-1][c]
			if d <= 0 {
				continue
			}
			lo := int(h.at[i].Add(-d).Sub(a) / time.Millisecond)
			hi := int(h.at[i].Sub(a) / time.Millisecond)
			for ms := max(lo, 0); ms < min(hi, n); ms++ {
				waiting[c][ms] = true
			}
		}
	}
	for ms := range n {
		every := true
		for c := range h.tids {
			if waiting[c][ms] {
				each[c] += time.Millisecond
			} else {
				every = false
			}
		}
		if every {
			all += time.Millisecond
		}
	}
	return each, all
}

const wlanRoamScript = `
ip link set wlan0 up
ip link set wlan1 up
start_ap() {
	hostapd -B -P /tmp/hostapd-$1.pid -f /tmp/hostapd-$1.log /etc/hostapd-$1.conf || { cat /tmp/hostapd-$1.log; fail "hostapd $1 did not start"; }
	wait_for 10 sh -c "hostapd_cli -p /var/run/hostapd -i $2 status | grep -q state=ENABLED"
}
start_ap a wlan0
start_ap b wlan1
must ip link set br0 up
must ip addr add 198.18.0.1/24 dev br0
sig="--signal ` + roamAPA + `=-35 --signal ` + roamAPB + `=-70"
# A scan samples: under load an AP's probe response can miss the 100 ms
# dwell (seen once at load 11). Up to three scans, each printed.
for n in 1 2 3; do
	out=$(wlan scan $sig); echo "$out"
	[ $(echo "$out" | grep -c gopkt-wlan) -eq 2 ] && break
	echo "RESULT scan $n heard $(echo "$out" | grep -c gopkt-wlan) of the 2 APs"
done
[ $(echo "$out" | grep -c gopkt-wlan) -eq 2 ] || fail "want both APs in the scan"
echo "$out" | grep -q '^` + roamAPA + ` .* -35 dBm' || fail "AP a not heard at -35 dBm"
echo "$out" | grep -q '^` + roamAPB + ` .* -70 dBm' || fail "AP b not heard at -70 dBm"
cpuwatch br0 > /tmp/cw.log 2>&1 &
cwpid=$!
dump() {
	wlan status 2>/dev/null | grep -E '^(roam|probes|drops|flow|refused| )' | sed 's/^/STATUS /'
	wlan disconnect >/dev/null 2>&1 && sleep 1 || true
	grep '\[[0-9.]*s\]$' /tmp/connect.log | sed 's/^/TIMELINE /'
	kill $cwpid 2>/dev/null || true
	sed -n 's/^CW /CW /p' /tmp/cw.log
	if [ -s /tmp/roam.pcap ]; then
		echo "PCAP-SIZE $(wc -c < /tmp/roam.pcap)"
		gzip -c /tmp/roam.pcap | base64 | sed 's/^/PCAP:/'
	fi
}
trap dump EXIT
bssid() { wlan status | sed -n 's/^bssid: *//p'; }
# connect's own scan samples too: when AP a's probe response missed its
# dwell it joins AP b, the only one it heard, and when AP b's did, AP b is
# no candidate to roam to; then connect again (up to three times, each
# printed).
for n in 1 2 3; do
	wlan connect $sig --timestamps --bgscan 1s --ssid gopkt-wlan --passphrase 'the right passphrase' --addr 198.18.0.2/24 \
		--pcap /tmp/roam.pcap --pcap-count 2500 > /tmp/connect.log 2>&1 &
	pid=$!
	wait_for 30 grep -q '^connected' /tmp/connect.log
	[ "$(bssid)" = ` + roamAPA + ` ] && wlan scan | grep -q '^` + roamAPB + ` ' && break
	echo "RESULT connect $n joined $(bssid), AP b $(wlan scan | grep -c '^` + roamAPB + ` ') times in its scan cache: its scan missed AP a or AP b"
	[ $n -eq 3 ] || { must wlan disconnect; wait $pid || true; }
done
# on B: associated with B and the port open.
on() { wlan status > /tmp/st.txt && grep -q "^bssid: *$1" /tmp/st.txt && grep -q '^state: *RUN (port open)' /tmp/st.txt; }
[ "$(bssid)" = ` + roamAPA + ` ] || fail "joined $(bssid), not the stronger AP ` + roamAPA + `"
wlan scan | grep -q '^` + roamAPB + ` ' || fail "AP b is not in the scan cache: nothing to roam to"
expect "$(wlan status | grep '^signal:')" "-35 dBm"
wlan ping 198.18.0.1 --count 3 --interval 100ms > /tmp/p0.log 2>&1
expect "$(cat /tmp/p0.log)" "3 packets transmitted, 3 received"

echo "RESULT phase 1: AP a dies silently"
wlan ping 198.18.0.1 --count 300 --interval 10ms --wait 2s > /tmp/p1.log 2>&1 &
ppid=$!
sleep 1.5
[ "$(bssid)" = ` + roamAPA + ` ] || fail "left AP a before it died: $(wlan status | grep '^roam:')"
echo "KILL $(cut -d' ' -f1 /proc/uptime)"
kill -9 $(cat /tmp/hostapd-a.pid)
ip link set wlan0 down
wait_for 20 on ` + roamAPB + `
wait $ppid || true
echo "RESULT phase 1 on $(bssid): $(grep 'packets transmitted' /tmp/p1.log)"
[ "$(bssid)" = ` + roamAPB + ` ] || fail "on $(bssid) after AP a died, not AP b"
echo "RESULT phase 1 $(wlan status | grep '^roam:')"
echo "RESULT phase 1 $(wlan status | grep '^probes:')"
expect "$(wlan status | grep '^roam:')" "(beacon loss: "
wait_for 5 sh -c "hostapd_cli -p /var/run/hostapd -i wlan1 all_sta | grep -q AUTHORIZED"

echo "RESULT phase 2: AP a is back, stronger"
must ip link set wlan0 up
start_ap a wlan0
wlan ping 198.18.0.1 --count 1500 --interval 20ms --wait 2s > /tmp/p2.log 2>&1 &
ppid=$!
wait_for 60 on ` + roamAPA + `
wait $ppid || true
echo "RESULT phase 2 on $(bssid): $(grep 'packets transmitted' /tmp/p2.log)"
[ "$(bssid)" = ` + roamAPA + ` ] || fail "on $(bssid) with AP a back 35 dB stronger"
echo "RESULT phase 2 $(wlan status | grep '^roam:')"
expect "$(wlan status | grep '^roam:')" "(stronger AP: -35 dBm against -70 dBm) in"
# We told AP b we left (Deauthentication, reason 3) before tuning to AP
# a's channel: b no longer lists us (the station tunes once the
# deauthentication's TX status came; sent on channel 1 it never reached b).
wait_for 3 sh -c "! hostapd_cli -p /var/run/hostapd -i wlan1 all_sta | grep -q AUTHORIZED" || fail "AP b still lists us after the signal roam: our Deauthentication did not reach it"
echo "RESULT phase 2 AP b no longer lists us"

echo "RESULT phase 3: AP a stops (deauthentication, reason 3)"
[ "$(bssid)" = ` + roamAPA + ` ] || fail "left AP a before it stopped: $(wlan status | grep '^roam:')"
k3=$(cut -d' ' -f1 /proc/uptime)
kill $(cat /tmp/hostapd-a.pid)
wait_for 20 on ` + roamAPB + `
echo "RESULT phase 3 on AP b $(awk -v a=$k3 -v b=$(cut -d' ' -f1 /proc/uptime) 'BEGIN { printf "%.2f", b - a }') s after hostapd a was told to stop (polled)"
wait_for 5 sh -c "hostapd_cli -p /var/run/hostapd -i wlan1 all_sta | grep -q AUTHORIZED"
# hostapd deauthenticates as it stops; a loaded guest may silence its
# beacons first, and then the beacon loss is what moves us.
t0=$(tail -n 12 /tmp/connect.log | grep -E '^(disconnected \(reason 3\)|beacon lost)' | tail -n 1 | sed -n 's/.* \[\([0-9.]*\)s\]$/\1/p')
t1=$(tail -n 12 /tmp/connect.log | grep '^connected' | sed -n '$s/.* \[\([0-9.]*\)s\]$/\1/p')
[ -n "$t0" ] && [ -n "$t1" ] || fail "no timestamps for the deauthentication (or beacon loss) and the reconnection"
took=$(awk -v a=$t0 -v b=$t1 'BEGIN { printf "%.3f", b - a }')
echo "RESULT phase 3 roamed to $(bssid) ($(wlan status | sed -n 's/^signal: *//p')) in $took s after the deauthentication or beacon loss"
echo "RESULT phase 3 $(wlan status | grep '^roam:')"
case "$(wlan status | grep '^roam:')" in
*"(AP leaving (reason 3)) in"*|*"(beacon loss: "*) ;;
*) fail "phase 3: not a roam on the deauthentication or beacon loss" ;;
esac
expect "$(wlan status | grep '^signal:')" "-70 dBm"
awk -v d=$took 'BEGIN { exit !(d < 2) }' || fail "roaming took $took s"
wlan ping 198.18.0.1 --count 20 --interval 50ms > /tmp/wping.log 2>&1 || true
echo "RESULT after roaming: $(grep 'packets transmitted' /tmp/wping.log)"
expect "$(cat /tmp/wping.log)" "20 packets transmitted, 20 received"
wlan status | sed 's/^/STATUS /'
must wlan disconnect
wait $pid || { cat /tmp/connect.log; fail "wlan connect exited with status $?"; }
`

// checkRoamCapture measures phase 1 in the capture: AP a's last beacon
// before our Reassociation Request to AP b, and the first protected data
// frame AP b sent us after it (traffic through the new AP: the PTK is in
// place and a ping reply or the like arrived). It must come within
// roamLimit. cpuwatch's "late" reports inside that window (the guest's
// CPUs not run by the host) are printed with it.
func checkRoamCapture(t *testing.T, res *vmtest.Result, hs *hostSched) {
	t.Helper()
	hosttest.Require(t, hosttest.Tshark)
	path := capturedPcap(t, res)
	times := func(filter string) []float64 {
		var out []float64
		for _, l := range tsharkFields(t, path, filter, "frame.time_epoch") {
			if v, err := strconv.ParseFloat(strings.TrimSpace(l), 64); err == nil {
				out = append(out, v)
			}
		}
		sort.Float64s(out)
		return out
	}
	off := clockOffset(res)
	var tKill float64
	for _, l := range res.Grep("KILL ") {
		if up, err := strconv.ParseFloat(strings.Fields(l[strings.Index(l, "KILL "):])[1], 64); err == nil && off != 0 {
			tKill = up + off
		}
	}
	// The first Reassociation Request to AP b after AP a was killed
	// (/proc/uptime has 10 ms steps).
	var tRe float64
	for _, v := range times("wlan.fc.type_subtype == 0x0002 && wlan.da == " + roamAPB) {
		if v > tKill-0.01 {
			tRe = v
			break
		}
	}
	if tRe == 0 {
		t.Fatalf("no Reassociation Request to AP b in the capture after AP a was killed")
	}
	var tBeacon float64
	for _, v := range times("wlan.fc.type_subtype == 0x0008 && wlan.sa == " + roamAPA) {
		if v < tRe {
			tBeacon = v
		}
	}
	if tBeacon == 0 {
		t.Fatalf("no beacon of AP a before the reassociation")
	}
	// The move starts with our Authentication to AP b; before it, the
	// probes (Null Data frames) to AP a after its last beacon.
	var tAuth float64
	for _, v := range times("wlan.fc.type_subtype == 0x000b && wlan.da == " + roamAPB) {
		if v > tBeacon && v <= tRe {
			tAuth = v
			break
		}
	}
	var probes []string
	for _, v := range times("wlan.fc.type_subtype == 0x0024 && wlan.ra == " + roamAPA + " && wlan.fc.pwrmgt == 0") {
		if v > tBeacon && v < tRe {
			probes = append(probes, fmt.Sprintf("%.1f ms", (v-tBeacon)*1000))
		}
	}
	var tData, tOurs float64
	for _, v := range times("wlan.fc.type == 2 && wlan.fc.protected == 1 && wlan.ta == " + roamAPB) {
		if v > tRe {
			tData = v
			break
		}
	}
	for _, v := range times("wlan.fc.type == 2 && wlan.fc.protected == 1 && wlan.ra == " + roamAPB) {
		if v > tRe {
			tOurs = v
			break
		}
	}
	deauths := 0
	for _, v := range times("(wlan.fc.type_subtype == 0x000c || wlan.fc.type_subtype == 0x000a) && wlan.sa == " + roamAPA) {
		if v > tBeacon-1 && v < tRe {
			deauths++
		}
	}
	ms := func(v float64) float64 { return math.Round((v-tBeacon)*1e4) / 10 }
	if tData == 0 {
		t.Fatalf("no protected data frame from AP b after the reassociation (at %.1f ms after AP a's last beacon)", ms(tRe))
	}
	took := time.Duration((tData - tBeacon) * 1e9)
	if tAuth == 0 {
		tAuth = tRe // a cached PMKSA would still authenticate (Open System); say so if not
		t.Logf("RESULT no Authentication to AP b before the reassociation in the capture")
	}
	t.Logf("RESULT roam on beacon loss: AP a's last beacon at 0 (kill at %+.1f ms), %d deauthentications from it, probes to it at %v, authentication to AP b at %.1f ms, reassociation request at %.1f ms, our first protected data frame to b at %.1f ms, b's first to us at %.1f ms: %.1f ms from the last beacon to traffic through AP b",
		ms(tKill), deauths, probes, ms(tAuth), ms(tRe), ms(tOurs), ms(tData), took.Seconds()*1000)
	t.Logf("RESULT detection %.1f ms (last beacon to the authentication to AP b), join %.1f ms (to AP b's first data frame to us)", ms(tAuth), (tData-tAuth)*1000)
	late, frozen := cpuwatchLate(res, off, tBeacon, tData)
	if late != "" {
		t.Logf("RESULT cpuwatch in that window: %s", late)
	}
	// The host's view of the same span: the KILL line's arrival is the
	// guest's tKill on the host clock.
	hs.mu.Lock()
	killHost, killUp, problem := hs.kill, hs.killUp, hs.problem
	hs.mu.Unlock()
	if !killHost.IsZero() && off != 0 {
		at := func(v float64) time.Time { return killHost.Add(time.Duration((v - (killUp + off)) * 1e9)) }
		each, all := hs.frozen(at(tBeacon), at(tData))
		waits := ""
		for i, w := range each {
			waits += fmt.Sprintf(" vCPU%d %.0f%%", i, 100*w.Seconds()/took.Seconds())
		}
		t.Logf("RESULT host: the vCPU threads waited for a host CPU %v in that span (%s of it), all of them at once %v", each, strings.TrimSpace(waits), all.Round(time.Millisecond))
		frozen = max(frozen, all)
	} else {
		t.Logf("RESULT host: no schedstat measure (%s)", problem)
	}
	t.Logf("RESULT roam on beacon loss: %.1f ms, of which the guest ran none of its CPUs %.0f ms (the larger of cpuwatch's and the host's measure): %.1f ms with the guest running",
		took.Seconds()*1000, frozen.Seconds()*1000, (took-frozen).Seconds()*1000)
	// As issue 10 does (tools/gopkt vm_netem_test.go): time in which the
	// guest ran nothing — ours, hostapd's and the kernel's alike — is the
	// host's doing and is taken out (only the time all vCPUs waited at
	// once: a guest running on one vCPU while the other waits counts as
	// running); the bound is not widened, and it holds in every run,
	// however loaded the host.
	//
	// The 500 ms target is a speed target (the project keeps those out
	// of pass/fail on a shared machine): under TCG a host that starves
	// one vCPU while the other runs slows the probe's TX status (100-320
	// ms) and hostapd's part of the join, none of which counts as frozen.
	// 10 runs at load 8-14: 6 under 500 ms, all 3 with two CPU hogs over.
	met := "met"
	if took-frozen > roamTarget {
		met = "NOT met"
	}
	t.Logf("RESULT target %v with the guest running: %s (%.1f ms)", roamTarget, met, (took-frozen).Seconds()*1000)
	limit := roamLimit
	if os.Getenv("GOPKT_ROAM_TARGET") == "1" {
		limit = roamTarget
	}
	if took-frozen > limit {
		t.Errorf("%v from AP a's last beacon to the first data frame through AP b (%v of it the guest frozen), want under %v (cpuwatch: %q)", took.Round(time.Millisecond), frozen, limit, late)
	}
}

// clockOffset is CLOCK_REALTIME minus CLOCK_MONOTONIC in the guest, in
// seconds, from cpuwatch's first line (0 when missing).
func clockOffset(res *vmtest.Result) float64 {
	for _, l := range res.Grep("CW clock ") {
		var rt, mono int64
		if _, err := fmt.Sscanf(l[strings.Index(l, "CW clock "):], "CW clock realtime %d ns monotonic %d ms", &rt, &mono); err == nil {
			return float64(rt)/1e9 - float64(mono)/1e3
		}
	}
	return 0
}

// cpuwatchLate lists cpuwatch's "CW late cpu N at T ms: X ms" reports
// whose stall overlaps [from, to] (capture times, CLOCK_REALTIME seconds;
// off is clockOffset's), and how much of [from, to] every guest CPU was
// late at once (cpuwatch's thread on CPU N slept from T and should have
// woken at T+10 ms; it ran again X ms after that): the guest ran nothing
// then.
func cpuwatchLate(res *vmtest.Result, off, from, to float64) (string, time.Duration) {
	if off == 0 {
		return "", 0
	}
	lo, hi := int64(math.Floor((from-off)*1000)), int64(math.Ceil((to-off)*1000))
	const ncpu = 2 // vmtest's default guest
	late := make([][][2]int64, ncpu)
	var out []string
	for _, l := range res.Grep("CW late") {
		var cpu, at, d int64
		if _, err := fmt.Sscanf(l[strings.Index(l, "CW late"):], "CW late cpu %d at %d ms: %d ms", &cpu, &at, &d); err != nil {
			continue
		}
		// The sleep began at "at" and should have ended 10 ms later; it
		// ended d ms after that.
		s, e := at+10, at+10+d
		if e >= lo && s <= hi {
			out = append(out, fmt.Sprintf("cpu %d not run for %d ms ending %d ms after the last beacon", cpu, d, e-lo))
			if cpu >= 0 && cpu < ncpu {
				late[cpu] = append(late[cpu], [2]int64{s, e})
			}
		}
	}
	var frozen int64
	for ms := lo; ms < hi; ms++ {
		all := true
		for _, spans := range late {
			in := false
			for _, sp := range spans {
				in = in || (ms >= sp[0] && ms < sp[1])
			}
			all = all && in
		}
		if all {
			frozen++
		}
	}
	return strings.Join(out, "; "), time.Duration(frozen) * time.Millisecond
}
