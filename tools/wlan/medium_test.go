package main

import (
	"encoding/binary"
	"net"
	"reflect"
	"testing"

	"github.com/gopkt/gopkt/drivers/wifi80211/hwsim"
)

// authFrame builds an Authentication frame with algorithm alg and
// transaction seq (802.11 header, no FCS).
func authFrame(alg, seq uint16) []byte {
	b := []byte{0xb0, 0, 0, 0}
	b = append(b, 2, 0x67, 0x6f, 0x70, 0x6b, 1) // A1: the station
	b = append(b, 2, 0, 0, 0, 0, 0)             // A2: the AP
	b = append(b, 2, 0, 0, 0, 0, 0)             // A3: BSSID
	b = append(b, 0, 0)
	b = binary.LittleEndian.AppendUint16(b, alg)
	b = binary.LittleEndian.AppendUint16(b, seq)
	b = binary.LittleEndian.AppendUint16(b, 0)
	return append(b, make([]byte, 34)...)
}

// TestSAEConfirmLoser: the first n SAE Confirms are lost, nothing else.
func TestSAEConfirmLoser(t *testing.T) {
	if saeConfirmLoser(0) != nil {
		t.Fatal("a loser for 0 frames")
	}
	lose := saeConfirmLoser(2)
	for i, c := range []struct {
		f    []byte
		want bool
	}{
		{authFrame(3, 1), false}, // Commit
		{authFrame(0, 2), false}, // Open System
		{authFrame(3, 2), true},
		{[]byte{0xb0, 0}, false}, // truncated
		{authFrame(3, 2), true},
		{authFrame(3, 2), false}, // the third goes through
	} {
		if got := lose(c.f); got != c.want {
			t.Errorf("frame %d: lost %v, want %v", i, got, c.want)
		}
	}
}

func TestParseLinks(t *testing.T) {
	links, err := parseLinks([]string{"02:00:00:00:00:00=-35", "02:00:00:00:01:00>02:67:6f:70:6b:01=-70"})
	want := []hwsim.Link{
		{From: net.HardwareAddr{2, 0, 0, 0, 0, 0}, Signal: -35},
		{From: net.HardwareAddr{2, 0, 0, 0, 1, 0}, To: net.HardwareAddr{2, 0x67, 0x6f, 0x70, 0x6b, 1}, Signal: -70},
	}
	if err != nil || !reflect.DeepEqual(links, want) {
		t.Fatalf("parseLinks = %+v, %v", links, err)
	}
	for _, bad := range []string{"02:00:00:00:00:00", "02:00:00:00:00:00=5", "02:00:00:00:00:00=-200", "nomac=-40", "02:00:00:00:00:00>x=-40", "=-40"} {
		if _, err := parseLinks([]string{bad}); err == nil {
			t.Errorf("parseLinks(%q) accepted", bad)
		}
	}
}
