package tcp_test

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/tcp"
	"github.com/gopkt/gopkt/stack/wire"
)

// rawPeer drives our TCP (198.18.0.1) from the other end of a link with
// hand-made segments from 198.18.0.2, and reads what it sends: the state
// machine tests use it to produce exactly the segments a case needs.
type rawPeer struct {
	tb   testing.TB
	TCP  *tcp.TCP
	port *link.Port
	pool *mbuf.Pool
	mac  wire.MAC
	IP   *ipv4.IPv4
}

var (
	ourAddr  = wire.Addr4{198, 18, 0, 1}
	peerAddr = wire.Addr4{198, 18, 0, 2}
)

func newRawPeer(tb testing.TB, o tcp.Options) *rawPeer {
	tb.Helper()
	pool := stacktest.NewPool(tb, 512)
	tp, err := tcp.New(o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if n := tp.Quota().InUse(); n != 0 {
			tb.Errorf("tcp-rcvq: %d mbufs still charged", n)
		}
	})
	pa, pb := link.Pair(link.Options{})
	tb.Cleanup(func() {
		bufs := make([]*mbuf.Buf, 64)
		for {
			n := pb.RxBurst(bufs)
			if n == 0 {
				break
			}
			pool.Free(bufs[:n])
		}
		_ = pa.Close()
		_ = pb.Close()
	})
	h := stacktest.NewHost(tb, pool, stacktest.Config{IP: ipv4.Options{Transports: []ipv4.Transport{tp}}})
	ifc := h.AttachAddr(tb, "eth0", pa, "198.18.0.1/24", false)
	h.IP.AddStaticNeighbour(ifc, netip.AddrFrom4(peerAddr), wire.MAC(pb.MAC()))
	return &rawPeer{tb: tb, TCP: tp, port: pb, pool: pool, mac: wire.MAC(pa.MAC()), IP: h.IP}
}

// seg is a segment as the tests write and read them.
type seg struct {
	Src, Dst uint16
	Seq, Ack uint32
	Flags    uint8
	Wnd      uint16
	Opts     []byte
	Data     []byte
}

func (s seg) has(f uint8) bool { return s.Flags&f != 0 }

// send puts s on the wire to us.
func (p *rawPeer) send(s seg) {
	p.tb.Helper()
	b, err := p.pool.Get()
	if err != nil {
		p.tb.Fatal(err)
	}
	tf := wire.TCPFields{SrcPort: s.Src, DstPort: s.Dst, Seq: s.Seq, Ack: s.Ack, Flags: s.Flags, Window: s.Wnd, Options: s.Opts}
	hl := tf.HeaderLen()
	total := wire.EthernetHeaderLen + wire.IPv4MinHeaderLen + hl + len(s.Data)
	d, _ := b.Append(total)
	ef := wire.EthernetFields{Dst: p.mac, Src: wire.MAC(p.port.MAC()), Type: wire.EtherTypeIPv4}
	_, _ = ef.Encode(d)
	ipf := wire.IPv4Fields{TotalLen: uint16(total - wire.EthernetHeaderLen), TTL: 64, Protocol: wire.IPProtocolTCP, Src: peerAddr, Dst: ourAddr}
	ih, _ := ipf.Encode(d[wire.EthernetHeaderLen:])
	ih.UpdateChecksum()
	th, _ := tf.Encode(d[wire.EthernetHeaderLen+wire.IPv4MinHeaderLen:])
	copy(th[hl:], s.Data)
	th.UpdateChecksum(peerAddr, ourAddr)
	if p.port.TxBurst([]*mbuf.Buf{b}) != 1 {
		p.tb.Fatal("link refused the frame")
	}
}

// recv returns the next TCP segment we sent, or ok false after d.
func (p *rawPeer) recv(d time.Duration) (seg, bool) {
	end := time.Now().Add(d)
	bufs := make([]*mbuf.Buf, 1)
	for time.Now().Before(end) {
		if p.port.RxBurst(bufs) == 0 {
			_ = p.port.Wait(10 * time.Millisecond)
			continue
		}
		b := bufs[0]
		d := make([]byte, b.PktLen())
		b.CopyTo(d)
		b.Free()
		if len(d) < 34 || binary.BigEndian.Uint16(d[12:]) != uint16(wire.EtherTypeIPv4) {
			continue
		}
		ip := wire.IPv4(d[14:])
		if ip.Protocol() != wire.IPProtocolTCP {
			continue
		}
		t, err := wire.NewTCP(d[14+ip.HeaderLen() : 14+int(ip.TotalLen())])
		if err != nil {
			p.tb.Fatalf("we sent a malformed segment: %v", err)
		}
		if !t.ChecksumValid(ip.Src(), ip.Dst()) {
			p.tb.Fatal("we sent a bad checksum")
		}
		return seg{Src: t.SrcPort(), Dst: t.DstPort(), Seq: t.Seq(), Ack: t.Ack(), Flags: t.Flags(), Wnd: t.Window(),
			Opts: append([]byte(nil), t.Options()...), Data: append([]byte(nil), t.Payload()...)}, true
	}
	return seg{}, false
}

// expect returns the next segment, failing the test without one.
func (p *rawPeer) expect(what string) seg {
	p.tb.Helper()
	s, ok := p.recv(5 * time.Second)
	if !ok {
		p.tb.Fatalf("no segment: expected %s", what)
	}
	return s
}

// handshake opens a connection from the peer's port pport to a listener
// on our port 80 and returns our side and the peer's next sequence
// numbers (with timestamps and SACK unless plain).
func (p *rawPeer) handshake(l *tcp.Listener, pport uint16, plain bool) (c *tcp.Conn, peerNxt, ourNxt uint32) {
	p.tb.Helper()
	opts := []byte{2, 4, 0x05, 0xb4}
	if !plain {
		opts = append(opts, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0)
	}
	p.send(seg{Src: pport, Dst: 80, Seq: 1000, Flags: wire.TCPFlagSYN, Wnd: 65535, Opts: opts})
	sa := p.expect("SYN-ACK")
	if sa.Flags != wire.TCPFlagSYN|wire.TCPFlagACK || sa.Ack != 1001 {
		p.tb.Fatalf("SYN-ACK: %+v", sa)
	}
	ack := seg{Src: pport, Dst: 80, Seq: 1001, Ack: sa.Seq + 1, Flags: wire.TCPFlagACK, Wnd: 65535}
	if !plain {
		ack.Opts = tsOpt(2, tsVal(sa.Opts))
	}
	p.send(ack)
	_ = l.SetDeadline(time.Now().Add(5 * time.Second))
	c, err := l.AcceptTCP()
	if err != nil {
		p.tb.Fatal(err)
	}
	return c, 1001, sa.Seq + 1
}

func tsOpt(val, ecr uint32) []byte {
	b := []byte{1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[4:], val)
	binary.BigEndian.PutUint32(b[8:], ecr)
	return b
}

// tsVal returns the TSval of a segment's options (0 if none).
func tsVal(o []byte) uint32 {
	for i := 0; i < len(o); {
		switch o[i] {
		case 0:
			return 0
		case 1:
			i++
			continue
		}
		if i+1 >= len(o) || o[i+1] < 2 {
			return 0
		}
		if o[i] == 8 && o[i+1] == 10 && i+10 <= len(o) {
			return binary.BigEndian.Uint32(o[i+2:])
		}
		i += int(o[i+1])
	}
	return 0
}

// option returns the data of option kind in o.
func option(o []byte, kind byte) ([]byte, bool) {
	for i := 0; i < len(o); {
		switch o[i] {
		case 0:
			return nil, false
		case 1:
			i++
			continue
		}
		if i+1 >= len(o) || o[i+1] < 2 || i+int(o[i+1]) > len(o) {
			return nil, false
		}
		if o[i] == kind {
			return o[i+2 : i+int(o[i+1])], true
		}
		i += int(o[i+1])
	}
	return nil, false
}

// sendUnreach sends an ICMP destination unreachable (code) quoting the
// first 8 bytes of a segment we sent (s).
func (p *rawPeer) sendUnreach(code uint8, s seg) {
	p.tb.Helper()
	quote := make([]byte, 28)
	qf := wire.IPv4Fields{TotalLen: 60, TTL: 64, Protocol: wire.IPProtocolTCP, Src: ourAddr, Dst: peerAddr}
	qh, _ := qf.Encode(quote)
	qh.UpdateChecksum()
	binary.BigEndian.PutUint16(quote[20:], s.Src)
	binary.BigEndian.PutUint16(quote[22:], s.Dst)
	binary.BigEndian.PutUint32(quote[24:], s.Seq)
	b, err := p.pool.Get()
	if err != nil {
		p.tb.Fatal(err)
	}
	total := wire.EthernetHeaderLen + wire.IPv4MinHeaderLen + 8 + len(quote)
	d, _ := b.Append(total)
	ef := wire.EthernetFields{Dst: p.mac, Src: wire.MAC(p.port.MAC()), Type: wire.EtherTypeIPv4}
	_, _ = ef.Encode(d)
	ipf := wire.IPv4Fields{TotalLen: uint16(total - wire.EthernetHeaderLen), TTL: 64, Protocol: wire.IPProtocolICMP, Src: peerAddr, Dst: ourAddr}
	ih, _ := ipf.Encode(d[wire.EthernetHeaderLen:])
	ih.UpdateChecksum()
	icmp := d[wire.EthernetHeaderLen+wire.IPv4MinHeaderLen:]
	clear(icmp[:8]) // a pool buffer holds old bytes
	icmp[0], icmp[1] = uint8(wire.ICMPv4DestUnreach), code
	copy(icmp[8:], quote)
	binary.BigEndian.PutUint16(icmp[2:], ^wire.Checksum(icmp, 0))
	if p.port.TxBurst([]*mbuf.Buf{b}) != 1 {
		p.tb.Fatal("link refused the frame")
	}
}
