package control

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"os"
	"slices"
	"syscall"
	"testing"
)

// stutter returns its data a few bytes at a time, with a timeout error
// after every read, as a connection whose read deadline keeps expiring.
type stutter struct {
	data []byte
	n    int
}

func (s *stutter) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	k := min(len(p), s.n, len(s.data))
	copy(p, s.data[:k])
	s.data = s.data[k:]
	return k, os.ErrDeadlineExceeded
}

// TestDatagramFrames: frames round-trip with IPv4 and IPv6 addresses, and
// a reader interrupted inside a frame (a deadline) resumes where it
// stopped, so the stream stays in step.
func TestDatagramFrames(t *testing.T) {
	in := []struct {
		addr    netip.AddrPort
		payload []byte
	}{
		{netip.MustParseAddrPort("198.18.0.1:53"), []byte("hello")},
		{netip.MustParseAddrPort("[2001:db8::1]:5353"), nil},
		{netip.MustParseAddrPort("[::ffff:198.18.0.2]:7"), bytes.Repeat([]byte{7}, 3000)},
	}
	var stream []byte
	for _, f := range in {
		stream = AppendDatagram(stream, f.addr, f.payload)
	}
	if want := []byte{0, 0, 0, 12, 4, 198, 18, 0, 1, 0, 53, 'h', 'e', 'l', 'l', 'o'}; !bytes.Equal(stream[:16], want) {
		t.Fatalf("first frame % x, want % x", stream[:16], want)
	}
	for _, step := range []int{1, 3, 7, 100000} {
		d := NewDatagramReader(&stutter{data: stream, n: step})
		for i, f := range in {
			var addr netip.AddrPort
			var p []byte
			var err error
			for range 10000 {
				if addr, p, err = d.Next(); !errors.Is(err, os.ErrDeadlineExceeded) {
					break
				}
			}
			want := f.addr
			want = netip.AddrPortFrom(want.Addr().Unmap(), want.Port())
			if err != nil || addr != want || !bytes.Equal(p, f.payload) {
				t.Fatalf("step %d frame %d: %v %d bytes %v", step, i, addr, len(p), err)
			}
		}
		if _, _, err := d.Next(); err != io.EOF {
			t.Errorf("step %d: after the last frame %v, want EOF", step, err)
		}
	}
	// An error frame between two datagrams: its errno, then the stream goes on.
	var mixed []byte
	mixed = AppendDatagram(mixed, netip.MustParseAddrPort("198.18.0.1:7"), []byte("a"))
	mixed = AppendSocketError(mixed, syscall.ECONNREFUSED)
	mixed = AppendDatagram(mixed, netip.MustParseAddrPort("198.18.0.1:7"), []byte("b"))
	if !bytes.Equal(mixed[12:21], []byte{0, 0, 0, 5, 0, 0, 0, 0, 111}) {
		t.Errorf("error frame % x", mixed[12:21])
	}
	d := NewDatagramReader(&stutter{data: mixed, n: 2})
	var got []string
	for {
		_, p, err := d.Next()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			got = append(got, err.Error())
			continue
		}
		got = append(got, string(p))
	}
	if want := []string{"a", syscall.ECONNREFUSED.Error(), "b"}; !slices.Equal(got, want) {
		t.Errorf("stream with an error frame read as %q, want %q", got, want)
	}

	// EOF inside a frame, and malformed lengths.
	if _, _, err := NewDatagramReader(bytes.NewReader(stream[:10])).Next(); err != io.ErrUnexpectedEOF {
		t.Errorf("truncated frame: %v", err)
	}
	for _, bad := range [][]byte{{0, 0, 0, 3, 4, 1, 2}, {0xff, 0, 0, 0}, {0, 0, 0, 9, 5, 1, 2, 3, 4, 5, 0, 1, 2}, {0, 0, 0, 7, 16, 1, 2, 3, 4, 5, 6}, {0, 0, 0, 5, 4, 1, 2, 3, 4}, {0, 0, 0, 6, 0, 1, 2, 3, 4, 5}, {0, 0, 0, 7, 0, 1, 2, 3, 4, 5, 6}} {
		if _, _, err := NewDatagramReader(bytes.NewReader(bad)).Next(); err != ErrFrame {
			t.Errorf("frame % x: %v, want ErrFrame", bad, err)
		}
	}
}

// FuzzDatagramReader: any byte stream gives frames or an error, never a
// panic, and every frame re-encodes to the bytes it came from (or, for an
// IPv4-mapped address, to the same address and payload).
func FuzzDatagramReader(f *testing.F) {
	f.Add(AppendDatagram(nil, netip.MustParseAddrPort("198.18.0.1:53"), []byte("hello")))
	f.Add(AppendDatagram(AppendDatagram(nil, netip.MustParseAddrPort("[2001:db8::1]:1"), nil), netip.MustParseAddrPort("1.2.3.4:5"), []byte{1}))
	f.Add([]byte{0, 0, 0, 7, 16, 1, 2, 3, 4, 5, 6})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add(AppendSocketError(AppendDatagram(nil, netip.MustParseAddrPort("198.18.0.1:53"), nil), syscall.ECONNREFUSED))
	f.Add([]byte{0, 0, 0, 5, 0, 0, 0, 0, 111, 0, 0, 0, 6, 0, 1, 2, 3, 4, 5})
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewDatagramReader(bytes.NewReader(b))
		off := 0
		for {
			addr, p, err := d.Next()
			var errno syscall.Errno
			if errors.As(err, &errno) {
				if again := AppendSocketError(nil, errno); !bytes.Equal(again, b[off:off+len(again)]) {
					t.Fatalf("error frame at %d re-encodes as % x", off, again)
				}
				off += errFrameLen + 4
				continue
			}
			if err != nil {
				return
			}
			again := AppendDatagram(nil, addr, p)
			n := 4 + int(binary.BigEndian.Uint32(b[off:]))
			if !bytes.Equal(again, b[off:off+n]) {
				a2, p2, err := NewDatagramReader(bytes.NewReader(again)).Next()
				if err != nil || a2 != addr || !bytes.Equal(p2, p) || b[off+4] != 16 {
					t.Fatalf("frame at %d re-encodes as % x", off, again)
				}
			}
			off += n
		}
	})
}
