package vcardsim

import (
	"encoding/hex"
	"testing"
)

func TestHdrLen(t *testing.T) {
	cases := []struct {
		name string
		fc   [2]byte
		n    int
		want int
	}{
		{"beacon", [2]byte{0x80, 0x00}, 36, 24},
		{"data", [2]byte{0x08, 0x01}, 30, 24},
		{"qos data", [2]byte{0x88, 0x02}, 30, 26},
		{"4-address qos", [2]byte{0x88, 0x03}, 40, 32},
		{"qos + HT control", [2]byte{0x88, 0x82}, 40, 30},
		{"mgmt + HT control", [2]byte{0xd0, 0x80}, 40, 28},
		{"ack (control)", [2]byte{0xd4, 0x00}, 10, 0},
		{"truncated data", [2]byte{0x08, 0x01}, 20, 0},
		{"runt", [2]byte{0x08, 0x01}, 9, 0},
	}
	for _, c := range cases {
		f := make([]byte, c.n)
		copy(f, c.fc[:])
		if got := hdrLen(f); got != c.want {
			t.Errorf("%s: hdrLen %d, want %d", c.name, got, c.want)
		}
	}
}

// The nonce and AAD of IEEE P802.11i D7.0 test mpdu 1 (the vectors in
// crypto/ccm's ccmp_test.go), built from the frame header.
func TestCCMPParams(t *testing.T) {
	hdr, _ := hex.DecodeString("0848c32c0fd2e128a57c5030f1844408abaea5b8fcba8033")
	var nonce [13]byte
	var aad [30]byte
	n := ccmpParams(hdr, 0xb5039776e70c, &nonce, &aad)
	if got := hex.EncodeToString(nonce[:]); got != "005030f1844408b5039776e70c" {
		t.Errorf("nonce %s", got)
	}
	if got := hex.EncodeToString(aad[:n]); got != "08400fd2e128a57c5030f1844408abaea5b8fcba0000" {
		t.Errorf("AAD %s", got)
	}
	// QoS data, FromDS, TID 7 (mpdu 4 without its HT-era Order bit).
	hdr, _ = hex.DecodeString("88420000712a9ddf11db8ef82273470159140dd646a2a0462700")
	n = ccmpParams(hdr[:26], 0xf670a55a0fe3, &nonce, &aad)
	if got := hex.EncodeToString(nonce[:]); got != "078ef822734701f670a55a0fe3" {
		t.Errorf("QoS nonce %s", got)
	}
	if got := hex.EncodeToString(aad[:n]); got != "8842712a9ddf11db8ef82273470159140dd646a200000700" {
		t.Errorf("QoS AAD %s", got)
	}
	var b [8]byte
	putCCMPHeader(b[:], 0xb5039776e70c, 2)
	if got := hex.EncodeToString(b[:]); got != "0ce700a0769703b5" {
		t.Errorf("CCMP header %s", got)
	}
	if pn, idx, ok := ccmpHeaderPN(b[:]); !ok || pn != 0xb5039776e70c || idx != 2 {
		t.Errorf("header PN %#x idx %d ok %v", pn, idx, ok)
	}
}
