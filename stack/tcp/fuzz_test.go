package tcp_test

import (
	"encoding/binary"
	"math/rand/v2"
	"net"
	"testing"

	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/tcp"
	"github.com/gopkt/gopkt/stack/wire"
)

// FuzzInput feeds arbitrary segments through TCP.Input of a stack that
// has a listener and an established connection: parsing, demultiplexing
// and the state machine. Nothing may panic; every buffer must come home
// (the fixture's cleanup checks the pool and the quota when the stacks
// close). The first byte steers: bit 0 fixes the checksum, bits 1-2 aim
// the ports at the connection, the listener or nowhere; bit 3 makes the
// sequence and acknowledgment numbers those the connection expects.
func FuzzInput(f *testing.F) {
	hdr := func(flags uint8, opts ...byte) []byte {
		h := make([]byte, 20+len(opts))
		h[12] = uint8((20+len(opts))/4) << 4
		h[13] = flags
		binary.BigEndian.PutUint16(h[14:], 65535)
		copy(h[20:], opts)
		return h
	}
	f.Add(byte(0x0f), hdr(wire.TCPFlagSYN, 2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0))
	f.Add(byte(0x0b), append(hdr(wire.TCPFlagACK|wire.TCPFlagPSH), []byte("hello")...))
	f.Add(byte(0x0b), hdr(wire.TCPFlagRST))
	f.Add(byte(0x0b), hdr(wire.TCPFlagFIN|wire.TCPFlagACK))
	f.Add(byte(0x0b), hdr(wire.TCPFlagACK, 1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 9))
	f.Add(byte(0x03), hdr(wire.TCPFlagSYN|wire.TCPFlagACK))
	f.Add(byte(0x05), hdr(wire.TCPFlagACK))
	f.Add(byte(0x01), []byte{0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0})
	f.Add(byte(0x01), hdr(wire.TCPFlagSYN, 2, 9))
	fx := newFuzzFixture(f)
	f.Fuzz(func(t *testing.T, ctl byte, seg []byte) { fx.input(t, ctl, seg) })
}

type fuzzFixture struct {
	n      *net2
	c1, c2 *tcp.Conn
}

func newFuzzFixture(tb testing.TB) *fuzzFixture {
	n := newNet2(tb, netOpts{})
	l, err := n.B.Listen("tcp", "198.18.0.2:80")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	c1, c2 := n.connect(tb)
	tb.Cleanup(func() { c1.Close(); c2.Close() })
	return &fuzzFixture{n: n, c1: c1, c2: c2}
}

func (fx *fuzzFixture) input(t *testing.T, ctl byte, seg []byte) {
	n, c1, c2 := fx.n, fx.c1, fx.c2
	src, dst := wire.Addr4{198, 18, 0, 1}, wire.Addr4{198, 18, 0, 2}
	if len(seg) > 1800 {
		return
	}
	if len(seg) >= 4 {
		switch (ctl >> 1) & 3 {
		case 1:
			binary.BigEndian.PutUint16(seg[0:], uint16(c1.LocalAddr().(*net.TCPAddr).Port))
			binary.BigEndian.PutUint16(seg[2:], uint16(c2.LocalAddr().(*net.TCPAddr).Port))
		case 2:
			binary.BigEndian.PutUint16(seg[2:], 80)
		}
	}
	if ctl&8 != 0 && len(seg) >= 12 {
		snd, rcv := c2.SeqForTest()
		binary.BigEndian.PutUint32(seg[4:], rcv)
		binary.BigEndian.PutUint32(seg[8:], snd)
	}
	if ctl&1 != 0 && len(seg) >= 20 {
		seg[16], seg[17] = 0, 0
		cs := ^wire.Checksum(seg, wire.PseudoHeaderChecksum(wire.IPProtocolTCP, src, dst, uint16(len(seg))))
		binary.BigEndian.PutUint16(seg[16:], cs)
	}
	b, err := n.Pool.Get()
	if err != nil {
		t.Fatalf("pool empty: %d in use; A %+v; B %+v; budget %+v", n.Pool.InUse(), n.A.Stats(), n.B.Stats(), n.HA.S.Budget().Stats())
	}
	d, err := b.Append(len(seg))
	if err != nil {
		b.Free()
		return
	}
	copy(d, seg)
	if !n.B.Input(b, ipv4.Meta{Src: src, Dst: dst, IfIndex: 1, TTL: 64}) {
		t.Fatal("TCP refused a segment: it must own every one")
	}
}

// TestInputRandom runs the fuzz target's body over random mutations of
// segments aimed at the connection, for every "go test" run.
func TestInputRandom(t *testing.T) {
	fx := newFuzzFixture(t)
	r := rand.New(rand.NewPCG(5, 5))
	for range inputRounds {
		seg := make([]byte, 20+r.IntN(1700))
		for i := range seg {
			seg[i] = byte(r.Uint32())
		}
		seg[12] = byte(5+r.IntN(11)) << 4
		fx.input(t, byte(r.Uint32())|1, seg)
	}
}

// inputRounds is TestInputRandom's length.
const inputRounds = 20000
