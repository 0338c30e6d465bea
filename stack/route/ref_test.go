package route

import (
	"math/rand/v2"
	"net/netip"
)

// refTable is the obvious longest-prefix match: a scan of every route,
// the longest prefix, then the lowest metric, then the first added.
type refTable struct{ rs []Route }

func (t *refTable) add(r Route) bool {
	r.Prefix = r.Prefix.Masked()
	for _, o := range t.rs {
		if same(&o, &r) {
			return false
		}
	}
	t.rs = append(t.rs, r)
	return true
}

func (t *refTable) del(r Route) bool {
	r.Prefix = r.Prefix.Masked()
	for i := range t.rs {
		if same(&t.rs[i], &r) {
			t.rs = append(t.rs[:i], t.rs[i+1:]...)
			return true
		}
	}
	return false
}

func (t *refTable) lookup(a netip.Addr) (Route, bool) {
	best := -1
	for i, r := range t.rs {
		if !r.Prefix.Contains(a) {
			continue
		}
		if best < 0 || r.Prefix.Bits() > t.rs[best].Prefix.Bits() ||
			r.Prefix.Bits() == t.rs[best].Prefix.Bits() && r.Metric < t.rs[best].Metric {
			best = i
		}
	}
	if best < 0 {
		return Route{}, false
	}
	return t.rs[best], true
}

// randPrefix4 returns a random IPv4 prefix of length lo..hi.
func randPrefix4(rng *rand.Rand, lo, hi int) netip.Prefix {
	var a [4]byte
	v := rng.Uint32()
	a[0], a[1], a[2], a[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	return netip.PrefixFrom(netip.AddrFrom4(a), lo+rng.IntN(hi-lo+1)).Masked()
}

// bgpLen draws a prefix length with the shape of a full IPv4 BGP table
// (about 60 % /24, 10 % /23, 10 % /22, the rest spread over /8 to /21;
// RIPE RIS and CIDR report figures, rounded).
func bgpLen(rng *rand.Rand) int {
	switch x := rng.IntN(1000); {
	case x < 600:
		return 24
	case x < 700:
		return 23
	case x < 800:
		return 22
	case x < 860:
		return 21
	case x < 910:
		return 20
	case x < 940:
		return 19
	case x < 965:
		return 18
	case x < 980:
		return 17
	case x < 995:
		return 16
	default:
		return 8 + rng.IntN(8)
	}
}

// randRoutes returns n distinct routes: random prefixes of length lo..hi
// (or BGP-shaped with bgp), random gateways, interfaces 1..4.
func randRoutes(rng *rand.Rand, n, lo, hi int, bgp bool) []Route {
	seen := make(map[netip.Prefix]bool, n)
	rs := make([]Route, 0, n)
	for len(rs) < n {
		var p netip.Prefix
		if bgp {
			l := bgpLen(rng)
			p = randPrefix4(rng, l, l)
		} else {
			p = randPrefix4(rng, lo, hi)
		}
		if seen[p] {
			continue
		}
		seen[p] = true
		v := rng.Uint32()
		gw := netip.AddrFrom4([4]byte{10, byte(v >> 16), byte(v >> 8), byte(v)})
		rs = append(rs, Route{Prefix: p, Gateway: gw, IfIndex: 1 + rng.IntN(4), Metric: rng.IntN(3)})
	}
	return rs
}
