package ipv6_test

import (
	"bytes"
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// TestEchoReplyToSharedRequest: a request whose bytes another owner shares
// (a bridge's flood, a tap's clone) is answered from a private copy (RFC
// 4443 §4.2: every echo request gets its reply), and the shared bytes
// stay as they were.
func TestEchoReplyToSharedRequest(t *testing.T) {
	w := newWireHost(t)
	req := pkt(peerAddr, hostAddr, wire.IPProtocolICMPv6, 64, echo(0x77, 3, 8))
	b, err := w.pool.Get()
	if err != nil {
		t.Fatal(err)
	}
	d, _ := b.Append(wire.EthernetHeaderLen + len(req))
	e := wire.Ethernet(d)
	e.SetDst(w.ifc.MAC())
	e.SetSrc(peerMAC)
	e.SetType(wire.EtherTypeIPv6)
	copy(d[wire.EthernetHeaderLen:], req)
	frame := append([]byte(nil), d...)
	c, err := b.Clone()
	if err != nil {
		t.Fatal(err)
	}
	_ = w.peer.TxBurst([]*mbuf.Buf{c})
	stacktest.Drain(w.ifc)
	got := w.frames()
	if len(got) != 1 {
		t.Fatalf("%d packets sent, want the echo reply", len(got))
	}
	r := wire.IPv6(got[0])
	m := got[0][wire.IPv6HeaderLen:]
	if r.Src() != hostAddr || r.Dst() != peerAddr || wire.ICMPv6(m).Type() != wire.ICMPv6EchoReply || !bytes.Equal(m[4:], req[wire.IPv6HeaderLen+4:]) {
		t.Errorf("reply % x: want an echo reply from %x to %x with the request's identifier, sequence and data", got[0], hostAddr, peerAddr)
	}
	if !bytes.Equal(b.Bytes(), frame) {
		t.Errorf("the other owner's bytes changed:\n got % x\nwant % x", b.Bytes(), frame)
	}
	b.Free()
	w.clean(t)
}
