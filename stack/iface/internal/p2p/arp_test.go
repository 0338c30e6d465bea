package p2p

import (
	"bytes"
	"testing"

	"github.com/gopkt/gopkt/stack/wire"
)

func arpRequest(op wire.ARPOp, spa, tpa wire.Addr4) []byte {
	f := make([]byte, ARPFrameLen)
	e := wire.Ethernet(f)
	e.SetDst(wire.BroadcastMAC())
	e.SetSrc(wire.MAC{2, 0, 0, 0, 0, 1})
	e.SetType(wire.EtherTypeARP)
	a := wire.ARPFields{Op: op, SenderMAC: wire.MAC{2, 0, 0, 0, 0, 1}, SenderIP: spa, TargetIP: tpa}
	_, _ = a.Encode(e.Payload())
	return f
}

func TestARPAnswer(t *testing.T) {
	us, peer := wire.Addr4{198, 18, 60, 2}, wire.Addr4{198, 18, 60, 1}
	out := make([]byte, ARPFrameLen)
	if !ARPAnswer(arpRequest(wire.ARPRequest, us, peer), out) {
		t.Fatal("request not answered")
	}
	want := make([]byte, ARPFrameLen)
	e := wire.Ethernet(want)
	e.SetDst(wire.MAC{2, 0, 0, 0, 0, 1})
	e.SetSrc(PeerMAC())
	e.SetType(wire.EtherTypeARP)
	f := wire.ARPFields{Op: wire.ARPReply, SenderMAC: PeerMAC(), SenderIP: peer, TargetMAC: wire.MAC{2, 0, 0, 0, 0, 1}, TargetIP: us}
	_, _ = f.Encode(e.Payload())
	if !bytes.Equal(out, want) {
		t.Errorf("answer\n got % x\nwant % x", out, want)
	}
	for name, in := range map[string][]byte{
		"announcement": arpRequest(wire.ARPRequest, us, us),
		"reply":        arpRequest(wire.ARPReply, us, peer),
		"truncated":    arpRequest(wire.ARPRequest, us, peer)[:30],
		"short":        {1, 2, 3},
	} {
		if ARPAnswer(in, out) {
			t.Errorf("%s answered", name)
		}
	}
}

// FuzzARPAnswer: any frame, no panic; an answer is always a well-formed
// ARP reply from PeerMAC.
func FuzzARPAnswer(f *testing.F) {
	f.Add(arpRequest(wire.ARPRequest, wire.Addr4{198, 18, 60, 2}, wire.Addr4{198, 18, 60, 1}))
	f.Add(arpRequest(wire.ARPRequest, wire.Addr4{198, 18, 60, 2}, wire.Addr4{198, 18, 60, 2}))
	f.Add([]byte{})
	f.Add(make([]byte, 20))
	f.Fuzz(func(t *testing.T, frame []byte) {
		out := make([]byte, ARPFrameLen)
		if !ARPAnswer(frame, out) {
			return
		}
		a, err := wire.NewARP(out[wire.EthernetHeaderLen:])
		if err != nil || a.Op() != wire.ARPReply || a.SenderMAC() != PeerMAC() || wire.Ethernet(out).Src() != PeerMAC() {
			t.Fatalf("bad answer % x", out)
		}
	})
}
