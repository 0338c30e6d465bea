package ipv6_test

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/wire"
)

// raFrom is ra with mac in its source link-layer address option.
func raFrom(mac wire.MAC, prefix [16]byte) []byte {
	m := ra(1800, prefix, 64, 0xc0, 86400, 14400)
	copy(m[18:24], mac[:])
	return m
}

// probeOf reports whether fr is a unicast neighbour solicitation for
// router sent to mac (an RFC 6059 probe), from a link-local source.
func probeOf(fr []byte, router [16]byte, mac wire.MAC) bool {
	e := wire.Ethernet(fr)
	if e.Dst() != mac || e.Type() != wire.EtherTypeIPv6 {
		return false
	}
	ip := wire.IPv6(fr[wire.EthernetHeaderLen:])
	m := []byte(ip[wire.IPv6HeaderLen:])
	src := netip.AddrFrom16(ip.Src())
	return ip.NextHeader() == wire.IPProtocolICMPv6 && len(m) >= 24 && m[0] == uint8(wire.ICMPv6NeighborSolicit) &&
		ip.Dst() == router && [16]byte(m[8:24]) == router && src.IsLinkLocalUnicast()
}

// TestDetectNetworkAttachment (RFC 6059): after LinkUp the host probes the
// router it knew with unicast solicitations to the router's old link-layer
// address, MAX_UNICAST_SOLICIT of them RetransTimer apart. The router's
// solicited advertisement means the same link: the router, prefix and
// address stay. Another router's advertisement and no answer means
// another link: the old router, on-link prefix and SLAAC address are gone,
// days before their lifetimes, and what the new router advertised stays.
// Silence decides nothing: everything stays.
func TestDetectNetworkAttachment(t *testing.T) {
	oldPrefix := netip.MustParseAddr("2001:db8:5::").As16()
	newPrefix := netip.MustParseAddr("2001:db8:6::").As16()
	newRouter := netip.MustParseAddr("fe80::99").As16()
	newMAC := wire.MAC{0x02, 0, 0, 0, 0, 0x99}
	for _, c := range []struct {
		name      string
		answer    bool // the old router answers the probe
		newRouter bool // another router advertises meanwhile
	}{
		{"same link", true, false},
		{"silence", false, false},
		{"another link with its own router", false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newMLDHost(t)
			h.ip.SetAutoconf(h.ifc, true)
			h.run(t, time.Second)
			h.frames(t)
			h.send(t, wire.MulticastMAC6(allNodes6), pkt(routerLL6, allNodes6, wire.IPProtocolICMPv6, 255, raFrom(peerMAC, oldPrefix)))
			has := func(prefix [16]byte) bool {
				return slices.ContainsFunc(h.ip.AddressInfo(h.ifc), func(a ipv6.AddrInfo) bool {
					b := a.Prefix.Addr().As16()
					return [8]byte(b[:8]) == [8]byte(prefix[:8]) && a.Origin == ipv6.OriginSLAAC
				})
			}
			onlink := func(prefix [16]byte) bool {
				a := prefix
				a[15] = 0x42
				r, ok := h.ip.Routes().Lookup(a)
				return ok && !r.Gateway.IsValid()
			}
			for end := time.Now().Add(5 * time.Second); !has(oldPrefix) || len(h.ip.Routers()) == 0; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(end) {
					t.Fatalf("no router or SLAAC address from the advertisement: %v %v", h.ip.Routers(), h.ip.AddressInfo(h.ifc))
				}
			}
			var ll [16]byte
			for _, a := range h.ip.AddressInfo(h.ifc) {
				if a.Prefix.Addr().IsLinkLocalUnicast() {
					ll = a.Prefix.Addr().As16()
				}
			}

			h.ip.LinkUp(h.ifc)
			if !h.ip.DNAPending(h.ifc) {
				t.Fatal("no detection after LinkUp with a known router")
			}
			probed := false
			for range 12 { // LinkUp's random delay: up to 1 s
				h.step(t)
				for _, fr := range h.frames(t) {
					probed = probed || probeOf(fr, routerLL6, peerMAC)
				}
				if probed {
					break
				}
			}
			if !probed {
				t.Fatal("no unicast solicitation to the old router within 1.2 s of LinkUp")
			}
			if c.answer {
				m := make([]byte, 32)
				m[0], m[4] = uint8(wire.ICMPv6NeighborAdvert), 0xe0 // router, solicited, override
				copy(m[8:24], routerLL6[:])
				m[24], m[25] = 2, 1
				copy(m[26:32], peerMAC[:])
				h.send(t, h.ifc.MAC(), pkt(routerLL6, ll, wire.IPProtocolICMPv6, 255, m))
			}
			if c.newRouter {
				h.send(t, wire.MulticastMAC6(allNodes6), pkt(newRouter, allNodes6, wire.IPProtocolICMPv6, 255, raFrom(newMAC, newPrefix)))
			}
			probes := 1
			for range 160 { // beyond the detection's bound (14 s)
				h.step(t)
				for _, fr := range h.frames(t) {
					if probeOf(fr, routerLL6, peerMAC) {
						probes++
					}
				}
			}
			st := h.ip.Stats()
			routers := h.ip.Routers()
			t.Logf("routers %v, probes %d, stats runs %d probes %d same %d new %d unknown %d", routers, probes, st.DNARuns, st.DNAProbes, st.DNASameLink, st.DNANewLink, st.DNAUnknown)
			if h.ip.DNAPending(h.ifc) {
				t.Fatal("detection still pending 16 s after LinkUp")
			}
			if !c.answer && !c.newRouter {
				if st.DNAUnknown != 1 || st.DNANewLink != 0 || st.DNASameLink != 0 || probes != 3 {
					t.Errorf("silence: %d probes (want 3), stats %+v", probes, st)
				}
				if !slices.Contains(routers, netip.AddrFrom16(routerLL6)) || !has(oldPrefix) || !onlink(oldPrefix) {
					t.Errorf("silence: dropped the router (%v), the address (%v) or the prefix route (%v)", routers, has(oldPrefix), onlink(oldPrefix))
				}
				return
			}
			if c.answer {
				if st.DNASameLink != 1 || st.DNANewLink != 0 || probes != 1 {
					t.Errorf("same link: %d probes, stats %+v", probes, st)
				}
				if !slices.Contains(routers, netip.AddrFrom16(routerLL6)) || !has(oldPrefix) || !onlink(oldPrefix) {
					t.Errorf("same link: lost the router (%v), the address (%v) or the prefix route (%v)", routers, has(oldPrefix), onlink(oldPrefix))
				}
				return
			}
			if st.DNANewLink != 1 || st.DNASameLink != 0 || probes != 3 {
				t.Errorf("another link: %d probes (want 3), stats %+v", probes, st)
			}
			if slices.Contains(routers, netip.AddrFrom16(routerLL6)) || has(oldPrefix) || onlink(oldPrefix) {
				t.Errorf("another link: kept the old router (%v), address (%v) or prefix route (%v)", routers, has(oldPrefix), onlink(oldPrefix))
			}
			if c.newRouter && (!slices.Contains(routers, netip.AddrFrom16(newRouter)) || !has(newPrefix) || !onlink(newPrefix)) {
				t.Errorf("another link: dropped the new link's router (%v), address (%v) or prefix route (%v)", routers, has(newPrefix), onlink(newPrefix))
			}
		})
	}
}
