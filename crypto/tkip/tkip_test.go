package tkip

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// The IEEE 802.11i (TGi) TKIP mixing test vectors, reproduced in the
// standard's annex: TK, TA, IV32, IV16, the phase 1 output and the RC4 key.
var mixVectors = []struct {
	tk, ta string
	iv32   uint32
	iv16   uint16
	p1k    string
	rc4key string
}{
	{"000102030405060708090a0b0c0d0e0f", "102233445566", 0x00000000, 0x0000, "3dd2 016e 76f4 8697 b2e8", "00200033ea8d2f60ca6d1374234a660b"},
	{"000102030405060708090a0b0c0d0e0f", "102233445566", 0x00000000, 0x0001, "3dd2 016e 76f4 8697 b2e8", "00200190ffdc314389a9d9d074fd20aa"},
	{"63893b250840b8ae0bd0fa7e61d2783e", "64f2eaeddc25", 0x20dcfd43, 0xffff, "7c67 49d7 9724 b5e9 b4f1", "ff7fff93810fc6e58f5dd326251544ce"},
	{"63893b250840b8ae0bd0fa7e61d2783e", "64f2eaeddc25", 0x20dcfd44, 0x0000, "5a5d 73a8 a859 2ec1 dc8b", "002000498ca471fcfbfaa16e3610f005"},
	{"983a16ef4facb351aa9ecc271d7309e2", "509c4b1727d9", 0xf0a410fc, 0x058c, "f2df ebb1 88d3 5923 a07c", "05258cf4d85152f4d9af1a64f1d07021"},
	{"983a16ef4facb351aa9ecc271d7309e2", "509c4b1727d9", 0xf0a410fc, 0x058d, "f2df ebb1 88d3 5923 a07c", "05258d09f81543b76a596fc2c6738b30"},
	{"c8adc16a8b4dda3b4dd5b65438359b05", "945e244e4d6e", 0x8b1573b7, 0x30f8, "eff1 3f38 a364 60a9 76f3", "3030f8650da073ea614ea8f474ee0319"},
	{"c8adc16a8b4dda3b4dd5b65438359b05", "945e244e4d6e", 0x8b1573b7, 0x30f9, "eff1 3f38 a364 60a9 76f3", "3030f93155ce293437cc76712716ab8f"},
}

func TestMixingVectors(t *testing.T) {
	for i, v := range mixVectors {
		tk, _ := hex.DecodeString(v.tk)
		ta, _ := hex.DecodeString(v.ta)
		m := NewMixer(tk, ta)
		var key [RC4KeySize]byte
		m.Key(&key, uint64(v.iv32)<<16|uint64(v.iv16))
		tt := m.TTAK()
		p1k := fmt.Sprintf("%04x %04x %04x %04x %04x", tt[0], tt[1], tt[2], tt[3], tt[4])
		if p1k != v.p1k {
			t.Errorf("vector %d: TTAK = %s; want %s", i+1, p1k, v.p1k)
		}
		if got, want := hex.EncodeToString(key[:]), strings.ReplaceAll(v.rc4key, " ", ""); got != want {
			t.Errorf("vector %d: RC4 key = %s; want %s", i+1, got, want)
		}
	}
}

// Phase 1 is cached per IV32; crossing an IV16 wrap must recompute it.
func TestMixerRecomputesPhase1(t *testing.T) {
	v3, v4 := mixVectors[2], mixVectors[3]
	tk, _ := hex.DecodeString(v3.tk)
	ta, _ := hex.DecodeString(v3.ta)
	m := NewMixer(tk, ta)
	var k3, k4 [RC4KeySize]byte
	m.Key(&k3, uint64(v3.iv32)<<16|uint64(v3.iv16))
	m.Key(&k4, uint64(v4.iv32)<<16|uint64(v4.iv16)) // TSC + 1 carries into IV32
	if got := hex.EncodeToString(k4[:]); got != strings.ReplaceAll(v4.rc4key, " ", "") {
		t.Fatalf("after IV16 wrap: RC4 key = %s", got)
	}
}

func BenchmarkKey(b *testing.B) {
	m := NewMixer(make([]byte, 16), make([]byte, 6))
	var key [RC4KeySize]byte
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m.Key(&key, uint64(i))
	}
}
