package bench

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/vmtest"
)

// udpScript: the AP's kernel (hostapd on wlan0, 198.18.0.1) sends UDP for
// $SECS seconds to a station, first gopkt's (wlan connect --udp-sink, CCMP
// in the card's key cache, then in the software engine in batches), then
// Linux's mac80211 station with wpa_supplicant on the second hwsim radio,
// moved into a network namespace (198.18.0.3) so the AP's kernel cannot
// deliver to it locally. Every frame crosses our hwsim medium in all
// three runs (wlan connect is the medium and the station; for Linux's
// station `wlan medium` relays alone). CPU ticks are utime+stime of the
// wlan process over the send, from /proc/PID/stat.
const udpScript = `
IP=/bin/ip
ip link set wlan0 up
$IP addr add 198.18.0.1/24 dev wlan0
hostapd -B -P /tmp/hostapd.pid -f /tmp/hostapd.log /etc/hostapd.conf || { cat /tmp/hostapd.log; fail "hostapd did not start"; }
wait_for 10 sh -c 'hostapd_cli -p /var/run/hostapd status | grep -q state=ENABLED'
ticks() { awk '{print $14 + $15}' /proc/$1/stat; }
for crypto in card soft; do
	wlan connect --ssid ` + ssid + ` --passphrase '` + passphrase + `' --addr 198.18.0.2/24 --udp-sink 9 --crypto $crypto > /tmp/ours.log 2>&1 &
	pid=$!
	wait_for 30 grep -q '^connected' /tmp/ours.log
	wait_for 10 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
	wait_for 20 /bin/ping -c 1 -W 1 198.18.0.2
	c0=$(ticks $pid)
	udpflood send 198.18.0.2:9 -size $SIZE -duration ${SECS}s > /tmp/send.log 2>&1 || { cat /tmp/send.log; fail "udpflood send"; }
	sleep 2
	c1=$(ticks $pid)
	echo "UDP ours-$crypto sender: $(cat /tmp/send.log)"
	echo "UDP ours-$crypto receiver: $(wlan status | grep 'udp sink')"
	echo "UDP ours-$crypto cpu-ticks $((c1 - c0))"
	wlan status | grep -E '^(crypto|drops|stack):' | sed "s/^/UDP ours-$crypto status: /"
	must wlan disconnect
	wait $pid || { cat /tmp/ours.log; fail "wlan connect exited with status $?"; }
done

wlan medium > /tmp/medium.log 2>&1 &
mp=$!
wait_for 5 grep -q relaying /tmp/medium.log
must $IP netns add sta
must iw phy $(cat /sys/class/net/wlan1/phy80211/name) set netns name sta
must $IP netns exec sta $IP link set wlan1 up
must $IP netns exec sta wpa_supplicant -B -f /tmp/wpas.log -i wlan1 -D nl80211 -c /etc/wpa.conf -P /tmp/wpas.pid
wait_for 90 grep -q CTRL-EVENT-CONNECTED /tmp/wpas.log
must $IP netns exec sta $IP addr add 198.18.0.3/24 dev wlan1
$IP netns exec sta udpflood sink 9 > /tmp/sink.log 2>&1 &
sp=$!
wait_for 5 grep -q listening /tmp/sink.log
wait_for 20 /bin/ping -c 1 -W 1 198.18.0.3
m0=$(ticks $mp)
udpflood send 198.18.0.3:9 -size $SIZE -duration ${SECS}s > /tmp/send.log 2>&1 || { cat /tmp/send.log; fail "udpflood send"; }
wait $sp || { cat /tmp/sink.log; fail "udpflood sink"; }
m1=$(ticks $mp)
echo "UDP linux sender: $(cat /tmp/send.log)"
echo "UDP linux receiver: $(cat /tmp/sink.log | grep received)"
echo "UDP linux medium-cpu-ticks $((m1 - m0))"
kill $(cat /tmp/wpas.pid)
kill $mp
`

// TestBenchWifiUDP is the data-plane comparison of issue 15: UDP from the
// AP's Linux through gopkt's station (card key cache, then software
// engine) and through Linux's mac80211 station with wpa_supplicant, on
// the same hwsim medium in one guest; datagrams per second received, and
// our process's CPU per received frame beside that of the medium alone.
func TestBenchWifiUDP(t *testing.T) {
	if os.Getenv("GOPKT_BENCH") == "" {
		t.Skip("a benchmark of a few minutes: run bench/wifi/run.sh (GOPKT_BENCH=1)")
	}
	secs := 5
	if s, err := strconv.Atoi(os.Getenv("SECS")); err == nil && s > 0 {
		secs = s
	}
	const size = 1400
	res := vmtest.Run(t, vmtest.Config{
		Modules:  vmtest.WiFiModules(2),
		Commands: []string{"./tools/wlan", "./bench/wifi/internal/udpflood"},
		Debs:     []string{"hostapd", "wpasupplicant", "iw", "iproute2", "iputils-ping"},
		Files: []vmtest.File{
			{Guest: "/etc/hostapd.conf", Mode: 0o644, Data: []byte(hostapdCfg)},
			{Guest: "/etc/wpa.conf", Mode: 0o600, Data: []byte(wpaCfg)},
		},
		Env:     map[string]string{"SECS": strconv.Itoa(secs), "SIZE": strconv.Itoa(size)},
		Append:  "no_timer_check",
		Timeout: 15 * time.Minute,
		Quiet:   true,
		Script:  udpScript,
	})
	if !res.Passed {
		return
	}
	for _, l := range res.Grep("UDP ") {
		t.Log(l[strings.Index(l, "UDP "):])
	}
	tab, err := udpTable(res.Console, size)
	if err != nil {
		t.Fatalf("%v\n%s", err, res.Tail(40))
	}
	t.Log("\n" + tab)
}

var (
	sinkOurs  = regexp.MustCompile(`UDP ours-(\w+) receiver: udp sink:\s+port \d+: (\d+) datagrams`)
	sinkLinux = regexp.MustCompile(`UDP linux receiver: udpflood: received (\d+) datagrams, \d+ bytes in ([0-9.]+)(ms|s)`)
	sentLine  = regexp.MustCompile(`UDP (ours-\w+|linux) sender: udpflood: sent (\d+) datagrams, (\d+) refused \(ENOBUFS\) in ([0-9.]+)(ms|s)`)
	ticksLine = regexp.MustCompile(`UDP (ours-\w+ cpu-ticks|linux medium-cpu-ticks) (\d+)`)
)

// udpTable turns the console lines into the comparison table.
func udpTable(console []string, size int) (string, error) {
	got := map[string]float64{}
	dur := map[string]float64{}
	sent := map[string]float64{}
	ticks := map[string]float64{}
	secs := func(v, unit string) float64 {
		f, _ := strconv.ParseFloat(v, 64)
		if unit == "ms" {
			f /= 1000
		}
		return f
	}
	for _, l := range console {
		if m := sinkOurs.FindStringSubmatch(l); m != nil {
			got["ours-"+m[1]], _ = strconv.ParseFloat(m[2], 64)
		}
		if m := sinkLinux.FindStringSubmatch(l); m != nil {
			got["linux"], _ = strconv.ParseFloat(m[1], 64)
		}
		if m := sentLine.FindStringSubmatch(l); m != nil {
			sent[m[1]], _ = strconv.ParseFloat(m[2], 64)
			dur[m[1]] = secs(m[4], m[5])
		}
		if m := ticksLine.FindStringSubmatch(l); m != nil {
			k := "linux"
			if strings.HasPrefix(m[1], "ours-") {
				k = strings.Fields(m[1])[0]
			}
			ticks[k], _ = strconv.ParseFloat(m[2], 64)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "UDP %d-byte datagrams from the AP's Linux, guest clock\n", size)
	fmt.Fprintf(&b, "%-26s %10s %10s %12s %8s %16s\n", "station", "sent", "received", "received/s", "Mbit/s", "CPU µs/frame")
	linuxRate := 0.0
	for _, k := range []string{"linux", "ours-card", "ours-soft"} {
		if dur[k] == 0 {
			return "", fmt.Errorf("no sender line for %s", k)
		}
		rate := got[k] / dur[k]
		if k == "linux" {
			linuxRate = rate
		}
		name := map[string]string{"linux": "Linux mac80211 + wpa_s", "ours-card": "gopkt, card key cache", "ours-soft": "gopkt, soft engine batched"}[k]
		cpu := "-"
		if got[k] > 0 {
			cpu = fmt.Sprintf("%.1f", ticks[k]*10000/got[k]) // 100 ticks per second
			if k == "linux" {
				cpu += " (medium)"
			}
		}
		fmt.Fprintf(&b, "%-26s %10.0f %10.0f %12.0f %8.1f %16s\n", name, sent[k], got[k], rate, rate*float64(size)*8/1e6, cpu)
	}
	for _, k := range []string{"ours-card", "ours-soft"} {
		if linuxRate > 0 {
			fmt.Fprintf(&b, "%s / Linux: %.2f\n", k, got[k]/dur[k]/linuxRate)
		}
	}
	return b.String(), nil
}
