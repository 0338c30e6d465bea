package net80211

import (
	"net"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
)

// Port presents a station vap to the stack through the hw/port contract:
// RxBurst hands out received data as Ethernet II frames in mbufs, TxBurst
// sends Ethernet frames, the link is up while the port is open (associated
// and, with WPA2, keyed). Create it with Vap.NewPort; while a Port is
// attached, VapConfig.Sink is not used.
//
// Zero copy: a frame the driver gives with Com.InputBuf is decrypted and
// turned into Ethernet inside its own mbuf, which then moves to the RX
// queue (Pull/Trim, no copy); frames from Com.Input, and reassembled
// fragments, are copied into a buffer from the pool. TxBurst copies each
// frame into the vap's TX buffer (the cipher needs header and trailer
// room) and frees the mbuf.
type Port struct {
	v     *Vap
	pool  *mbuf.Pool
	ring  []*mbuf.Buf
	head  int
	n     int
	one   [1]*mbuf.Buf
	mtu   int
	link  chan port.LinkState
	stats port.Stats
	// ready holds one token while frames are queued or the link changed
	// since the last Wait; closed by Close.
	ready  chan struct{}
	closed bool
	tx     txBurst // TxBurst's staging area (c.mu)
}

var (
	_ port.Port   = (*Port)(nil)
	_ port.Waiter = (*Port)(nil)
)

// DefaultMTU is the Ethernet MTU the port starts with; SetMTU accepts up
// to MaxMTU (the 2304-octet MSDU minus the LLC/SNAP header).
const (
	DefaultMTU = 1500
	MaxMTU     = 2304 - LLCLen
)

// NewPort attaches a Port with an RX queue of rxDepth frames; RX copies
// come from pool.
func (v *Vap) NewPort(pool *mbuf.Pool, rxDepth int) (*Port, error) {
	if pool == nil || rxDepth <= 0 {
		return nil, opErr("new port", v.mac.String(), ErrNotSupported, "need an mbuf pool and an RX depth > 0")
	}
	v.com.mu.Lock()
	defer v.com.unlock()
	if v.port != nil {
		return nil, opErr("new port", v.mac.String(), ErrState, "the vap already has a port; Close it first")
	}
	p := &Port{v: v, pool: pool, ring: make([]*mbuf.Buf, rxDepth), mtu: DefaultMTU, link: make(chan port.LinkState, 1),
		ready: make(chan struct{}, 1)}
	v.port = p
	p.notify(v.portOpen)
	return p, nil
}

// InputBuf is Input for a frame in an mbuf: the Com takes ownership of b.
// If b carries data for a vap with a Port it moves to that port's RX queue
// (converted in place); otherwise it is freed before InputBuf returns.
// Chained buffers are dropped (802.11 frames here fit one buffer).
func (c *Com) InputBuf(b *mbuf.Buf, rx *RxInfo) {
	if b.Next() != nil {
		b.Free()
		return
	}
	c.mu.Lock()
	c.inBuf, c.inBytes = b, b.Bytes()
	c.input(c.inBytes, rx)
	if c.inBuf != nil {
		c.inBuf.Free()
		c.inBuf, c.inBytes = nil, nil
	}
	c.unlock()
}

// enqueue queues an Ethernet frame for RxBurst. inPlace says eth lies in
// the frame Input was given (not in the defragmentation buffer).
func (p *Port) enqueue(c *Com, eth []byte, inPlace bool) {
	if p.n == len(p.ring) || len(eth) > EtherHeaderLen+p.mtu {
		p.stats.RxDropped++
		return
	}
	var b *mbuf.Buf
	if inPlace && c.inBuf != nil {
		b = c.inBuf
		front := cap(c.inBytes) - cap(eth)
		tail := len(c.inBytes) - front - len(eth)
		if _, err := b.Pull(front); err != nil || b.Trim(tail) != nil {
			p.stats.RxDropped++
			return
		}
		c.inBuf, c.inBytes = nil, nil
	} else {
		if p.pool.Alloc(p.one[:]) != 1 {
			p.stats.RxDropped++
			return
		}
		b = p.one[0]
		dst, err := b.Append(len(eth))
		if err != nil {
			b.Free()
			p.stats.RxDropped++
			return
		}
		copy(dst, eth)
	}
	p.ring[(p.head+p.n)%len(p.ring)] = b
	p.n++
	p.wake()
}

// wake leaves a token for Wait (c.mu is held).
func (p *Port) wake() {
	select {
	case p.ready <- struct{}{}:
	default:
	}
}

// Wait implements port.Waiter: it returns at once when frames are queued,
// else blocks until one is, the link changes, or timeout passes
// (port.ErrTimeout; a negative timeout waits forever). After Close it
// returns port.ErrClosed.
func (p *Port) Wait(timeout time.Duration) error {
	c := p.v.com
	c.mu.Lock()
	n, closed := p.n, p.closed
	c.mu.Unlock()
	switch {
	case closed:
		return port.ErrClosed
	case n > 0:
		return nil
	case timeout == 0:
		return port.ErrTimeout
	}
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case _, ok := <-p.ready:
		if !ok {
			return port.ErrClosed
		}
		return nil
	case <-expired:
		// A token that arrived as the timer fired (or while this
		// goroutine waited to run) still counts: Wait never reports a
		// timeout while an event is pending.
		select {
		case _, ok := <-p.ready:
			if !ok {
				return port.ErrClosed
			}
			return nil
		default:
			return port.ErrTimeout
		}
	}
}

// RxBurst moves up to len(bufs) received Ethernet frames to the caller.
func (p *Port) RxBurst(bufs []*mbuf.Buf) int {
	c := p.v.com
	c.mu.Lock()
	defer c.unlock()
	k := 0
	for k < len(bufs) && p.n > 0 {
		b := p.ring[p.head]
		p.ring[p.head] = nil
		p.head = (p.head + 1) % len(p.ring)
		p.n--
		bufs[k] = b
		p.stats.RxPackets++
		p.stats.RxBytes += uint64(b.Len())
		k++
	}
	return k
}

// TxBurst sends every buffer (Ethernet II frames) and frees it; frames the
// layer refuses (port closed, too long) are counted in TxDropped. Frames
// are built into 802.11 MPDUs in their own buffers and encrypted as one
// batch where the key allows (txburst.go), else copied (Vap.Output).
func (p *Port) TxBurst(bufs []*mbuf.Buf) int {
	v := p.v
	c := v.com
	c.mu.Lock()
	for _, b := range bufs {
		var err error
		switch {
		case b.Next() != nil || b.Len() > EtherHeaderLen+p.mtu:
			err = ErrNoRoom
		case b.Len() < EtherHeaderLen:
			v.stats.TxDropped++
			err = ErrTruncated
		case v.state != StateRun || !v.portOpen || v.bss == nil:
			v.stats.TxDropped++
			err = ErrState
		case v.holding():
			// Off channel for a background scan visit, or probing the
			// AP: held (copied) and sent on return or when the AP
			// answers (bgscan.go, monitor.go).
			p.flushTx()
			err = v.output(b.Bytes())
		case p.stage(b, v.bss.PTK):
			continue // sent by flushTx
		default:
			p.flushTx()
			err = v.output(b.Bytes())
		}
		if err != nil {
			p.stats.TxDropped++
		} else {
			p.stats.TxPackets++
			p.stats.TxBytes += uint64(b.Len())
		}
		b.Free()
	}
	p.flushTx()
	c.unlock()
	return len(bufs)
}

// MAC returns the vap's address.
func (p *Port) MAC() [6]byte { return [6]byte(p.v.mac) }

// HardwareAddr returns the vap's address as a net.HardwareAddr.
func (p *Port) HardwareAddr() net.HardwareAddr { return p.v.mac }

// MTU returns the current MTU.
func (p *Port) MTU() int {
	p.v.com.mu.Lock()
	defer p.v.com.unlock()
	return p.mtu
}

// SetMTU sets the MTU (68 to MaxMTU).
func (p *Port) SetMTU(mtu int) error {
	if mtu < 68 || mtu > MaxMTU {
		return opErr("set MTU", p.v.mac.String(), port.ErrMTU, "802.11 carries MSDUs of up to 2304 octets: MTU 68 to %d", MaxMTU)
	}
	p.v.com.mu.Lock()
	defer p.v.com.unlock()
	p.mtu = mtu
	return nil
}

// Offloads returns none: checksums are the stack's job on this port.
func (p *Port) Offloads() port.Offloads { return 0 }

// Link reports up while the vap's port is open.
func (p *Port) Link() port.LinkState {
	p.v.com.mu.Lock()
	defer p.v.com.unlock()
	return p.linkState(p.v.portOpen)
}

func (p *Port) linkState(up bool) port.LinkState {
	if !up {
		return port.LinkState{}
	}
	s := port.LinkState{Up: true, SpeedMbps: 54}
	if n := p.v.bss; n != nil && len(n.Rates) > 0 {
		s.SpeedMbps = int(n.Rates[len(n.Rates)-1]) / 2
	}
	return s
}

// LinkEvents delivers link changes (latest state only).
func (p *Port) LinkEvents() <-chan port.LinkState { return p.link }

// notify replaces the pending link event with the new state.
func (p *Port) notify(up bool) {
	select {
	case <-p.link:
	default:
	}
	p.link <- p.linkState(up)
	p.wake()
}

// Stats returns the port counters.
func (p *Port) Stats() port.Stats {
	p.v.com.mu.Lock()
	defer p.v.com.unlock()
	return p.stats
}

// Close detaches the port, frees queued frames and closes LinkEvents.
func (p *Port) Close() error {
	c := p.v.com
	c.mu.Lock()
	defer c.unlock()
	if p.v.port != p {
		return port.ErrClosed
	}
	for p.n > 0 {
		p.ring[p.head].Free()
		p.ring[p.head] = nil
		p.head = (p.head + 1) % len(p.ring)
		p.n--
	}
	p.v.port = nil
	p.closed = true
	close(p.link)
	close(p.ready)
	return nil
}

// setPortOpen changes the port state and tells an attached Port.
func (v *Vap) setPortOpen(open bool) {
	if v.portOpen == open {
		return
	}
	v.portOpen = open
	if open {
		v.roamOpened(v.com.clock.Now())
	}
	if v.port != nil {
		v.port.stats.LinkFlaps++
		v.port.notify(open)
	}
}
