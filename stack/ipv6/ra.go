package ipv6

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"net/netip"
	"slices"
	"time"

	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/wire"
)

// Router and prefix discovery (RFC 4861 §6.3) and stateless address
// autoconfiguration (RFC 4862 §5.5) on the interfaces where SetAutoconf
// turned them on: router advertisements from link-local routers set a
// default route per router (with its lifetime), on-link prefixes become
// connected routes, and autonomous /64 prefixes give an address whose
// interface identifier is the stable, opaque one of RFC 7217 — so it
// neither reveals the MAC nor changes between runs with the same
// Options.StableSecret. Each address goes through DAD; a duplicate makes
// the next identifier (DAD_Counter + 1, at most IDGEN_RETRIES = 3 times,
// RFC 7217 §6). Lifetimes are kept with the RFC 4862 §5.5.3 (e) two-hour
// rule; an address whose preferred lifetime ended is deprecated (§5.5.4:
// kept for what uses it, avoided as the source of anything new, RFC 6724
// rule 3; addrinfo.go) until its valid lifetime ends.

const (
	maxRtrSolicits       = 3               // MAX_RTR_SOLICITATIONS (RFC 4861 §10)
	rtrSolicitInterval   = 4 * time.Second // RTR_SOLICITATION_INTERVAL
	idgenRetries         = 3               // RFC 7217 §6
	twoHours             = 2 * time.Hour
	raOptPrefix          = 3
	raOptMTU             = 5
	prefixFlagOnLink     = 0x80
	prefixFlagAutonomous = 0x40
	infiniteLifetime     = 0xffffffff
	defaultRouterMetric  = 1024 // Linux's metric for RA default routes
)

type routerKey struct {
	ifindex int
	addr    [16]byte
}

type prefixKey struct {
	ifindex int
	prefix  netip.Prefix
}

// autoconf is the per-stack state of router discovery and SLAAC, under
// IPv6.mu.
type autoconf struct {
	on      map[int]*rsState // interfaces with autoconfiguration on
	routers map[routerKey]time.Time
	onlink  map[prefixKey]time.Time
	addrs   map[prefixKey]*slaacAddr
	dna     map[int]*dnaRun // detecting network attachment after LinkUp (dna.go)
	secret  []byte
}

type rsState struct {
	sent int
	due  time.Time
	// force: solicit even while a default router is known, until an
	// advertisement with a router lifetime answers a solicitation: the
	// first one always goes out (as Linux's does), so that an unsolicited
	// advertisement heard during DAD does not leave the host without a
	// fresh answer; after LinkUp the known routers may be on the link we
	// left.
	force bool
}

type slaacAddr struct {
	p        netip.Prefix // the address with its /64
	counter  int          // RFC 7217 DAD_Counter
	expires  time.Time
	infinite bool
	// The preferred lifetime's end (RFC 4862 §5.5.3 (e): reset by every
	// advertisement of the prefix); after it the address is deprecated.
	preferred    time.Time
	prefInfinite bool
}

// SetAutoconf turns router discovery and SLAAC on or off for ifc. On, the
// interface sends router solicitations (up to 3, 4 s apart, RFC 4861
// §6.3.7; the first once its link-local address has passed DAD) and acts
// on advertisements.
func (ip *IPv6) SetAutoconf(ifc *stack.Interface, on bool) {
	ip.mu.Lock()
	ac := &ip.ac
	if ac.on == nil {
		ac.on = map[int]*rsState{}
		ac.routers = map[routerKey]time.Time{}
		ac.onlink = map[prefixKey]time.Time{}
		ac.addrs = map[prefixKey]*slaacAddr{}
	}
	if on {
		ac.on[ifc.Index()] = &rsState{force: true}
	} else {
		delete(ac.on, ifc.Index())
	}
	ip.mu.Unlock()
	if on {
		ip.autoconfTick(ip.o.Clock.Now())
	}
}

// stableIID is the RFC 7217 §5 interface identifier: the first 64 bits
// of HMAC-SHA-256 keyed with the secret over the prefix, the interface
// name and the DAD counter (Network_ID is not used). Identifiers RFC 5453
// reserves are skipped by the caller.
func (ac *autoconf) stableIID(prefix netip.Prefix, ifname string, counter int) [8]byte {
	h := hmac.New(sha256.New, ac.secret)
	a := prefix.Addr().As16()
	h.Write(a[:8])
	h.Write([]byte(ifname))
	var c [4]byte
	binary.BigEndian.PutUint32(c[:], uint32(counter))
	h.Write(c[:])
	return [8]byte(h.Sum(nil)[:8])
}

// reservedIID reports identifiers RFC 5453 reserves: all zeros (the
// subnet-router anycast) and fdff:ffff:ffff:ff80 to ...ffff.
func reservedIID(id [8]byte) bool {
	if id == [8]byte{} {
		return true
	}
	return id[0] == 0xfd && id[1] == 0xff && id[2] == 0xff && id[3] == 0xff && id[4] == 0xff && id[5] == 0xff && id[6] == 0xff && id[7] >= 0x80
}

// slaacAddress forms the address for prefix on ifc with DAD counter c.
func (ip *IPv6) slaacAddress(prefix netip.Prefix, ifname string, c int) netip.Prefix {
	id := ip.ac.stableIID(prefix, ifname, c)
	for reservedIID(id) {
		c++
		id = ip.ac.stableIID(prefix, ifname, c)
	}
	a := prefix.Addr().As16()
	copy(a[8:], id[:])
	return netip.PrefixFrom(netip.AddrFrom16(a), 64)
}

// routerAdvert processes a validated advertisement (RFC 4861 §6.3.4) from
// the link-local router src on ifc; msg is the whole ICMPv6 message.
func (ip *IPv6) routerAdvert(ifc *stack.Interface, src [16]byte, msg []byte) {
	st := &ip.st
	if len(msg) < 16 {
		st.ndInvalid.Add(1)
		return
	}
	// Options: every one must have a length (§4.6); collect what we use.
	var sll *wire.MAC
	var prefixes [][]byte
	var mtu uint32
	for opts := msg[16:]; len(opts) > 0; {
		if len(opts) < 2 || opts[1] == 0 || int(opts[1])*8 > len(opts) {
			st.ndBadOptions.Add(1)
			return
		}
		n := int(opts[1]) * 8
		switch opts[0] {
		case ndOptSrcLL:
			m := wire.MAC(opts[2:8])
			sll = &m
		case raOptPrefix:
			if n == 32 {
				prefixes = append(prefixes, opts[:32])
			}
		case raOptMTU: // §4.6.4: 2 reserved bytes, then the MTU
			if n == 8 {
				mtu = binary.BigEndian.Uint32(opts[4:8])
			}
		}
		opts = opts[n:]
	}
	ip.mu.Lock()
	on := ip.ac.on[ifc.Index()] != nil
	if on {
		ip.dnaSeenLocked(ifc.Index(), &src, sll, nil) // RFC 6059: an old router answering, or a new one
	}
	ip.mu.Unlock()
	if sll != nil {
		ip.neigh.learn(ifc.Index(), src, *sll, true)
	}
	if !on {
		return
	}
	st.ndRAProcessed.Add(1)
	now := ip.o.Clock.Now()
	ip.raParams(ifc, msg, mtu, now)
	lifetime := time.Duration(binary.BigEndian.Uint16(msg[6:8])) * time.Second
	ip.defaultRouter(ifc, src, lifetime, now)
	for _, o := range prefixes {
		ip.prefixInfo(ifc, o, now)
	}
}

// defaultRouter keeps the router's default route for lifetime (0 removes
// it, §6.3.4).
func (ip *IPv6) defaultRouter(ifc *stack.Interface, src [16]byte, lifetime time.Duration, now time.Time) {
	k := routerKey{ifc.Index(), src}
	r := route.Route{Prefix: netip.PrefixFrom(netip.IPv6Unspecified(), 0), Gateway: netip.AddrFrom16(src),
		IfIndex: ifc.Index(), Metric: defaultRouterMetric, Kind: route.Static}
	ip.mu.Lock()
	_, had := ip.ac.routers[k]
	if lifetime == 0 {
		delete(ip.ac.routers, k)
	} else {
		ip.ac.routers[k] = now.Add(lifetime)
		// §6.3.7: a valid advertisement with a router lifetime after
		// a solicitation ends the solicitations.
		if rs := ip.ac.on[ifc.Index()]; rs != nil && rs.sent > 0 {
			rs.force = false
		}
	}
	ip.mu.Unlock()
	switch {
	case lifetime == 0 && had:
		_ = ip.routes.Delete(r)
	case lifetime > 0 && !had:
		if err := ip.routes.Add(r); err != nil {
			ip.s.Logger().Debug("ipv6: default route", "router", r.Gateway, "err", err)
		}
	}
}

// prefixInfo applies one Prefix Information option (RFC 4861 §6.3.4,
// RFC 4862 §5.5.3).
func (ip *IPv6) prefixInfo(ifc *stack.Interface, o []byte, now time.Time) {
	plen, flags := int(o[2]), o[3]
	valid, preferred := binary.BigEndian.Uint32(o[4:8]), binary.BigEndian.Uint32(o[8:12])
	if plen > 128 {
		ip.st.ndInvalid.Add(1)
		return
	}
	p, _ := netip.AddrFrom16([16]byte(o[16:32])).Prefix(plen)
	if p.Addr().IsLinkLocalUnicast() || p.Addr().IsMulticast() {
		return // §6.3.4, RFC 4862 §5.5.3 (b): ignored
	}
	life := func(v uint32) time.Duration { return time.Duration(v) * time.Second }
	k := prefixKey{ifc.Index(), p}
	ip.mu.Lock()
	ip.dnaSeenLocked(ifc.Index(), nil, nil, &k) // advertised on this link: not the old link's
	ip.mu.Unlock()
	if flags&prefixFlagOnLink != 0 {
		ip.mu.Lock()
		_, had := ip.ac.onlink[k]
		if valid == 0 {
			delete(ip.ac.onlink, k)
		} else {
			ip.ac.onlink[k] = now.Add(life(valid))
		}
		ip.mu.Unlock()
		r := route.Route{Prefix: p, IfIndex: ifc.Index(), Kind: route.Connected}
		if valid == 0 && had {
			_ = ip.routes.Delete(r)
		} else if valid != 0 && !had {
			_ = ip.routes.Add(r)
		}
	}
	if flags&prefixFlagAutonomous == 0 || preferred > valid || plen != 64 {
		return // RFC 4862 §5.5.3 (a), (c), (d): no address from it
	}
	ip.mu.Lock()
	sa := ip.ac.addrs[k]
	if sa == nil {
		if valid == 0 {
			ip.mu.Unlock()
			return
		}
		sa = &slaacAddr{p: ip.slaacAddress(p, ifc.Name(), 0), expires: now.Add(life(valid)), infinite: valid == infiniteLifetime,
			preferred: now.Add(life(preferred)), prefInfinite: preferred == infiniteLifetime}
		ip.ac.addrs[k] = sa
		ip.mu.Unlock()
		ip.st.slaacAddrs.Add(1)
		ip.addSLAAC(ifc, k, sa)
		return
	}
	// §5.5.3 (e): a valid lifetime over two hours or beyond what remains
	// is taken; else remaining over two hours drops to two hours; else
	// it is left (so a forged advertisement cannot expire the address).
	remaining := sa.expires.Sub(now)
	sa.preferred, sa.prefInfinite = now.Add(life(preferred)), preferred == infiniteLifetime
	switch {
	case valid == infiniteLifetime:
		sa.infinite = true
	case life(valid) > twoHours || life(valid) > remaining:
		sa.expires, sa.infinite = now.Add(life(valid)), false
	case remaining > twoHours:
		sa.expires, sa.infinite = now.Add(twoHours), false
	}
	ip.mu.Unlock()
}

// addSLAAC adds sa's address (through DAD); a duplicate forms the next.
func (ip *IPv6) addSLAAC(ifc *stack.Interface, k prefixKey, sa *slaacAddr) {
	if err := ip.AddAddress(ifc, sa.p); err != nil {
		ip.s.Logger().Debug("ipv6: SLAAC address", "address", sa.p, "err", err)
		return
	}
	ip.mu.Lock()
	if r := ip.dad[dadKey{ifc.Index(), sa.p.Addr().As16()}]; r != nil {
		r.onFail = ip.slaacRetry(ifc, k, sa)
	}
	ip.mu.Unlock()
}

// slaacRetry is what a duplicate of sa's address does: the next
// identifier, DAD_Counter + 1, up to IDGEN_RETRIES (RFC 7217 §6).
func (ip *IPv6) slaacRetry(ifc *stack.Interface, k prefixKey, sa *slaacAddr) func() {
	return func() {
		ip.mu.Lock()
		if ip.ac.addrs[k] != sa || sa.counter >= idgenRetries {
			delete(ip.ac.addrs, k)
			ip.mu.Unlock()
			return
		}
		sa.counter++
		sa.p = ip.slaacAddress(k.prefix, ifc.Name(), sa.counter)
		ip.mu.Unlock()
		ip.addSLAAC(ifc, k, sa)
	}
}

// autoconfTick sends due router solicitations and expires routers,
// prefixes and addresses.
func (ip *IPv6) autoconfTick(now time.Time) {
	type expired struct {
		r  route.Route
		ad *netip.Prefix
		i  int
	}
	var sol []int
	var gone []expired
	ip.mu.Lock()
	ac := &ip.ac
	probes := ip.dnaTickLocked(now) // before the expiries: an old link's state ends in this tick
	for i, rs := range ac.on {
		if rs.sent < maxRtrSolicits && !now.Before(rs.due) && (rs.force || !ip.haveRouterLocked(i)) && !ip.linkLocalTentative(i) {
			rs.sent++
			rs.due = now.Add(rtrSolicitInterval)
			sol = append(sol, i)
		}
	}
	for k, t := range ac.routers {
		if !now.Before(t) {
			delete(ac.routers, k)
			gone = append(gone, expired{r: route.Route{Prefix: netip.PrefixFrom(netip.IPv6Unspecified(), 0),
				Gateway: netip.AddrFrom16(k.addr), IfIndex: k.ifindex}})
		}
	}
	for k, t := range ac.onlink {
		if !now.Before(t) {
			delete(ac.onlink, k)
			gone = append(gone, expired{r: route.Route{Prefix: k.prefix, IfIndex: k.ifindex}})
		}
	}
	for k, sa := range ac.addrs {
		if !sa.infinite && !now.Before(sa.expires) {
			delete(ac.addrs, k)
			p := sa.p
			gone = append(gone, expired{ad: &p, i: k.ifindex})
		}
	}
	ip.mu.Unlock()
	ip.deprecateTick(now)
	for _, p := range probes {
		ip.dnaSend(p)
	}
	for _, i := range sol {
		if ifc := ip.s.Interface(i); ifc != nil {
			ip.sendRS(ifc)
		}
	}
	for _, g := range gone {
		if g.ad != nil {
			if ifc := ip.s.Interface(g.i); ifc != nil {
				_ = ip.RemoveAddress(ifc, *g.ad)
			}
			continue
		}
		_ = ip.routes.Delete(g.r)
	}
}

// linkLocalTentative reports whether interface i's link-local address is
// still under DAD: router solicitation waits for it, so that the
// solicitation carries that source and our link-layer address (RFC 4861
// §6.3.7 allows the unspecified source, but then a router can only answer
// to all-nodes) and goes out a DAD's length after the link came up — on a
// wireless link, after the AP has installed the key our frames need.
func (ip *IPv6) linkLocalTentative(i int) bool {
	st := ip.ifState(i)
	if st == nil {
		return false
	}
	for _, p := range st.tentative() {
		if p.Addr().IsLinkLocalUnicast() {
			return true
		}
	}
	return false
}

func (ip *IPv6) haveRouterLocked(i int) bool {
	for k := range ip.ac.routers {
		if k.ifindex == i {
			return true
		}
	}
	return false
}

// sendRS sends a router solicitation to all-routers (RFC 4861 §6.3.7):
// from the link-local address with our link-layer address, or from the
// unspecified address without it while that is tentative.
func (ip *IPv6) sendRS(ifc *stack.Interface) {
	var src [16]byte
	if st := ip.ifState(ifc.Index()); st != nil {
		for _, p := range st.addresses() {
			if p.Addr().IsLinkLocalUnicast() {
				src = p.Addr().As16()
				break
			}
		}
	}
	dst := [16]byte{0: 0xff, 1: 0x02, 15: 2}
	n := 8
	if src != ([16]byte{}) {
		n = 16
	}
	own := ifc.MAC()
	b := ip.ndPacket(src, dst, n, func(m []byte) {
		m[0] = uint8(wire.ICMPv6RouterSolicit)
		if n == 16 {
			m[8], m[9] = ndOptSrcLL, 1
			copy(m[10:16], own[:])
		}
	})
	if b == nil {
		return
	}
	ip.st.ndOutRouterSolicits.Add(1)
	ifc.Output(b, wire.MulticastMAC6(dst), wire.EtherTypeIPv6)
}

// Routers returns the default routers learned from advertisements.
func (ip *IPv6) Routers() []netip.Addr {
	ip.mu.Lock()
	defer ip.mu.Unlock()
	var out []netip.Addr
	for k := range ip.ac.routers {
		out = append(out, netip.AddrFrom16(k.addr))
	}
	slices.SortFunc(out, func(a, b netip.Addr) int { return a.Compare(b) })
	return out
}

func newSecret() []byte {
	s := make([]byte, 32)
	_, _ = rand.Read(s)
	return s
}
