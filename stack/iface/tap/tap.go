package tap

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack/iface/internal/tundev"
)

// MaxMTU is the largest MTU: a frame must fit one mbuf data room.
const MaxMTU = tundev.MaxMTU

// Options configure a TAP port.
type Options struct {
	// MAC is our address on the link; zero picks a random locally
	// administered unicast address (IEEE 802 clause 9.2, U/L bit).
	MAC [6]byte
	// MTU is our MTU; 0 means 1500.
	MTU int
}

// device is tundev.Device under a name that embeds as an unexported
// field: callers get its methods, not a field they could reassign.
type device = tundev.Device

// Port is one TAP device, seen from the stack's side. Name, MAC, MTU,
// SetMTU, Offloads (none), Link (up while open), LinkEvents and Stats come
// from the shared descriptor.
type Port struct {
	*device // the shared descriptor; its methods are the port's
}

// Open creates (or attaches to) the Linux TAP device name and returns its
// port. It needs CAP_NET_ADMIN.
func Open(name string, pool *mbuf.Pool, o Options) (*Port, error) {
	d, err := tundev.Open(name, pool, tundev.Config{Kind: "tap", Mode: unix.IFF_TAP, MAC: o.MAC, MTU: o.MTU})
	if err != nil {
		return nil, err
	}
	return &Port{device: d}, nil
}

// RxBurst implements port.Port: it reads frames until the kernel has none or
// bufs is full.
func (p *Port) RxBurst(bufs []*mbuf.Buf) int { return p.Receive(bufs) }

// TxBurst implements port.Port: every frame is written (or counted as an
// error) and freed.
func (p *Port) TxBurst(bufs []*mbuf.Buf) int {
	for i, b := range bufs {
		bufs[i] = nil
		p.Send(b, 0)
		b.Free()
	}
	return len(bufs)
}

// Wait implements port.Waiter with poll(2) on the TAP descriptor.
func (p *Port) Wait(timeout time.Duration) error { return p.Poll(tundev.Millis(timeout)) }

// Close closes the descriptor (the Linux device goes away) and frees the
// spare buffer.
func (p *Port) Close() error { return p.device.Close(nil) }

var (
	_ port.Port   = (*Port)(nil)
	_ port.Waiter = (*Port)(nil)
)
