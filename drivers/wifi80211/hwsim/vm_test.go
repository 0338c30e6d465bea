package hwsim_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/vmtest"
)

// The AP side of the VM scenarios: Debian hostapd on mac80211_hwsim radio 0
// with WPA2-PSK/CCMP (DESIGN.md §5); the second phase adds rekeying of the
// group key every 5 s and the pairwise key every 10 s. Its SSID and passphrase reach the guest
// tests through the environment.
const (
	apSSID       = "gopkt-hwsim"
	apPassphrase = "correct horse battery"
	hostapdConf  = `interface=wlan0
driver=nl80211
ctrl_interface=/var/run/hostapd
ssid=` + apSSID + `
hw_mode=g
channel=1
auth_algs=1
wpa=2
wpa_key_mgmt=WPA-PSK
rsn_pairwise=CCMP
wpa_passphrase=` + apPassphrase + `
`
)

// guestRun is the -test.run pattern for the guest: every Guest test, or
// GOPKT_HWSIM_GUEST_RUN to debug one.
func guestRun() string {
	if r := os.Getenv("GOPKT_HWSIM_GUEST_RUN"); r != "" {
		return r
	}
	return "^TestGuest"
}

// guestDuration parses the duration after prefix on a console line.
func guestDuration(res *vmtest.Result, prefix string) time.Duration {
	for _, l := range res.Console {
		if i := strings.Index(l, prefix); i >= 0 {
			f := strings.Fields(l[i+len(prefix):])
			if len(f) > 0 {
				d, _ := time.ParseDuration(f[0])
				return d
			}
		}
	}
	return 0
}

// TestVMHostapd boots a guest with one hwsim radio running hostapd and runs
// the Guest tests of this package there: our process registers as the
// medium and our virtual card (model + driver) is the station; Debian's
// wpa_supplicant on the second radio is the reference station.
func TestVMHostapd(t *testing.T) {
	if os.Getenv(guestEnv) != "" {
		t.Skip("running inside the guest")
	}
	res := vmtest.Run(t, vmtest.Config{
		Modules: []string{"rfkill", "libarc4", "cfg80211", "ctr", "ccm", "mac80211", "virtio_ring", "virtio", "mac80211_hwsim radios=2"},
		Tests:   []string{"./drivers/wifi80211/hwsim"},
		Debs:    []string{"hostapd", "wpasupplicant"},
		Files: []vmtest.File{
			{Guest: "/etc/hostapd.conf", Data: []byte(hostapdConf), Mode: 0o644},
			{Guest: "/etc/hostapd-rekey.conf", Data: []byte(hostapdConf + "wpa_group_rekey=5\nwpa_ptk_rekey=10\n"), Mode: 0o644},
		},
		Env:     map[string]string{guestEnv: "1", "AP_SSID": apSSID, "AP_PASSPHRASE": apPassphrase, "GUEST_RUN": guestRun()},
		Timeout: 4 * time.Minute,
		// TCG on a loaded host can fail the early IO-APIC timer check.
		Append: "no_timer_check",
		Script: `
ip link set wlan0 up
ip addr add 198.18.0.1/24 dev wlan0
start_ap() {
	hostapd -B -P /run/hostapd.pid -f /tmp/hostapd.log $1 || { cat /tmp/hostapd.log; fail "hostapd did not start"; }
	wait_for 10 sh -c 'hostapd_cli -p /var/run/hostapd status | grep -q state=ENABLED'
	echo "AP: $(hostapd_cli -p /var/run/hostapd status | grep -E '^(bssid|ssid|freq)' | tr '\n' ' ')"
}
start_ap /etc/hostapd.conf
hwsim.test -test.run "$GUEST_RUN" -test.v -test.count=1 || { cat /tmp/hostapd.log; fail "guest tests failed"; }
cat /tmp/hostapd.log
if [ "$GUEST_RUN" = "^TestGuest" ]; then
	kill $(cat /run/hostapd.pid)
	wait_for 5 sh -c '! [ -e /var/run/hostapd/wlan0 ]'
	start_ap /etc/hostapd-rekey.conf
	AP_REKEY=1 hwsim.test -test.run TestGuestRekey -test.v -test.count=1 || { cat /tmp/hostapd.log; fail "rekey test failed"; }
	cat /tmp/hostapd.log
fi
`,
	})
	for _, want := range []string{"--- PASS: TestGuestBeacon", "--- PASS: TestGuestConnect", "--- PASS: TestGuestRelay", "--- PASS: TestGuestRekey"} {
		if len(res.Grep(want)) == 0 && guestRun() == "^TestGuest" {
			t.Errorf("console lacks %q", want)
		}
	}
	t.Logf("guest results:\n%s", strings.Join(res.Grep("GUEST:"), "\n"))
	ours, theirs := guestDuration(res, "GUEST: connected in "), guestDuration(res, "GUEST: wpa_supplicant connected in ")
	if ours > 0 && theirs > 0 {
		t.Logf("connect time (guest clock, scan to handshake complete): gopkt %v, wpa_supplicant %v: %.2fx", ours, theirs, float64(ours)/float64(theirs))
	}
}
