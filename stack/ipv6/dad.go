package ipv6

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"time"

	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/wire"
)

// ErrDuplicate is what WaitDAD returns when duplicate address detection
// found the address in use by another node (RFC 4862 §5.4.5).
var ErrDuplicate = errors.New("ipv6: duplicate address detected: another node on the link uses it")

// dadRun is one address under duplicate address detection (RFC 4862
// §5.4): solicitations sent so far and when the next step is due.
type dadRun struct {
	st   *ifState
	p    netip.Prefix
	sent int
	due  time.Time
	done chan struct{}
	err  error
	// onFail, if set, runs (without locks) when the address is found a
	// duplicate: SLAAC forms the next identifier (RFC 7217 §6).
	onFail func()
}

type dadKey struct {
	ifindex int
	addr    [16]byte
}

// startDADLocked makes p tentative on st and schedules its solicitations.
func (ip *IPv6) startDADLocked(st *ifState, p netip.Prefix) *dadRun {
	t := append(slices.Clone(st.tentative()), p)
	st.tent.Store(&t)
	r := &dadRun{st: st, p: p, done: make(chan struct{})}
	delete(ip.dupes, dadKey{st.ifc.Index(), p.Addr().As16()})
	if ip.dad == nil {
		ip.dad = map[dadKey]*dadRun{}
	}
	ip.dad[dadKey{st.ifc.Index(), p.Addr().As16()}] = r
	return r
}

// endDADLocked takes r's address off the tentative list and records err
// (nil: the address is unique); the caller closes r.done once the
// address is usable or gone, which wakes the waiters.
func (ip *IPv6) endDADLocked(r *dadRun, err error) {
	t := slices.DeleteFunc(slices.Clone(r.st.tentative()), func(o netip.Prefix) bool { return o == r.p })
	r.st.tent.Store(&t)
	delete(ip.dad, dadKey{r.st.ifc.Index(), r.p.Addr().As16()})
	r.err = err
}

// cancelDADLocked ends detection for p on st, if it is running.
func (ip *IPv6) cancelDADLocked(st *ifState, p netip.Prefix, err error) bool {
	r := ip.dad[dadKey{st.ifc.Index(), p.Addr().As16()}]
	if r == nil || r.p != p {
		return false
	}
	ip.endDADLocked(r, err)
	close(r.done)
	return true
}

// dadTick sends due solicitations and makes addresses that got no answer
// usable (RFC 4862 §5.4.2, §5.4.5: DupAddrDetectTransmits solicitations
// RetransTimer apart).
func (ip *IPv6) dadTick(now time.Time) {
	type send struct {
		ifc    *stack.Interface
		target [16]byte
	}
	var sends []send
	var usable []*dadRun
	ip.mu.Lock()
	transmits := max(ip.o.DADTransmits, 1)
	for _, r := range ip.dad {
		if now.Before(r.due) {
			continue
		}
		if r.sent < transmits {
			r.sent++
			r.due = now.Add(ip.params(r.st.ifc.Index()).RetransTimer)
			sends = append(sends, send{r.st.ifc, r.p.Addr().As16()})
			continue
		}
		ip.endDADLocked(r, nil)
		ip.commitLocked(r.st, r.p)
		usable = append(usable, r)
	}
	ip.mu.Unlock()
	for _, s := range sends {
		ip.sendDADSolicit(s.ifc, s.target)
	}
	for _, r := range usable {
		ip.updateGroups(r.st.ifc.Index())
		close(r.done)
	}
}

// dadConflict is a solicitation from the unspecified address or an
// advertisement for a tentative address of ifc: another node has it
// (RFC 4862 §5.4.3, §5.4.4). The address is not assigned.
func (ip *IPv6) dadConflict(ifc *stack.Interface, target [16]byte) {
	ip.mu.Lock()
	r := ip.dad[dadKey{ifc.Index(), target}]
	if r == nil {
		ip.mu.Unlock()
		return
	}
	ip.endDADLocked(r, ErrDuplicate)
	if ip.dupes == nil {
		ip.dupes = map[dadKey]netip.Prefix{}
	}
	ip.dupes[dadKey{ifc.Index(), target}] = r.p
	ip.mu.Unlock()
	ip.st.ndDADFailed.Add(1)
	ip.s.Logger().Warn("ipv6: duplicate address detected, not assigned", "interface", ifc.Name(), "address", r.p)
	ip.updateGroups(ifc.Index())
	close(r.done)
	if r.onFail != nil {
		r.onFail()
	}
}

// sendDADSolicit sends the solicitation of §5.4.2: from the unspecified
// address to the target's solicited-node group, without a source
// link-layer address option.
func (ip *IPv6) sendDADSolicit(ifc *stack.Interface, target [16]byte) {
	dst := wire.SolicitedNode(target)
	b := ip.ndPacket([16]byte{}, dst, ndMsgLen, func(m []byte) {
		m[0] = uint8(wire.ICMPv6NeighborSolicit)
		copy(m[8:24], target[:])
	})
	if b == nil {
		return
	}
	ip.st.ndOutSolicits.Add(1)
	ifc.Output(b, wire.MulticastMAC6(dst), wire.EtherTypeIPv6)
}

// WaitDAD waits until duplicate address detection for addr on ifc ends:
// nil when the address is usable, ErrDuplicate when another node has it,
// ErrNoAddress when it is neither usable nor tentative (or was removed).
func (ip *IPv6) WaitDAD(ctx context.Context, ifc *stack.Interface, addr netip.Addr) error {
	ip.mu.Lock()
	r := ip.dad[dadKey{ifc.Index(), addr.As16()}]
	st := ip.ifState(ifc.Index())
	_, dup := ip.dupes[dadKey{ifc.Index(), addr.As16()}]
	ip.mu.Unlock()
	if r == nil && dup {
		return ErrDuplicate
	}
	if r == nil {
		if st != nil && st.hasAddress(addr.As16()) {
			return nil
		}
		return ErrNoAddress
	}
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Tentative returns ifc's addresses still under duplicate address
// detection.
func (ip *IPv6) Tentative(ifc *stack.Interface) []netip.Prefix {
	if st := ip.ifState(ifc.Index()); st != nil {
		return slices.Clone(st.tentative())
	}
	return nil
}
