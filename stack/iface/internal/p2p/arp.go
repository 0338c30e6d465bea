package p2p

import "github.com/gopkt/gopkt/stack/wire"

// PeerMAC is the link address a point-to-point port gives the far end: the
// source of every frame it hands up and the answer to every ARP request
// (locally administered, IEEE 802 clause 9.2).
func PeerMAC() wire.MAC { return wire.MAC{0x02, 0x00, 0x5e, 0x00, 0x70, 0x70} }

// ARPFrameLen is the length of an ARP answer frame.
const ARPFrameLen = wire.EthernetHeaderLen + wire.ARPLen

// ARPAnswer writes into out (at least ARPFrameLen bytes) the frame that
// answers frame, the stack's ARP request: a reply from PeerMAC for the
// asked address (RFC 826 reply fields; RFC 1027's proxy answer with the
// port as the proxy). It reports false — nothing to answer — for a
// malformed frame, a reply, or an announcement (RFC 5227 §2.3: sender and
// target address equal).
func ARPAnswer(frame, out []byte) bool {
	e, err := wire.NewEthernet(frame)
	if err != nil || e.Type() != wire.EtherTypeARP {
		return false
	}
	req, err := wire.NewARP(e.Payload())
	if err != nil || req.Op() != wire.ARPRequest || req.SenderIP() == req.TargetIP() || len(out) < ARPFrameLen {
		return false
	}
	r := wire.Ethernet(out)
	r.SetDst(e.Src())
	r.SetSrc(PeerMAC())
	r.SetType(wire.EtherTypeARP)
	f := wire.ARPFields{Op: wire.ARPReply, SenderMAC: PeerMAC(), SenderIP: req.TargetIP(), TargetMAC: req.SenderMAC(), TargetIP: req.SenderIP()}
	_, err = f.Encode(r.Payload())
	return err == nil
}
