package tun

import (
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack/iface/internal/p2p"
	"github.com/gopkt/gopkt/stack/iface/internal/tundev"
	"github.com/gopkt/gopkt/stack/wire"
)

// MaxMTU is the largest MTU: a packet and the Ethernet header the port
// puts in front must fit one data room.
const MaxMTU = tundev.MaxMTU

// Options configure a TUN port.
type Options struct {
	// MAC is our address on the (fictional) link; zero picks a random
	// locally administered unicast address.
	MAC [6]byte
	// MTU is our MTU; 0 means 1500.
	MTU int
}

// device is tundev.Device under a name that embeds as an unexported
// field: callers get its methods, not a field they could reassign.
type device = tundev.Device

// Port is one TUN device, seen from the stack's side. Name, MAC, MTU,
// SetMTU, Offloads (none), Link (up while open) and LinkEvents come from
// the shared descriptor.
type Port struct {
	*device                // the shared descriptor; its methods are the port's
	arp       *p2p.Answers // ARP answers waiting for RxBurst
	txDropped atomic.Uint64
}

// Open creates (or attaches to) the Linux TUN device name. It needs
// CAP_NET_ADMIN.
func Open(name string, pool *mbuf.Pool, o Options) (*Port, error) {
	p := &Port{arp: p2p.NewAnswers(pool)}
	d, err := tundev.Open(name, pool, tundev.Config{Kind: "tun", Mode: unix.IFF_TUN, MAC: o.MAC, MTU: o.MTU,
		Offset: wire.EthernetHeaderLen, Frame: p.frame})
	if err != nil {
		return nil, err
	}
	p.device = d
	return p, nil
}

// frame puts a synthetic Ethernet header in front of the n-byte packet
// read behind it: to our MAC, from p2p.PeerMAC, EtherType from the IP
// version nibble. Anything but IP is refused (nothing a TUN device should
// carry).
func (p *Port) frame(b *mbuf.Buf, n int) bool {
	room := b.Room()
	var et wire.EtherType
	switch {
	case n >= 1 && room[wire.EthernetHeaderLen]>>4 == 4:
		et = wire.EtherTypeIPv4
	case n >= 1 && room[wire.EthernetHeaderLen]>>4 == 6:
		et = wire.EtherTypeIPv6
	default:
		return false
	}
	_ = b.SetLen(n + wire.EthernetHeaderLen)
	e := wire.Ethernet(b.Bytes())
	e.SetDst(p.MAC())
	e.SetSrc(p2p.PeerMAC())
	e.SetType(et)
	return true
}

// RxBurst implements port.Port: ARP answers first, then packets from the
// kernel, each behind a synthetic Ethernet header.
func (p *Port) RxBurst(bufs []*mbuf.Buf) int {
	n := p.arp.Take(bufs)
	return n + p.Receive(bufs[n:])
}

// TxBurst implements port.Port: IP packets are written without their
// Ethernet header; ARP requests are answered (p2p.Answers); anything else is
// counted (TxDropped). Every buffer is taken and freed.
func (p *Port) TxBurst(bufs []*mbuf.Buf) int {
	for i, b := range bufs {
		bufs[i] = nil
		p.send(b)
		b.Free()
	}
	return len(bufs)
}

func (p *Port) send(b *mbuf.Buf) {
	if b.Len() < wire.EthernetHeaderLen {
		p.txDropped.Add(1)
		return
	}
	switch wire.Ethernet(b.Bytes()).Type() {
	case wire.EtherTypeIPv4, wire.EtherTypeIPv6:
		p.Send(b, wire.EthernetHeaderLen)
	case wire.EtherTypeARP:
		if !p.arp.Answer(b.Bytes()) {
			p.txDropped.Add(1)
		}
	default:
		p.txDropped.Add(1)
	}
}

// Wait implements port.Waiter with poll(2) on the TUN descriptor; queued
// ARP answers end it at once.
func (p *Port) Wait(timeout time.Duration) error {
	if p.arp.Pending() > 0 {
		return nil
	}
	// Wake at least every 10 ms so an ARP answer queued by a transmit on
	// another goroutine waits no longer than that.
	ms := 10
	if timeout >= 0 && timeout < 10*time.Millisecond {
		ms = tundev.Millis(timeout)
	}
	err := p.Poll(ms)
	if err == port.ErrTimeout && p.arp.Pending() > 0 {
		return nil
	}
	return err
}

// Stats implements port.Port.
func (p *Port) Stats() port.Stats {
	s := p.device.Stats()
	s.TxDropped += p.txDropped.Load()
	return s
}

// Close closes the descriptor (the Linux device goes away) and frees the
// buffers the port holds.
func (p *Port) Close() error { return p.device.Close(p.arp.Close) }

var (
	_ port.Port   = (*Port)(nil)
	_ port.Waiter = (*Port)(nil)
)
