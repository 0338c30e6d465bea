package ipv4

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/wire"
)

// IPv4 address conflict detection and defence (RFC 5227).
//
// Defence (§2.4): an ARP packet from another link address whose sender
// address is one of ours is a conflict. We defend every address without
// ever giving it up, policy (c) of §2.4, which fits addresses an operator
// configured (the stack has no other kind yet): one ARP announcement, at
// most once per DEFEND_INTERVAL (10 s) and address; every conflict is
// counted (ARPConflicts), each defence too (ARPDefences), and logged at
// most once per DEFEND_INTERVAL.
//
// Probing (§2.1): ProbeAddress checks, before an address is configured,
// that nobody on the link uses it: PROBE_NUM probes (sender address 0,
// target the candidate) PROBE_MIN to PROBE_MAX apart after a random wait
// of up to PROBE_WAIT, then ANNOUNCE_WAIT of listening. Any ARP packet
// from another link address with the candidate as sender, or another
// host's probe for it (§2.1.1: a simultaneous probe), is a conflict.
// AddAddress then announces the address (a gratuitous ARP).

// ErrAddressInUse is returned by ProbeAddress when another host on the link
// uses or probes for the address.
var ErrAddressInUse = errors.New("ipv4: address in use by another host on the link (RFC 5227)")

// ProbeOptions time ProbeAddress; zero fields take RFC 5227 §1.1's values.
type ProbeOptions struct {
	Probes       int           // PROBE_NUM (3)
	Wait         time.Duration // PROBE_WAIT (1 s): random wait before the first probe, up to this
	Min, Max     time.Duration // PROBE_MIN (1 s), PROBE_MAX (2 s): between probes
	AnnounceWait time.Duration // ANNOUNCE_WAIT (2 s): listening after the last probe
}

func (o *ProbeOptions) defaults() {
	if o.Probes <= 0 {
		o.Probes = 3
	}
	defd := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defd(&o.Wait, time.Second)
	defd(&o.Min, time.Second)
	defd(&o.Max, 2*time.Second)
	defd(&o.AnnounceWait, 2*time.Second)
	if o.Max < o.Min {
		o.Max = o.Min
	}
}

// defendInterval is DEFEND_INTERVAL (RFC 5227 §1.1).
const defendInterval = 10 * time.Second

type acdKey struct {
	ifindex int
	addr    wire.Addr4
}

// acdState is the defence clock per address and the probes in progress.
type acdState struct {
	mu       sync.Mutex
	defended map[acdKey]time.Time // last announcement in defence (our addresses only)
	probes   map[acdKey]*probe
}

type probe struct {
	conflict chan wire.MAC // the first conflicting sender
}

func (a *acdState) init() {
	a.defended = map[acdKey]time.Time{}
	a.probes = map[acdKey]*probe{}
}

// conflict handles an ARP packet claiming our address spa from sha.
func (ip *IPv4) conflict(ifc *stack.Interface, spa wire.Addr4, sha wire.MAC) {
	ip.st.arpConflicts.Add(1)
	k := acdKey{ifc.Index(), spa}
	now := ip.o.Clock.Now()
	ip.acd.mu.Lock()
	last, seen := ip.acd.defended[k]
	defend := !seen || now.Sub(last) >= defendInterval
	if defend {
		ip.acd.defended[k] = now
	}
	ip.acd.mu.Unlock()
	if !defend {
		return // §2.4 (c): at most one announcement per DEFEND_INTERVAL
	}
	ip.st.arpDefences.Add(1)
	ip.s.Logger().Warn("ipv4: address conflict: another host claims our address; defending it",
		"interface", ifc.Name(), "address", netip.AddrFrom4(spa), "claimant", sha)
	ip.announce(ifc, spa)
}

// announce broadcasts an ARP announcement of a (RFC 5227 §2.3: a request
// with our address as both sender and target).
func (ip *IPv4) announce(ifc *stack.Interface, a wire.Addr4) {
	ip.sendARP(ifc, wire.ARPRequest, a, wire.MAC{}, a, wire.BroadcastMAC())
}

// observeProbes reports an ARP packet to the probes in progress on ifc.
func (ip *IPv4) observeProbes(ifc *stack.Interface, spa, tpa wire.Addr4, sha wire.MAC) {
	ip.acd.mu.Lock()
	defer ip.acd.mu.Unlock()
	if len(ip.acd.probes) == 0 {
		return
	}
	for _, a := range [2]wire.Addr4{spa, tpa} {
		p := ip.acd.probes[acdKey{ifc.Index(), a}]
		// The candidate as sender: it is in use (§2.1.1). As target of a
		// probe (sender 0): another host probes for it at the same time.
		if p != nil && (a == spa || spa == wire.Addr4{}) {
			select {
			case p.conflict <- sha:
			default:
			}
		}
	}
}

// ProbeAddress checks that no other host on ifc's link uses addr, with
// the ARP probes of RFC 5227 §2.1, before the caller configures it (with
// Stack.AddAddress, which announces it). It returns nil when the address
// is free, an error matching ErrAddressInUse naming the other host's link
// address when it is not, or ctx's error. It takes 4 to 7 s with the RFC's
// timing.
func (ip *IPv4) ProbeAddress(ctx context.Context, ifc *stack.Interface, addr netip.Addr, o ProbeOptions) error {
	op := "probe " + addr.String()
	if !addr.Is4() || addr.IsUnspecified() || addr.IsMulticast() || addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return &stack.OpError{Op: op, Interface: ifc.Name(), Err: stack.ErrBadAddress, Fix: "want a unicast IPv4 address"}
	}
	if ifc.Flags()&stack.FlagNoARP != 0 {
		return &stack.OpError{Op: op, Interface: ifc.Name(), Err: stack.ErrBadAddress, Fix: "the interface does not use ARP"}
	}
	o.defaults()
	a := addr.As4()
	k := acdKey{ifc.Index(), a}
	p := &probe{conflict: make(chan wire.MAC, 1)}
	ip.acd.mu.Lock()
	if ip.acd.probes[k] != nil {
		ip.acd.mu.Unlock()
		return &stack.OpError{Op: op, Interface: ifc.Name(), Err: stack.ErrExists, Fix: "a probe for this address is already running"}
	}
	ip.acd.probes[k] = p
	ip.acd.mu.Unlock()
	defer func() {
		ip.acd.mu.Lock()
		delete(ip.acd.probes, k)
		ip.acd.mu.Unlock()
	}()
	t := ip.o.Clock.NewTimer()
	defer t.Stop()
	t.Reset(rand.N(o.Wait))
	for i := 0; ; i++ {
		select {
		case mac := <-p.conflict:
			return &stack.OpError{Op: op, Interface: ifc.Name(), Err: fmt.Errorf("%w: %v answered or probed for it", ErrAddressInUse, mac)}
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C():
		}
		switch {
		case i < o.Probes:
			ip.st.arpOutProbes.Add(1)
			ip.sendARP(ifc, wire.ARPRequest, wire.Addr4{}, wire.MAC{}, a, wire.BroadcastMAC())
			if i < o.Probes-1 {
				t.Reset(o.Min + rand.N(o.Max-o.Min+1))
			} else {
				t.Reset(o.AnnounceWait)
			}
		default:
			return nil
		}
	}
}
