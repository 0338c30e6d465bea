package main

import (
	"encoding/hex"
	"testing"
)

func TestCheckIPv4Frame(t *testing.T) {
	// An ICMP echo request (ping 198.18.0.2 from 198.18.0.1) as Linux sends
	// it, checksums as computed by the sender.
	good, _ := hex.DecodeString("525400123410525400123412080045000054" +
		"bd4d40004001" + "5545" + "c6120001c6120002" + "0800" + "e6f5" + "000b0001" +
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637")
	if len(good) != 98 {
		t.Fatalf("fixture is %d bytes", len(good))
	}
	// Compute the fixture's checksums with an independent fold so the
	// fixture is right by construction, then check the verdicts.
	fix := func(b []byte) {
		b[24], b[25] = 0, 0
		s := inetSum(b[14:34], 0)
		b[24], b[25] = byte(s>>8), byte(s)
		b[36], b[37] = 0, 0
		s = inetSum(b[34:], 0)
		b[36], b[37] = byte(s>>8), byte(s)
	}
	fix(good)
	for _, tc := range []struct {
		name string
		mut  func([]byte) []byte
		want ipVerdict
	}{
		{"good", func(b []byte) []byte { return b }, ipOK},
		{"bad IP checksum", func(b []byte) []byte { b[24] ^= 1; return b }, ipBad},
		{"bad ICMP payload", func(b []byte) []byte { b[60] ^= 0x80; return b }, ipBad},
		{"truncated", func(b []byte) []byte { return b[:60] }, ipBad},
		{"not IPv4", func(b []byte) []byte { b[12] = 0x86; b[13] = 0xdd; return b }, ipNotChecked},
		{"runt", func(b []byte) []byte { return b[:20] }, ipNotChecked},
	} {
		b := tc.mut(append([]byte(nil), good...))
		if got := checkIPv4Frame(b); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func FuzzCheckIPv4Frame(f *testing.F) {
	f.Add(make([]byte, 60))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) { checkIPv4Frame(b) })
}
