package wire

import (
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"testing"
)

// checksumNaive is the textbook RFC 1071 loop: 16-bit big-endian words
// into a 32-bit accumulator. It is the reference the fast path is tested
// and benchmarked against.
func checksumNaive(b []byte, initial uint16) uint16 {
	s := uint32(initial)
	for len(b) >= 2 {
		s += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

func TestChecksumVectors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want uint16
	}{
		// RFC 1071 §3: the example bytes sum to ddf2 (after folding).
		{"rfc1071", []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}, 0xddf2},
		{"empty", nil, 0},
		{"odd", []byte{0xab}, 0xab00},
		{"carry", []byte{0xff, 0xff, 0x00, 0x01}, 0x0001},
		{"allones", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 0xffff},
		// A real IPv4 header with its correct checksum (0xb861) sums to 0xffff.
		{"ipv4hdr", []byte{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61,
			0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7}, 0xffff},
	}
	for _, tt := range tests {
		if got := Checksum(tt.in, 0); got != tt.want {
			t.Errorf("%s: Checksum = %#04x, want %#04x", tt.name, got, tt.want)
		}
		if got := checksumNaive(tt.in, 0); got != tt.want {
			t.Errorf("%s: naive = %#04x, want %#04x", tt.name, got, tt.want)
		}
	}
}

// TestChecksumMatchesNaive covers every tail length and alignment of the
// unrolled loop, with random initial values.
func TestChecksumMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 1600)
	for n := 0; n <= 300; n++ {
		for off := 0; off < 8; off++ {
			for i := range buf {
				buf[i] = byte(r.Uint32())
			}
			init := uint16(r.Uint32())
			b := buf[off : off+n]
			if got, want := Checksum(b, init), checksumNaive(b, init); got != want && !(got == 0xffff && want == 0 || got == 0 && want == 0xffff) {
				t.Fatalf("n=%d off=%d init=%#x: got %#04x, want %#04x", n, off, init, got, want)
			}
		}
	}
	// Worst case for carries: all 0xff.
	for i := range buf {
		buf[i] = 0xff
	}
	for n := 0; n < 200; n++ {
		if got, want := Checksum(buf[:n], 0xffff), checksumNaive(buf[:n], 0xffff); got != want {
			t.Fatalf("all-ones n=%d: got %#04x, want %#04x", n, got, want)
		}
	}
}

func TestPseudoHeaderChecksum(t *testing.T) {
	src, dst := Addr4{198, 18, 0, 1}, Addr4{198, 18, 0, 2}
	ph := []byte{198, 18, 0, 1, 198, 18, 0, 2, 0, 17, 0x01, 0x2c}
	if got, want := PseudoHeaderChecksum(IPProtocolUDP, src, dst, 300), checksumNaive(ph, 0); got != want {
		t.Fatalf("PseudoHeaderChecksum = %#04x, want %#04x", got, want)
	}
}

// TestChecksumUpdate16 checks RFC 1624 incremental update against a full
// recomputation, including the 0x0000/0xffff corner RFC 1624 §4 is about.
func TestChecksumUpdate16(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	hdr := make([]byte, 20)
	for i := 0; i < 10000; i++ {
		for j := range hdr {
			hdr[j] = byte(r.Uint32())
		}
		if i%100 == 0 {
			clear(hdr)
		}
		hdr[10], hdr[11] = 0, 0
		binary.BigEndian.PutUint16(hdr[10:], ^Checksum(hdr, 0))
		old := binary.BigEndian.Uint16(hdr[8:])
		nw := uint16(r.Uint32())
		check := ChecksumUpdate16(binary.BigEndian.Uint16(hdr[10:]), old, nw)
		binary.BigEndian.PutUint16(hdr[8:], nw)
		binary.BigEndian.PutUint16(hdr[10:], check)
		if s := Checksum(hdr, 0); s != 0xffff {
			t.Fatalf("iteration %d: header sums to %#04x after incremental update, want 0xffff", i, s)
		}
	}
}

func FuzzChecksum(f *testing.F) {
	f.Add([]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}, uint16(0))
	f.Add([]byte{0xff}, uint16(0xffff))
	f.Add(make([]byte, 71), uint16(1))
	f.Fuzz(func(t *testing.T, b []byte, init uint16) {
		got, want := Checksum(b, init), checksumNaive(b, init)
		// 0x0000 and 0xffff are both zero in ones' complement; the two
		// loops may legitimately pick different representations only when
		// everything summed is zero.
		if got != want && !(got|want == 0xffff && got&want == 0) {
			t.Fatalf("Checksum = %#04x, naive = %#04x (len %d, init %#x)", got, want, len(b), init)
		}
	})
}

var sink uint16

func benchChecksum(b *testing.B, n int, fn func([]byte, uint16) uint16) {
	buf := make([]byte, n)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		sink = fn(buf, 0)
	}
}

func BenchmarkChecksum(b *testing.B) {
	for _, n := range []int{20, 64, 1500, 9000} {
		b.Run("fast/"+itoa(n), func(b *testing.B) { benchChecksum(b, n, Checksum) })
		b.Run("naive/"+itoa(n), func(b *testing.B) { benchChecksum(b, n, checksumNaive) })
	}
}

func BenchmarkChecksumUpdate16(b *testing.B) {
	b.ReportAllocs()
	c := uint16(0x1234)
	for b.Loop() {
		c = ChecksumUpdate16(c, 0x4011, 0x3f11)
	}
	sink = c
}

func itoa(n int) string { return strconv.Itoa(n) }
