package tun

import (
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack/iface/internal/p2p"
	"github.com/gopkt/gopkt/stack/wire"
)

// MaxMTU is the largest MTU: a packet and the Ethernet header the port
// puts in front must fit one data room.
const MaxMTU = mbuf.DataRoom - wire.EthernetHeaderLen

// Options configure a TUN port.
type Options struct {
	// MAC is our address on the (fictional) link; zero picks a random
	// locally administered unicast address.
	MAC [6]byte
	// MTU is our MTU; 0 means 1500.
	MTU int
}

// Port is one TUN device, seen from the stack's side.
type Port struct {
	name string
	fd   int
	pool *mbuf.Pool
	mac  [6]byte
	mtu  atomic.Int32

	spare  *mbuf.Buf // next receive buffer (RxBurst is single-goroutine)
	gather []byte    // TxBurst scratch for chains

	arp *p2p.Answers // ARP answers waiting for RxBurst

	closeMu sync.RWMutex
	closed  bool
	events  chan port.LinkState

	rxPackets, rxBytes, rxNoBuf, rxErrors, txPackets, txBytes, txErrors, txDropped atomic.Uint64
}

// Open creates (or attaches to) the Linux TUN device name. It needs
// CAP_NET_ADMIN.
func Open(name string, pool *mbuf.Pool, o Options) (*Port, error) {
	if o.MTU == 0 {
		o.MTU = 1500
	}
	if o.MTU < 68 || o.MTU > MaxMTU {
		return nil, fmt.Errorf("tun %s: MTU %d outside 68..%d: %w", name, o.MTU, MaxMTU, port.ErrMTU)
	}
	if o.MAC == [6]byte{} {
		if _, err := rand.Read(o.MAC[:]); err != nil {
			return nil, err
		}
		o.MAC[0] = o.MAC[0]&^1 | 2
	}
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("tun %s: open /dev/net/tun: %w (needs the tun module and CAP_NET_ADMIN; run as root)", name, err)
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("tun %s: %w", name, err)
	}
	ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("tun %s: TUNSETIFF: %w (is the name taken by a non-TUN device?)", name, err)
	}
	p := &Port{name: ifr.Name(), fd: fd, pool: pool, mac: o.MAC, events: make(chan port.LinkState, 1), arp: p2p.NewAnswers(pool)}
	p.mtu.Store(int32(o.MTU))
	return p, nil
}

// Name is the Linux device name.
func (p *Port) Name() string { return p.name }

// RxBurst implements port.Port: ARP answers first, then packets from the
// kernel, each behind a synthetic Ethernet header.
func (p *Port) RxBurst(bufs []*mbuf.Buf) int {
	p.closeMu.RLock()
	defer p.closeMu.RUnlock()
	if p.closed {
		return 0
	}
	n := p.arp.Take(bufs)
	for n < len(bufs) {
		if p.spare == nil {
			b, err := p.pool.Get()
			if err != nil {
				p.rxNoBuf.Add(1)
				break
			}
			p.spare = b
		}
		room := p.spare.Room()
		r, err := unix.Read(p.fd, room[wire.EthernetHeaderLen:])
		if err != nil {
			if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
				p.rxErrors.Add(1)
			}
			break
		}
		var et wire.EtherType
		switch {
		case r >= 1 && room[wire.EthernetHeaderLen]>>4 == 4:
			et = wire.EtherTypeIPv4
		case r >= 1 && room[wire.EthernetHeaderLen]>>4 == 6:
			et = wire.EtherTypeIPv6
		default:
			p.rxErrors.Add(1) // not IP: nothing a TUN device should carry
			continue
		}
		_ = p.spare.SetLen(r + wire.EthernetHeaderLen)
		e := wire.Ethernet(p.spare.Bytes())
		e.SetDst(p.mac)
		e.SetSrc(p2p.PeerMAC())
		e.SetType(et)
		bufs[n] = p.spare
		p.spare = nil
		p.rxPackets.Add(1)
		p.rxBytes.Add(uint64(r))
		n++
	}
	return n
}

// TxBurst implements port.Port: IP packets are written without their
// Ethernet header; ARP requests are answered (p2p.Answers); anything else is
// counted (TxDropped). Every buffer is taken and freed.
func (p *Port) TxBurst(bufs []*mbuf.Buf) int {
	p.closeMu.RLock()
	defer p.closeMu.RUnlock()
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
	case wire.EtherTypeARP:
		if !p.arp.Answer(b.Bytes()) {
			p.txDropped.Add(1)
		}
		return
	default:
		p.txDropped.Add(1)
		return
	}
	frame := b.Bytes()
	if b.Next() != nil {
		if cap(p.gather) < b.PktLen() {
			p.gather = make([]byte, 0, max(b.PktLen(), 9018))
		}
		frame = p.gather[:b.CopyTo(p.gather[:b.PktLen()])]
	}
	pkt := frame[wire.EthernetHeaderLen:]
	if p.closed {
		p.txErrors.Add(1)
	} else if _, err := unix.Write(p.fd, pkt); err != nil {
		p.txErrors.Add(1)
	} else {
		p.txPackets.Add(1)
		p.txBytes.Add(uint64(len(pkt)))
	}
}

// Wait implements port.Waiter with poll(2) on the TUN descriptor; queued
// ARP answers end it at once.
func (p *Port) Wait(timeout time.Duration) error {
	p.closeMu.RLock()
	closed := p.closed
	p.closeMu.RUnlock()
	if closed {
		return port.ErrClosed
	}
	if p.arp.Pending() > 0 {
		return nil
	}
	// Wake at least every 10 ms so an ARP answer queued by a transmit on
	// another goroutine waits no longer than that.
	ms := 10
	if timeout >= 0 && timeout < 10*time.Millisecond {
		ms = int(timeout / time.Millisecond)
	}
	fds := [1]unix.PollFd{{Fd: int32(p.fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds[:], ms)
	if err != nil && !errors.Is(err, unix.EINTR) {
		return err
	}
	if n == 0 && p.arp.Pending() == 0 {
		return port.ErrTimeout
	}
	return nil
}

// MAC implements port.Port.
func (p *Port) MAC() [6]byte { return p.mac }

// MTU implements port.Port.
func (p *Port) MTU() int { return int(p.mtu.Load()) }

// SetMTU implements port.Port (our side only).
func (p *Port) SetMTU(mtu int) error {
	if mtu < 68 || mtu > MaxMTU {
		return port.ErrMTU
	}
	p.mtu.Store(int32(mtu))
	return nil
}

// Offloads implements port.Port: none.
func (p *Port) Offloads() port.Offloads { return 0 }

// Link implements port.Port: up while the descriptor is open.
func (p *Port) Link() port.LinkState {
	p.closeMu.RLock()
	defer p.closeMu.RUnlock()
	return port.LinkState{Up: !p.closed, SpeedMbps: 10000, FullDuplex: true}
}

// LinkEvents implements port.Port.
func (p *Port) LinkEvents() <-chan port.LinkState { return p.events }

// Stats implements port.Port.
func (p *Port) Stats() port.Stats {
	return port.Stats{RxPackets: p.rxPackets.Load(), RxBytes: p.rxBytes.Load(), RxNoBuf: p.rxNoBuf.Load(),
		RxErrors: p.rxErrors.Load(), TxPackets: p.txPackets.Load(), TxBytes: p.txBytes.Load(),
		TxErrors: p.txErrors.Load(), TxDropped: p.txDropped.Load()}
}

// Close closes the descriptor (the Linux device goes away) and frees the
// buffers the port holds.
func (p *Port) Close() error {
	p.closeMu.Lock()
	defer p.closeMu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	if p.spare != nil {
		p.spare.Free()
		p.spare = nil
	}
	p.arp.Close()
	p.events <- port.LinkState{}
	close(p.events)
	return unix.Close(p.fd)
}

var (
	_ port.Port   = (*Port)(nil)
	_ port.Waiter = (*Port)(nil)
)
