package main

import (
	"os"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/vmtest"
)

func TestVMDebugRekey(t *testing.T) {
	if os.Getenv("WLAN_DEBUG") == "" {
		t.Skip("debug")
	}
	vmtest.Run(t, vmtest.Config{
		Modules:  []string{"rfkill", "libarc4", "cfg80211", "ctr", "ccm", "mac80211", "virtio_ring", "virtio", "mac80211_hwsim radios=1"},
		Commands: []string{"./tools/wlan"},
		Debs:     []string{"hostapd"},
		Files: []vmtest.File{
			{Guest: "/etc/hostapd-rekey.conf", Mode: 0o644, Data: []byte(wpaConf + "wpa_group_rekey=5\nwpa_ptk_rekey=10\n")},
		},
		Append:  "no_timer_check",
		Timeout: 5 * time.Minute,
		Quiet:   true,
		ArtifactsDir: "/tmp/wlan-debug-art",
		Script: `
ip link set wlan0 up
ip addr add 198.18.0.1/24 dev wlan0
hostapd -B -dd -t -P /tmp/hostapd.pid -f /tmp/hostapd.log /etc/hostapd-rekey.conf
wait_for 10 sh -c 'hostapd_cli -p /var/run/hostapd status | grep -q state=ENABLED'
wlan connect --ssid gopkt-wlan --passphrase 'the right passphrase' --addr 198.18.0.2/24 --timestamps > /tmp/rekey.log 2>&1 &
pid=$!
wait_for 30 grep -q 'connected' /tmp/rekey.log
ping -c 1200 -i 0.02 -W 2 -q 198.18.0.2 > /tmp/lping.log 2>&1 &
lp=$!
wlan ping 198.18.0.1 --count 1200 --interval 20ms || true
wait $lp || true
cat /tmp/lping.log
wlan status
cat /tmp/rekey.log
grep -E 'STA 02:67|EAPOL-Key|WPA: |msg [1-4]/[24]|MIC|replay|rekey|GTK|PTK|TimeoutEvt|state' /tmp/hostapd.log | grep -v 'Beacon\|hexdump' | head -700
must wlan disconnect
`,
	})
}
