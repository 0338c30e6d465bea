package main

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"strings"
)

// --routes FILE: a routing table in the text `ip route` and `ip -6 route`
// print (iproute2's ip-route(8) syntax), so that a table dumped from a
// Linux router, or written by hand, loads in one step. Each line is
//
//	PREFIX|ADDR|default [via GATEWAY] [dev IFACE] [KEY VALUE | FLAG]...
//
// with at least one of via and dev. An address without a length is a host
// route. The attributes the stack has no use for are accepted and ignored:
// proto, scope, src, metric, table, pref, expires, mtu, onlink and
// linkdown. A route type word (unicast is the default; local, broadcast,
// blackhole, unreachable and the rest) is refused, as is any other
// keyword, with the line number. Blank lines and # comments are skipped.
// The daemon adds each family's routes in one batch (route.Table.AddBatch),
// so a 100 000-line file loads in a fraction of a second.

// routeIgnoredKeys take a value; routeIgnoredFlags do not.
var (
	routeIgnoredKeys  = map[string]bool{"proto": true, "scope": true, "src": true, "metric": true, "table": true, "pref": true, "expires": true, "mtu": true, "advmss": true, "hoplimit": true, "realm": true, "realms": true}
	routeIgnoredFlags = map[string]bool{"onlink": true, "linkdown": true, "dead": true, "pervasive": true, "offload": true, "trap": true, "rt_offload": true}
)

// addRoutesFile reads FILE's routes into c.Routes.
func (c *config) addRoutesFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return usagef("--routes %s: %v", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		r, dst, err := parseRouteLine(fields)
		if err != nil {
			return usagef("--routes %s:%d: %q: %v", path, n, strings.TrimSpace(line), err)
		}
		r.Arg = fmt.Sprintf("%s:%d", path, n)
		if dst != "default" && dst != "default6" && !strings.Contains(dst, "/") {
			a, err := parseAddrAny(dst)
			if err != nil {
				return usagef("--routes %s:%d: destination %v", path, n, err)
			}
			dst = netip.PrefixFrom(a, a.BitLen()).String()
		}
		if err := c.checkRoute("--routes", dst, r); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return usagef("--routes %s: %v", path, err)
	}
	return nil
}

// parseRouteLine reads one route's words. dst is the destination as
// checkRoute takes it ("default" of an IPv6 route becomes "default6").
func parseRouteLine(w []string) (r routeArg, dst string, err error) {
	dst = w[0]
	switch dst {
	case "unicast":
		if len(w) < 2 {
			return r, "", fmt.Errorf("no destination after unicast")
		}
		w = w[1:]
		dst = w[0]
	case "local", "broadcast", "multicast", "blackhole", "unreachable", "prohibit", "throw", "nat", "anycast":
		return r, "", fmt.Errorf("%s routes are not supported (only unicast routes: PREFIX via GATEWAY or PREFIX dev IFACE)", dst)
	}
	for i := 1; i < len(w); i++ {
		k := w[i]
		switch {
		case routeIgnoredFlags[k]:
			continue
		case k != "via" && k != "dev" && !routeIgnoredKeys[k]:
			return r, "", fmt.Errorf("unknown word %q (want via GATEWAY, dev IFACE, or one of ip route's attributes)", k)
		case i+1 == len(w):
			return r, "", fmt.Errorf("%s needs a value", k)
		}
		v := w[i+1]
		i++
		switch k {
		case "via":
			if v == "inet" || v == "inet6" { // ip route's "via inet6 ADDR" form
				if i+1 == len(w) {
					return r, "", fmt.Errorf("via %s needs an address", v)
				}
				i++
				v = w[i]
			}
			if r.Gateway, err = parseAddrAny(v); err != nil {
				return r, "", fmt.Errorf("gateway: %v", err)
			}
		case "dev":
			r.Iface = v
		}
	}
	if !r.Gateway.IsValid() && r.Iface == "" {
		return r, "", fmt.Errorf("want via GATEWAY or dev IFACE")
	}
	if dst == "default" && r.Gateway.Is6() {
		dst = "default6"
	}
	return r, dst, nil
}
