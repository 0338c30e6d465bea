package udp_test

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/udp"
	"github.com/gopkt/gopkt/stack/wire"
)

// FuzzInput hands arbitrary bytes to UDP as a datagram from 198.18.0.1 to
// 198.18.0.2 (a socket listens on port 9). Nothing may panic; a datagram
// Input refuses (no socket) stays with the caller, who frees it. The verdict
// is checked against RFC 768 computed here (bad length or checksum: an
// error; another port: refused; else queued with the payload intact), the
// counters must move by exactly that verdict, and the pool must be full
// after each input.
//
// One host, pool and socket serve every input of a fuzz worker (building a
// stack per input cost more than the input); each input must leave them as
// it found them: the pool full, the socket's queue empty.
func FuzzInput(f *testing.F) {
	src, dst := wire.Addr4{198, 18, 0, 1}, wire.Addr4{198, 18, 0, 2}
	seed := func(port uint16, data []byte, fix bool) []byte {
		u := make([]byte, 8+len(data))
		fl := wire.UDPFields{SrcPort: 1000, DstPort: port, Length: uint16(len(u))}
		v, _ := fl.Encode(u)
		copy(u[8:], data)
		if fix {
			v.UpdateChecksum(src, dst)
		}
		return u
	}
	f.Add(seed(9, []byte("hello"), true))
	f.Add(seed(9, []byte("bad sum"), false))
	f.Add(seed(10, nil, true))
	f.Add([]byte{0, 1, 0, 9, 0, 200, 0, 0})
	f.Add([]byte{0, 1, 0, 9, 0, 8, 0, 0})                           // empty payload, no checksum
	f.Add([]byte{0, 1, 0, 9, 0, 7, 0, 0})                           // Length below the header
	f.Add([]byte{0, 1, 0, 9, 0, 10, 0, 0, 'h', 'i', 'p', 'a', 'd'}) // link padding after Length, no checksum
	f.Add(append(seed(9, []byte("pad"), true), 0, 0, 0))            // padding after a checksummed datagram
	f.Add(seed(9, bytes.Repeat([]byte{0xa5}, 1992), true))          // 2000 bytes
	f.Add([]byte{0, 1, 0})                                          // shorter than a header
	f.Add(seed(0, []byte("port zero"), true))
	// A datagram whose checksum computes to zero, sent as 0xffff (RFC 768).
	for v := 0; v <= 0xffff; v++ {
		if d := seed(9, []byte{byte(v >> 8), byte(v)}, true); binary.BigEndian.Uint16(d[6:]) == 0xffff {
			f.Add(d)
			break
		}
	}

	pool := stacktest.NewPool(f, 16)
	h := stacktest.NewHost(f, pool, stacktest.Config{})
	c, err := h.UDP.ListenPacket(netip.MustParseAddrPort("0.0.0.0:9"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = c.Close() })
	rbuf := make([]byte, mbuf.DataRoom)

	f.Fuzz(func(t *testing.T, d []byte) {
		if len(d) > 2000 {
			return
		}
		if n := pool.InUse(); n != 0 {
			t.Fatalf("fixture not clean before the input: %d mbufs in use", n)
		}
		// The verdict RFC 768 asks for.
		const (
			wantError = iota
			wantRefused
			wantQueued
		)
		want, csumBad, n := wantError, false, 0
		if len(d) >= wire.UDPHeaderLen {
			n = int(binary.BigEndian.Uint16(d[4:]))
			switch {
			case n < wire.UDPHeaderLen || n > len(d):
			case binary.BigEndian.Uint16(d[6:]) != 0 && wire.Checksum(d[:n], wire.PseudoHeaderChecksum(wire.IPProtocolUDP, src, dst, uint16(n))) != 0xffff:
				csumBad = true
			case binary.BigEndian.Uint16(d[2:]) != 9:
				want = wantRefused
			default:
				want = wantQueued
			}
		}

		before := h.UDP.Stats()
		b, err := pool.Get()
		if err != nil {
			t.Fatal(err)
		}
		p, _ := b.Append(len(d))
		copy(p, d)
		refused := !h.UDP.Input(b, ipv4.Meta{Src: src, Dst: dst, IfIndex: 1, TTL: 64})
		if refused {
			b.Free()
		}
		got := wantError
		switch {
		case refused:
			got = wantRefused
		case h.UDP.Stats().InDatagrams != before.InDatagrams:
			got = wantQueued
		}
		if got != want {
			t.Fatalf("verdict %d, RFC 768 says %d", got, want)
		}

		delta := h.UDP.Stats()
		delta.InDatagrams -= before.InDatagrams
		delta.NoPorts -= before.NoPorts
		delta.InErrors -= before.InErrors
		delta.InCsumErrors -= before.InCsumErrors
		delta.RcvbufErrors -= before.RcvbufErrors
		delta.OutDatagrams -= before.OutDatagrams
		wantDelta := udp.Stats{}
		switch want {
		case wantError:
			wantDelta.InErrors = 1
			if csumBad {
				wantDelta.InCsumErrors = 1
			}
		case wantRefused:
			wantDelta.NoPorts = 1
		case wantQueued:
			wantDelta.InDatagrams = 1
		}
		if delta != wantDelta {
			t.Fatalf("counters moved by %+v, want %+v", delta, wantDelta)
		}

		if want == wantQueued {
			m, from, err := c.ReadFromUDPAddrPort(rbuf)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(rbuf[:m], d[wire.UDPHeaderLen:n]) {
				t.Fatalf("read %x, sent payload %x", rbuf[:m], d[wire.UDPHeaderLen:n])
			}
			if wantFrom := netip.AddrPortFrom(netip.AddrFrom4(src), binary.BigEndian.Uint16(d)); from != wantFrom {
				t.Fatalf("from %v, want %v", from, wantFrom)
			}
		}
		// Clean state: every buffer back, which also means the socket's
		// queue is empty (queued datagrams hold their buffers).
		if n := pool.InUse(); n != 0 {
			t.Fatalf("leak: %d mbufs in use after the input", n)
		}
	})
}
