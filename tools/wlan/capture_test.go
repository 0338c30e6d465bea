package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/pktdump"
	"github.com/gopkt/gopkt/stack/bpf"
	"github.com/gopkt/gopkt/stack/bpf/capture"
)

// TestRadiotapCapture: a station joins the in-process test AP (WPA2-PSK)
// with a radiotapSource on its Com; pktdump writes the frames into a pcap
// of link type 127, which tshark (when installed) decodes: beacons with
// radiotap signal and channel, and the 4-way handshake.
func TestRadiotapCapture(t *testing.T) {
	src := newRadiotapSource()
	clock := wlantest.NewClock()
	m := &wlantest.Medium{}
	sta := m.NewRadio(net.HardwareAddr{2, 0x67, 0x6f, 0x70, 0x6b, 1}, 2412, []int{2412, 2437})
	apRadio := m.NewRadio(net.HardwareAddr{2, 0, 0, 0, 0, 0xa0}, 2437, []int{2412, 2437})
	apRadio.SignalDBm = -47
	ap, err := wlantest.NewAP(apRadio, wlantest.APConfig{SSID: []byte("gopkt-cap"), Passphrase: "capture this", Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	com, err := net80211.NewCom(net80211.ComConfig{Radio: sta, Clock: clock, Tap: src.tap})
	if err != nil {
		t.Fatal(err)
	}
	sta.Handler, sta.Status = com.Input, com.TxDone
	vap, err := com.NewVap(net80211.VapConfig{Sink: net80211.EtherSinkFunc(func([]byte) {})})
	if err != nil {
		t.Fatal(err)
	}
	if err := vap.Connect([]byte("gopkt-cap"), "capture this"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 500 && !vap.PortOpen(); i++ {
		clock.Advance(10 * time.Millisecond)
		ap.Tick()
		com.Tick()
		m.Run(10000)
	}
	if !vap.PortOpen() {
		t.Fatalf("not connected: %v", vap.State())
	}
	for range 30 { // three beacons more
		clock.Advance(10 * time.Millisecond)
		ap.Tick()
		m.Run(10000)
	}
	var pcap bytes.Buffer
	// Run takes what the tap queued and stops when the context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res, err := pktdump.Run(ctx, src, pktdump.Options{Pcap: &pcap})
	if err != nil {
		t.Fatal(err)
	}
	if res.Packets < 10 || src.dropped.Load() != 0 {
		t.Fatalf("%d frames captured, %d dropped", res.Packets, src.dropped.Load())
	}
	if lt := src.LinkType(); lt != bpf.LinkIEEE80211Radiotap {
		t.Fatalf("link type %d", lt)
	}
	hosttest.Require(t, hosttest.Tshark) // the reference decoder reads the capture
	path := filepath.Join(t.TempDir(), "cap.pcap")
	if err := os.WriteFile(path, pcap.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("tshark", "-r", path, "-T", "fields", "-e", "wlan.fc.type_subtype", "-e", "radiotap.dbm_antsignal",
		"-e", "radiotap.channel.freq", "-e", "wlan_rsna_eapol.keydes.msgnr").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	var beacons int
	var msgs []string
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		f := strings.Split(l, "\t")
		if len(f) != 4 {
			t.Fatalf("tshark line %q", l)
		}
		if f[0] == "0x0008" {
			beacons++
			if f[1] != "-47" || f[2] != "2437" {
				t.Errorf("beacon radiotap: signal %q freq %q, want -47 and 2437", f[1], f[2])
			}
		}
		if f[3] != "" {
			msgs = append(msgs, f[3])
		}
	}
	if beacons < 3 || strings.Join(msgs, ",") != "1,2,3,4" {
		t.Fatalf("tshark: %d beacons, EAPOL messages %v:\n%s", beacons, msgs, out)
	}
}

func TestRadiotapSourceDrops(t *testing.T) {
	src := newRadiotapSource()
	frame := []byte{0, 0, 8, 0, 0, 0x80, 0, 0, 0xd4, 0, 0, 0} // radiotap with TX flags, then an ACK
	for range tapSlots + 3 {
		src.tap(frame)
	}
	if d := src.dropped.Load(); d != 3 {
		t.Fatalf("dropped %d, want 3", d)
	}
	buf := make([]byte, 64)
	in, err := src.Read(context.Background(), buf)
	if err != nil || in.Length != len(frame) || in.CaptureLength != len(frame) || in.Dir != capture.Out || !bytes.Equal(buf[:len(frame)], frame) {
		t.Fatalf("read %+v %v", in, err)
	}
	// A short buffer keeps the head of the frame and reports its length.
	in, err = src.Read(context.Background(), buf[:4])
	if err != nil || in.Length != len(frame) || in.CaptureLength != 4 {
		t.Fatalf("short read %+v %v", in, err)
	}
	_ = src.Close()
	for range tapSlots {
		if _, err := src.Read(context.Background(), buf); err != nil {
			break
		}
	}
	src.tap(frame) // after close: ignored
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := newRadiotapSource().Read(ctx, buf); err != context.Canceled {
		t.Fatalf("read with a cancelled context: %v", err)
	}
}
