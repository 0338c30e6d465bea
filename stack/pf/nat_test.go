package pf

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/gopkt/gopkt/stack/wire"
)

func TestParseNAT(t *testing.T) {
	rs, err := ParseRuleset(`
nat on tap1 from 198.18.92.0/24 to any -> (tap1)
nat on tap1 inet proto udp from any to 198.18.0.0/15 port 53 -> 198.18.93.9 port 40000:40099
rdr on tap1 proto tcp to 198.18.93.2 port 8080 -> 198.18.92.1 port 80
pass all`)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.nats) != 3 || len(rs.rules) != 1 {
		t.Fatalf("%d translation rules and %d filter rules", len(rs.nats), len(rs.rules))
	}
	if r := rs.nats[0]; r.Kind != NAT || r.Interface != "tap1" || r.ToIface != "tap1" || r.Src.Prefix != netip.MustParsePrefix("198.18.92.0/24") || r.ToPort.Op != PortAny {
		t.Errorf("rule 1: %+v", r)
	}
	if r := rs.nats[1]; r.Proto != wire.IPProtocolUDP || r.To != netip.MustParseAddr("198.18.93.9") || r.ToPort != (Port{PortRange, 40000, 40099}) || r.DstPort != (Port{PortEq, 53, 0}) {
		t.Errorf("rule 2: %+v", r)
	}
	if r := rs.nats[2]; r.Kind != RDR || r.To != netip.MustParseAddr("198.18.92.1") || r.ToPort != (Port{PortEq, 80, 0}) || r.Line != 4 {
		t.Errorf("rule 3: %+v", r)
	}
	for _, c := range []struct{ in, want string }{
		{"nat from any -> (tap1)", `"on IFNAME"`},
		{"nat on tap1 from any", `"->"`},
		{"nat on tap1 -> 2001:db8::1", "an IPv4 address or (IFNAME)"},
		{"rdr on tap1 proto tcp -> (tap1)", "an IPv4 address to redirect to"},
		{"rdr on tap1 proto tcp -> 198.18.0.1 port 80:90", "rdr redirects to one port"},
		{"nat on tap1 -> 198.18.0.1 port 80", "ports need proto tcp or proto udp"},
		{"nat on tap1 proto gre -> 198.18.0.1", "only tcp, udp and icmp"},
		{"nat on tap1 proto udp -> 198.18.0.1 port 0", "port 0"},
		{"nat on tap1 proto udp -> 198.18.0.1 port != 5", "N or LOW:HIGH"},
		{"nat on tap1 -> 198.18.0.1 static-port", "end of the rule"},
	} {
		_, err := ParseRuleset(c.in)
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want a ParseError with %q", c.in, err, c.want)
		}
	}
}

// buildPacket makes an IPv4 packet of proto with valid checksums.
func buildPacket(r *rand.Rand, proto wire.IPProtocol, udpNoSum bool) []byte {
	n := 8 + r.IntN(60)
	if proto == wire.IPProtocolTCP {
		n += 12
	}
	b := make([]byte, 20+n)
	for i := 20; i < len(b); i++ {
		b[i] = byte(r.Uint32())
	}
	b[0] = 0x45
	binary.BigEndian.PutUint16(b[2:4], uint16(len(b)))
	b[8], b[9] = 64, byte(proto)
	binary.BigEndian.PutUint32(b[12:16], r.Uint32())
	binary.BigEndian.PutUint32(b[16:20], r.Uint32())
	binary.BigEndian.PutUint16(b[6:8], 0)
	h := wire.IPv4(b)
	h.UpdateChecksum()
	l4 := b[20:]
	var src, dst wire.Addr4
	copy(src[:], b[12:16])
	copy(dst[:], b[16:20])
	switch proto {
	case wire.IPProtocolTCP:
		l4[12] = 5 << 4
		binary.BigEndian.PutUint16(l4[16:18], 0)
		binary.BigEndian.PutUint16(l4[16:18], ^wire.Checksum(l4, wire.PseudoHeaderChecksum(proto, src, dst, uint16(len(l4)))))
	case wire.IPProtocolUDP:
		binary.BigEndian.PutUint16(l4[4:6], uint16(len(l4)))
		binary.BigEndian.PutUint16(l4[6:8], 0)
		if !udpNoSum {
			s := ^wire.Checksum(l4, wire.PseudoHeaderChecksum(proto, src, dst, uint16(len(l4))))
			if s == 0 {
				s = 0xffff
			}
			binary.BigEndian.PutUint16(l4[6:8], s)
		}
	case wire.IPProtocolICMP:
		l4[0], l4[1] = 8, 0
		binary.BigEndian.PutUint16(l4[2:4], 0)
		binary.BigEndian.PutUint16(l4[2:4], ^wire.Checksum(l4, 0))
	}
	return b
}

// checksumsValid verifies the IPv4 header and transport checksums from
// scratch.
func checksumsValid(b []byte, proto wire.IPProtocol) bool {
	h := wire.IPv4(b)
	if !h.ChecksumValid() {
		return false
	}
	l4 := b[20:]
	var src, dst wire.Addr4
	copy(src[:], b[12:16])
	copy(dst[:], b[16:20])
	switch proto {
	case wire.IPProtocolUDP:
		if binary.BigEndian.Uint16(l4[6:8]) == 0 {
			return true
		}
		fallthrough
	case wire.IPProtocolTCP:
		return wire.Checksum(l4, wire.PseudoHeaderChecksum(proto, src, dst, uint16(len(l4)))) == 0xffff
	case wire.IPProtocolICMP:
		return wire.Checksum(l4, 0) == 0xffff
	}
	return false
}

// TestRewriteChecksums: the incremental updates (RFC 1624) give the
// checksums a full recomputation gives, for TCP, UDP (with and without a
// checksum) and ICMP echo, rewriting any mix of addresses and ports.
func TestRewriteChecksums(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		proto := []wire.IPProtocol{wire.IPProtocolTCP, wire.IPProtocolUDP, wire.IPProtocolICMP}[i%3]
		noSum := proto == wire.IPProtocolUDP && i%7 == 0
		b := buildPacket(r, proto, noSum)
		pk, ok := parsePacket(b)
		if !ok || !pk.l4 {
			t.Fatalf("packet %d does not parse", i)
		}
		to := tuple{src: pk.src, dst: pk.dst, sport: pk.sport, dport: pk.dport}
		if r.IntN(2) == 0 {
			binary.BigEndian.PutUint32(to.src[:], r.Uint32())
		}
		if r.IntN(2) == 0 {
			binary.BigEndian.PutUint32(to.dst[:], r.Uint32())
		}
		if r.IntN(2) == 0 {
			to.sport = uint16(r.Uint32())
			if proto == wire.IPProtocolICMP {
				to.dport = to.sport
			}
		}
		if r.IntN(2) == 0 && proto != wire.IPProtocolICMP {
			to.dport = uint16(r.Uint32())
		}
		rewrite(b, &pk, to)
		if !checksumsValid(b, proto) {
			t.Fatalf("packet %d (%v): checksums do not verify after the rewrite", i, proto)
		}
		if noSum && binary.BigEndian.Uint16(b[26:28]) != 0 {
			t.Fatalf("packet %d: UDP without a checksum got one", i)
		}
		again, _ := parsePacket(b)
		if again.src != to.src || again.dst != to.dst || again.sport != to.sport || again.dport != to.dport {
			t.Fatalf("packet %d: rewritten to %+v, want %+v", i, again, to)
		}
	}
}

// TestNATTableBounded: a full table reclaims expired translations and
// otherwise refuses; a nat port range with no free port refuses.
func TestNATTableBounded(t *testing.T) {
	tb := newNATTable(4)
	r := &NATRule{Kind: NAT}
	ports := Port{Op: PortRange, Lo: 50000, Hi: 50001}
	mk := func(i int) natKey {
		return natKey{dir: Out, proto: wire.IPProtocolUDP, t: tuple{src: wire.Addr4{198, 18, 92, byte(i)}, dst: wire.Addr4{198, 18, 93, 1}, sport: 1000, dport: 53}}
	}
	out := func(k natKey) tuple { o := k.t; o.src = wire.Addr4{198, 18, 93, 2}; return o }
	for i := range 2 {
		if _, ok := tb.add(mk(i), out(mk(i)), ports, r, In, 0, 10); !ok {
			t.Fatalf("translation %d refused", i)
		}
	}
	if _, ok := tb.add(mk(2), out(mk(2)), ports, r, In, 0, 10); ok {
		t.Error("a third translation got a port from a range of two")
	}
	wide := Port{Op: PortRange, Lo: 50000, Hi: 60000}
	for i := 2; i < 4; i++ {
		if _, ok := tb.add(mk(i), out(mk(i)), wide, r, In, 0, 10); !ok {
			t.Fatalf("translation %d refused", i)
		}
	}
	if _, ok := tb.add(mk(4), out(mk(4)), wide, r, In, 5, 10); ok {
		t.Error("a full table of live translations took another")
	}
	got, ok := tb.add(mk(4), out(mk(4)), wide, r, In, 11, 10)
	if !ok {
		t.Fatal("a full table of expired translations refused")
	}
	if n := tb.live.Load(); n != 1 {
		t.Errorf("%d live translations, want 1", n)
	}
	if to, ok := tb.lookup(&natKey{dir: In, proto: wire.IPProtocolUDP, t: tuple{src: wire.Addr4{198, 18, 93, 1}, dst: wire.Addr4{198, 18, 93, 2}, sport: 53, dport: got.sport}}, 12, 10); !ok ||
		to.dst != (wire.Addr4{198, 18, 92, 4}) || to.dport != 1000 {
		t.Errorf("reply lookup: %+v %v", to, ok)
	}
}

// BenchmarkNATHit is the per-packet cost of a translated packet once its
// translation exists: the table lookup and the in-place rewrite with its
// incremental checksum updates (plus a 48-byte copy that restores the
// packet for the next round).
func BenchmarkNATHit(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	orig := buildPacket(r, wire.IPProtocolUDP, false)
	pk0, _ := parsePacket(orig)
	tb := newNATTable(10000)
	k := natKey{dir: Out, proto: pk0.proto, t: tuple{src: pk0.src, dst: pk0.dst, sport: pk0.sport, dport: pk0.dport}}
	out := k.t
	out.src = wire.Addr4{198, 18, 93, 2}
	if _, ok := tb.add(k, out, defaultNATPorts, &NATRule{Kind: NAT}, In, 0, 1e12); !ok {
		b.Fatal("no translation")
	}
	pkt := append([]byte(nil), orig...)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		copy(pkt, orig[:48])
		pk := pk0
		to, ok := tb.lookup(&k, 1, 1e12)
		if !ok {
			b.Fatal("lookup missed")
		}
		rewrite(pkt, &pk, to)
	}
}
