package pfil

import (
	"net/netip"
	"sync/atomic"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/wire"
)

// Rule matches IPv4 packets. Zero fields match anything: an invalid Prefix
// matches every address, Proto 0 every protocol, Port 0 every port. Port is
// the destination port and only matches UDP and TCP first fragments.
type Rule struct {
	Src, Dst netip.Prefix
	Proto    wire.IPProtocol
	Port     uint16
}

func (r *Rule) match(h wire.IPv4) bool {
	if r.Src.IsValid() && !r.Src.Contains(h.SrcAddr()) {
		return false
	}
	if r.Dst.IsValid() && !r.Dst.Contains(h.DstAddr()) {
		return false
	}
	if r.Proto != 0 && r.Proto != h.Protocol() {
		return false
	}
	if r.Port != 0 {
		p := h.Protocol()
		if p != wire.IPProtocolUDP && p != wire.IPProtocolTCP || h.FragmentOffset() != 0 {
			return false
		}
		l4 := h.Payload()
		if len(l4) < 4 || uint16(l4[2])<<8|uint16(l4[3]) != r.Port {
			return false
		}
	}
	return true
}

// AddrFilter is the example filter: it drops IPv4 packets that match any of
// its rules and passes the rest. Install its Hook on an IPv4 hook point.
type AddrFilter struct {
	rules   []Rule
	dropped atomic.Uint64
}

// NewAddrFilter returns a filter dropping packets that match any rule.
func NewAddrFilter(rules ...Rule) *AddrFilter { return &AddrFilter{rules: rules} }

// Dropped is the number of packets the filter dropped.
func (f *AddrFilter) Dropped() uint64 { return f.dropped.Load() }

// Hook is the pfil hook; b starts at the IPv4 header.
func (f *AddrFilter) Hook(_ Dir, _ int, b *mbuf.Buf) Verdict {
	h, err := wire.NewIPv4(b.Bytes())
	if err != nil {
		return Pass // malformed packets are the IP layer's to count
	}
	for i := range f.rules {
		if f.rules[i].match(h) {
			f.dropped.Add(1)
			return Drop
		}
	}
	return Pass
}
