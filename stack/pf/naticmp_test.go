package pf_test

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/pf"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/wire"
)

// datagram builds an IPv4 datagram of proto from src:sport to dst:dport
// with n payload bytes and valid checksums (ICMP: an echo request with
// identifier sport).
func datagram(r *rand.Rand, proto wire.IPProtocol, src, dst string, sport, dport uint16, n int) []byte {
	hl := map[wire.IPProtocol]int{wire.IPProtocolTCP: 20, wire.IPProtocolUDP: 8, wire.IPProtocolICMP: 8}[proto]
	b := make([]byte, 20+hl+n)
	for i := 20 + hl; i < len(b); i++ {
		b[i] = byte(r.Uint32())
	}
	b[0], b[8], b[9] = 0x45, 64, byte(proto)
	binary.BigEndian.PutUint16(b[2:4], uint16(len(b)))
	binary.BigEndian.PutUint16(b[4:6], uint16(r.Uint32()))
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	copy(b[12:16], s[:])
	copy(b[16:20], d[:])
	wire.IPv4(b).UpdateChecksum()
	l4 := b[20:]
	switch proto {
	case wire.IPProtocolTCP, wire.IPProtocolUDP:
		binary.BigEndian.PutUint16(l4[0:2], sport)
		binary.BigEndian.PutUint16(l4[2:4], dport)
		at := 6
		if proto == wire.IPProtocolTCP {
			l4[12], l4[13], at = 5<<4, 0x18, 16
		} else {
			binary.BigEndian.PutUint16(l4[4:6], uint16(len(l4)))
		}
		c := ^wire.Checksum(l4, wire.PseudoHeaderChecksum(proto, s, d, uint16(len(l4))))
		if c == 0 && proto == wire.IPProtocolUDP {
			c = 0xffff
		}
		binary.BigEndian.PutUint16(l4[at:], c)
	case wire.IPProtocolICMP:
		l4[0] = 8
		binary.BigEndian.PutUint16(l4[4:6], sport)
		binary.BigEndian.PutUint16(l4[2:4], ^wire.Checksum(l4, 0))
	}
	return b
}

// icmpError builds the ICMP error typ/code from src to dst quoting the
// first q bytes of about.
func icmpError(typ, code uint8, src, dst string, about []byte, q int) []byte {
	q = min(q, len(about))
	b := make([]byte, 28+q)
	b[0], b[8], b[9] = 0x45, 64, byte(wire.IPProtocolICMP)
	binary.BigEndian.PutUint16(b[2:4], uint16(len(b)))
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	copy(b[12:16], s[:])
	copy(b[16:20], d[:])
	wire.IPv4(b).UpdateChecksum()
	b[20], b[21] = typ, code
	copy(b[28:], about[:q])
	binary.BigEndian.PutUint16(b[22:24], ^wire.Checksum(b[20:], 0))
	return b
}

// hookRun runs the hook on a copy of p and returns the packet after it
// and the verdict.
func hookRun(t *testing.T, pool *mbuf.Pool, hook pfil.Hook, d pfil.Dir, ifindex int, p []byte) ([]byte, pfil.Verdict) {
	t.Helper()
	b, err := pool.Get()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Free()
	m, err := b.Append(len(p))
	if err != nil {
		t.Fatal(err)
	}
	copy(m, p)
	v := hook(d, ifindex, b)
	return append([]byte(nil), b.Bytes()...), v
}

// TestNATICMPErrors: an ICMP error about a translated datagram, quoting
// it whole or only its first 8 transport bytes, comes back with the quote
// exactly as the inside host sent it (every byte, checksums included), the
// outer destination translated, and the outer IPv4 and ICMP checksums
// valid; for nat (the error from a router beyond and from the far end) and
// rdr, for TCP, UDP and ICMP echo; one about no translation is left alone.
func TestNATICMPErrors(t *testing.T) {
	s := newStack(t)
	pool := s.Pool()
	f := pf.New(s, pf.Options{})
	if err := f.Load("nat on tap1 from 198.18.92.0/24 to any -> 198.18.93.2\n" +
		"rdr on tap1 proto udp to 198.18.93.2 port 47053 -> 198.18.92.1 port 47054\npass all"); err != nil {
		t.Fatal(err)
	}
	hook := f.Hook()
	r := rand.New(rand.NewPCG(5, 6))
	const tap0, tap1 = 2, 3
	for _, proto := range []wire.IPProtocol{wire.IPProtocolTCP, wire.IPProtocolUDP, wire.IPProtocolICMP} {
		for _, q := range []int{1000, 28} {
			for _, from := range []string{"198.18.93.1", "198.18.94.2"} { // a router beyond, the far end
				orig := datagram(r, proto, "198.18.92.1", "198.18.94.2", uint16(1000+r.IntN(9000)), 33434, 40)
				out, v := hookRun(t, pool, hook, pfil.Out, tap1, orig)
				if v != pfil.Modified || bytes.Equal(out[12:16], orig[12:16]) {
					t.Fatalf("%v: the datagram was not translated (%v)", proto, v)
				}
				e := icmpError(11, 0, from, "198.18.93.2", out, q)
				if from == "198.18.94.2" {
					e = icmpError(3, 3, from, "198.18.93.2", out, q)
				}
				got, v := hookRun(t, pool, hook, pfil.In, tap1, e)
				if v != pfil.Modified {
					t.Fatalf("%v quote %d from %s: verdict %v", proto, q, from, v)
				}
				checkError(t, got, from, "198.18.92.1", orig[:min(q, len(orig))])
			}
		}
	}
	// rdr: the inside host reports an error about a redirected datagram.
	orig := datagram(r, wire.IPProtocolUDP, "198.18.94.2", "198.18.93.2", 40000, 47053, 20)
	in, v := hookRun(t, pool, hook, pfil.In, tap1, orig)
	if v != pfil.Modified || netip.AddrFrom4(wire.Addr4(in[16:20])) != netip.MustParseAddr("198.18.92.1") {
		t.Fatalf("rdr: %v %x", v, in[:20])
	}
	got, v := hookRun(t, pool, hook, pfil.In, tap0, icmpError(3, 3, "198.18.92.1", "198.18.94.2", in, 1000))
	if v != pfil.Modified {
		t.Fatalf("rdr error: verdict %v", v)
	}
	checkError(t, got, "198.18.93.2", "198.18.94.2", orig)
	// An error about nothing translated passes unchanged.
	e := icmpError(3, 1, "198.18.93.1", "198.18.93.2", datagram(r, wire.IPProtocolUDP, "198.18.93.2", "198.18.94.9", 5, 6, 0), 1000)
	if got, v := hookRun(t, pool, hook, pfil.In, tap1, e); v != pfil.Pass || !bytes.Equal(got, e) {
		t.Errorf("an error about no translation: %v, changed %v", v, !bytes.Equal(got, e))
	}
	if st := f.NATStats(); st.Errors != 13 {
		t.Errorf("NATStats %+v, want 13 errors translated", st)
	}
}

// checkError checks a translated ICMP error: outer addresses, checksums,
// and the quote byte for byte.
func checkError(t *testing.T, p []byte, src, dst string, quote []byte) {
	t.Helper()
	h := wire.IPv4(p)
	if !h.ChecksumValid() || wire.Checksum(p[20:], 0) != 0xffff {
		t.Errorf("checksums: IPv4 %v, ICMP %v", h.ChecksumValid(), wire.Checksum(p[20:], 0) == 0xffff)
	}
	if h.SrcAddr().String() != src || h.DstAddr().String() != dst {
		t.Errorf("outer %v > %v, want %s > %s", h.SrcAddr(), h.DstAddr(), src, dst)
	}
	if !bytes.Equal(p[28:], quote) {
		t.Errorf("quote\n%x\nwant\n%x", p[28:], quote)
	}
}

// TestNATFragments: the later fragments of a translated datagram get its
// first fragment's addresses (IPv4 checksum valid), in both directions;
// a later fragment leaving by the nat interface ahead of its first is
// dropped; a later fragment of an untranslated datagram passes unchanged.
func TestNATFragments(t *testing.T) {
	s := newStack(t)
	pool := s.Pool()
	f := pf.New(s, pf.Options{})
	if err := f.Load("nat on tap1 from 198.18.92.0/24 to any -> 198.18.93.2\npass all"); err != nil {
		t.Fatal(err)
	}
	hook := f.Hook()
	r := rand.New(rand.NewPCG(7, 8))
	const tap1 = 3
	frag := func(p []byte, off uint16, more bool) []byte {
		p = append([]byte(nil), p...)
		v := off / 8
		if more {
			v |= 0x2000
		}
		binary.BigEndian.PutUint16(p[6:8], v)
		wire.IPv4(p).UpdateChecksum()
		return p
	}
	whole := datagram(r, wire.IPProtocolUDP, "198.18.92.1", "198.18.94.2", 5000, 7, 64)
	first, later := frag(whole[:20+48], 0, true), frag(append(whole[:20:20], whole[68:]...), 48, false)
	out, v := hookRun(t, pool, hook, pfil.Out, tap1, first)
	if v != pfil.Modified {
		t.Fatalf("first fragment: %v", v)
	}
	natPort := binary.BigEndian.Uint16(out[20:22])
	got, v := hookRun(t, pool, hook, pfil.Out, tap1, later)
	if v != pfil.Modified || !bytes.Equal(got[12:20], out[12:20]) || !wire.IPv4(got).ChecksumValid() || !bytes.Equal(got[20:], later[20:]) {
		t.Fatalf("later fragment: %v, header %x (first %x)", v, got[:20], out[:20])
	}
	// The reply, fragmented too.
	reply := datagram(r, wire.IPProtocolUDP, "198.18.94.2", "198.18.93.2", 7, natPort, 64)
	first, later = frag(reply[:20+48], 0, true), frag(append(reply[:20:20], reply[68:]...), 48, false)
	if _, v := hookRun(t, pool, hook, pfil.In, tap1, first); v != pfil.Modified {
		t.Fatalf("reply's first fragment: %v", v)
	}
	got, v = hookRun(t, pool, hook, pfil.In, tap1, later)
	if v != pfil.Modified || wire.IPv4(got).DstAddr() != netip.MustParseAddr("198.18.92.1") || !wire.IPv4(got).ChecksumValid() {
		t.Fatalf("reply's later fragment: %v, header %x", v, got[:20])
	}
	// Ahead of its first: dropped leaving, passed arriving.
	lone := frag(datagram(r, wire.IPProtocolUDP, "198.18.92.1", "198.18.94.2", 5001, 7, 64), 48, false)
	if _, v := hookRun(t, pool, hook, pfil.Out, tap1, lone); v != pfil.Drop {
		t.Errorf("a later fragment ahead of its first left: %v", v)
	}
	other := frag(datagram(r, wire.IPProtocolUDP, "198.18.95.1", "198.18.94.2", 5001, 7, 64), 48, false)
	if got, v := hookRun(t, pool, hook, pfil.Out, tap1, other); v != pfil.Pass || !bytes.Equal(got, other) {
		t.Errorf("a fragment no nat rule covers: %v", v)
	}
	if st := f.NATStats(); st.Fragments != 2 || st.FragDropped != 1 {
		t.Errorf("NATStats %+v, want 2 fragments translated, 1 dropped", st)
	}
}

// BenchmarkNATFragment is the per-packet cost of a later fragment of a
// translated datagram: the identity lookup and the address rewrite (plus a
// copy that restores the fragment for the next round). 0 allocations.
func BenchmarkNATFragment(b *testing.B) {
	s := newStack(b)
	f := pf.New(s, pf.Options{})
	if err := f.Load("nat on tap1 from 198.18.92.0/24 to any -> 198.18.93.2"); err != nil {
		b.Fatal(err)
	}
	hook := f.Hook()
	whole := datagram(rand.New(rand.NewPCG(9, 9)), wire.IPProtocolUDP, "198.18.92.1", "198.18.94.2", 5000, 7, 64)
	first := append([]byte(nil), whole[:68]...)
	binary.BigEndian.PutUint16(first[6:8], 0x2000)
	wire.IPv4(first).UpdateChecksum()
	later := append(append([]byte(nil), whole[:20]...), whole[68:]...)
	binary.BigEndian.PutUint16(later[6:8], 48/8)
	wire.IPv4(later).UpdateChecksum()
	buf, err := s.Pool().Get()
	if err != nil {
		b.Fatal(err)
	}
	defer buf.Free()
	d, _ := buf.Append(len(first))
	copy(d, first)
	if hook(pfil.Out, 3, buf) != pfil.Modified {
		b.Fatal("first fragment not translated")
	}
	_ = buf.Trim(buf.PktLen() - len(later))
	d = buf.Bytes()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		copy(d, later)
		if hook(pfil.Out, 3, buf) != pfil.Modified {
			b.Fatal("later fragment not translated")
		}
	}
}

// TestFragmentsFollowFirst: with "block in all" and stateful passes out, a
// reply's later fragment passes when its first fragment passed (by the
// state), and a later fragment whose first was not seen is blocked.
func TestFragmentsFollowFirst(t *testing.T) {
	s := newStack(t)
	f := pf.New(s, pf.Options{})
	if err := f.Load("block in all\npass out proto udp keep state"); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(11, 12))
	const tap1 = 3
	out := datagram(r, wire.IPProtocolUDP, "198.18.93.2", "198.18.94.2", 5000, 7, 16)
	if f.Check(pf.Out, tap1, out, len(out)) != pf.Pass {
		t.Fatal("the request was blocked")
	}
	reply := datagram(r, wire.IPProtocolUDP, "198.18.94.2", "198.18.93.2", 7, 5000, 64)
	first := append([]byte(nil), reply[:68]...)
	binary.BigEndian.PutUint16(first[6:8], 0x2000)
	later := append(append([]byte(nil), reply[:20]...), reply[68:]...)
	binary.BigEndian.PutUint16(later[6:8], 48/8)
	if f.Check(pf.In, tap1, later, len(later)) != pf.Block {
		t.Error("a later fragment ahead of its first passed \"block in all\"")
	}
	if f.Check(pf.In, tap1, first, len(first)) != pf.Pass {
		t.Fatal("the reply's first fragment was blocked (no state?)")
	}
	if f.Check(pf.In, tap1, later, len(later)) != pf.Pass {
		t.Error("the reply's later fragment was blocked after its first passed")
	}
	other := append([]byte(nil), later...)
	other[5]++ // another datagram's identification
	if f.Check(pf.In, tap1, other, len(other)) != pf.Block {
		t.Error("a later fragment of another datagram passed")
	}
}

// TestICMPErrorsFollowState: with "block in all" and stateful passes out,
// an ICMP error about a connection in the state table passes (UDP and an
// echo request quoted), one about no state is blocked.
func TestICMPErrorsFollowState(t *testing.T) {
	s := newStack(t)
	f := pf.New(s, pf.Options{})
	if err := f.Load("block in all\npass out keep state"); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(13, 14))
	const tap1 = 3
	for _, proto := range []wire.IPProtocol{wire.IPProtocolUDP, wire.IPProtocolICMP} {
		out := datagram(r, proto, "198.18.93.2", "198.18.94.2", 5000, 33434, 16)
		if f.Check(pf.Out, tap1, out, len(out)) != pf.Pass {
			t.Fatalf("%v: the request was blocked", proto)
		}
		e := icmpError(11, 0, "198.18.93.1", "198.18.93.2", out, 28)
		if f.Check(pf.In, tap1, e, len(e)) != pf.Pass {
			t.Errorf("%v: the time exceeded about a state was blocked", proto)
		}
		stranger := datagram(r, proto, "198.18.93.2", "198.18.94.3", 5001, 33435, 16)
		e = icmpError(3, 3, "198.18.94.3", "198.18.93.2", stranger, 28)
		if f.Check(pf.In, tap1, e, len(e)) != pf.Block {
			t.Errorf("%v: an error about no state passed", proto)
		}
	}
}
