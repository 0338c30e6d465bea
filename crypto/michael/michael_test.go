package michael

import (
	"encoding/hex"
	"testing"
)

// IEEE 802.11-2016 12.5.2.3 (and the 802.11i Michael test vectors): a
// chain where each MIC keys the next message.
func TestVectors(t *testing.T) {
	vectors := []struct{ key, msg, mic string }{
		{"0000000000000000", "", "82925c1ca1d130b8"},
		{"82925c1ca1d130b8", "M", "434721ca40639b3f"},
		{"434721ca40639b3f", "Mi", "e8f9becae97e5d29"},
		{"e8f9becae97e5d29", "Mic", "90038fc6cf13c1db"},
		{"90038fc6cf13c1db", "Mich", "d55e100510128986"},
		{"d55e100510128986", "Michael", "0a942b124ecaa546"},
	}
	for _, v := range vectors {
		var key [8]byte
		hex.Decode(key[:], []byte(v.key))
		got := MIC(key, []byte(v.msg))
		if hex.EncodeToString(got[:]) != v.mic {
			t.Errorf("MIC(%s, %q) = %x; want %s", v.key, v.msg, got, v.mic)
		}
		// Byte-at-a-time streaming must agree.
		var d Digest
		d.Reset(key)
		for i := range len(v.msg) {
			d.Write([]byte{v.msg[i]})
		}
		if s := d.Sum8(); s != got {
			t.Errorf("streaming MIC(%q) = %x; want %x", v.msg, s, got)
		}
	}
}

func TestSumIsHeaderThenData(t *testing.T) {
	key := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	da := []byte{0x02, 0, 0, 0, 0, 1}
	sa := []byte{0x02, 0, 0, 0, 0, 2}
	data := []byte("an MSDU body of odd length")
	msg := append(append(append([]byte{}, da...), sa...), 5, 0, 0, 0)
	msg = append(msg, data...)
	if Sum(key, da, sa, 5, data) != MIC(key, msg) {
		t.Fatal("Sum differs from MIC over header||data")
	}
	if Sum(key, da, sa, 5, data) == Sum(key, da, sa, 6, data) {
		t.Fatal("priority does not affect the MIC")
	}
}

func BenchmarkSum1500(b *testing.B) {
	var key [8]byte
	da, sa, data := make([]byte, 6), make([]byte, 6), make([]byte, 1500)
	b.SetBytes(1500)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Sum(key, da, sa, 0, data)
	}
}
