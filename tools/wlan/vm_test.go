package main

import (
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/vmtest"
)

// TestVMWlan runs the wlan command against Debian hostapd on a
// mac80211_hwsim radio (WPA2-PSK/CCMP): scan (table and JSON), connect with
// progress lines, hostapd's view of us, status, scan through the running
// connect, rejoining after a deauthentication and an AP restart,
// disconnect; then a wrong passphrase (must fail within 10 s
// saying so), a network that does not exist, and an open network.
func TestVMWlan(t *testing.T) {
	res := vmtest.Run(t, vmtest.Config{
		Modules:  []string{"rfkill", "libarc4", "cfg80211", "ctr", "ccm", "mac80211", "virtio_ring", "virtio", "mac80211_hwsim radios=1"},
		Commands: []string{"./tools/wlan"},
		Debs:     []string{"hostapd"},
		Files: []vmtest.File{{Guest: "/etc/hostapd.conf", Mode: 0o644, Data: []byte(`interface=wlan0
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
`)}},
		Append:  "no_timer_check",
		Timeout: 4 * time.Minute,
		Script: `
ip link set wlan0 up
hostapd -B -P /tmp/hostapd.pid -f /tmp/hostapd.log /etc/hostapd.conf || { cat /tmp/hostapd.log; fail "hostapd did not start"; }
wait_for 10 sh -c 'hostapd_cli -p /var/run/hostapd status | grep -q state=ENABLED'

out=$(wlan scan); echo "$out"
expect "$out" "02:00:00:00:00:00  gopkt-wlan  6"
expect "$out" "WPA2-PSK"
out=$(wlan scan --json); echo "$out"
expect "$out" '"ssid": "gopkt-wlan"'

wlan connect --ssid gopkt-wlan --passphrase 'the right passphrase' > /tmp/connect.log 2>&1 &
pid=$!
wait_for 30 grep -q '^connected' /tmp/connect.log
cat /tmp/connect.log
for step in scanning "authenticating with 02:00:00:00:00:00" associating handshake 'connected to "gopkt-wlan"'; do
	expect "$(cat /tmp/connect.log)" "$step"
done
wait_for 5 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
echo "hostapd: $(hostapd_cli -p /var/run/hostapd all_sta | grep -E '^(02:|flags)' | tr '\n' ' ')"
out=$(wlan status); echo "$out"
expect "$out" "bssid:   02:00:00:00:00:00"
expect "$out" "CCMP-128 pairwise, CCMP-128 group"
expect "$(wlan status --json)" '"port_open": true'
expect "$(wlan scan)" "gopkt-wlan"

# Thrown out by the AP: we rejoin by ourselves.
must hostapd_cli -p /var/run/hostapd deauthenticate 02:67:6f:70:6b:01
wait_for 20 sh -c '[ $(grep -c "^connected" /tmp/connect.log) -ge 2 ]'
wait_for 5 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
# The AP restarts: we find it again.
kill $(cat /tmp/hostapd.pid)
wait_for 5 sh -c '! [ -e /var/run/hostapd/wlan0 ]'
sleep 1
hostapd -B -P /tmp/hostapd.pid -f /tmp/hostapd2.log /etc/hostapd.conf || { cat /tmp/hostapd2.log; fail "hostapd did not restart"; }
wait_for 10 sh -c 'hostapd_cli -p /var/run/hostapd status | grep -q state=ENABLED'
wait_for 40 sh -c '[ $(grep -c "^connected" /tmp/connect.log) -ge 3 ]'
wait_for 5 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
cat /tmp/connect.log
expect "$(wlan status)" "RUN (port open)"
must wlan disconnect
wait $pid || fail "wlan connect exited with status $? (a buffer leak or a teardown error)"
expect "$(cat /tmp/connect.log)" "disconnected"

t0=$(cut -d. -f1 /proc/uptime)
if wlan connect --ssid gopkt-wlan --passphrase 'a wrong passphrase' > /tmp/wrong.log 2>&1; then fail "connect with a wrong passphrase succeeded"; fi
t1=$(cut -d. -f1 /proc/uptime)
cat /tmp/wrong.log
echo "wrong passphrase failed after $((t1 - t0)) s"
expect "$(cat /tmp/wrong.log)" "passphrase is probably wrong"
[ $((t1 - t0)) -le 10 ] || fail "wrong passphrase took $((t1 - t0)) s, more than 10"

if wlan connect --ssid no-such-net --passphrase 'whatever123' > /tmp/none.log 2>&1; then fail "connect to a missing network succeeded"; fi
cat /tmp/none.log
expect "$(cat /tmp/none.log)" "no access point answered"

# The same with an open network.
kill $(cat /tmp/hostapd.pid)
wait_for 5 sh -c '! [ -e /var/run/hostapd/wlan0 ]'
printf 'interface=wlan0\ndriver=nl80211\nctrl_interface=/var/run/hostapd\nssid=gopkt-open\nhw_mode=g\nchannel=11\n' > /etc/hostapd-open.conf
hostapd -B -P /tmp/hostapd.pid -f /tmp/hostapd-open.log /etc/hostapd-open.conf || { cat /tmp/hostapd-open.log; fail "open hostapd did not start"; }
wait_for 10 sh -c 'hostapd_cli -p /var/run/hostapd status | grep -q state=ENABLED'
expect "$(wlan scan)" "gopkt-open  11       -50 dBm  open"
wlan connect --ssid gopkt-open > /tmp/open.log 2>&1 &
pid=$!
wait_for 30 grep -q '^connected' /tmp/open.log
cat /tmp/open.log
reject "$(cat /tmp/open.log)" "handshake"
wait_for 5 sh -c 'hostapd_cli -p /var/run/hostapd all_sta | grep -q AUTHORIZED'
out=$(wlan status); echo "$out"
expect "$out" "none (open network)"
must wlan disconnect
wait $pid || fail "wlan connect (open) exited with status $?"
`,
	})
	if len(res.Grep("wrong passphrase failed after")) != 1 {
		t.Errorf("console lacks the wrong-passphrase timing:\n%s", res.Tail(40))
	}
}
