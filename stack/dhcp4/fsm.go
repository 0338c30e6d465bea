package dhcp4

import (
	"net/netip"
	"time"

	"github.com/gopkt/gopkt/clock"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/wire"
)

// fsm is the state the client goroutine owns (RFC 2131 §4.4).
type fsm struct {
	timer clock.Timer
	ipid  uint16

	state   State
	xid     uint32
	begun   time.Time // start of this acquisition or renewal: the secs field
	reqAt   time.Time // when the first DHCPREQUEST of the transaction went out: the lease start
	tries   int       // transmissions of the current message
	retrans time.Time // next retransmission (or the INIT restart)

	// SELECTING → REQUESTING: the offer taken.
	offerAddr, offerServer wire.Addr4

	// CHECKING: the acknowledged lease under the ARP check.
	probes  int
	probeAt time.Time

	// BOUND, RENEWING, REBINDING.
	cur            Lease
	t1, t2, expiry time.Time    // zero when infinite
	applied        netip.Prefix // what configure installed
	route          route.Route
}

// begin enters the first state: INIT-REBOOT with a remembered address,
// INIT otherwise (RFC 2131 §4.4.2, §4.4.1).
func (c *Client) begin(now time.Time) {
	if c.cfg.RequestedAddr.IsValid() {
		c.state = StateInitReboot
		c.publish()
		c.newTransaction(now)
		c.state = StateRebooting
		c.sendRequest(now)
		c.publish()
		return
	}
	c.discover(now)
}

// discover is INIT: a new transaction and the first DHCPDISCOVER.
func (c *Client) discover(now time.Time) {
	c.state = StateInit
	c.cur = Lease{}
	c.newTransaction(now)
	c.state = StateSelecting
	c.send(Discover, now)
	c.publish()
}

// restartAfter returns to INIT and sends the DHCPDISCOVER after d.
func (c *Client) restartAfter(now time.Time, d time.Duration) {
	c.probing.Store(0)
	c.cur = Lease{}
	c.t1, c.t2, c.expiry = time.Time{}, time.Time{}, time.Time{}
	if d <= 0 {
		c.discover(now)
		return
	}
	c.state = StateInit
	c.retrans = now.Add(d)
	c.publish()
}

func (c *Client) newTransaction(now time.Time) {
	c.xid = c.cfg.Rand.Uint32()
	c.begun = now
	c.tries = 0
}

// backoff is the RFC 2131 §4.1 retransmission delay after the tries-th
// transmission: Retransmit doubling to MaxRetransmit, ±Jitter uniform.
func (c *Client) backoff() time.Duration {
	d := c.cfg.Retransmit
	for i := 1; i < c.tries && d < c.cfg.MaxRetransmit; i++ {
		d *= 2
	}
	d = min(d, c.cfg.MaxRetransmit)
	if j := c.cfg.Jitter; j > 0 {
		d += time.Duration(c.cfg.Rand.Int64N(int64(2*j)+1)) - j
	}
	return max(d, time.Millisecond)
}

// arm sets the timer to the earliest deadline of the current state.
func (c *Client) arm() {
	var next time.Time
	consider := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	switch c.state {
	case StateInit, StateSelecting, StateRequesting, StateRebooting:
		consider(c.retrans)
	case StateChecking:
		consider(c.probeAt)
	case StateBound:
		consider(c.t1)
		consider(c.t2)
		consider(c.expiry)
	case StateRenewing:
		consider(c.retrans)
		consider(c.t2)
		consider(c.expiry)
	case StateRebinding:
		consider(c.retrans)
		consider(c.expiry)
	}
	if next.IsZero() {
		c.timer.Stop()
		return
	}
	c.timer.Reset(next.Sub(c.clock.Now()))
}

func due(now, t time.Time) bool { return !t.IsZero() && !now.Before(t) }

// tick runs whatever deadline has passed.
func (c *Client) tick(now time.Time) {
	switch c.state {
	case StateBound, StateRenewing, StateRebinding:
		if due(now, c.expiry) {
			// RFC 2131 §4.4.5: the lease ran out; stop using the
			// address and start over.
			l := c.cur
			c.unconfigure()
			c.event(Event{Kind: EventExpired, Lease: l})
			c.restartAfter(now, 0)
			return
		}
	}
	switch c.state {
	case StateInit:
		if due(now, c.retrans) {
			c.discover(now)
		}
	case StateSelecting:
		if due(now, c.retrans) {
			c.st.retransmits.Add(1)
			c.send(Discover, now)
		}
	case StateRequesting, StateRebooting:
		if !due(now, c.retrans) {
			return
		}
		if c.tries >= c.cfg.RequestRetries {
			// RFC 2131 §3.1 step 5 and §3.2 step 3: no answer, back
			// to INIT.
			c.log.Info("no answer to DHCPREQUEST; back to INIT", "tries", c.tries)
			c.restartAfter(now, 0)
			return
		}
		c.st.retransmits.Add(1)
		c.sendRequest(now)
	case StateChecking:
		if !due(now, c.probeAt) {
			return
		}
		if c.probes < 2 {
			c.probe(now)
			return
		}
		c.probing.Store(0)
		c.bind(now, EventBound)
	case StateBound:
		if due(now, c.t2) {
			c.rebind(now)
		} else if due(now, c.t1) {
			// RFC 2131 §4.4.5: at T1, unicast a DHCPREQUEST to the
			// server that granted the lease.
			c.state = StateRenewing
			c.newTransaction(now)
			c.sendRequest(now)
			c.publish()
		}
	case StateRenewing:
		if due(now, c.t2) {
			c.rebind(now)
		} else if due(now, c.retrans) {
			c.st.retransmits.Add(1)
			c.sendRequest(now)
		}
	case StateRebinding:
		if due(now, c.retrans) {
			c.st.retransmits.Add(1)
			c.sendRequest(now)
		}
	}
}

// rebind enters REBINDING at T2: broadcast to any server.
func (c *Client) rebind(now time.Time) {
	c.state = StateRebinding
	c.newTransaction(now)
	c.sendRequest(now)
	c.publish()
}

// sendRequest sends the DHCPREQUEST of the current state and schedules its
// retransmission.
func (c *Client) sendRequest(now time.Time) {
	if c.tries == 0 {
		// RFC 2131 §4.4.1: lease times count from the original request,
		// not from a retransmission the ACK may not be answering.
		c.reqAt = now
	}
	c.send(Request, now)
	switch c.state {
	case StateRenewing:
		// RFC 2131 §4.4.5: wait half the time left until T2, at least
		// RenewMin.
		c.retrans = now.Add(max(c.t2.Sub(now)/2, c.cfg.RenewMin))
	case StateRebinding:
		c.retrans = now.Add(max(c.expiry.Sub(now)/2, c.cfg.RenewMin))
	}
}

// probe sends one ARP probe for the acknowledged address; two go out, half
// of ProbeWait apart, and the address is used ProbeWait after the first.
func (c *Client) probe(now time.Time) {
	if err := c.arpProbe(c.cur.Addr.Addr().As4()); err != nil {
		c.st.sendE.Add(1)
	}
	c.probes++
	c.probeAt = now.Add(c.cfg.ProbeWait / 2)
}

// conflict handles an ARP answer for the address under the check: decline
// it (RFC 2131 §4.4.1, §3.1 step 5) and start over after DeclineWait.
func (c *Client) conflict(from wire.MAC) {
	if c.state != StateChecking {
		return
	}
	now := c.clock.Now()
	c.probing.Store(0)
	l := c.cur
	c.log.Warn("offered address is in use; declining", "addr", l.Addr, "owner", from)
	c.offerAddr, c.offerServer = l.Addr.Addr().As4(), l.Server.As4()
	c.send(Decline, now)
	c.event(Event{Kind: EventDeclined, Lease: l})
	c.restartAfter(now, c.cfg.DeclineWait)
}

// bind configures the interface with c.cur and arms T1, T2 and expiry.
func (c *Client) bind(now time.Time, kind EventKind) {
	l := &c.cur
	c.configure(l)
	if l.Infinite {
		c.t1, c.t2, c.expiry = time.Time{}, time.Time{}, time.Time{}
	} else {
		c.t1, c.t2, c.expiry = l.Start.Add(l.T1), l.Start.Add(l.T2), l.Start.Add(l.Duration)
	}
	c.state = StateBound
	c.publish()
	c.event(Event{Kind: kind, Lease: *l})
}

// stop handles Release and Close.
func (c *Client) stop(release bool) error {
	c.probing.Store(0)
	held := c.state == StateBound || c.state == StateRenewing || c.state == StateRebinding
	var err error
	if release {
		if held {
			// RFC 2131 §4.4.6: unicast to the server, ciaddr set.
			c.newTransaction(c.clock.Now())
			c.send(Release, c.clock.Now())
			c.event(Event{Kind: EventReleased, Lease: c.cur})
		} else {
			err = &OpError{Op: "release", Interface: c.ifc.Name(), Err: ErrNotBound}
		}
	}
	c.unconfigure()
	return err
}
