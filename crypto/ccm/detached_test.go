package ccm

import (
	"bytes"
	"errors"
	"testing"
)

// SealDetached/OpenDetached must agree with Seal/Open when the MIC lives
// in a separate buffer, in place and out of place.
func TestDetached(t *testing.T) {
	for _, asm := range impls() {
		for _, v := range rfc3610Vectors {
			a, _ := newAEAD(unhex(t, v.key), v.tag, asm)
			nonce, aad, pt, want := unhex(t, v.nonce), unhex(t, v.aad), unhex(t, v.pt), unhex(t, v.out)
			buf := append([]byte(nil), pt...)
			tag := make([]byte, v.tag)
			if err := a.SealDetached(buf, tag, nonce, buf, aad); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(append(append([]byte{}, buf...), tag...), want) {
				t.Fatalf("%s %s: SealDetached = %x || %x", implName(asm), v.name, buf, tag)
			}
			out := make([]byte, len(buf))
			if err := a.OpenDetached(out, nonce, buf, tag, aad); err != nil || !bytes.Equal(out, pt) {
				t.Fatalf("%s %s: OpenDetached = %x, %v", implName(asm), v.name, out, err)
			}
			tag[0] ^= 1
			if err := a.OpenDetached(buf, nonce, buf, tag, aad); !errors.Is(err, ErrOpen) || bytes.Count(buf, []byte{0}) != len(buf) {
				t.Fatalf("%s %s: bad tag: %v, buffer %x", implName(asm), v.name, err, buf)
			}
		}
	}
	a, _ := New(make([]byte, 16), 8)
	if err := a.SealDetached(make([]byte, 4), make([]byte, 8), make([]byte, 12), make([]byte, 4), nil); !errors.Is(err, ErrNonceSize) {
		t.Fatalf("short nonce: %v", err)
	}
	if err := a.SealDetached(make([]byte, 4), make([]byte, 7), make([]byte, 13), make([]byte, 4), nil); !errors.Is(err, ErrTagSize) {
		t.Fatalf("short tag: %v", err)
	}
	if err := a.OpenDetached(make([]byte, 4), make([]byte, 13), make([]byte, 4), make([]byte, 9), nil); !errors.Is(err, ErrOpen) {
		t.Fatalf("long tag: %v", err)
	}
}

func TestDetachedBuffer(t *testing.T) {
	a, _ := New(make([]byte, 16), 8)
	buf := make([]byte, 64)
	if err := a.SealDetached(buf[:10], make([]byte, 8), make([]byte, 13), buf[20:40], nil); !errors.Is(err, ErrBuffer) {
		t.Fatalf("short dst: %v", err)
	}
	if err := a.SealDetached(buf[1:21], make([]byte, 8), make([]byte, 13), buf[:20], nil); !errors.Is(err, ErrBuffer) {
		t.Fatalf("shifted overlap: %v", err)
	}
	if err := a.OpenDetached(buf[1:21], make([]byte, 13), buf[:20], make([]byte, 8), nil); !errors.Is(err, ErrOpen) {
		t.Fatalf("shifted overlap on open: %v", err)
	}
}
