package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gopkt/gopkt/stack/ipv6"
)

// IPv6 on the station (connect --slaac): the stack carries stack/ipv6 with
// ICMPv6, neighbour discovery, MLDv2 and UDP over IPv6 beside IPv4. The
// interface forms its link-local address; after every association the
// link is new to IPv6 (ipv6.IPv6.LinkUp: addresses through DAD again,
// groups reported, routers solicited, neighbours re-confirmed), and router
// advertisements from the AP side give an RFC 7217 address per autonomous
// prefix and a default route.

// linkUp is connect's answer to an association: the first one turns
// router discovery and SLAAC on, every one tells IPv6 the link is (maybe)
// new.
func (x *ipIface) linkUp() {
	if x.ip6 == nil {
		return
	}
	x.links++
	x.ip6.LinkUp(x.ifc)
	if x.links == 1 {
		x.ip6.SetAutoconf(x.ifc, true)
	}
	x.linked.Store(true)
}

// watch6 reports, as progress lines on out, what the user waits for:
// each address that becomes usable (again, after a reassociation's DAD),
// each address found duplicate, and each new default router. It polls the
// stack every 100 ms until done closes, from the first association on
// (before it the link-local address passes a DAD nobody could answer,
// which LinkUp repeats).
func (x *ipIface) watch6(done <-chan struct{}, out chan<- string) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	usable := map[netip.Prefix]bool{}
	dups := map[netip.Prefix]bool{}
	routers := map[netip.Addr]bool{}
	send := func(l string) bool {
		select {
		case out <- l:
			return true
		case <-done:
			return false
		}
	}
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		if !x.linked.Load() {
			continue
		}
		var lines []string
		now := map[netip.Prefix]bool{}
		for _, a := range x.ip6.AddressInfo(x.ifc) {
			switch a.State {
			case ipv6.AddrPreferred, ipv6.AddrDeprecated:
				now[a.Prefix] = true
				if !usable[a.Prefix] {
					how := a.Origin.String()
					if a.DADCounter > 0 {
						how += fmt.Sprintf(", DAD counter %d", a.DADCounter)
					}
					lines = append(lines, fmt.Sprintf("address %v on %s (%s)", a.Prefix, x.cfg.Name, how))
				}
			case ipv6.AddrDuplicate:
				if !dups[a.Prefix] {
					dups[a.Prefix] = true
					lines = append(lines, fmt.Sprintf("duplicate %v on %s: another node on the link uses it (DAD, RFC 4862 §5.4.5); not used", a.Prefix, x.cfg.Name))
				}
			}
		}
		usable = now
		for _, r := range x.ip6.Routers() {
			if !routers[r] {
				routers[r] = true
				lines = append(lines, fmt.Sprintf("default router %v on %s", r, x.cfg.Name))
			}
		}
		for _, l := range lines {
			if !send(l) {
				return
			}
		}
	}
}

// addr6View is one IPv6 address in `wlan status`.
type addr6View struct {
	Address string `json:"address"`
	State   string `json:"state"`  // tentative, preferred, deprecated, duplicate
	Origin  string `json:"origin"` // link-local, slaac, manual
	// Remaining lifetimes in seconds; -1: forever.
	ValidS     int64 `json:"valid_s"`
	PreferredS int64 `json:"preferred_s"`
	DADCounter int   `json:"dad_counter,omitempty"`
}

// neigh6View is one neighbour cache entry.
type neigh6View struct {
	Address string `json:"address"`
	LLAddr  string `json:"lladdr"`
	State   string `json:"state"`
	Router  bool   `json:"router,omitempty"`
}

// stack6View counts IPv6 input, ICMPv6 echoes and neighbour discovery,
// drops by reason.
type stack6View struct {
	In, InDelivers, InHdrErrors, InAddrErrors, InNotJoined, InDiscards uint64
	OutRequests, OutNoRoutes, OutNoBuffers                             uint64
	ICMPInEchos, ICMPOutEchoReplies, ICMPInEchoReplies, ICMPInErrors   uint64
	NDInSolicits, NDInAdverts, NDInRouterAdverts, NDRAProcessed        uint64
	NDOutSolicits, NDOutAdverts, NDOutRouterSolicits                   uint64
	NDBadHopLimit, NDBadOptions, NDInvalid, NDDupAddr                  uint64
	NDResolveFailed, NDQueueDrops, NDDADFailed, SLAACAddrs             uint64
	MLDOutReports                                                      uint64
}

func seconds(d time.Duration) int64 {
	if d == ipv6.Forever {
		return -1
	}
	return int64(d / time.Second)
}

// ipv6Status fills the IPv6 part of `wlan status`.
func (x *ipIface) ipv6Status(v *statusView) {
	if x.ip6 == nil {
		return
	}
	for _, a := range x.ip6.AddressInfo(x.ifc) {
		v.IPv6 = append(v.IPv6, addr6View{Address: a.Prefix.String(), State: a.State.String(), Origin: a.Origin.String(),
			ValidS: seconds(a.Valid), PreferredS: seconds(a.Preferred), DADCounter: a.DADCounter})
	}
	for _, r := range x.ip6.Routers() {
		v.Routers6 = append(v.Routers6, r.String())
	}
	for _, n := range x.ip6.Neighbours() {
		if n.IfIndex == x.ifc.Index() {
			v.Neighbours6 = append(v.Neighbours6, neigh6View{Address: n.Addr.String(), LLAddr: n.MAC.String(), State: n.State.String(), Router: n.Router})
		}
	}
	s := x.ip6.Stats()
	v.Drops.Stack6 = &stack6View{In: s.InReceives, InDelivers: s.InDelivers, InHdrErrors: s.InHdrErrors, InAddrErrors: s.InAddrErrors,
		InNotJoined: s.InNotJoined, InDiscards: s.InDiscards, OutRequests: s.OutRequests, OutNoRoutes: s.OutNoRoutes, OutNoBuffers: s.OutNoBuffers,
		ICMPInEchos: s.ICMPInEchos, ICMPOutEchoReplies: s.ICMPOutEchoReplies, ICMPInEchoReplies: s.ICMPInEchoReplies, ICMPInErrors: s.ICMPInErrors,
		NDInSolicits: s.NDInSolicits, NDInAdverts: s.NDInAdverts, NDInRouterAdverts: s.NDInRouterAdverts, NDRAProcessed: s.NDRAProcessed,
		NDOutSolicits: s.NDOutSolicits, NDOutAdverts: s.NDOutAdverts, NDOutRouterSolicits: s.NDOutRouterSolicits,
		NDBadHopLimit: s.NDBadHopLimit, NDBadOptions: s.NDBadOptions, NDInvalid: s.NDInvalid, NDDupAddr: s.NDDupAddr,
		NDResolveFailed: s.NDResolveFailed, NDQueueDrops: s.NDQueueDrops, NDDADFailed: s.NDDADFailed, SLAACAddrs: s.SLAACAddrs,
		MLDOutReports: s.MLDOutReports}
}

// printIPv6 is the IPv6 part of the status table.
func printIPv6(w func(format string, a ...any), v statusView) {
	if len(v.IPv6) == 0 && len(v.Routers6) == 0 {
		return
	}
	life := func(s int64) string {
		if s < 0 {
			return "forever"
		}
		return fmt.Sprintf("%ds", s)
	}
	for i, a := range v.IPv6 {
		label := "ipv6:"
		if i > 0 {
			label = ""
		}
		extra := a.Origin
		if a.Origin == "slaac" && a.State != "duplicate" {
			extra += ", valid " + life(a.ValidS) + ", preferred " + life(a.PreferredS)
		}
		if a.DADCounter > 0 {
			extra += fmt.Sprintf(", DAD counter %d", a.DADCounter)
		}
		w("%s\t%s %s %s (%s)\n", label, v.Interface, a.Address, a.State, extra)
	}
	routers := "none"
	if len(v.Routers6) > 0 {
		routers = strings.Join(v.Routers6, " ")
	}
	w("router6:\t%s\n", routers)
	var ns []string
	for _, n := range v.Neighbours6 {
		r := ""
		if n.Router {
			r = " router"
		}
		ns = append(ns, fmt.Sprintf("%s lladdr %s%s %s", n.Address, n.LLAddr, r, n.State))
	}
	if len(ns) > 0 {
		w("neigh6:\t%s\n", strings.Join(ns, "; "))
	}
}

// printStack6 prints the IPv6 counters of the drops section.
func printStack6(w func(format string, a ...any), k *stack6View) {
	if k == nil {
		return
	}
	w("stack6:\tip6 in %d, delivered %d, header errors %d, address errors %d, groups not joined %d, discards %d; out %d, no route %d, no buffers %d\n",
		k.In, k.InDelivers, k.InHdrErrors, k.InAddrErrors, k.InNotJoined, k.InDiscards, k.OutRequests, k.OutNoRoutes, k.OutNoBuffers)
	w("\ticmp6 echo requests in %d, replies out %d, replies in %d, errors in %d; nd in solicits %d, adverts %d, router adverts %d (used %d); out solicits %d, adverts %d, router solicits %d\n",
		k.ICMPInEchos, k.ICMPOutEchoReplies, k.ICMPInEchoReplies, k.ICMPInErrors, k.NDInSolicits, k.NDInAdverts, k.NDInRouterAdverts, k.NDRAProcessed,
		k.NDOutSolicits, k.NDOutAdverts, k.NDOutRouterSolicits)
	w("\tnd bad hop limit %d, bad options %d, invalid %d, our addresses claimed %d, unresolved %d, queue drops %d; dad failed %d; slaac addresses %d; mld reports %d\n",
		k.NDBadHopLimit, k.NDBadOptions, k.NDInvalid, k.NDDupAddr, k.NDResolveFailed, k.NDQueueDrops, k.NDDADFailed, k.SLAACAddrs, k.MLDOutReports)
}

// loadSecret reads the RFC 7217 secret_key from path, or makes one (256
// random bits) and keeps it there: §5 wants it stable, so that the
// station's address on a prefix is the same every time it connects.
func loadSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	switch {
	case err == nil && len(b) >= 16:
		return b, nil
	case err == nil:
		return nil, fmt.Errorf("--stable-secret %s: %d bytes; RFC 7217 §5 wants at least 128 bits (delete the file to make a new one)", path, len(b))
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("--stable-secret: %w", err)
	}
	b = make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("--stable-secret: %w (pick a writable path)", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("--stable-secret: %w (pick a writable path)", err)
	}
	return b, nil
}

// parsePingAddr is `wlan ping`'s destination: IPv4, or IPv6 with a zone
// for a link-local address (fe80::1%wlan0; the zone defaults to the
// station's interface on the connect side).
func parsePingAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Is4In6() || (a.Zone() != "" && !a.IsLinkLocalUnicast()) || a.IsMulticast() || a.IsUnspecified() {
		return netip.Addr{}, fmt.Errorf("%q is not a unicast IPv4 or IPv6 address (a zone only on link-local ones, like fe80::1%%wlan0)", s)
	}
	return a, nil
}

// pingDst checks a ping request's destination on the connect side.
func (x *ipIface) pingDst(s string) (netip.Addr, error) {
	a, err := parsePingAddr(s)
	if err != nil {
		return a, err
	}
	switch {
	case a.Is4() && !x.cfg.hasIPv4():
		return a, errors.New("wlan connect runs without IPv4: start it with --addr or --dhcp")
	case a.Is6() && x.ip6 == nil:
		return a, errors.New("wlan connect runs without IPv6: start it with --slaac")
	case a.IsLinkLocalUnicast() && a.Zone() == "":
		a = a.WithZone(x.cfg.Name)
	case a.Zone() != "" && a.Zone() != x.cfg.Name:
		return a, fmt.Errorf("zone %q: the station's interface is %s", a.Zone(), x.cfg.Name)
	}
	return a, nil
}
