package tun

import (
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/wire"
)

// arpQueueMax bounds the answers waiting for RxBurst.
const arpQueueMax = 16

// arpFrameLen is the length of an ARP answer frame.
const arpFrameLen = wire.EthernetHeaderLen + wire.ARPLen

// arpAnswer writes into out (at least arpFrameLen bytes) the frame that
// answers frame, the stack's ARP request: a reply from PeerMAC for the
// asked address (RFC 826 reply fields; RFC 1027's proxy answer with the
// port as the proxy). It reports false — nothing to answer — for a
// malformed frame, a reply, or an announcement (RFC 5227 §2.3: sender and
// target address equal).
func arpAnswer(frame, out []byte) bool {
	e, err := wire.NewEthernet(frame)
	if err != nil || e.Type() != wire.EtherTypeARP {
		return false
	}
	req, err := wire.NewARP(e.Payload())
	if err != nil || req.Op() != wire.ARPRequest || req.SenderIP() == req.TargetIP() || len(out) < arpFrameLen {
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

// answerARP queues the answer to b (a whole frame) for RxBurst; a frame
// with no answer, or no buffer or queue room for it, is counted as
// dropped.
func (p *Port) answerARP(b *mbuf.Buf) {
	r, err := p.pool.Get()
	if err != nil {
		p.txDropped.Add(1)
		return
	}
	d, _ := r.Append(arpFrameLen)
	if !arpAnswer(b.Bytes(), d) {
		r.Free()
		p.txDropped.Add(1)
		return
	}
	p.arpMu.Lock()
	if len(p.arpQ) >= arpQueueMax {
		p.arpMu.Unlock()
		r.Free()
		p.txDropped.Add(1)
		return
	}
	p.arpQ = append(p.arpQ, r)
	p.arpLen.Store(int32(len(p.arpQ)))
	p.arpMu.Unlock()
}
