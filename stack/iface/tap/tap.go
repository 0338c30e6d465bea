package tap

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
	"github.com/gopkt/gopkt/stack/wire"
)

// MaxMTU is the largest MTU: a frame must fit one mbuf data room.
const MaxMTU = mbuf.DataRoom - wire.EthernetHeaderLen

// Options configure a TAP port.
type Options struct {
	// MAC is our address on the link; zero picks a random locally
	// administered unicast address (IEEE 802 clause 9.2, U/L bit).
	MAC [6]byte
	// MTU is our MTU; 0 means 1500.
	MTU int
}

// Port is one TAP device, seen from the stack's side.
type Port struct {
	name string
	fd   int
	pool *mbuf.Pool
	mac  [6]byte
	mtu  atomic.Int32

	spare  *mbuf.Buf // next receive buffer (RxBurst is single-goroutine)
	gather []byte    // TxBurst scratch for chains

	closeMu sync.RWMutex
	closed  bool
	events  chan port.LinkState

	rxPackets, rxBytes, rxNoBuf, rxErrors, txPackets, txBytes, txErrors atomic.Uint64
	txPeerDown                                                          atomic.Uint64 // in Stats as TxDropped
}

// Open creates (or attaches to) the Linux TAP device name and returns its
// port. It needs CAP_NET_ADMIN.
func Open(name string, pool *mbuf.Pool, o Options) (*Port, error) {
	if o.MTU == 0 {
		o.MTU = 1500
	}
	if o.MTU < 68 || o.MTU > MaxMTU {
		return nil, fmt.Errorf("tap %s: MTU %d outside 68..%d: %w", name, o.MTU, MaxMTU, port.ErrMTU)
	}
	if o.MAC == [6]byte{} {
		if _, err := rand.Read(o.MAC[:]); err != nil {
			return nil, err
		}
		o.MAC[0] = o.MAC[0]&^1 | 2 // unicast, locally administered
	}
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("tap %s: open /dev/net/tun: %w (needs the tun module and CAP_NET_ADMIN; run as root)", name, err)
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("tap %s: %w", name, err)
	}
	ifr.SetUint16(unix.IFF_TAP | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("tap %s: TUNSETIFF: %w (is the name taken by a non-TAP device?)", name, err)
	}
	p := &Port{name: ifr.Name(), fd: fd, pool: pool, mac: o.MAC, events: make(chan port.LinkState, 1)}
	p.mtu.Store(int32(o.MTU))
	return p, nil
}

// Name is the Linux device name.
func (p *Port) Name() string { return p.name }

// RxBurst implements port.Port: it reads frames until the kernel has none or
// bufs is full.
func (p *Port) RxBurst(bufs []*mbuf.Buf) int {
	p.closeMu.RLock()
	defer p.closeMu.RUnlock()
	if p.closed {
		return 0
	}
	n := 0
	for n < len(bufs) {
		if p.spare == nil {
			b, err := p.pool.Get()
			if err != nil {
				p.rxNoBuf.Add(1)
				break
			}
			p.spare = b
		}
		r, err := unix.Read(p.fd, p.spare.Room())
		if err != nil {
			if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
				p.rxErrors.Add(1)
			}
			break
		}
		if r < wire.EthernetHeaderLen {
			p.rxErrors.Add(1)
			continue
		}
		_ = p.spare.SetLen(r)
		bufs[n] = p.spare
		p.spare = nil
		p.rxPackets.Add(1)
		p.rxBytes.Add(uint64(r))
		n++
	}
	return n
}

// TxBurst implements port.Port: every frame is written (or counted as an
// error) and freed.
func (p *Port) TxBurst(bufs []*mbuf.Buf) int {
	p.closeMu.RLock()
	defer p.closeMu.RUnlock()
	for i, b := range bufs {
		bufs[i] = nil
		frame := b.Bytes()
		if b.Next() != nil {
			if cap(p.gather) < b.PktLen() {
				p.gather = make([]byte, 0, max(b.PktLen(), 9018))
			}
			frame = p.gather[:b.CopyTo(p.gather[:b.PktLen()])]
		}
		if p.closed {
			p.txErrors.Add(1)
		} else if _, err := unix.Write(p.fd, frame); errors.Is(err, unix.EIO) {
			// The Linux end is down (tun_get_user refuses while the
			// device is not IFF_UP): a drop, not an error. The stack's
			// first ARP announcement meets this on every new TAP.
			p.txPeerDown.Add(1)
		} else if err != nil {
			p.txErrors.Add(1)
		} else {
			p.txPackets.Add(1)
			p.txBytes.Add(uint64(len(frame)))
		}
		b.Free()
	}
	return len(bufs)
}

// Wait implements port.Waiter with poll(2) on the TAP descriptor.
func (p *Port) Wait(timeout time.Duration) error {
	p.closeMu.RLock()
	closed := p.closed
	p.closeMu.RUnlock()
	if closed {
		return port.ErrClosed
	}
	ms := -1
	if timeout >= 0 {
		ms = int(timeout / time.Millisecond)
	}
	fds := [1]unix.PollFd{{Fd: int32(p.fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds[:], ms)
	if err != nil && !errors.Is(err, unix.EINTR) {
		return err
	}
	if n == 0 {
		return port.ErrTimeout
	}
	return nil
}

// MAC implements port.Port.
func (p *Port) MAC() [6]byte { return p.mac }

// MTU implements port.Port.
func (p *Port) MTU() int { return int(p.mtu.Load()) }

// SetMTU implements port.Port (our side only; the Linux device's MTU is set
// on the Linux side).
func (p *Port) SetMTU(mtu int) error {
	if mtu < 68 || mtu > MaxMTU {
		return port.ErrMTU
	}
	p.mtu.Store(int32(mtu))
	return nil
}

// Offloads implements port.Port: none (frames are plain Ethernet).
func (p *Port) Offloads() port.Offloads { return 0 }

// Link implements port.Port: the TAP carrier is up while the descriptor is
// open.
func (p *Port) Link() port.LinkState {
	p.closeMu.RLock()
	defer p.closeMu.RUnlock()
	return port.LinkState{Up: !p.closed, SpeedMbps: 10000, FullDuplex: true}
}

// LinkEvents implements port.Port.
func (p *Port) LinkEvents() <-chan port.LinkState { return p.events }

// Stats implements port.Port. TxDropped counts frames written while the
// Linux end was down (EIO), such as the announcement the stack sends
// before Linux brings a new TAP up; TxErrors every other write failure
// and frames sent after Close.
func (p *Port) Stats() port.Stats {
	return port.Stats{RxPackets: p.rxPackets.Load(), RxBytes: p.rxBytes.Load(), RxNoBuf: p.rxNoBuf.Load(),
		RxErrors: p.rxErrors.Load(), TxPackets: p.txPackets.Load(), TxBytes: p.txBytes.Load(), TxErrors: p.txErrors.Load(),
		TxDropped: p.txPeerDown.Load()}
}

// Close closes the descriptor (the Linux device goes away) and frees the
// spare buffer.
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
	p.events <- port.LinkState{}
	close(p.events)
	return unix.Close(p.fd)
}

var (
	_ port.Port   = (*Port)(nil)
	_ port.Waiter = (*Port)(nil)
)
