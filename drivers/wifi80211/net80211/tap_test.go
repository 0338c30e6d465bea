package net80211_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/gopkt/gopkt/clock/clocktest"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/radiotap"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
	"github.com/gopkt/gopkt/internal/hosttest"
)

// TestTapPcap records a WPA2 connection through ComConfig.Tap into a pcap
// (link type 127) and, when tshark is installed, has tshark decode it: the
// beacons, the four EAPOL messages and the radiotap signal must show.
func TestTapPcap(t *testing.T) {
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeIEEE80211Radio); err != nil {
		t.Fatal(err)
	}
	clock := wlantest.NewClock()
	var n int
	tap := func(p []byte) {
		if _, _, err := radiotap.Parse(p); err != nil {
			t.Errorf("tap frame %d: %v", n, err)
		}
		n++
		ci := gopacket.CaptureInfo{Timestamp: clock.Now(), CaptureLength: len(p), Length: len(p)}
		if err := w.WritePacket(ci, p); err != nil {
			t.Error(err)
		}
	}
	b := newTapBench(t, clock, tap)
	b.connect("tap the air")
	b.pingPong("tapped")
	b.runFor(300 * time.Millisecond) // a few beacons
	file := filepath.Join(t.TempDir(), "wlan.pcap")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("only %d frames tapped", n)
	}
	// The reference decoder's reading of the same pcap.
	hosttest.Require(t, hosttest.Tshark)
	tshark := hosttest.Tshark.Argv()[0]
	out, err := exec.Command(tshark, "-r", file, "-T", "fields", "-e", "wlan.fc.type_subtype", "-e", "eapol.keydes.type",
		"-e", "radiotap.dbm_antsignal", "-e", "wlan_radio.frequency").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	var beacons, eapolMsgs, withSignal int
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 4 {
			continue
		}
		if f[0] == "0x0008" || f[0] == "8" {
			beacons++
		}
		if f[1] != "" {
			eapolMsgs++
		}
		if f[2] == "-52" {
			withSignal++
		}
	}
	if beacons == 0 || eapolMsgs != 4 || withSignal == 0 {
		t.Fatalf("tshark saw %d beacons, %d EAPOL-Key frames, %d frames with -52 dBm:\n%s", beacons, eapolMsgs, withSignal, out)
	}
}

func newTapBench(t *testing.T, clock *clocktest.Clock, tap net80211.Tap) *bench {
	b := &bench{t: t, clock: clock, medium: &wlantest.Medium{}, keep: true}
	b.sta = b.medium.NewRadio(staMAC, 2412, chans)
	apRadio := b.medium.NewRadio(apMAC, 2437, chans)
	apRadio.SignalDBm = -52
	ap, err := wlantest.NewAP(apRadio, wlantest.APConfig{SSID: []byte("gopkt-test"), Passphrase: "tap the air", Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	b.ap = ap
	if b.com, err = net80211.NewCom(net80211.ComConfig{Radio: b.sta, Clock: clock, Tap: tap}); err != nil {
		t.Fatal(err)
	}
	b.sta.Handler, b.sta.Status = b.com.Input, b.com.TxDone
	b.vap, err = b.com.NewVap(net80211.VapConfig{Sink: net80211.EtherSinkFunc(func(f []byte) { b.rx = append(b.rx, bytes.Clone(f)) })})
	if err != nil {
		t.Fatal(err)
	}
	b.step(time.Millisecond)
	return b
}
