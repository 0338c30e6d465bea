package ipv4

import (
	"net/netip"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/wire"
)

// arpHandler is the EtherType 0x0806 entry: ARP belongs to IPv4.
type arpHandler struct{ ip *IPv4 }

func (h arpHandler) HandleEther(ifc *stack.Interface, b *mbuf.Buf) { h.ip.arpInput(ifc, b) }

// arpInput implements the RFC 826 reception algorithm ("Packet Reception"):
// merge the sender into an existing entry, then, if we are the target, add
// it and answer a request. b starts at the ARP header.
func (ip *IPv4) arpInput(ifc *stack.Interface, b *mbuf.Buf) {
	st := &ip.st
	a, err := wire.NewARP(b.Bytes())
	if err != nil || ifc.Flags()&stack.FlagNoARP != 0 {
		st.arpInErrors.Add(1)
		b.Free()
		return
	}
	op, sha, spa, tpa := a.Op(), a.SenderMAC(), a.SenderIP(), a.TargetIP()
	switch op {
	case wire.ARPRequest:
		st.arpInRequests.Add(1)
	case wire.ARPReply:
		st.arpInReplies.Add(1)
	default:
		st.arpInErrors.Add(1)
		b.Free()
		return
	}
	if sha == ifc.MAC() || sha.IsMulticast() {
		b.Free() // our own frame looped back, or a bogus sender
		return
	}
	ip.observeProbes(ifc, spa, tpa, sha) // RFC 5227 §2.1.1 (acd.go)
	if ifc.HasAddress(spa) {
		// Someone else claims our address: RFC 5227 §2.4 (acd.go).
		b.Free()
		ip.conflict(ifc, spa, sha)
		return
	}
	probe := spa == wire.Addr4{} // RFC 5227 §2.1.1 probe: no cache update
	merged := !probe && ip.neigh.update(ifc, spa, sha, false)
	if !ifc.HasAddress(tpa) {
		b.Free()
		return
	}
	// RFC 826 adds the sender when we are the target. We add it only for a
	// request from an address on one of the interface's subnets (we are
	// about to answer it, and will likely talk to it): a reply nobody asked
	// for, or a sender off-link, is not learned, so forged senders cannot
	// fill the cache with entries we never asked for. Entries we asked for
	// exist already (INCOMPLETE) and were merged above.
	if !probe && !merged {
		if op == wire.ARPRequest && onLink(ifc, spa) {
			ip.neigh.update(ifc, spa, sha, true)
		} else {
			st.arpInRefused.Add(1)
		}
	}
	if op != wire.ARPRequest {
		b.Free()
		return
	}
	// Answer in place: swap sender and target, fill in our hardware
	// address, set the opcode to reply (RFC 826).
	if !b.Writable() {
		b.Free()
		ip.sendARP(ifc, wire.ARPReply, tpa, sha, spa, sha)
		return
	}
	_ = b.Trim(b.Len() - wire.ARPLen)
	f := wire.ARPFields{Op: wire.ARPReply, SenderMAC: ifc.MAC(), SenderIP: tpa, TargetMAC: sha, TargetIP: spa}
	if _, err := f.Encode(b.Bytes()); err != nil {
		b.Free()
		return
	}
	st.arpOutReplies.Add(1)
	ifc.Output(b, sha, wire.EtherTypeARP)
}

// onLink reports whether a is on one of ifc's subnets.
func onLink(ifc *stack.Interface, a wire.Addr4) bool {
	na := netip.AddrFrom4(a)
	for _, p := range ifc.Addresses() {
		if p.Contains(na) {
			return true
		}
	}
	return false
}

// request broadcasts "who has nh" from the interface's address on nh's
// subnet.
func (ip *IPv4) request(ifc *stack.Interface, nh wire.Addr4) {
	src, ok := SourceFor(ifc, nh)
	if !ok {
		return
	}
	ip.sendARP(ifc, wire.ARPRequest, src, wire.MAC{}, nh, wire.BroadcastMAC())
}

// sendARP builds and sends one ARP packet.
func (ip *IPv4) sendARP(ifc *stack.Interface, op wire.ARPOp, spa wire.Addr4, tha wire.MAC, tpa wire.Addr4, dst wire.MAC) {
	b, err := ip.pool.Get()
	if err != nil {
		ip.st.outNoBuffers.Add(1)
		return
	}
	d, _ := b.Append(wire.ARPLen)
	f := wire.ARPFields{Op: op, SenderMAC: ifc.MAC(), SenderIP: spa, TargetMAC: tha, TargetIP: tpa}
	if _, err := f.Encode(d); err != nil {
		b.Free()
		return
	}
	if op == wire.ARPRequest {
		ip.st.arpOutRequests.Add(1)
	} else {
		ip.st.arpOutReplies.Add(1)
	}
	ifc.Output(b, dst, wire.EtherTypeARP)
}
