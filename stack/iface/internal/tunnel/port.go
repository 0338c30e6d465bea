package tunnel

import (
	"crypto/rand"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/internal/p2p"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/wire"
)

// Encap is what differs between tunnel kinds.
type Encap interface {
	// Overhead is the tunnel header length in front of the inner packet
	// (the outer IPv4 header not counted).
	Overhead() int
	// Push writes the tunnel header in front of b, which starts at an
	// inner packet of type et, and returns the outer protocol number;
	// false when it cannot (no headroom, an inner type it does not carry).
	Push(b *mbuf.Buf, et wire.EtherType) (wire.IPProtocol, bool)
}

// Config is a tunnel's endpoints and shape.
type Config struct {
	Local, Remote wire.Addr4
	// MTU of the tunnel interface; 0 means 1500 less the outer IPv4
	// header and the tunnel header, so inner packets of that size fit an
	// Ethernet path without outer fragmentation.
	MTU int
	// TTL of the outer header; 0 means the IPv4 default.
	TTL uint8
	// Key and HasKey: the GRE key (RFC 2890 §2.1) this tunnel sends and
	// accepts; packets without a key, or with another, are not its.
	Key    uint32
	HasKey bool
}

// MaxNesting bounds how many tunnels a packet may pass through on its way
// out (a tunnel whose remote is routed through another tunnel); deeper,
// or back into itself, is a loop.
const MaxNesting = 4

// Port is the device behind a tunnel interface.
type Port struct {
	ip    *ipv4.IPv4
	cfg   Config
	enc   Encap
	mac   [6]byte
	mtu   atomic.Int32
	ifc   atomic.Pointer[stack.Interface]
	arp   atomic.Pointer[p2p.Answers]
	timer *time.Timer // Wait's, reused (one receive goroutine)

	table  *Table // set by Cloner.Add; Close leaves it
	events chan port.LinkState
	closed atomic.Bool

	txPackets, txBytes, txLoops, txErrors, txNoRoute atomic.Uint64
	rxPackets, rxBytes, rxErrors                     atomic.Uint64
}

// NewPort builds the port of a tunnel interface; Bind ties it to the
// interface once the stack has made it.
func NewPort(ip *ipv4.IPv4, cfg Config, enc Encap) (*Port, error) {
	if cfg.MTU == 0 {
		cfg.MTU = 1500 - wire.IPv4MinHeaderLen - enc.Overhead()
	}
	p := &Port{ip: ip, cfg: cfg, enc: enc, events: make(chan port.LinkState, 1), timer: time.NewTimer(time.Hour)}
	p.timer.Stop()
	if _, err := rand.Read(p.mac[:]); err != nil {
		return nil, err
	}
	p.mac[0] = p.mac[0]&^1 | 2
	p.mtu.Store(int32(cfg.MTU))
	return p, nil
}

// Bind ties the port to its interface: from now on received packets are
// delivered and the stack's ARP requests answered.
func (p *Port) Bind(ifc *stack.Interface) {
	p.arp.Store(p2p.NewAnswers(ifc.Stack().Pool()))
	p.ifc.Store(ifc)
}

// Config returns the tunnel's configuration.
func (p *Port) Config() Config { return p.cfg }

// Encap returns the port's encapsulation.
func (p *Port) Encap() Encap { return p.enc }

// Matches reports whether an outer packet from src to dst belongs here.
func (p *Port) Matches(src, dst wire.Addr4) bool {
	return src == p.cfg.Remote && dst == p.cfg.Local && !p.closed.Load()
}

// looped reports whether the outer packets would come back into this
// tunnel (its remote routed through itself, directly or through other
// tunnels) or nest deeper than MaxNesting.
func (p *Port) looped() bool {
	dst := p.cfg.Remote
	for range MaxNesting {
		ifc, _, err := p.ip.Route(dst)
		if err != nil {
			return false // Output counts the missing route
		}
		q, ok := ifc.Port().(*Port)
		if !ok {
			return false
		}
		if q == p {
			return true
		}
		dst = q.cfg.Remote
	}
	return true
}

// TxBurst implements port.Port: each IP frame loses its Ethernet header,
// gains the tunnel header and goes to IPv4 output towards the remote
// endpoint (RFC 2003 §3: the outer TOS is the inner one). ARP requests
// and IPv6 neighbour solicitations are answered; other frames, frames
// without headroom and frames of a looped tunnel (counted: TxLoops,
// Stats().TxErrors) are freed. It takes every frame.
func (p *Port) TxBurst(bufs []*mbuf.Buf) int {
	loop := p.looped()
	for i, b := range bufs {
		bufs[i] = nil
		p.send(b, loop)
	}
	return len(bufs)
}

func (p *Port) send(b *mbuf.Buf, loop bool) {
	if b.Len() < wire.EthernetHeaderLen {
		p.txErrors.Add(1)
		b.Free()
		return
	}
	et := wire.Ethernet(b.Bytes()).Type()
	if et == wire.EtherTypeARP {
		if a := p.arp.Load(); a == nil || !a.Answer(b.Bytes()) {
			p.txErrors.Add(1)
		}
		b.Free()
		return
	}
	if et == wire.EtherTypeIPv6 && p2p.IsSolicitation(b.Bytes()) {
		// Answered here like ARP (none for a DAD probe: no one else is
		// on the link); never sent into the tunnel.
		if a := p.arp.Load(); a != nil {
			a.Answer(b.Bytes())
		}
		b.Free()
		return
	}
	if loop {
		p.txLoops.Add(1)
		b.Free()
		return
	}
	_, _ = b.Pull(wire.EthernetHeaderLen)
	var tos uint8
	if et == wire.EtherTypeIPv4 && b.Len() >= wire.IPv4MinHeaderLen {
		tos = b.Bytes()[1]
	}
	proto, ok := p.enc.Push(b, et)
	if !ok {
		p.txErrors.Add(1)
		b.Free()
		return
	}
	n := b.PktLen()
	if err := p.ip.Output(b, ipv4.Header{Src: p.cfg.Local, Dst: p.cfg.Remote, Protocol: proto, TTL: p.cfg.TTL, TOS: tos}); err != nil {
		p.txNoRoute.Add(1)
		return
	}
	p.txPackets.Add(1)
	p.txBytes.Add(uint64(n))
}

// Deliver hands b, a decapsulated inner packet of type et, to the tunnel
// interface behind an Ethernet header (to the interface, from
// p2p.PeerMAC), and takes ownership of it. It runs inside the burst that
// received the outer packet.
func (p *Port) Deliver(b *mbuf.Buf, et wire.EtherType) {
	ifc := p.ifc.Load()
	if ifc == nil || b.Len() == 0 {
		p.rxErrors.Add(1)
		b.Free()
		return
	}
	h, err := b.Push(wire.EthernetHeaderLen)
	if err != nil {
		p.rxErrors.Add(1)
		b.Free()
		return
	}
	e := wire.Ethernet(h)
	e.SetDst(p.mac)
	e.SetSrc(p2p.PeerMAC())
	e.SetType(et)
	p.rxPackets.Add(1)
	p.rxBytes.Add(uint64(b.PktLen() - wire.EthernetHeaderLen))
	ifc.InputFrame(b)
}

// RxError counts a malformed packet for this tunnel (the caller frees it).
func (p *Port) RxError() { p.rxErrors.Add(1) }

// RxBurst implements port.Port: only the ARP answers the port made.
func (p *Port) RxBurst(bufs []*mbuf.Buf) int {
	if a := p.arp.Load(); a != nil {
		return a.Take(bufs)
	}
	return 0
}

// Wait implements port.Waiter: until an ARP answer is queued.
func (p *Port) Wait(timeout time.Duration) error {
	if p.closed.Load() {
		return port.ErrClosed
	}
	a := p.arp.Load()
	if a == nil {
		time.Sleep(min(max(timeout, 0), 10*time.Millisecond))
		return port.ErrTimeout
	}
	if !a.WaitFor(timeout, p.timer) {
		return port.ErrTimeout
	}
	return nil
}

// MAC implements port.Port.
func (p *Port) MAC() [6]byte { return p.mac }

// MTU implements port.Port.
func (p *Port) MTU() int { return int(p.mtu.Load()) }

// SetMTU implements port.Port.
func (p *Port) SetMTU(mtu int) error {
	if mtu < 68 || mtu > mbuf.DataRoom-wire.EthernetHeaderLen {
		return port.ErrMTU
	}
	p.mtu.Store(int32(mtu))
	return nil
}

// Offloads implements port.Port: none.
func (p *Port) Offloads() port.Offloads { return 0 }

// Link implements port.Port: up until closed.
func (p *Port) Link() port.LinkState {
	return port.LinkState{Up: !p.closed.Load(), SpeedMbps: 10000, FullDuplex: true}
}

// LinkEvents implements port.Port.
func (p *Port) LinkEvents() <-chan port.LinkState { return p.events }

// Stats are a tunnel's counters.
type Stats struct {
	TxPackets, TxBytes uint64 // inner packets encapsulated and handed to IPv4
	TxLoops            uint64 // dropped: the tunnel is routed into itself or nested deeper than MaxNesting
	TxErrors           uint64 // dropped: not IP, no headroom, unanswerable ARP
	TxNoRoute          uint64 // IPv4 could not send the outer packet
	RxPackets, RxBytes uint64 // inner packets delivered
	RxErrors           uint64 // malformed or unacceptable tunnel packets for this tunnel
}

// TunnelStats returns the tunnel's counters.
func (p *Port) TunnelStats() Stats {
	return Stats{TxPackets: p.txPackets.Load(), TxBytes: p.txBytes.Load(), TxLoops: p.txLoops.Load(),
		TxErrors: p.txErrors.Load(), TxNoRoute: p.txNoRoute.Load(),
		RxPackets: p.rxPackets.Load(), RxBytes: p.rxBytes.Load(), RxErrors: p.rxErrors.Load()}
}

// Stats implements port.Port.
func (p *Port) Stats() port.Stats {
	return port.Stats{RxPackets: p.rxPackets.Load(), RxBytes: p.rxBytes.Load(), RxErrors: p.rxErrors.Load(),
		TxPackets: p.txPackets.Load(), TxBytes: p.txBytes.Load(), TxDropped: p.txLoops.Load() + p.txErrors.Load() + p.txNoRoute.Load()}
}

// Close takes the tunnel down and out of its table (stack.Destroy calls
// it after detaching the interface).
func (p *Port) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	if p.table != nil {
		p.table.Remove(p)
	}
	if a := p.arp.Load(); a != nil {
		a.Close()
	}
	p.events <- port.LinkState{}
	close(p.events)
	return nil
}

var (
	_ port.Port   = (*Port)(nil)
	_ port.Waiter = (*Port)(nil)
)
