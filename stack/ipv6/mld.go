package ipv6

import (
	"encoding/binary"
	"slices"

	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/wire"
)

// MLDv2 (RFC 3810): the node reports the groups it joins so that
// snooping switches and multicast routers deliver them (the solicited-node
// groups neighbour discovery needs). Reports go to ff02::16 with hop limit
// 1 and a Router Alert option (§5.2.13, RFC 2711), from the link-local
// address, or from the unspecified address while that is tentative.
// Joining or leaving sends a state-change report (CHANGE_TO_EXCLUDE or
// CHANGE_TO_INCLUDE with no sources, §6.1); a query is answered with the
// current state of the groups it asks about (MODE_IS_EXCLUDE, §6.2) at
// once rather than after a random delay. All-nodes is never reported (§6).
const (
	mldRecIsExclude = 2
	mldRecToInclude = 3
	mldRecToExclude = 4
	mldRecordLen    = 20
)

var mldv2Routers = [16]byte{0: 0xff, 1: 0x02, 15: 0x16}

// reportable reports whether group g is announced by MLD.
func reportable(g [16]byte) bool {
	return g != allNodes && g[1]&0x0f > 1 // not all-nodes, not interface- or reserved-scope
}

// mldSend sends one report with a record of kind typ for each group.
func (ip *IPv6) mldSend(ifc *stack.Interface, typ uint8, groups [][16]byte) {
	groups = slices.DeleteFunc(slices.Clone(groups), func(g [16]byte) bool { return !reportable(g) })
	if len(groups) == 0 || ifc.Flags()&stack.FlagLoopback != 0 {
		return
	}
	var src [16]byte
	if st := ip.ifState(ifc.Index()); st != nil {
		for _, p := range st.addresses() {
			if a := p.Addr(); a.IsLinkLocalUnicast() {
				src = a.As16()
				break
			}
		}
	}
	for len(groups) > 0 {
		n := min(len(groups), (MinMTU-wire.IPv6HeaderLen-8-8)/mldRecordLen)
		ip.mldPacket(ifc, src, typ, groups[:n])
		groups = groups[n:]
	}
}

func (ip *IPv6) mldPacket(ifc *stack.Interface, src [16]byte, typ uint8, groups [][16]byte) {
	b, err := ip.pool.Get()
	if err != nil {
		ip.st.outNoBuffers.Add(1)
		return
	}
	n := 8 + len(groups)*mldRecordLen
	m, _ := b.Append(n)
	clear(m)
	m[0] = uint8(wire.ICMPv6MLDv2Report)
	binary.BigEndian.PutUint16(m[6:8], uint16(len(groups)))
	for i, g := range groups {
		r := m[8+i*mldRecordLen:]
		r[0] = typ
		copy(r[4:20], g[:])
	}
	wire.ICMPv6(m).SetChecksum(checksum(b, src, mldv2Routers))
	// Hop-by-hop options: Router Alert, value 0 (MLD), then PadN.
	h, err := b.Push(wire.IPv6HeaderLen + 8)
	if err != nil {
		b.Free()
		return
	}
	hbh := h[wire.IPv6HeaderLen:]
	copy(hbh, []byte{uint8(wire.IPProtocolICMPv6), 0, 5, 2, 0, 0, 1, 0})
	f := wire.IPv6Fields{PayloadLen: uint16(8 + n), NextHeader: wire.IPv6HopByHop, HopLimit: 1, Src: src, Dst: mldv2Routers}
	_, _ = f.Encode(h)
	ip.st.outRequests.Add(1)
	ip.st.icmpOutMsgs.Add(1)
	ip.st.mldOutReports.Add(1)
	ifc.Output(b, wire.MulticastMAC6(mldv2Routers), wire.EtherTypeIPv6)
}

// mldQuery answers a query (RFC 3810 §5.1): a general one (multicast
// address ::) with every reportable group, a specific one with its group
// when joined.
func (ip *IPv6) mldQuery(ifc *stack.Interface, msg wire.ICMPv6) {
	if len(msg) < 24 {
		ip.st.ndInvalid.Add(1)
		return
	}
	st := ip.ifState(ifc.Index())
	if st == nil || st.groups.Load() == nil {
		return
	}
	q := [16]byte(msg[8:24])
	var groups [][16]byte
	for _, g := range *st.groups.Load() {
		if q == ([16]byte{}) || q == g {
			groups = append(groups, g)
		}
	}
	ip.mldSend(ifc, mldRecIsExclude, groups)
}
