package pf

import (
	"encoding/binary"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/wire"
)

// ICMP errors about translated connections (RFC 5508 §4.2, §4.3; pf's
// pf_test_state_icmp): a destination unreachable, time exceeded or
// parameter problem message quotes the header of the datagram it is about
// (RFC 792; RFC 1812 §4.3.2.3 as much of it as fits in 576 bytes). When
// that datagram belongs to a translation, the error travels against it:
// the quote reversed is a packet of the connection in the error's own
// direction, so the same table entry gives its rewrite T, and the quote
// becomes T reversed. The outer header follows: a destination that was the
// quoted source becomes T's destination (the inside host of a nat), a
// source that was the quoted destination (the error came from the far
// endpoint itself) becomes T's source. Checksums: the quoted IPv4 header's
// and the quoted transport checksum (when the quote holds it; a UDP zero
// stays zero) are updated as the packet's own would be, and every 16-bit
// word changed in the quote is folded into the outer ICMP checksum, all
// incrementally (RFC 1624 eqn. 3), so a message that arrived damaged stays
// damaged. The outer IPv4 header checksum follows the outer addresses.

// natErrorType reports whether an ICMP message of type t is an error that
// translation follows (RFC 5508 §4.1: the errors that quote a datagram;
// redirects and source quench are left alone).
func natErrorType(t int) bool {
	switch wire.ICMPv4Type(t) {
	case wire.ICMPv4DestUnreach, wire.ICMPv4TimeExceeded, wire.ICMPv4ParamProblem:
		return true
	}
	return false
}

// quote is the datagram an ICMP error quotes, as far as translation needs
// it: b starts at its IPv4 header.
type quote struct {
	b     []byte
	hl    int
	proto wire.IPProtocol
	t     tuple
}

// parseQuote reads the quoted datagram in msg (an ICMP error message,
// header included): a whole IPv4 header of a first fragment (or an
// unfragmented datagram) and at least the first 8 bytes of a TCP or UDP
// header or an ICMP echo (RFC 792's "64 bits of data").
func parseQuote(msg []byte) (q quote, ok bool) {
	if len(msg) < wire.ICMPv4HeaderLen+wire.IPv4MinHeaderLen {
		return q, false
	}
	b := msg[wire.ICMPv4HeaderLen:]
	hl := int(b[0]&0x0f) * 4
	if b[0]>>4 != 4 || hl < wire.IPv4MinHeaderLen || len(b) < hl+8 || binary.BigEndian.Uint16(b[6:8])&0x1fff != 0 {
		return q, false
	}
	q = quote{b: b, hl: hl, proto: wire.IPProtocol(b[9])}
	q.t.src, q.t.dst = wire.Addr4(b[12:16]), wire.Addr4(b[16:20])
	l4 := b[hl:]
	switch q.proto {
	case wire.IPProtocolTCP, wire.IPProtocolUDP:
		q.t.sport, q.t.dport = binary.BigEndian.Uint16(l4[0:2]), binary.BigEndian.Uint16(l4[2:4])
	case wire.IPProtocolICMP:
		if l4[0] != 8 && l4[0] != 0 { // echo request, echo reply
			return q, false
		}
		id := binary.BigEndian.Uint16(l4[4:6])
		q.t.sport, q.t.dport = id, id
	default:
		return q, false
	}
	return q, true
}

func reverse(t tuple) tuple { return tuple{src: t.dst, dst: t.src, sport: t.dport, dport: t.sport} }

// translateError rewrites the ICMP error in b (pk is its outer header) when
// the datagram it quotes belongs to a translation: natDone when rewritten,
// natNone when it is about no translation (or the quote is too short to
// tell), natDrop when it is but b may not be written.
func (f *Filter) translateError(dir Dir, b *mbuf.Buf, pk *packet, now int64) natResult {
	d := b.Bytes()
	h := wire.IPv4(d)
	msg := d[h.HeaderLen():]
	q, ok := parseQuote(msg)
	if !ok {
		return natNone
	}
	k := natKey{dir: dir, proto: q.proto, t: reverse(q.t)}
	to, ok := f.nat.peek(&k, now)
	if !ok {
		return natNone
	}
	if !b.Writable() {
		f.natNotWritable.Add(1)
		return natDrop
	}
	was := q.t
	icmpc := binary.BigEndian.Uint16(msg[2:4])
	rewriteQuote(&q, reverse(to), &icmpc)
	binary.BigEndian.PutUint16(msg[2:4], icmpc)

	ipc := h.Checksum()
	if pk.dst == was.src { // the error goes back to the quoted sender
		put16x2(d[16:20], to.dst, &ipc, nil, nil)
		pk.dst = to.dst
	}
	if pk.src == was.dst { // the far endpoint itself reports
		put16x2(d[12:16], to.src, &ipc, nil, nil)
		pk.src = to.src
	}
	h.SetChecksum(ipc)
	f.translated.Add(1)
	f.errorsTranslated.Add(1)
	return natDone
}

// rewriteQuote changes the quoted datagram q to the endpoints nt, updating
// its header checksum, its transport checksum when quoted, and the outer
// ICMP checksum *icmpc for every word written.
func rewriteQuote(q *quote, nt tuple, icmpc *uint16) {
	b, l4 := q.b, q.b[q.hl:]
	ipc := binary.BigEndian.Uint16(b[10:12])
	var l4c uint16
	csum := -1 // offset of the quoted transport checksum in l4; -1: none to update
	switch q.proto {
	case wire.IPProtocolTCP:
		if len(l4) >= 18 {
			csum = 16
		}
	case wire.IPProtocolUDP:
		if binary.BigEndian.Uint16(l4[6:8]) != 0 {
			csum = 6
		}
	case wire.IPProtocolICMP:
		csum = 2
	}
	var l4p *uint16 // the transport checksum, when addresses are in its pseudo header
	if csum >= 0 {
		l4c = binary.BigEndian.Uint16(l4[csum:])
		if q.proto != wire.IPProtocolICMP {
			l4p = &l4c
		}
	}
	put16x2(b[12:16], nt.src, &ipc, l4p, icmpc)
	put16x2(b[16:20], nt.dst, &ipc, l4p, icmpc)
	put16(b[10:12], ipc, icmpc)
	var l4w *uint16 // the transport checksum, when it covers the ports (id)
	if csum >= 0 {
		l4w = &l4c
	}
	if q.proto == wire.IPProtocolICMP {
		put16c(l4[4:6], nt.sport, l4w, icmpc)
	} else {
		put16c(l4[0:2], nt.sport, l4w, icmpc)
		put16c(l4[2:4], nt.dport, l4w, icmpc)
	}
	if csum >= 0 {
		if q.proto == wire.IPProtocolUDP && l4c == 0 {
			l4c = 0xffff // RFC 768
		}
		put16(l4[csum:csum+2], l4c, icmpc)
	}
	q.t = nt
}

// put16 writes v at b[0:2], folding the change into *c (nil: none).
func put16(b []byte, v uint16, c *uint16) { put16c(b, v, nil, c) }

// put16c writes v at b[0:2], folding the change into *c1 and *c2 (nil:
// none).
func put16c(b []byte, v uint16, c1, c2 *uint16) {
	old := binary.BigEndian.Uint16(b)
	if old == v {
		return
	}
	if c1 != nil {
		*c1 = wire.ChecksumUpdate16(*c1, old, v)
	}
	if c2 != nil {
		*c2 = wire.ChecksumUpdate16(*c2, old, v)
	}
	binary.BigEndian.PutUint16(b, v)
}

// put16x2 writes the address a at b[0:4] as two words, folding them into
// the checksums given (nil: none).
func put16x2(b []byte, a wire.Addr4, c1, c2, c3 *uint16) {
	for i := 0; i < 4; i += 2 {
		old, v := binary.BigEndian.Uint16(b[i:]), binary.BigEndian.Uint16(a[i:])
		if old == v {
			continue
		}
		for _, c := range [3]*uint16{c1, c2, c3} {
			if c != nil {
				*c = wire.ChecksumUpdate16(*c, old, v)
			}
		}
		binary.BigEndian.PutUint16(b[i:], v)
	}
}
