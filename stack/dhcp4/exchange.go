package dhcp4

import (
	"math/bits"
	"net/netip"
	"time"

	"github.com/gopkt/gopkt/stack/wire"
)

// paramRequest is the client's option 55 (RFC 2132 §9.8): what it uses.
var paramRequest = [...]byte{
	byte(OptSubnetMask), byte(OptRouter), byte(OptDNS), byte(OptDomainName), byte(OptInterfaceMTU),
	byte(OptBroadcastAddr), byte(OptLeaseTime), byte(OptServerID), byte(OptRenewalTime), byte(OptRebindingTime),
}

// send builds and transmits one message of type t for the current state,
// with the fields and options RFC 2131 §4.4.1 Table 5 asks for, and
// schedules the retransmission of DHCPDISCOVER and of DHCPREQUEST in
// REQUESTING and REBOOTING.
func (c *Client) send(t MessageType, now time.Time) {
	c.tries++
	mac := c.ifc.MAC()
	f := MessageFields{Op: BootRequest, HType: HTypeEthernet, HLen: 6, XID: c.xid}
	copy(f.CHAddr[:], mac[:])
	if t == Discover || t == Request {
		f.Secs = uint16(min(now.Sub(c.begun)/time.Second, 0xffff))
	}
	var area [312]byte
	w := NewOptionWriter(area[:])
	w.Add(OptMessageType, byte(t))
	var src wire.Addr4
	var server wire.Addr4 // non-zero: unicast to it
	switch t {
	case Discover, Request:
		if c.cfg.BroadcastFlag && c.state != StateRenewing && c.state != StateRebinding {
			f.Flags = FlagBroadcast
		}
		if t == Request {
			switch c.state {
			case StateRequesting:
				w.AddAddr(OptRequestedIP, c.offerAddr)
				w.AddAddr(OptServerID, c.offerServer)
			case StateRebooting:
				w.AddAddr(OptRequestedIP, c.cfg.RequestedAddr.As4())
			case StateRenewing:
				f.CIAddr = c.cur.Addr.Addr().As4()
				src, server = f.CIAddr, c.cur.Server.As4()
			case StateRebinding:
				f.CIAddr = c.cur.Addr.Addr().As4()
				src = f.CIAddr
			}
		}
		if c.cfg.LeaseTime > 0 {
			w.AddUint32(OptLeaseTime, uint32(min(c.cfg.LeaseTime/time.Second, Infinite-1)))
		}
		w.Add(OptParamRequest, paramRequest[:]...)
		w.Add(OptMaxMessageSize, byte(MaxMessageLen>>8), byte(MaxMessageLen&0xff))
		if c.cfg.HostName != "" {
			w.Add(OptHostName, []byte(c.cfg.HostName)...)
		}
	case Decline:
		w.AddAddr(OptRequestedIP, c.offerAddr)
		w.AddAddr(OptServerID, c.offerServer)
	case Release:
		f.CIAddr = c.cur.Addr.Addr().As4()
		w.AddAddr(OptServerID, c.cur.Server.As4())
		src, server = f.CIAddr, c.cur.Server.As4()
	}
	w.Add(OptClientID, c.cfg.ClientID...)
	opts, err := w.End()
	if err == nil {
		f.Options = opts
		if server != (wire.Addr4{}) {
			err = c.unicast(&f, src, server)
		} else {
			err = c.broadcast(&f, src)
		}
	}
	if err != nil {
		c.st.sendE.Add(1)
		c.log.Debug("send failed", "type", t, "err", err)
	} else {
		c.st.sent[t].Add(1)
	}
	if t == Discover || c.state == StateRequesting || c.state == StateRebooting {
		c.retrans = now.Add(c.backoff())
	}
}

// receive handles one message the hook queued.
func (c *Client) receive(b []byte) {
	now := c.clock.Now()
	m, err := NewMessage(b)
	if err != nil {
		c.st.malformed.Add(1)
		return
	}
	p, err := m.Params()
	if err != nil {
		c.st.malformed.Add(1)
		return
	}
	// RFC 2131 §4.4.1: match xid and chaddr; ignore requests (other
	// clients' broadcasts).
	if m.Op() != BootReply || m.XID() != c.xid || m.HType() != HTypeEthernet || m.HLen() != 6 || m.MAC() != c.ifc.MAC() {
		c.st.ignored.Add(1)
		return
	}
	waitingAck := c.state == StateRequesting || c.state == StateRebooting || c.state == StateRenewing || c.state == StateRebinding
	switch {
	case c.state == StateSelecting && p.Type == Offer:
		y := m.YIAddr()
		if !usable(y) || !p.Has(OptServerID) {
			c.st.malformed.Add(1)
			return
		}
		c.st.received[Offer].Add(1)
		// The first acceptable offer wins (RFC 2131 §4.4.1 lets the
		// client choose).
		c.offerAddr, c.offerServer = y, p.ServerID
		c.state = StateRequesting
		c.tries = 0
		c.sendRequest(now)
		c.publish()
	case waitingAck && (p.Type == Ack || p.Type == Nak):
		if c.state == StateRequesting && p.Has(OptServerID) && p.ServerID != c.offerServer {
			c.st.ignored.Add(1) // another server's answer to our broadcast
			return
		}
		if p.Type == Nak {
			c.st.received[Nak].Add(1)
			c.nak(now, p.Message)
			return
		}
		l, ok := c.leaseFrom(m, &p)
		if !ok {
			c.st.malformed.Add(1)
			return
		}
		c.st.received[Ack].Add(1)
		c.acked(now, l)
	default:
		c.st.ignored.Add(1)
	}
}

// acked takes a DHCPACK's lease.
func (c *Client) acked(now time.Time, l Lease) {
	prev := c.state
	old := c.cur
	c.cur = l
	switch prev {
	case StateRequesting, StateRebooting:
		if c.cfg.ProbeWait > 0 {
			c.state = StateChecking
			c.probes = 0
			a := l.Addr.Addr().As4()
			c.probing.Store(uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3]))
			c.probe(now)
			c.publish()
			return
		}
		c.bind(now, EventBound)
	default:
		kind := EventRenewed
		if prev == StateRebinding {
			kind = EventRebound
		}
		if old.Addr != l.Addr {
			kind = EventBound
		}
		c.bind(now, kind)
	}
}

// nak drops the lease (RFC 2131 §3.1 step 5, §4.4.5) and restarts after
// a random pause under Retransmit, so a server that keeps refusing is not
// hammered.
func (c *Client) nak(now time.Time, msg string) {
	l := c.cur
	c.unconfigure()
	c.event(Event{Kind: EventNak, Lease: l, Message: msg})
	c.restartAfter(now, time.Duration(c.cfg.Rand.Int64N(int64(c.cfg.Retransmit)))+time.Millisecond)
}

// usable reports whether a is an address a host may take: not zero,
// loopback, multicast, class E or the broadcast (RFC 1122 §3.2.1.3).
func usable(a wire.Addr4) bool {
	return a[0] != 0 && a[0] != 127 && a[0] < 224
}

// leaseFrom turns a DHCPACK into a Lease; ok is false when the ACK lacks a
// usable address, a valid mask, or the lease time it must carry
// (RFC 2131 §4.3.1 Table 3).
func (c *Client) leaseFrom(m Message, p *Params) (Lease, bool) {
	y := m.YIAddr()
	if !usable(y) || !p.Has(OptLeaseTime) {
		return Lease{}, false
	}
	var ones int
	if p.Has(OptSubnetMask) {
		v := uint32(p.SubnetMask[0])<<24 | uint32(p.SubnetMask[1])<<16 | uint32(p.SubnetMask[2])<<8 | uint32(p.SubnetMask[3])
		ones = bits.LeadingZeros32(^v)
		if ones == 0 || v<<ones != 0 {
			return Lease{}, false // not contiguous (RFC 950 allowed it; nobody does)
		}
	} else {
		// The natural mask of the address class (RFC 791 §2.3).
		switch {
		case y[0] < 128:
			ones = 8
		case y[0] < 192:
			ones = 16
		default:
			ones = 24
		}
	}
	l := Lease{
		Addr:       netip.PrefixFrom(addr(y), ones),
		Server:     c.cur.Server,
		DomainName: p.DomainName,
		MTU:        int(p.MTU),
		Start:      c.reqAt,
	}
	if p.Has(OptServerID) {
		l.Server = addr(p.ServerID)
	} else if c.state == StateRequesting {
		l.Server = addr(c.offerServer)
	}
	if !l.Server.IsValid() {
		return Lease{}, false // nobody to renew with
	}
	for _, r := range p.Routers {
		l.Routers = append(l.Routers, addr(r))
	}
	for _, d := range p.DNS {
		l.DNS = append(l.DNS, addr(d))
	}
	if p.LeaseTime == Infinite {
		l.Infinite = true
		return l, true
	}
	if p.LeaseTime == 0 {
		return Lease{}, false
	}
	l.Duration = time.Duration(p.LeaseTime) * time.Second
	// RFC 2131 §4.4.5: T1 defaults to 0.5 and T2 to 0.875 of the lease;
	// server values are used when they keep T1 < T2 < lease.
	l.T1, l.T2 = l.Duration/2, l.Duration*7/8
	t1, t2 := time.Duration(p.T1)*time.Second, time.Duration(p.T2)*time.Second
	if p.Has(OptRebindingTime) && t2 > 0 && t2 < l.Duration {
		l.T2 = t2
	}
	if p.Has(OptRenewalTime) && t1 > 0 && t1 < l.T2 {
		l.T1 = t1
	}
	if l.T1 >= l.T2 {
		l.T1 = l.T2 / 2
	}
	return l, true
}
