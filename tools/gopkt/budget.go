package main

import (
	"fmt"
	"strings"

	"github.com/gopkt/gopkt/control"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// The mbuf budget of the daemon's pool (hw/mbuf doc.go "Budget"): the
// protocols park at most Cap − reserve buffers (socket queues, ARP hold
// queues, reassembly), so the reserve always covers what the drivers and
// the packets in flight need, whatever the network sends.

// Per-interface buffers outside any quota, besides the driver's rings.
const (
	ifaceBurst = 2 * 32 // the receive burst array and the transmit queue (stack IfOptions.Burst)
	txCache    = 2 * 64 // the e1000 TX queue's mbuf cache holds up to twice its 64
)

// reserveFor is what one driver can hold at once without any protocol
// parking anything: for the e1000 a full RX ring, its refill cache (up to
// twice RxRefill, which defaults to a quarter of the ring), a full TX
// ring and the TX cache; for tap and loop one spare receive buffer. Plus
// the interface's burst and transmit queue.
func reserveFor(drv driver) int {
	switch e := drv.(type) {
	case *e1000Driver:
		rx, tx := e.cfg.RxDescs, e.cfg.TxDescs
		return rx + 2*max(32, rx/4) + tx + txCache + ifaceBurst
	case *igbDriver:
		return reserveIGB(e)
	default:
		return 1 + ifaceBurst
	}
}

// reserveOf is the reserve for a set of drivers: what their rings and
// caches hold, at least a quarter of the pool. need is the drivers' part.
func reserveOf(drivers []driverArg, capacity int) (reserve, need int) {
	for _, a := range drivers {
		need += reserveFor(a.Drv)
	}
	return max(capacity/4, need), need
}

// newBudget sizes the reserve from the loaded drivers, at least a quarter
// of the pool, and at most three quarters (a pool too small for its rings
// is reported, and then rings and parked buffers compete for it).
func (d *daemon) newBudget() (*mbuf.Budget, error) {
	c := d.pool.Cap()
	reserve, need := reserveOf(d.cfg.Drivers, c)
	if reserve > c*3/4 {
		d.log.Warn("pool too small for the drivers' rings: receive refill is not protected from parked buffers",
			"buffers", c, "rings need", need, "fix", fmt.Sprintf("--buffers %d or more", 4*need))
		reserve = c * 3 / 4
	}
	return mbuf.NewBudget(d.pool, mbuf.BudgetOptions{Reserve: reserve})
}

// growReserve makes room in the budget's reserve for a driver about to be
// mounted, so the reserve is what it would be had the driver been loaded
// with -d: max(Cap/4, every driver's rings). It refuses (ErrBadRequest,
// naming the numbers) when the reserve would pass three quarters of the
// pool, the bound start warns about (a mount is refused rather than
// leaving the protocols less than a quarter), or when the pool has fewer
// free buffers now than the new rings take. It returns the reserve to
// restore if the mount fails after all. d.mu is held.
func (d *daemon) growReserve(drv driver, drivers []driverArg) (old int, err error) {
	b := d.s.Budget()
	c := d.pool.Cap()
	old = b.Reserve()
	reserve, need := reserveOf(drivers, c)
	add := reserveFor(drv)
	reserve, need = max(reserve, need+add), need+add
	if reserve > c*3/4 {
		return old, control.Errorf(control.ErrBadRequest,
			"the pool cannot serve this driver: its rings and caches hold up to %d buffers, the mounted drivers' %d, together %d of the pool's %d (at most three quarters, %d, may be reserved so the protocols keep a quarter); start gopkt with --buffers %d or more, or mount with fewer descriptors (rxdescs=, txdescs=)",
			add, need-add, need, c, c*3/4, (4*need+2)/3)
	}
	if free := c - d.pool.InUse(); free < add {
		return old, control.Errorf(control.ErrBadRequest,
			"the pool cannot serve this driver now: its rings and caches take up to %d buffers and %d of %d are free (%d parked by the protocols); retry when traffic drains, or start gopkt with more --buffers",
			add, free, c, b.Parked())
	}
	if reserve > old {
		if err := b.SetReserve(reserve); err != nil {
			return old, err
		}
	}
	return old, nil
}

// shrinkReserve sets the reserve for the drivers left after an unmount,
// as start would size it for them. d.mu is held.
func (d *daemon) shrinkReserve() {
	b := d.s.Budget()
	c := d.pool.Cap()
	reserve, _ := reserveOf(d.drivers, c)
	if reserve = min(reserve, c*3/4); reserve != b.Reserve() {
		if err := b.SetReserve(reserve); err != nil {
			d.log.Error("budget", "err", err)
		}
	}
}

// statusBudget prints the pool, the budget and every quota: limit, in
// use, peak and refusals by reason, and the UDP per-socket limits with
// their refusals.
func (d *daemon) statusBudget(b *strings.Builder) {
	fmt.Fprintf(b, "pool: %d of %d buffers in use\n", d.pool.InUse(), d.pool.Cap())
	if d.s == nil {
		return
	}
	s := d.s.Budget().Stats()
	fmt.Fprintf(b, "budget: reserve %d (receive refill, rings, in flight), parkable %d, parked %d, refused %d\n",
		s.Reserve, s.Limit, s.Parked, s.Refused)
	for _, q := range s.Quotas {
		fmt.Fprintf(b, "  quota %-10s limit %5d in use %5d peak %5d refused %d (quota) %d (budget)\n",
			q.Name, q.Limit, q.InUse, q.Peak, q.RefusedQuota, q.RefusedBudget)
	}
	if d.udp != nil {
		o, u := d.udp.Options(), d.udp.Stats()
		fmt.Fprintf(b, "  udp per socket: %d mbufs, %d bytes; refused: socket-mbufs %d socket-bytes %d closing %d\n",
			o.Queue, o.ReadBuffer, u.RcvbufSocketBuffers, u.RcvbufSocketBytes, u.RcvbufClosed)
	}
}
