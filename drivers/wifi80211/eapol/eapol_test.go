package eapol

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/internal/capture"
)

// handshake returns the four EAPOL frames of wpa2.eapol.cap (after LLC/SNAP).
func handshake(t testing.TB) [][]byte {
	t.Helper()
	c, err := capture.Read("wpa2.eapol.cap")
	if errors.Is(err, capture.ErrNoTestdata) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, p := range c.Frames() {
		f, err := frame.Parse(p)
		if err != nil {
			t.Fatal(err)
		}
		if f.Type() == frame.TypeData && len(f.Body()) > 8 {
			out = append(out, f.Body()[8:])
		}
	}
	if len(out) != 4 {
		t.Fatalf("%d EAPOL frames", len(out))
	}
	return out
}

func TestCaptureHandshake(t *testing.T) {
	msgs := handshake(t)
	want := []struct {
		info    uint16
		replay  uint64
		dataLen int
		nonce   string
		mic     bool
	}{
		{0x008a, 1, 0, "225854b0444de3af06d1492b852984f04cf6274c0e3218b8681756864db7a055", false},
		{0x010a, 1, 22, "59168bc3a5df18d71efb6423f340088dab9e1ba2bbc58659e07b3764b0de8570", true},
		{0x13ca, 2, 56, "225854b0444de3af06d1492b852984f04cf6274c0e3218b8681756864db7a055", true},
		{0x030a, 2, 0, "0000000000000000000000000000000000000000000000000000000000000000", true},
	}
	for i, m := range msgs {
		e, k, err := ParseKeyFrame(m, DefaultMIC)
		if err != nil {
			t.Fatalf("M%d: %v", i+1, err)
		}
		w := want[i]
		if e.Version() != 1 || k.Descriptor() != DescRSN || k.Info() != w.info || k.ReplayCounter() != w.replay ||
			k.KeyDataLen() != w.dataLen || hex.EncodeToString(k.Nonce()) != w.nonce || k.DescVersion() != VersionSHA1AES {
			t.Fatalf("M%d: info %#x replay %d len %d nonce %x", i+1, k.Info(), k.ReplayCounter(), k.KeyDataLen(), k.Nonce())
		}
		if hasMIC := !bytes.Equal(k.MIC(), make([]byte, 16)); hasMIC != w.mic {
			t.Fatalf("M%d: mic %x", i+1, k.MIC())
		}
		// Round trip through Fields.
		f := k.Fields()
		f.EAPOLVersion = e.Version()
		if got := AppendKey(nil, &f); !bytes.Equal(got, e.Frame()) {
			t.Fatalf("M%d round trip\n got %x\nwant %x", i+1, got, e.Frame())
		}
	}
	// M2 carries the STA's RSN element in clear.
	_, k2, _ := ParseKeyFrame(msgs[1], DefaultMIC)
	it := NewKDEIter(k2.KeyData())
	if !it.Next() || it.Item().ID != 48 || it.Item().KDE || it.Next() || it.Err() != nil {
		t.Fatalf("M2 key data %x", k2.KeyData())
	}
}

func TestParseErrors(t *testing.T) {
	good := AppendKey(nil, &KeyFields{Descriptor: DescRSN, Info: 0x8a, KeyData: []byte{0xdd, 0}})
	tests := []struct {
		name string
		b    []byte
		err  error
	}{
		{"ok", good, nil},
		{"short-header", good[:3], ErrTruncated},
		{"body-past-end", good[:50], ErrTruncated},
		{"not-key", append([]byte{2, 0, 0, 0}, good[4:]...), ErrType},
		{"bad-descriptor", func() []byte { b := bytes.Clone(good); b[4] = 7; return b }(), ErrMalformed},
		{"keydata-past-body", func() []byte { b := bytes.Clone(good); b[len(b)-3] = 9; return b }(), ErrTruncated},
		{"fixed-short", []byte{2, 3, 0, 10, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0}, ErrTruncated},
	}
	for _, tt := range tests {
		if _, _, err := ParseKeyFrame(tt.b, DefaultMIC); !errors.Is(err, tt.err) {
			t.Errorf("%s: err %v want %v", tt.name, err, tt.err)
		}
	}
	if _, err := ParseKey(good[4:], 20); !errors.Is(err, ErrMalformed) {
		t.Error("MIC length 20 accepted")
	}
}

func TestKDE(t *testing.T) {
	var kd []byte
	kd = append(kd, 0x30, 2, 1, 0)
	kd = AppendGTK(kd, &GTK{KeyID: 1, Tx: false, Key: bytes.Repeat([]byte{0xab}, 16)})
	kd = Pad(kd)
	if len(kd)%8 != 0 || len(kd) < 16 {
		t.Fatalf("pad len %d", len(kd))
	}
	want := "30020100" + "dd16000fac010100" + "abababababababababababababababab" + "dd000000"
	if hex.EncodeToString(kd) != want {
		t.Fatalf("key data %x", kd)
	}
	it := NewKDEIter(kd)
	var items []Item
	for it.Next() {
		items = append(items, it.Item())
	}
	if it.Err() != nil || len(items) != 2 || !items[1].KDE || items[1].Type != KDEGTK {
		t.Fatalf("items %+v err %v", items, it.Err())
	}
	g, err := ParseGTK(items[1].Data)
	if err != nil || g.KeyID != 1 || g.Tx || len(g.Key) != 16 {
		t.Fatalf("gtk %+v %v", g, err)
	}
	bad := NewKDEIter([]byte{0xdd, 9, 0})
	if bad.Next() || !errors.Is(bad.Err(), ErrTruncated) {
		t.Fatal("truncated KDE not reported")
	}
	if _, err := ParseGTK([]byte{1, 0, 1}); !errors.Is(err, ErrTruncated) {
		t.Fatal("short GTK accepted")
	}
}

// FuzzParseKeyFrame checks the EAPOL-Key parser, the KDE walk and re-encoding.
func FuzzParseKeyFrame(f *testing.F) {
	if c, err := capture.Read("wpa2.eapol.cap"); err == nil {
		for _, p := range c.Frames() {
			if fr, err := frame.Parse(p); err == nil && len(fr.Body()) > 8 {
				f.Add(fr.Body()[8:])
			}
		}
	}
	f.Add(AppendKey(nil, &KeyFields{Descriptor: DescRSN, KeyData: AppendGTK(nil, &GTK{KeyID: 2, Key: make([]byte, 16)})}))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, micLen := range []int{16, 24} {
			e, k, err := ParseKeyFrame(b, micLen)
			if err != nil {
				continue
			}
			fl := k.Fields()
			fl.EAPOLVersion = e.Version()
			// Re-encoding keeps every field (the reserved octets are written as zero).
			_, k2, err := ParseKeyFrame(AppendKey(nil, &fl), micLen)
			if err != nil {
				t.Fatal(err)
			}
			f2 := k2.Fields()
			f2.EAPOLVersion = fl.EAPOLVersion
			if f2.Info != fl.Info || f2.ReplayCounter != fl.ReplayCounter || f2.Nonce != fl.Nonce || f2.IV != fl.IV ||
				f2.RSC != fl.RSC || !bytes.Equal(f2.MIC, fl.MIC) || !bytes.Equal(f2.KeyData, fl.KeyData) || f2.KeyLen != fl.KeyLen {
				t.Fatalf("re-encode mismatch")
			}
			it := NewKDEIter(k.KeyData())
			for it.Next() {
				if it.Item().KDE && it.Item().Type == KDEGTK {
					_, _ = ParseGTK(it.Item().Data)
				}
			}
		}
	})
}
