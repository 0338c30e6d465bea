package bench

import (
	"strings"
	"testing"
	"time"
)

func TestParseRuns(t *testing.T) {
	console := []string{
		"OURS 1 [0.000012s] scanning",
		"OURS 1 [0.960000s] authenticating with 02:00:00:00:00:00",
		"OURS 1 [1.100000s] associating",
		"OURS 1 [1.750000s] connected to \"gopkt-bench\" (02:00:00:00:00:00) in 1.75s",
		"WPAS 1 1763781930.000000: Successfully initialized wpa_supplicant",
		"WPAS 1 1763781933.500000: wlan1: SME: Trying to authenticate with 02:00:00:00:00:00 (SSID='gopkt-bench' freq=2412 MHz)",
		"WPAS 1 1763781934.000000: wlan1: CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:00:00 completed [id=0 id_str=]",
		"WPAS 2 1763781940.000000: Successfully initialized wpa_supplicant", // incomplete run: ignored
	}
	ours, wpas := parseRuns(console)
	if len(ours) != 1 || len(wpas) != 1 {
		t.Fatalf("runs: %d ours, %d wpa_supplicant", len(ours), len(wpas))
	}
	want := []timing{{1750 * time.Millisecond, 790 * time.Millisecond}, {4 * time.Second, 500 * time.Millisecond}}
	for i, got := range []timing{ours[0], wpas[0]} {
		if d := got.total - want[i].total; d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("run %d total %v, want %v", i, got.total, want[i].total)
		}
		if d := got.handshake - want[i].handshake; d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("run %d handshake %v, want %v", i, got.handshake, want[i].handshake)
		}
	}
	tab := table(ours, wpas)
	if !strings.Contains(tab, "0.44x") || !strings.Contains(tab, "1.58x") {
		t.Errorf("table ratios (1.75/4 = 0.44, 0.79/0.5 = 1.58):\n%s", tab)
	}
}
