package tcp_test

import (
	"encoding/binary"
	"math/rand/v2"
	"net"
	"net/netip"
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/tcp"
	"github.com/gopkt/gopkt/stack/wire"
)

// FuzzInput6 is FuzzInput over IPv6: arbitrary segments through the
// IPv6 face's Input (RFC 8200 pseudo-header, multicast and IPv4-mapped
// addresses refused) of a stack with a dual-stack listener and an
// established IPv6 connection. The control byte steers as in FuzzInput;
// bit 4 makes the source IPv4-mapped, bit 5 the packet multicast.
func FuzzInput6(f *testing.F) {
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
	f.Add(byte(0x05), hdr(wire.TCPFlagSYN))
	f.Add(byte(0x15), hdr(wire.TCPFlagSYN))
	f.Add(byte(0x25), hdr(wire.TCPFlagSYN))
	f.Add(byte(0x01), []byte{0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0})
	fx := newFuzzFixture6(f)
	f.Fuzz(func(t *testing.T, ctl byte, seg []byte) { fx.input(t, ctl, seg) })
}

type fuzzFixture6 struct {
	b      *node
	pool   *mbuf.Pool
	c1, c2 *tcp.Conn
}

func newFuzzFixture6(tb testing.TB) *fuzzFixture6 {
	a, b, _, _, pool := dualPair(tb, netOpts{})
	l, err := b.TCP.Listen("tcp", ":80")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	c1, c2 := dialAccept(tb, a.TCP, l, "tcp6", "[2001:db8::2]:80")
	tb.Cleanup(func() { c1.Close(); c2.Close() })
	return &fuzzFixture6{b: b, pool: pool, c1: c1, c2: c2}
}

func (fx *fuzzFixture6) input(t *testing.T, ctl byte, seg []byte) {
	src, dst := netip.MustParseAddr("2001:db8::1").As16(), netip.MustParseAddr("2001:db8::2").As16()
	if ctl&0x10 != 0 {
		src = netip.MustParseAddr("::ffff:198.18.0.1").As16()
	}
	if len(seg) > 1800 {
		return
	}
	if len(seg) >= 4 {
		switch (ctl >> 1) & 3 {
		case 1:
			binary.BigEndian.PutUint16(seg[0:], uint16(fx.c1.LocalAddr().(*net.TCPAddr).Port))
			binary.BigEndian.PutUint16(seg[2:], 80)
		case 2:
			binary.BigEndian.PutUint16(seg[2:], 80)
		}
	}
	if ctl&8 != 0 && len(seg) >= 12 {
		snd, rcv := fx.c2.SeqForTest()
		binary.BigEndian.PutUint32(seg[4:], rcv)
		binary.BigEndian.PutUint32(seg[8:], snd)
	}
	if ctl&1 != 0 && len(seg) >= 20 {
		seg[16], seg[17] = 0, 0
		cs := ^wire.Checksum(seg, wire.PseudoHeaderChecksum6(wire.IPProtocolTCP, src, dst, uint32(len(seg))))
		binary.BigEndian.PutUint16(seg[16:], cs)
	}
	b, err := fx.pool.Get()
	if err != nil {
		t.Fatalf("pool empty: %d in use; B %+v", fx.pool.InUse(), fx.b.TCP.Stats())
	}
	d, err := b.Append(len(seg))
	if err != nil {
		b.Free()
		return
	}
	copy(d, seg)
	if !fx.b.TCP.V6().Input(b, ipv6.Meta{Src: src, Dst: dst, IfIndex: 1, HopLimit: 64, Multicast: ctl&0x20 != 0}) {
		t.Fatal("TCP refused a segment: it must own every one")
	}
}

// TestInputRandom6 runs FuzzInput6's body over random segments.
func TestInputRandom6(t *testing.T) {
	fx := newFuzzFixture6(t)
	r := rand.New(rand.NewPCG(6, 6))
	for range inputRounds / 4 {
		seg := make([]byte, 20+r.IntN(1700))
		for i := range seg {
			seg[i] = byte(r.Uint32())
		}
		seg[12] = byte(5+r.IntN(11)) << 4
		fx.input(t, byte(r.Uint32())|1, seg)
	}
	if s := fx.b.TCP.Stats(); s.DropBadAddress == 0 || s.DropBroadcast == 0 {
		t.Errorf("mapped or multicast segments not counted: %+v", s)
	}
}
