package wire

import (
	"bytes"
	"errors"
	"testing"
)

func TestGRERoundTrip(t *testing.T) {
	for _, c := range []struct {
		f    GREFields
		want []byte
	}{
		{GREFields{Type: EtherTypeIPv4}, []byte{0x00, 0x00, 0x08, 0x00}},
		{GREFields{Type: EtherTypeIPv4, HasKey: true, Key: 42}, []byte{0x20, 0x00, 0x08, 0x00, 0, 0, 0, 42}},
		{GREFields{Type: EtherTypeIPv6, HasKey: true, Key: 0x01020304, HasSeq: true, Seq: 7}, []byte{0x30, 0x00, 0x86, 0xdd, 1, 2, 3, 4, 0, 0, 0, 7}},
	} {
		b := make([]byte, c.f.Len())
		g, err := c.f.Encode(b)
		if err != nil || !bytes.Equal(b, c.want) {
			t.Errorf("%+v: % x %v, want % x", c.f, b, err, c.want)
			continue
		}
		if g2, err := NewGRE(b); err != nil || g2.Fields() != c.f || g.HeaderLen() != len(c.want) {
			t.Errorf("%+v: decoded %+v %v", c.f, g2.Fields(), err)
		}
	}
	// Checksum over header and payload (RFC 2784 §2.5).
	b := append(make([]byte, 8), 0x45, 0, 0, 20, 1, 2, 3)
	f := GREFields{Type: EtherTypeIPv4, Checksum: true}
	g, _ := f.Encode(b)
	if !g.ChecksumValid() {
		t.Errorf("checksum % x does not verify", b)
	}
	b[9] ^= 1
	if g.ChecksumValid() {
		t.Error("corrupted payload verifies")
	}
}

func TestGREReject(t *testing.T) {
	for name, c := range map[string]struct {
		b    []byte
		want error
	}{
		"short":         {[]byte{0, 0, 8}, ErrTruncated},
		"version 1":     {[]byte{0x00, 0x01, 0x88, 0x0b}, ErrBadVersion},
		"routing bit":   {[]byte{0x40, 0x00, 0x08, 0x00}, ErrNotSupported},
		"reserved0":     {[]byte{0x00, 0x80, 0x08, 0x00}, ErrNotSupported},
		"key cut short": {[]byte{0x20, 0x00, 0x08, 0x00, 0, 0}, ErrTruncated},
	} {
		if _, err := NewGRE(c.b); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

func FuzzGRE(f *testing.F) {
	f.Add([]byte{0x00, 0x00, 0x08, 0x00})
	f.Add([]byte{0xb0, 0x00, 0x08, 0x00, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 1})
	f.Add([]byte{0x20, 0x00, 0x08})
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := NewGRE(b)
		if err != nil {
			return
		}
		fl := g.Fields()
		_ = g.ChecksumValid()
		out := make([]byte, fl.Len())
		fl.Checksum = false // the checksum needs the payload; compare the rest
		g2, err := fl.Encode(out)
		if err != nil {
			t.Fatal(err)
		}
		if got := g2.Fields(); got.Key != fl.Key || got.Seq != fl.Seq || got.Type != fl.Type || got.HasKey != fl.HasKey || got.HasSeq != fl.HasSeq {
			t.Fatalf("round trip %+v -> %+v", fl, got)
		}
		if len(g.Payload()) != len(b)-g.HeaderLen() {
			t.Fatal("payload length")
		}
	})
}
