package hwsim_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/vcard"
)

// TestGuestRelay: with our process as the medium, Debian's wpa_supplicant
// on the second kernel radio connects to hostapd on the first, so the
// medium relays between kernel radios as wmediumd does. It also times the
// connection for the side-by-side figure with our own station.
func TestGuestRelay(t *testing.T) {
	guestOnly(t)
	if _, err := os.Stat("/sys/class/net/wlan1"); err != nil {
		t.Skip("needs a second hwsim radio (radios=2)")
	}
	s := newStation(t, vcard.Poll)
	defer s.close(t)
	conf := fmt.Sprintf("ctrl_interface=/var/run/wpa_supplicant\nnetwork={\n\tssid=%q\n\tpsk=%q\n\tkey_mgmt=WPA-PSK\n\tproto=RSN\n\tpairwise=CCMP\n}\n",
		os.Getenv("AP_SSID"), os.Getenv("AP_PASSPHRASE"))
	if err := os.WriteFile("/tmp/wpa.conf", []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if out, err := exec.Command("wpa_supplicant", "-B", "-i", "wlan1", "-D", "nl80211", "-c", "/tmp/wpa.conf", "-P", "/tmp/wpas.pid").CombinedOutput(); err != nil {
		t.Fatalf("wpa_supplicant: %v\n%s", err, out)
	}
	defer func() {
		if pid, err := os.ReadFile("/tmp/wpas.pid"); err == nil {
			_ = exec.Command("kill", strings.TrimSpace(string(pid))).Run()
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _ := exec.Command("wpa_cli", "-i", "wlan1", "status").CombinedOutput()
		if strings.Contains(string(out), "wpa_state=COMPLETED") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("wpa_supplicant not connected within 30 s:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Printf("GUEST: wpa_supplicant connected in %v (guest time)\n", time.Since(start).Round(time.Millisecond))
	addr, _ := os.ReadFile("/sys/class/net/wlan1/address")
	out, err := exec.Command("hostapd_cli", "-p", "/var/run/hostapd", "all_sta").CombinedOutput()
	if err != nil || !strings.Contains(string(out), strings.TrimSpace(string(addr))) || !strings.Contains(string(out), "[AUTHORIZED]") {
		t.Fatalf("hostapd does not list wlan1 (%s) as authorized:\n%s", strings.TrimSpace(string(addr)), out)
	}
	if st := s.md.Stats(); st.Relayed == 0 || st.Acked == 0 {
		t.Fatalf("medium stats %+v: nothing relayed between kernel radios", st)
	}
}
