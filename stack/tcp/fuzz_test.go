package tcp_test

import (
	"encoding/binary"
	"math/rand/v2"
	"net"
	"net/netip"
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/tcp"
	"github.com/gopkt/gopkt/stack/wire"
)

// FuzzInput feeds arbitrary segments through TCP.Input (IPv4) of a stack
// that has a dual-stack listener and an established connection: parsing,
// demultiplexing and the state machine. Nothing may panic; every buffer
// must come home (the fixture's cleanup checks the pool and the quota
// when the stacks close). The first byte steers: bit 0 fixes the
// checksum, bits 1-2 aim the ports at the connection, the listener or
// nowhere; bit 3 makes the sequence and acknowledgment numbers those the
// connection expects.
func FuzzInput(f *testing.F) {
	f.Add(byte(0x0f), fuzzHdr(wire.TCPFlagSYN, 2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0))
	f.Add(byte(0x0b), append(fuzzHdr(wire.TCPFlagACK|wire.TCPFlagPSH), []byte("hello")...))
	f.Add(byte(0x0b), fuzzHdr(wire.TCPFlagRST))
	f.Add(byte(0x0b), fuzzHdr(wire.TCPFlagFIN|wire.TCPFlagACK))
	f.Add(byte(0x0b), fuzzHdr(wire.TCPFlagACK, 1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 9))
	f.Add(byte(0x03), fuzzHdr(wire.TCPFlagSYN|wire.TCPFlagACK))
	f.Add(byte(0x05), fuzzHdr(wire.TCPFlagACK))
	f.Add(byte(0x01), []byte{0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0})
	f.Add(byte(0x01), fuzzHdr(wire.TCPFlagSYN, 2, 9))
	fx := newFuzzFixture(f)
	f.Fuzz(func(t *testing.T, ctl byte, seg []byte) { fx.input(t, ctl, seg, false) })
}

// FuzzInput6 is FuzzInput over IPv6: arbitrary segments through the
// IPv6 face's Input (RFC 8200 pseudo-header, multicast and IPv4-mapped
// addresses refused), aimed at an IPv6 connection of the same fixture.
// The control byte steers as in FuzzInput; bit 4 makes the source
// IPv4-mapped, bit 5 the packet multicast.
func FuzzInput6(f *testing.F) {
	f.Add(byte(0x0f), fuzzHdr(wire.TCPFlagSYN, 2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0))
	f.Add(byte(0x0b), append(fuzzHdr(wire.TCPFlagACK|wire.TCPFlagPSH), []byte("hello")...))
	f.Add(byte(0x0b), fuzzHdr(wire.TCPFlagRST))
	f.Add(byte(0x05), fuzzHdr(wire.TCPFlagSYN))
	f.Add(byte(0x15), fuzzHdr(wire.TCPFlagSYN))
	f.Add(byte(0x25), fuzzHdr(wire.TCPFlagSYN))
	f.Add(byte(0x01), []byte{0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0})
	fx := newFuzzFixture(f)
	f.Fuzz(func(t *testing.T, ctl byte, seg []byte) { fx.input(t, ctl, seg, true) })
}

// fuzzHdr is a TCP header with flags and options, window 65535.
func fuzzHdr(flags uint8, opts ...byte) []byte {
	h := make([]byte, 20+len(opts))
	h[12] = uint8((20+len(opts))/4) << 4
	h[13] = flags
	binary.BigEndian.PutUint16(h[14:], 65535)
	copy(h[20:], opts)
	return h
}

// fuzzFixture is a dual-stack pair with a listener on B's port 80 and an
// established connection to it in each family; segments go to B.
type fuzzFixture struct {
	b    *node
	pool *mbuf.Pool
	conn [2][2]*tcp.Conn // [IPv4, IPv6][A's end, B's end]
}

func newFuzzFixture(tb testing.TB) *fuzzFixture {
	a, b, _, _, pool := dualPair(tb, netOpts{})
	l, err := b.TCP.Listen("tcp", ":80")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	fx := &fuzzFixture{b: b, pool: pool}
	fx.conn[0][0], fx.conn[0][1] = dialAccept(tb, a.TCP, l, "tcp4", "198.18.0.2:80")
	fx.conn[1][0], fx.conn[1][1] = dialAccept(tb, a.TCP, l, "tcp6", "[2001:db8::2]:80")
	tb.Cleanup(func() {
		for _, c := range fx.conn {
			c[0].Close()
			c[1].Close()
		}
	})
	return fx
}

func (fx *fuzzFixture) input(t *testing.T, ctl byte, seg []byte, v6 bool) {
	if len(seg) > 1800 {
		return
	}
	fam := 0
	if v6 {
		fam = 1
	}
	c1, c2 := fx.conn[fam][0], fx.conn[fam][1]
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
	src4, dst4 := wire.Addr4{198, 18, 0, 1}, wire.Addr4{198, 18, 0, 2}
	src6, dst6 := netip.MustParseAddr("2001:db8::1").As16(), netip.MustParseAddr("2001:db8::2").As16()
	if ctl&0x10 != 0 {
		src6 = netip.MustParseAddr("::ffff:198.18.0.1").As16()
	}
	if ctl&1 != 0 && len(seg) >= 20 {
		seg[16], seg[17] = 0, 0
		psum := wire.PseudoHeaderChecksum(wire.IPProtocolTCP, src4, dst4, uint16(len(seg)))
		if v6 {
			psum = wire.PseudoHeaderChecksum6(wire.IPProtocolTCP, src6, dst6, uint32(len(seg)))
		}
		binary.BigEndian.PutUint16(seg[16:], ^wire.Checksum(seg, psum))
	}
	b, err := fx.pool.Get()
	if err != nil {
		t.Fatalf("pool empty: %d in use; B %+v; budget %+v", fx.pool.InUse(), fx.b.TCP.Stats(), fx.b.S.Budget().Stats())
	}
	d, err := b.Append(len(seg))
	if err != nil {
		b.Free()
		return
	}
	copy(d, seg)
	var owned bool
	if v6 {
		owned = fx.b.TCP.V6().Input(b, ipv6.Meta{Src: src6, Dst: dst6, IfIndex: 1, HopLimit: 64, Multicast: ctl&0x20 != 0})
	} else {
		owned = fx.b.TCP.Input(b, ipv4.Meta{Src: src4, Dst: dst4, IfIndex: 1, TTL: 64})
	}
	if !owned {
		t.Fatal("TCP refused a segment: it must own every one")
	}
}

// TestInputRandom runs the fuzz targets' body over random segments (the
// checksum fixed, so they get past it), for every "go test" run:
// inputRounds over IPv4, a quarter of that over IPv6.
func TestInputRandom(t *testing.T) {
	fx := newFuzzFixture(t)
	for _, v := range []struct {
		v6     bool
		seed   uint64
		rounds int
	}{{false, 5, inputRounds}, {true, 6, inputRounds / 4}} {
		r := rand.New(rand.NewPCG(v.seed, v.seed))
		for range v.rounds {
			seg := make([]byte, 20+r.IntN(1700))
			for i := range seg {
				seg[i] = byte(r.Uint32())
			}
			seg[12] = byte(5+r.IntN(11)) << 4
			fx.input(t, byte(r.Uint32())|1, seg, v.v6)
		}
	}
	if s := fx.b.TCP.Stats(); s.DropBadAddress == 0 || s.DropBroadcast == 0 {
		t.Errorf("mapped or multicast segments not counted: %+v", s)
	}
}

// inputRounds is TestInputRandom's length over IPv4.
const inputRounds = 20000
