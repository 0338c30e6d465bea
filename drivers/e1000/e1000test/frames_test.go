package e1000test

import (
	"errors"
	"testing"
)

func TestLoopFrameRoundTrip(t *testing.T) {
	dst := [6]byte{2, 0, 0, 0, 0, 2}
	src := [6]byte{2, 0, 0, 0, 0, 1}
	b := make([]byte, 64)
	FillLoop(b, dst, src, 0x0102030405060708)
	want := []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xb5, 'G', 'P', 'K', 'T', 1, 2, 3, 4, 5, 6, 7, 8, 0, 64}
	for i, w := range want {
		if b[i] != w {
			t.Fatalf("byte %d = %#x, want %#x (% x)", i, b[i], w, b[:28])
		}
	}
	if seq, err := CheckLoop(b); err != nil || seq != 0x0102030405060708 {
		t.Fatalf("CheckLoop = %#x, %v", seq, err)
	}
	padded := append(append([]byte(nil), b[:40]...), make([]byte, 20)...)
	FillLoop(padded[:40], dst, src, 9)
	if _, err := CheckLoop(padded); err != nil {
		t.Errorf("padded frame: %v", err)
	}
	for _, tc := range []struct {
		name string
		mut  func([]byte)
		want error
	}{
		{"payload bit", func(b []byte) { b[50] ^= 1 }, ErrCorrupt},
		{"crc", func(b []byte) { b[29] ^= 1 }, ErrCorrupt},
		{"length beyond", func(b []byte) { b[27] = 65 }, ErrCorrupt},
		{"ethertype", func(b []byte) { b[13] = 0 }, ErrNotLoop},
		{"magic", func(b []byte) { b[14] = 'X' }, ErrNotLoop},
	} {
		c := append([]byte(nil), b...)
		tc.mut(c)
		if _, err := CheckLoop(c); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestTracker(t *testing.T) {
	tr := NewTracker(5)
	f := func(seq uint64) []byte {
		b := make([]byte, 60)
		FillLoop(b, [6]byte{}, [6]byte{}, seq)
		return b
	}
	for _, s := range []uint64{0, 2, 1, 2, 4} {
		tr.Add(f(s))
	}
	bad := f(3)
	bad[40] ^= 0xff
	tr.Add(bad)
	tr.Add(make([]byte, 60))
	if tr.Received != 4 || tr.Lost() != 1 || tr.Duplicated != 1 || tr.Reordered != 1 || tr.Corrupt != 1 || tr.Foreign != 1 || tr.Clean() {
		t.Errorf("%+v lost %d", *tr, tr.Lost())
	}
}

func FuzzCheckLoop(f *testing.F) {
	b := make([]byte, 80)
	FillLoop(b, [6]byte{1}, [6]byte{2}, 77)
	f.Add(b)
	f.Add(b[:LoopHeader])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		seq, err := CheckLoop(data)
		if err == nil {
			// A frame that passes must re-encode to the same bytes.
			n := int(data[26])<<8 | int(data[27])
			c := make([]byte, n)
			var dst, src [6]byte
			copy(dst[:], data)
			copy(src[:], data[6:])
			FillLoop(c, dst, src, seq)
			if string(c) != string(data[:n]) {
				t.Fatalf("accepted a frame that does not re-encode")
			}
		}
	})
}
