package ipv4_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

func TestEchoReplyExactBytes(t *testing.T) {
	w := newWire(t, ipv4.Options{})
	w.learn()
	req := ipPacket(wire.IPv4Fields{ID: 0x1234, Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, echoRequest(0x77, 3, []byte("gopkt!")))
	w.inject(toHost(req))
	got := w.frames()
	// The reply: our first IP datagram (ID 1), TTL 64, addresses swapped,
	// type 0, same identifier, sequence and data (RFC 792 "Echo Reply").
	want := toPeer(ipPacket(wire.IPv4Fields{ID: 1, TTL: 64, Protocol: wire.IPProtocolICMP, Src: hostIP, Dst: peerIP}, echoReply(0x77, 3, []byte("gopkt!"))))
	if len(got) != 1 || !bytes.Equal(got[0], want) {
		t.Fatalf("echo reply\n got % x\nwant % x", got, want)
	}
}

func echoReply(id, seq uint16, data []byte) []byte {
	m := echoRequest(id, seq, data)
	msg := wire.ICMPv4(m)
	msg.SetType(wire.ICMPv4EchoReply)
	msg.UpdateChecksum()
	return m
}

func toPeer(p []byte) []byte { return eth(peerMAC, hostMAC, wire.EtherTypeIPv4, p) }

func TestMalformedInputIsCountedAndDropped(t *testing.T) {
	good := func() []byte {
		return ipPacket(wire.IPv4Fields{Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, echoRequest(1, 1, []byte("abcdefgh")))
	}
	fix := func(p []byte) []byte { wire.IPv4(p).UpdateChecksum(); return p }
	for _, tc := range []struct {
		name    string
		frame   []byte
		counter func(ipv4.Stats) uint64
	}{
		{"truncated header", toHost(good()[:12]), func(s ipv4.Stats) uint64 { return s.InTruncated }},
		{"truncated datagram", toHost(good()[:30]), func(s ipv4.Stats) uint64 { return s.InTruncated }},
		{"version 6", toHost(func() []byte { p := good(); p[0] = 0x65; return fix(p) }()), func(s ipv4.Stats) uint64 { return s.InHdrErrors }},
		{"IHL 4", toHost(func() []byte { p := good(); p[0] = 0x44; return p }()), func(s ipv4.Stats) uint64 { return s.InHdrErrors }},
		{"total below header", toHost(func() []byte { p := good(); binary.BigEndian.PutUint16(p[2:], 12); return fix(p) }()), func(s ipv4.Stats) uint64 { return s.InHdrErrors }},
		{"bad header checksum", toHost(func() []byte { p := good(); p[10] ^= 0xff; return p }()), func(s ipv4.Stats) uint64 { return s.InHdrErrors }},
		{"multicast source", toHost(func() []byte { p := good(); p[12] = 224; return fix(p) }()), func(s ipv4.Stats) uint64 { return s.InAddrErrors }},
		{"loopback source on eth", toHost(func() []byte { p := good(); p[12] = 127; return fix(p) }()), func(s ipv4.Stats) uint64 { return s.InAddrErrors }},
		{"our own address as source", toHost(func() []byte { p := good(); copy(p[12:16], hostIP[:]); return fix(p) }()), func(s ipv4.Stats) uint64 { return s.InAddrErrors }},
		{"not for us (host)", toHost(func() []byte { p := good(); p[19] = 77; return fix(p) }()), func(s ipv4.Stats) uint64 { return s.InAddrErrors }},
		{"bad ICMP checksum", toHost(func() []byte { p := good(); p[22] ^= 1; return p }()), func(s ipv4.Stats) uint64 { return s.ICMPInErrors }},
		{"ICMP shorter than 8", toHost(ipPacket(wire.IPv4Fields{Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, []byte{8, 0, 0})), func(s ipv4.Stats) uint64 { return s.ICMPInErrors }},
		{"fragment not a multiple of 8", toHost(ipPacket(wire.IPv4Fields{Flags: wire.IPv4FlagMF, Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, make([]byte, 13))), func(s ipv4.Stats) uint64 { return s.ReasmFails }},
		{"fragment beyond 65535", toHost(ipPacket(wire.IPv4Fields{FragmentOffset: 65528, Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, make([]byte, 16))), func(s ipv4.Stats) uint64 { return s.ReasmFails }},
		{"truncated ARP", eth(hostMAC, peerMAC, wire.EtherTypeARP, make([]byte, 20)), func(s ipv4.Stats) uint64 { return s.ARPInErrors }},
		{"ARP for IPv6", func() []byte {
			f := arpFrame(wire.ARPRequest, peerMAC, peerIP, wire.MAC{}, hostIP, wire.BroadcastMAC())
			f[16] = 0x86
			return f
		}(), func(s ipv4.Stats) uint64 { return s.ARPInErrors }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, ipv4.Options{})
			w.learn()
			before := tc.counter(w.h.IP.Stats())
			w.inject(tc.frame)
			if got := w.frames(); len(got) != 0 {
				t.Errorf("host answered a malformed frame: % x", got)
			}
			if tc.counter(w.h.IP.Stats()) != before+1 {
				t.Errorf("counter did not move: %+v", w.h.IP.Stats())
			}
		})
	}
}

func TestUDPMalformed(t *testing.T) {
	w := newWire(t, ipv4.Options{})
	w.learn()
	c, err := w.h.UDP.ListenPacket(netipAP("0.0.0.0:9"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ok := udpDatagram(peerIP, hostIP, 1000, 9, []byte("hello"))
	badSum := append([]byte(nil), ok...)
	badSum[8] ^= 0xff
	longLen := append([]byte(nil), ok...)
	binary.BigEndian.PutUint16(longLen[4:], 200)
	noSum := append([]byte(nil), ok...)
	noSum[6], noSum[7] = 0, 0 // RFC 768: zero means no checksum; accepted
	for _, u := range [][]byte{badSum, longLen, ok[:6], noSum} {
		w.inject(toHost(ipPacket(wire.IPv4Fields{Protocol: wire.IPProtocolUDP, Src: peerIP, Dst: hostIP}, u)))
	}
	st := w.h.UDP.Stats()
	if st.InCsumErrors != 1 || st.InErrors != 3 || st.InDatagrams != 1 {
		t.Errorf("UDP stats %+v", st)
	}
	buf := make([]byte, 64)
	n, from, err := c.ReadFromUDPAddrPort(buf)
	if err != nil || string(buf[:n]) != "hello" || from.String() != "198.18.0.1:1000" {
		t.Errorf("read %q from %v: %v", buf[:n], from, err)
	}
	if len(w.frames()) != 0 {
		t.Error("host answered malformed UDP")
	}
}

func TestPortUnreachableQuotesDatagram(t *testing.T) {
	w := newWire(t, ipv4.Options{})
	w.learn()
	dgram := ipPacket(wire.IPv4Fields{ID: 9, Protocol: wire.IPProtocolUDP, Src: peerIP, Dst: hostIP}, udpDatagram(peerIP, hostIP, 1000, 4444, []byte("x")))
	w.inject(toHost(dgram))
	got := w.frames()
	// RFC 792 type 3 code 3, quoting the whole (short) datagram; RFC 1812
	// §4.3.2.5 precedence 6 (TOS 0xc0).
	msg := make([]byte, 8+len(dgram))
	f := wire.ICMPv4Fields{Type: wire.ICMPv4DestUnreach, Code: wire.ICMPv4PortUnreachable}
	m, _ := f.Encode(msg)
	copy(msg[8:], dgram)
	m.UpdateChecksum()
	want := toPeer(ipPacket(wire.IPv4Fields{TOS: 0xc0, ID: 1, Protocol: wire.IPProtocolICMP, Src: hostIP, Dst: peerIP}, msg))
	if len(got) != 1 || !bytes.Equal(got[0], want) {
		t.Fatalf("port unreachable\n got % x\nwant % x", got, want)
	}
	// No ICMP about broadcasts (RFC 1122 §3.2.2).
	bc := ipPacket(wire.IPv4Fields{Protocol: wire.IPProtocolUDP, Src: peerIP, Dst: wire.Addr4{198, 18, 0, 255}}, udpDatagram(peerIP, wire.Addr4{198, 18, 0, 255}, 1, 4444, nil))
	w.inject(eth(wire.BroadcastMAC(), peerMAC, wire.EtherTypeIPv4, bc))
	if got := w.frames(); len(got) != 0 {
		t.Errorf("ICMP sent about a broadcast: % x", got)
	}
	// Unknown protocol: protocol unreachable.
	w.inject(toHost(ipPacket(wire.IPv4Fields{Protocol: 253, Src: peerIP, Dst: hostIP}, []byte{1, 2, 3, 4})))
	got = w.frames()
	if len(got) != 1 || got[0][14+20] != 3 || got[0][14+21] != wire.ICMPv4ProtoUnreachable {
		t.Errorf("protocol unreachable: % x", got)
	}
}

func TestICMPRateLimit(t *testing.T) {
	w := newWire(t, ipv4.Options{ICMPRate: 1, ICMPBurst: 5})
	w.learn()
	for i := range 20 {
		w.inject(toHost(ipPacket(wire.IPv4Fields{ID: uint16(i), Protocol: wire.IPProtocolUDP, Src: peerIP, Dst: hostIP}, udpDatagram(peerIP, hostIP, 1000, 4444, nil))))
	}
	if got := w.frames(); len(got) != 5 {
		t.Errorf("sent %d ICMP errors for 20 datagrams, want the burst of 5", len(got))
	}
	if st := w.h.IP.Stats(); st.ICMPOutRateLimited != 15 {
		t.Errorf("rate limited %d, want 15", st.ICMPOutRateLimited)
	}
}

func TestOptionsTolerated(t *testing.T) {
	w := newWire(t, ipv4.Options{})
	w.learn()
	// Record Route (RFC 791 §3.1, type 7) and a NOP: a host ignores options
	// it does not act on (RFC 1122 §3.2.1.8) and still answers.
	opts := []byte{7, 7, 4, 0, 0, 0, 0, 1}
	req := ipPacket(wire.IPv4Fields{Options: opts, Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, echoRequest(5, 6, []byte("opt")))
	w.inject(toHost(req))
	got := w.frames()
	if len(got) != 1 {
		t.Fatalf("no reply to a datagram with options")
	}
	h := wire.IPv4(got[0][14:])
	if h.HeaderLen() != 20 || !bytes.Equal(h.Payload(), echoReply(5, 6, []byte("opt"))) {
		t.Errorf("reply % x", got[0])
	}
}

// TestEchoReplyToSharedRequest: a request whose bytes another owner shares
// (a bridge's flood, a tap's clone) is answered from a private copy, and
// the shared bytes stay as they were.
func TestEchoReplyToSharedRequest(t *testing.T) {
	w := newWire(t, ipv4.Options{})
	w.learn()
	req := toHost(ipPacket(wire.IPv4Fields{ID: 0x1234, Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, echoRequest(0x77, 3, []byte("gopkt!"))))
	b, err := w.pool.Get()
	if err != nil {
		t.Fatal(err)
	}
	d, _ := b.Append(len(req))
	copy(d, req)
	c, err := b.Clone()
	if err != nil {
		t.Fatal(err)
	}
	w.peer.TxBurst([]*mbuf.Buf{c})
	stacktest.Drain(w.ifc)
	got := w.frames()
	want := toPeer(ipPacket(wire.IPv4Fields{ID: 1, TTL: 64, Protocol: wire.IPProtocolICMP, Src: hostIP, Dst: peerIP}, echoReply(0x77, 3, []byte("gopkt!"))))
	if len(got) != 1 || !bytes.Equal(got[0], want) {
		t.Fatalf("echo reply to a shared request\n got % x\nwant % x", got, want)
	}
	if !bytes.Equal(b.Bytes(), req) {
		t.Errorf("the other owner's bytes changed:\n got % x\nwant % x", b.Bytes(), req)
	}
	b.Free()
	if n := w.pool.InUse(); n != 0 {
		t.Errorf("%d mbufs in use at the end", n)
	}
}
