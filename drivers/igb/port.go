package igb

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
)

// The stack's view of an 82576 (hw/port): Device.Port returns a Port, a
// port.Port whose RxBurst and TxBurst are queue 0's and a port.MultiQueue
// whose queues are the device's queue pairs, each a port.Queue and
// port.CacheUser, and a port.Waiter when the device runs with interrupts
// (a polled queue has nothing to sleep on, so it does not offer Wait and
// the stack backs off instead). Link state comes from Service, which the
// owner runs every 100 ms to 1 s (netif/igb does); the MTU is at most 1500
// because frames never span buffers here.

// MTU bounds: IPv4's minimum (RFC 791) and the largest payload a 2 KiB
// buffer takes without chaining (RCTL.LPE stays off: §8.10.1).
const (
	MinMTU = 68
	MaxMTU = 1500
)

// Port is a Device as a hw/port.Port with several queues.
type Port struct {
	d      *Device
	queues []port.Queue
	mtu    atomic.Int32

	mu     sync.Mutex // guards link, closed; serialises Service
	link   port.LinkState
	flaps  uint64
	linkCh chan port.LinkState
	closed bool
}

var (
	_ port.Port       = (*Port)(nil)
	_ port.MultiQueue = (*Port)(nil)
	_ port.Queue      = (*pollQueue)(nil)
	_ port.CacheUser  = (*pollQueue)(nil)
	_ port.Waiter     = (*irqQueue)(nil)
)

// Port returns the device's hw/port view (the same one on every call).
func (d *Device) Port() *Port {
	if d.port != nil {
		return d.port
	}
	p := &Port{d: d, linkCh: make(chan port.LinkState, 1)}
	p.mtu.Store(MaxMTU)
	for _, q := range d.queues {
		if d.cfg.Interrupts {
			p.queues = append(p.queues, &irqQueue{pollQueue{q}})
		} else {
			p.queues = append(p.queues, &pollQueue{q})
		}
	}
	p.link = d.linkState()
	d.port = p
	return p
}

// Queues implements port.MultiQueue.
func (p *Port) Queues() int { return len(p.queues) }

// Queue implements port.MultiQueue.
func (p *Port) Queue(i int) port.Queue { return p.queues[i] }

// RxBurst implements port.Port: queue 0.
func (p *Port) RxBurst(bufs []*mbuf.Buf) int { return p.d.queues[0].RxBurst(bufs) }

// TxBurst implements port.Port: queue 0.
func (p *Port) TxBurst(bufs []*mbuf.Buf) int { return p.d.queues[0].TxBurst(bufs) }

// MAC implements port.Port.
func (p *Port) MAC() [6]byte { return p.d.mac }

// MTU implements port.Port.
func (p *Port) MTU() int { return int(p.mtu.Load()) }

// SetMTU implements port.Port: MinMTU to MaxMTU (no jumbo frames).
func (p *Port) SetMTU(mtu int) error {
	if mtu < MinMTU || mtu > MaxMTU {
		return fmt.Errorf("%w: %d, want %d to %d (igb does not do jumbo frames)", port.ErrMTU, mtu, MinMTU, MaxMTU)
	}
	p.mtu.Store(int32(mtu))
	return nil
}

// Offloads implements port.Port: none (the stack computes checksums).
func (p *Port) Offloads() port.Offloads { return 0 }

// Link implements port.Port.
func (p *Port) Link() port.LinkState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.link
}

// LinkEvents implements port.Port; Service feeds it, Close closes it.
func (p *Port) LinkEvents() <-chan port.LinkState { return p.linkCh }

// Service is the port's housekeeping: it reads the link from STATUS and
// reports a change on LinkEvents (latest state only). Run it every 100 ms
// to 1 s; it is safe from any goroutine but must not race Close.
func (p *Port) Service() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	lsc := p.d.linkChanged()
	l := p.d.linkState()
	switch {
	case l == p.link && (!lsc || !l.Up):
		return
	case l == p.link:
		// ICR.LSC latched with STATUS as before: the link went down
		// and came back between two looks, a flap counted (two
		// changes) and published again rather than lost (the em
		// driver's rule, drivers/e1000/link.go).
		p.flaps += 2
	case l.Up != p.link.Up:
		p.flaps++
	}
	p.link = l
	select { // latest state only: replace an unread one
	case <-p.linkCh:
	default:
	}
	p.linkCh <- l
}

// Close closes LinkEvents; the Device stays open (its owner closes it).
func (p *Port) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		close(p.linkCh)
	}
}

// Stats implements port.Port: the queues' counters summed.
func (p *Port) Stats() port.Stats {
	var s port.Stats
	for _, q := range p.d.queues {
		st := &q.stats
		s.RxPackets += st.RxPackets.Load()
		s.RxBytes += st.RxBytes.Load()
		s.RxNoBuf += st.RxNoMbuf.Load()
		s.RxErrors += st.RxErrors.Load()
		s.RxDropped += st.RxBadLength.Load() + st.RxChained.Load()
		s.TxPackets += st.TxPackets.Load()
		s.TxBytes += st.TxBytes.Load()
		s.TxDropped += st.TxTooLong.Load() + st.TxForeign.Load()
		s.TxForeign += st.TxForeign.Load()
	}
	p.mu.Lock()
	s.LinkFlaps = p.flaps
	p.mu.Unlock()
	return s
}

// linkChanged reports and clears ICR.LSC: the ICR register (0x01500)
// latches a link status change whether or not IMS enables it, as the
// 8254x's does (SDM §13.4.17; the 82576's interrupts: datasheet §7.3). A
// read clears ICR while IMS is 0 (polling); with MSI-X and IMS.LSC set it
// need not (GPIE.NSICR clear), so the bit is also written back, and
// writing 1 clears it. A virtual function has no ICR: false.
func (d *Device) linkChanged() bool {
	if d.vf != nil {
		return false
	}
	if d.regs.Read32(regICR)&icrLSC == 0 {
		return false
	}
	d.regs.Write32(regICR, icrLSC)
	return true
}

// linkState reads STATUS: LU, FD and SPEED (§8.2.2: bits 7:6, 00 10 Mb/s,
// 01 100 Mb/s, 1x 1000 Mb/s).
func (d *Device) linkState() port.LinkState {
	st := d.regs.Read32(regSTATUS)
	if st&statusLU == 0 {
		return port.LinkState{}
	}
	speed := 1000
	switch st >> 6 & 3 {
	case 0:
		speed = 10
	case 1:
		speed = 100
	}
	return port.LinkState{Up: true, SpeedMbps: speed, FullDuplex: st&statusFD != 0}
}

// pollQueue is a queue pair as a port.Queue and port.CacheUser.
type pollQueue struct{ q *Queue }

func (pq *pollQueue) RxBurst(bufs []*mbuf.Buf) int    { return pq.q.RxBurst(bufs) }
func (pq *pollQueue) TxBurst(bufs []*mbuf.Buf) int    { return pq.q.TxBurst(bufs) }
func (pq *pollQueue) SetRxCache(c *mbuf.Cache) error  { return pq.q.SetRxCache(c) }
func (pq *pollQueue) SetTxCache(c *mbuf.Cache) error  { return pq.q.SetTxCache(c) }
func (pq *pollQueue) String() string                  { return fmt.Sprintf("igb queue %d", pq.q.idx) }
func (iq *irqQueue) Wait(timeout time.Duration) error { return iq.q.waitPort(timeout) }

// irqQueue is a queue pair with its MSI-X vector: also a port.Waiter.
type irqQueue struct{ pollQueue }

// waitPort is Wait with port.Waiter's timeout error.
func (q *Queue) waitPort(timeout time.Duration) error {
	err := q.Wait(timeout)
	if errors.Is(err, ErrTimeout) {
		return port.ErrTimeout
	}
	return err
}
