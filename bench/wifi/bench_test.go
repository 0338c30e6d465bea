package bench

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/vmtest"
)

const (
	ssid       = "gopkt-bench"
	passphrase = "bench passphrase"
	hostapdCfg = "interface=wlan0\ndriver=nl80211\nctrl_interface=/var/run/hostapd\nssid=" + ssid +
		"\nhw_mode=g\nchannel=1\nauth_algs=1\nwpa=2\nwpa_key_mgmt=WPA-PSK\nrsn_pairwise=CCMP\nwpa_passphrase=" + passphrase + "\n"
	wpaCfg = "ctrl_interface=/var/run/wpa_supplicant\nnetwork={\n\tssid=\"" + ssid + "\"\n\tpsk=\"" + passphrase +
		"\"\n\tkey_mgmt=WPA-PSK\n\tproto=RSN\n\tpairwise=CCMP\n}\n"
)

// The guest connects each side RUNS times in turn; every log line goes to
// the console prefixed with OURS n or WPAS n.
const script = `
ip link set wlan0 up
hostapd -B -P /tmp/hostapd.pid -f /tmp/hostapd.log /etc/hostapd.conf || { cat /tmp/hostapd.log; fail "hostapd did not start"; }
wait_for 10 sh -c 'hostapd_cli -p /var/run/hostapd status | grep -q state=ENABLED'
sta_gone() { ! hostapd_cli -p /var/run/hostapd all_sta | grep -q "^$1"; }
i=1
while [ $i -le $RUNS ]; do
	wlan connect --ssid ` + ssid + ` --passphrase '` + passphrase + `' --timestamps > /tmp/ours.log 2>&1 &
	pid=$!
	wait_for 30 grep -q 'connected to' /tmp/ours.log
	sed "s/^/OURS $i /" /tmp/ours.log
	must wlan disconnect
	wait $pid || fail "wlan connect exited with status $?"
	wait_for 5 sta_gone 02:67:6f:70:6b:01

	wlan medium > /tmp/medium.log 2>&1 &
	mp=$!
	wait_for 5 grep -q relaying /tmp/medium.log
	rm -f /tmp/wpas.log
	must wpa_supplicant -B -t -f /tmp/wpas.log -i wlan1 -D nl80211 -c /etc/wpa.conf -P /tmp/wpas.pid
	wait_for 90 grep -q CTRL-EVENT-CONNECTED /tmp/wpas.log
	sed "s/^/WPAS $i /" /tmp/wpas.log
	kill $(cat /tmp/wpas.pid)
	wait_for 5 sh -c '! [ -e /var/run/wpa_supplicant/wlan1 ]'
	wait_for 5 sta_gone $(cat /sys/class/net/wlan1/address)
	kill $mp
	wait $mp || fail "wlan medium exited with status $?"
	i=$((i + 1))
done
`

// TestBenchWifi measures connect time, gopkt against wpa_supplicant (see
// the package documentation) and prints the table.
func TestBenchWifi(t *testing.T) {
	if os.Getenv("GOPKT_BENCH") == "" {
		t.Skip("a benchmark of several minutes: run bench/wifi/run.sh (GOPKT_BENCH=1)")
	}
	runs := 5
	if r, err := strconv.Atoi(os.Getenv("RUNS")); err == nil && r > 0 {
		runs = r
	}
	res := vmtest.Run(t, vmtest.Config{
		Modules:  vmtest.WiFiModules(2),
		Commands: []string{"./tools/wlan"},
		Debs:     []string{"hostapd", "wpasupplicant"},
		Files: []vmtest.File{
			{Guest: "/etc/hostapd.conf", Mode: 0o644, Data: []byte(hostapdCfg)},
			{Guest: "/etc/wpa.conf", Mode: 0o600, Data: []byte(wpaCfg)},
		},
		Env:     map[string]string{"RUNS": strconv.Itoa(runs)},
		Append:  "no_timer_check",
		Timeout: 15 * time.Minute,
		Quiet:   true,
		Script:  script,
	})
	ours, wpas := parseRuns(res.Console)
	if len(ours) != runs || len(wpas) != runs {
		t.Fatalf("parsed %d gopkt and %d wpa_supplicant runs of %d:\n%s", len(ours), len(wpas), runs, res.Tail(60))
	}
	t.Log("\n" + table(ours, wpas))
}

// timing is one connection: total and handshake-only durations.
type timing struct{ total, handshake time.Duration }

var (
	// OURS n [0.956000s] authenticating with ...
	oursLine = regexp.MustCompile(`OURS (\d+) \[([0-9.]+)s\] (authenticating|connected)`)
	// WPAS n 1763781933.123456: wlan1: ...
	wpasLine = regexp.MustCompile(`WPAS (\d+) ([0-9]+\.[0-9]+): (.*)`)
)

// parseRuns extracts per-run timings from the console. Ours: the time
// since Connect of the first "authenticating" and of "connected".
// wpa_supplicant: its first log line, "SME: Trying to authenticate" and
// CTRL-EVENT-CONNECTED.
func parseRuns(console []string) (ours, wpas []timing) {
	type marks struct{ start, auth, done float64 }
	o, w := map[int]*marks{}, map[int]*marks{}
	get := func(m map[int]*marks, n int) *marks {
		if m[n] == nil {
			m[n] = &marks{start: -1, auth: -1, done: -1}
		}
		return m[n]
	}
	for _, l := range console {
		if s := oursLine.FindStringSubmatch(l); s != nil {
			n, _ := strconv.Atoi(s[1])
			v, _ := strconv.ParseFloat(s[2], 64)
			mk := get(o, n)
			mk.start = 0
			if s[3] == "authenticating" && mk.auth < 0 {
				mk.auth = v
			} else if s[3] == "connected" && mk.done < 0 {
				mk.done = v
			}
			continue
		}
		if s := wpasLine.FindStringSubmatch(l); s != nil {
			n, _ := strconv.Atoi(s[1])
			v, _ := strconv.ParseFloat(s[2], 64)
			mk := get(w, n)
			switch {
			case mk.start < 0:
				mk.start = v
			case strings.Contains(s[3], "SME: Trying to authenticate") && mk.auth < 0:
				mk.auth = v
			case strings.Contains(s[3], "CTRL-EVENT-CONNECTED") && mk.done < 0:
				mk.done = v
			}
		}
	}
	collect := func(m map[int]*marks) []timing {
		var out []timing
		for n := 1; m[n] != nil; n++ {
			mk := m[n]
			if mk.start < 0 || mk.auth < 0 || mk.done < 0 {
				break
			}
			sec := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
			out = append(out, timing{total: sec(mk.done - mk.start), handshake: sec(mk.done - mk.auth)})
		}
		return out
	}
	return collect(o), collect(w)
}

func median(ts []timing, f func(timing) time.Duration) time.Duration {
	v := make([]time.Duration, len(ts))
	for i, t := range ts {
		v[i] = f(t)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func table(ours, wpas []timing) string {
	var b strings.Builder
	fmt.Fprintf(&b, "connect time, guest clock, median of %d runs each\n", len(ours))
	fmt.Fprintf(&b, "%-22s %12s %16s %8s\n", "", "gopkt", "wpa_supplicant", "ratio")
	for _, row := range []struct {
		name string
		f    func(timing) time.Duration
	}{{"total (scan included)", func(t timing) time.Duration { return t.total }},
		{"auth to 4-way done", func(t timing) time.Duration { return t.handshake }}} {
		a, w := median(ours, row.f), median(wpas, row.f)
		fmt.Fprintf(&b, "%-22s %12v %16v %7.2fx\n", row.name, a.Round(time.Millisecond), w.Round(time.Millisecond), float64(a)/float64(w))
	}
	for i := range ours {
		fmt.Fprintf(&b, "run %d: gopkt %v / %v, wpa_supplicant %v / %v\n", i+1, ours[i].total.Round(time.Millisecond),
			ours[i].handshake.Round(time.Millisecond), wpas[i].total.Round(time.Millisecond), wpas[i].handshake.Round(time.Millisecond))
	}
	return b.String()
}

// TestCCMPKeyCache runs the card benchmark (1500-byte frames card to card,
// bursts of 32) through the key caches and with software CCMP, and prints
// both clocks: wall time, and the CPU time of every goroutine (process
// CPU time; see drivers/wifi80211/vcard BenchmarkTxRx). The card models
// encrypt on their own goroutines, so wall time alone credits the key cache
// with a second core's work; CPU time shows what the work costs.
func TestCCMPKeyCache(t *testing.T) {
	if os.Getenv("GOPKT_BENCH") == "" {
		t.Skip("run bench/wifi/run.sh (GOPKT_BENCH=1)")
	}
	type fig struct{ wallNs, mbs, cpuNs float64 }
	figs := map[string]*fig{}
	// One benchmark per process, so process CPU time is that benchmark's.
	// With GOMAXPROCS=2 the test loop polls (runtime.Gosched) while the card
	// models work on the other core, and its polling counts as CPU time;
	// with GOMAXPROCS=1 every goroutine shares one core, so a poll hands the
	// core to the card model and CPU time is the work alone.
	for _, run := range []string{"keycache/2", "software/2", "keycache/1", "software/1"} {
		mode, procs, _ := strings.Cut(run, "/")
		out, err := exec.Command("go", "test", "-count=1", "-run", "XXX", "-bench", "TxRx/"+mode+"$", "-cpu", procs,
			"-benchtime=5000x", "-benchmem", "../../drivers/wifi80211/vcard").CombinedOutput()
		if err != nil {
			t.Fatalf("go test -bench: %v\n%s", err, out)
		}
		m := regexp.MustCompile(`BenchmarkTxRx/` + mode + `\S*\s+\d+\s+(.*)`).FindStringSubmatch(string(out))
		if m == nil {
			t.Fatalf("no figures in:\n%s", out)
		}
		f := &fig{}
		for _, v := range []struct {
			unit string
			dst  *float64
		}{{"ns/op", &f.wallNs}, {"MB/s", &f.mbs}, {"cpu-ns/op", &f.cpuNs}} {
			vm := regexp.MustCompile(`([0-9.]+) ` + regexp.QuoteMeta(v.unit) + `(\s|$)`).FindStringSubmatch(m[1])
			if vm == nil {
				t.Fatalf("no %s in %q", v.unit, m[0])
			}
			*v.dst, _ = strconv.ParseFloat(vm[1], 64)
		}
		figs[run] = f
	}
	const frame = 1500.0
	var b strings.Builder
	fmt.Fprintf(&b, "\nCCMP-128, 1500-byte QoS data frames card A to card B over the in-process medium, bursts of 32:\n")
	fmt.Fprintf(&b, "  key cache: the test builds clear frames; card A's model encrypts them on its own goroutine (TX key\n")
	fmt.Fprintf(&b, "             cache), card B's model decrypts and checks them (RX key cache); the host does no crypto\n")
	fmt.Fprintf(&b, "  software:  the test seals each frame with crypto/ccm before Transmit and opens it after Receive\n")
	fmt.Fprintf(&b, "             (net80211's software CCMP work); both cards carry the frames in the clear\n")
	fmt.Fprintf(&b, "%-24s %10s %12s %14s %14s\n", "", "wall MB/s", "wall ns/frm", "CPU ns/frame", "MB/CPU-second")
	for _, r := range []struct{ name, run string }{
		{"key cache, GOMAXPROCS=2", "keycache/2"}, {"software, GOMAXPROCS=2", "software/2"},
		{"key cache, GOMAXPROCS=1", "keycache/1"}, {"software, GOMAXPROCS=1", "software/1"},
	} {
		f := figs[r.run]
		fmt.Fprintf(&b, "%-24s %10.1f %12.0f %14.0f %14.1f\n", r.name, f.mbs, f.wallNs, f.cpuNs, frame/f.cpuNs*1e3)
	}
	for _, procs := range []string{"2", "1"} {
		k, s := figs["keycache/"+procs], figs["software/"+procs]
		fmt.Fprintf(&b, "ratio key cache / software, GOMAXPROCS=%s: wall %.2fx, CPU (all goroutines) %.2fx\n",
			procs, k.mbs/s.mbs, s.cpuNs/k.cpuNs)
	}
	fmt.Fprintf(&b, "(CPU: process CPU time, user+system, per frame; load average %s)", loadavg())
	t.Log(b.String())
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
