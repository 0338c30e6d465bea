package tundev

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/wire"
)

// MaxMTU is the largest MTU: a frame (for tun, the packet and the
// Ethernet header put in front) must fit one mbuf data room.
const MaxMTU = mbuf.DataRoom - wire.EthernetHeaderLen

// Config is the shape of one device.
type Config struct {
	// Kind is "tap" or "tun", for messages.
	Kind string
	// Mode is unix.IFF_TAP or unix.IFF_TUN (IFF_NO_PI is added).
	Mode uint16
	// MAC is the port's address; zero picks a random locally administered
	// unicast address (IEEE 802 clause 9.2, U/L bit).
	MAC [6]byte
	// MTU of the port; 0 means 1500.
	MTU int
	// Offset is where in the data room a read lands (tun: behind the
	// Ethernet header Frame writes).
	Offset int
	// Frame turns n bytes read at Offset into the frame b carries, or
	// reports false (counted as a receive error, buffer reused). Nil means
	// the bytes are the frame, at least an Ethernet header long.
	Frame func(b *mbuf.Buf, n int) bool
}

// Device is one open TUN/TAP descriptor and the port state around it.
type Device struct {
	cfg  Config
	name string
	fd   int
	pool *mbuf.Pool
	mtu  atomic.Int32

	spare  *mbuf.Buf // next receive buffer (Receive is single-goroutine)
	gather []byte    // Send scratch for chains

	closeMu sync.RWMutex
	closed  bool
	events  chan port.LinkState
	car     carrier // the Linux end's up/down (carrier.go), under closeMu

	rxPackets, rxBytes, rxNoBuf, rxErrors, txPackets, txBytes, txErrors atomic.Uint64
	txPeerDown                                                          atomic.Uint64 // in Stats as TxDropped
}

// Open creates (or attaches to) the Linux device name. It needs
// CAP_NET_ADMIN.
func Open(name string, pool *mbuf.Pool, cfg Config) (*Device, error) {
	if cfg.MTU == 0 {
		cfg.MTU = 1500
	}
	if cfg.MTU < 68 || cfg.MTU > MaxMTU {
		return nil, fmt.Errorf("%s %s: MTU %d outside 68..%d: %w", cfg.Kind, name, cfg.MTU, MaxMTU, port.ErrMTU)
	}
	if cfg.MAC == [6]byte{} {
		if _, err := rand.Read(cfg.MAC[:]); err != nil {
			return nil, err
		}
		cfg.MAC[0] = cfg.MAC[0]&^1 | 2 // unicast, locally administered
	}
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%s %s: open /dev/net/tun: %w (needs the tun module and CAP_NET_ADMIN; run as root)", cfg.Kind, name, err)
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("%s %s: %w", cfg.Kind, name, err)
	}
	ifr.SetUint16(cfg.Mode | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("%s %s: TUNSETIFF: %w (is the name taken by a non-%s device?)", cfg.Kind, name, err, strings.ToUpper(cfg.Kind))
	}
	d := &Device{cfg: cfg, name: ifr.Name(), fd: fd, pool: pool, events: make(chan port.LinkState, 1)}
	d.mtu.Store(int32(cfg.MTU))
	d.watchCarrier() // carrier.go
	return d, nil
}

// Name is the Linux device name.
func (d *Device) Name() string { return d.name }

// Receive reads packets into bufs until the kernel has none or bufs is
// full, and returns how many.
func (d *Device) Receive(bufs []*mbuf.Buf) int {
	d.closeMu.RLock()
	defer d.closeMu.RUnlock()
	if d.closed {
		return 0
	}
	n := 0
	for n < len(bufs) {
		if d.spare == nil {
			b, err := d.pool.Get()
			if err != nil {
				d.rxNoBuf.Add(1)
				break
			}
			d.spare = b
		}
		r, err := unix.Read(d.fd, d.spare.Room()[d.cfg.Offset:])
		if err != nil {
			if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
				d.rxErrors.Add(1)
			}
			break
		}
		if d.cfg.Frame != nil {
			if !d.cfg.Frame(d.spare, r) {
				d.rxErrors.Add(1)
				continue
			}
		} else if r < wire.EthernetHeaderLen {
			d.rxErrors.Add(1)
			continue
		} else {
			_ = d.spare.SetLen(r)
		}
		bufs[n] = d.spare
		d.spare = nil
		d.rxPackets.Add(1)
		d.rxBytes.Add(uint64(r))
		n++
	}
	return n
}

// Send writes b's packet from byte skip on with one write(2), counting it
// as sent or as an error; it does not free b.
func (d *Device) Send(b *mbuf.Buf, skip int) {
	d.closeMu.RLock()
	defer d.closeMu.RUnlock()
	frame := b.Bytes()
	if b.Next() != nil {
		if cap(d.gather) < b.PktLen() {
			d.gather = make([]byte, 0, max(b.PktLen(), 9018))
		}
		frame = d.gather[:b.CopyTo(d.gather[:b.PktLen()])]
	}
	pkt := frame[skip:]
	if d.closed {
		d.txErrors.Add(1)
	} else if _, err := unix.Write(d.fd, pkt); errors.Is(err, unix.EIO) {
		// The Linux end is down (tun_get_user refuses while the device
		// is not IFF_UP): a drop, not an error. The stack's first ARP
		// announcement meets this on every new TAP.
		d.txPeerDown.Add(1)
	} else if err != nil {
		d.txErrors.Add(1)
	} else {
		d.txPackets.Add(1)
		d.txBytes.Add(uint64(len(pkt)))
	}
}

// Poll waits up to ms milliseconds (-1: forever) for the kernel to have a
// packet; port.ErrTimeout when it has none, port.ErrClosed after Close.
func (d *Device) Poll(ms int) error {
	d.closeMu.RLock()
	closed := d.closed
	d.closeMu.RUnlock()
	if closed {
		return port.ErrClosed
	}
	fds := [1]unix.PollFd{{Fd: int32(d.fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds[:], ms)
	if err != nil && !errors.Is(err, unix.EINTR) {
		return err
	}
	if n == 0 {
		return port.ErrTimeout
	}
	return nil
}

// Millis converts a port.Waiter timeout for Poll (negative: forever).
func Millis(timeout time.Duration) int {
	if timeout < 0 {
		return -1
	}
	return int(timeout / time.Millisecond)
}

// MAC implements port.Port.
func (d *Device) MAC() [6]byte { return d.cfg.MAC }

// MTU implements port.Port.
func (d *Device) MTU() int { return int(d.mtu.Load()) }

// SetMTU implements port.Port (our side only; the Linux device's MTU is
// set on the Linux side).
func (d *Device) SetMTU(mtu int) error {
	if mtu < 68 || mtu > MaxMTU {
		return port.ErrMTU
	}
	d.mtu.Store(int32(mtu))
	return nil
}

// Offloads implements port.Port: none.
func (d *Device) Offloads() port.Offloads { return 0 }

// Link implements port.Port: the carrier is up while the descriptor is
// open and the Linux end is not down (carrier.go).
func (d *Device) Link() port.LinkState {
	d.closeMu.RLock()
	defer d.closeMu.RUnlock()
	return d.linkLocked()
}

// LinkEvents implements port.Port.
func (d *Device) LinkEvents() <-chan port.LinkState { return d.events }

// Stats returns the descriptor's counters. TxDropped counts frames written
// while the Linux end was down (EIO), such as the announcement the stack
// sends before Linux brings a new device up (a kind adds its own drops);
// TxErrors every other write failure and frames sent after Close.
func (d *Device) Stats() port.Stats {
	return port.Stats{RxPackets: d.rxPackets.Load(), RxBytes: d.rxBytes.Load(), RxNoBuf: d.rxNoBuf.Load(),
		RxErrors: d.rxErrors.Load(), TxPackets: d.txPackets.Load(), TxBytes: d.txBytes.Load(), TxErrors: d.txErrors.Load(),
		TxDropped: d.txPeerDown.Load()}
}

// Close closes the descriptor (the Linux device goes away) and frees the
// spare buffer; then, still under the close lock, release (may be nil).
// It ends the carrier watcher.
func (d *Device) Close(release func()) error {
	err := d.close(release)
	d.stopCarrier()
	return err
}

func (d *Device) close(release func()) error {
	d.closeMu.Lock()
	defer d.closeMu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	if d.spare != nil {
		d.spare.Free()
		d.spare = nil
	}
	if release != nil {
		release()
	}
	select {
	case <-d.events: // the watcher's last word, unread
	default:
	}
	d.events <- port.LinkState{}
	close(d.events)
	return unix.Close(d.fd)
}

// LinuxName is the Linux device name a cloner gives the interface name of
// its kind (prefix): linuxPrefix and the unit number, or name itself when
// linuxPrefix is empty.
func LinuxName(name, prefix, linuxPrefix string) string {
	if linuxPrefix == "" {
		return name
	}
	return linuxPrefix + strings.TrimPrefix(name, prefix)
}

// Cloned is a kind's stack.Cloner Create result from its Open result.
func Cloned(p port.Port, err error) (port.Port, stack.IfOptions, error) {
	if err != nil {
		return nil, stack.IfOptions{}, err
	}
	return p, stack.IfOptions{}, nil
}
