package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/dhcp4"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/udp"
)

// ipConfig is how connect puts the vap into a gopkt stack.
type ipConfig struct {
	Name string       // interface name, e.g. wlan0
	Addr netip.Prefix // static address, or
	DHCP bool         // a lease from stack/dhcp4
	// SLAAC adds IPv6 (ipv6.go): link-local address, router discovery
	// and stateless autoconfiguration with RFC 7217 identifiers keyed by
	// Secret.
	SLAAC  bool
	Secret []byte
}

func (c ipConfig) enabled() bool { return c.Addr.IsValid() || c.DHCP || c.SLAAC }
func (c ipConfig) hasIPv4() bool { return c.Addr.IsValid() || c.DHCP }

// ipIface is the vap attached to a stack as an Ethernet interface through
// net80211.Port (hw/port): IPv4 with ICMP and UDP, a static address or a
// DHCPv4 client; with SLAAC also IPv6 (ICMPv6, NDP, MLD, UDP).
type ipIface struct {
	cfg  ipConfig
	port *net80211.Port
	s    *stack.Stack
	udp  *udp.UDP
	ip   *ipv4.IPv4
	ip6  *ipv6.IPv6 // nil without --slaac
	ifc  *stack.Interface
	dhcp *dhcp4.Client
	// links counts the associations seen (linkUp), under the connect
	// loop; linked is set after the first one's LinkUp (watch6 reads it).
	links  int
	linked atomic.Bool
}

// dadTransmits is the station's DupAddrDetectTransmits (RFC 4862 §5.1,
// per interface; 1 by default). Our first frames after an association race
// the AP's installation of the pairwise key (it installs it on message 4,
// which they can overtake through hostapd), and the AP drops what it
// cannot decrypt: a single probe sent then is lost and DAD would pass
// without having asked. Two probes, RetransTimer apart, put the second
// well after the key.
const dadTransmits = 2

// rxDepth is the port's RX queue: one stack burst and then some.
const rxDepth = 256

// attachIP builds the stack on the station's pool and attaches the vap.
// A static address is set now; the DHCP client is made here and started
// by startDHCP.
func attachIP(st *station, cfg ipConfig) (*ipIface, error) {
	p, err := st.vap.NewPort(st.pool, rxDepth)
	if err != nil {
		return nil, err
	}
	u := udp.New(udp.Options{})
	ip := ipv4.New(ipv4.Options{Transports: []ipv4.Transport{u}})
	protos := []stack.Protocol{ip}
	var ip6 *ipv6.IPv6
	if cfg.SLAAC {
		ip6 = ipv6.New(ipv6.Options{Transports: []ipv6.Transport{u.V6()}, StableSecret: cfg.Secret, DADTransmits: dadTransmits})
		protos = append(protos, ip6)
	}
	s, err := stack.New(stack.Options{Pool: st.pool, Protocols: protos})
	if err != nil {
		_ = p.Close()
		return nil, err
	}
	x := &ipIface{cfg: cfg, port: p, s: s, udp: u, ip: ip, ip6: ip6}
	if x.ifc, err = s.Attach(cfg.Name, p, stack.IfOptions{}); err != nil {
		x.close()
		return nil, err
	}
	if !cfg.hasIPv4() {
		return x, nil
	}
	if cfg.Addr.IsValid() {
		if err := s.AddAddress(x.ifc, cfg.Addr); err != nil {
			x.close()
			return nil, err
		}
		return x, nil
	}
	if x.dhcp, err = dhcp4.New(dhcp4.Config{Interface: x.ifc, IP: ip, HostName: "gopkt-wlan"}); err != nil {
		x.close()
		return nil, err
	}
	return x, nil
}

// startDHCP starts the client; connect calls it when the link first came
// up, so that the first DHCPDISCOVER is not lost to a closed port.
func (x *ipIface) startDHCP() error { return x.dhcp.Start() }

// waitLease waits for the DHCP lease (a static address is there already).
func (x *ipIface) waitLease(ctx context.Context) (netip.Prefix, error) {
	if x.dhcp == nil {
		return x.cfg.Addr, nil
	}
	l, err := x.dhcp.WaitBound(ctx)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("no DHCP lease on %s: %w (is a DHCP server running on the AP side?)", x.cfg.Name, err)
	}
	return l.Addr, nil
}

// release gives a DHCP lease back while the link is still up (DHCPRELEASE,
// RFC 2131 §4.4.6); a later close finds the client stopped.
func (x *ipIface) release() {
	if x.dhcp != nil {
		_ = x.dhcp.Release()
	}
}

// addresses lists the interface's IPv4 addresses (IPv6 ones: addrs6).
func (x *ipIface) addresses() []string {
	var out []string
	for _, a := range x.ifc.Addresses() {
		out = append(out, a.String())
	}
	return out
}

// close releases the lease, detaches the interface, closes the stack and
// the port: afterwards every buffer the stack held is back in the pool.
func (x *ipIface) close() error {
	var errs []error
	if x.dhcp != nil {
		if err := x.dhcp.Release(); err != nil && !errors.Is(err, dhcp4.ErrClosed) && !errors.Is(err, dhcp4.ErrNotBound) {
			errs = append(errs, fmt.Errorf("dhcp release: %w", err))
		}
	}
	if err := x.s.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := x.port.Close(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// pingView is the summary `wlan ping` prints, like ping(8)'s last lines.
type pingView struct {
	Dst      string        `json:"dst"`
	Sent     int           `json:"sent"`
	Received int           `json:"received"`
	Errors   int           `json:"errors"`
	Min      time.Duration `json:"min_ns"`
	Avg      time.Duration `json:"avg_ns"`
	Max      time.Duration `json:"max_ns"`
	FirstErr string        `json:"first_error,omitempty"`
}

// ping sends count echo requests to dst, one every interval, several in
// flight, as ping -i does, and counts a reply whenever it arrives before the
// run ends, as ping(8) does: a loaded machine that delays one reply past the
// next requests has not lost it. The run ends wait after the last request
// (or twice the longest round trip, if longer; or as soon as every reply
// is in); requests still unanswered then are lost. An ICMP error about a
// request counts as an error.
func (x *ipIface) ping(dst netip.Addr, count int, interval, wait time.Duration, size int) pingView {
	v := pingView{Dst: dst.String()}
	type result struct {
		rtt time.Duration
		err error
	}
	res := make(chan result, count)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	run, end := context.WithCancel(context.Background())
	defer end()
	id := x.ip.NewPingID() // one session: one identifier, sequence 1, 2, …
	if dst.Is6() {
		id = x.ip6.NewPingID()
	}
	for i := range count {
		if i > 0 {
			<-tick.C
		}
		v.Sent++
		go func() {
			if dst.Is6() {
				r, err := x.ip6.Ping(run, dst, ipv6.PingOptions{Size: size, ID: id, Seq: uint16(i + 1)})
				res <- result{r.RTT, err}
				return
			}
			r, err := x.ip.Ping(run, dst, ipv4.PingOptions{Size: size, ID: id, Seq: uint16(i + 1)})
			res <- result{r.RTT, err}
		}()
	}
	// The linger after the last request, as iputils ping: --wait, or twice
	// the longest round trip seen if that is longer (a loaded machine
	// whose replies take 2 s is slow, not lossy).
	lastSent := time.Now()
	linger := time.NewTimer(wait)
	defer linger.Stop()
	lingering := linger.C
	var sum time.Duration
	for got := 0; got < count; {
		var r result
		select {
		case r = <-res:
			got++
		case <-lingering:
			if until := time.Until(lastSent.Add(2 * v.Max)); until > 0 {
				linger.Reset(until)
				continue
			}
			lingering = nil
			end() // the rest are lost; their Pings return at once
			continue
		}
		if errors.Is(r.err, context.Canceled) {
			continue // no reply by the end of the run: lost, as ping(8) counts it
		}
		if r.err != nil {
			v.Errors++
			if v.FirstErr == "" {
				v.FirstErr = r.err.Error()
			}
			continue
		}
		v.Received++
		sum += r.rtt
		if v.Min == 0 || r.rtt < v.Min {
			v.Min = r.rtt
		}
		v.Max = max(v.Max, r.rtt)
	}
	if v.Received > 0 {
		v.Avg = sum / time.Duration(v.Received)
	}
	return v
}
