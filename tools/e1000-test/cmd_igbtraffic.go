package main

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/drivers/igb"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// pktgen, rx and fwd over 82576s (drivers/igb) with --queues N: one
// goroutine per queue pair, each busy-polling its own queue(s) with its own
// mbuf cache, as DPDK's testpmd runs one forwarding lcore per stream set.
// The main goroutine only prints: a line per second with the total rate
// and each queue's, and a summary per queue at the end.

// igbFrames are the template frames a sender copies: UDP/IPv4 frames of
// flows distinct source ports (buildIGBFrame's format), so that a receiver's
// RSS spreads them; frame k of a burst is template k mod flows.
type igbFrames struct {
	size int
	tmpl [][]byte
}

func newIGBFrames(size, flows int, dst, src [6]byte, pool *mbuf.Pool) (*igbFrames, error) {
	f := &igbFrames{size: size}
	for i := range flows {
		b, err := pool.Get()
		if err != nil {
			return nil, err
		}
		buildIGBFrame(b, size, dst, src, i, 0, 0)
		f.tmpl = append(f.tmpl, append([]byte(nil), b.Bytes()...))
		b.Free()
	}
	return f, nil
}

// fill writes templates into bufs starting at flow *next (fresh buffers
// take any size up to DataRoom). 60-byte frames are copied as arrays: a
// few vector moves instead of a memmove call each.
func (f *igbFrames) fill(bufs []*mbuf.Buf, next *int) {
	k := *next
	if f.size == minFrame {
		for _, b := range bufs {
			_ = b.SetLen(minFrame)
			*(*[minFrame]byte)(b.Bytes()) = *(*[minFrame]byte)(f.tmpl[k])
			if k++; k == len(f.tmpl) {
				k = 0
			}
		}
	} else {
		for _, b := range bufs {
			_ = b.SetLen(f.size)
			copy(b.Bytes(), f.tmpl[k])
			if k++; k == len(f.tmpl) {
				k = 0
			}
		}
	}
	*next = k
}

// pollCtl tells polling goroutines when to stop: at the deadline, which
// each checks on its own, or when stop is set (^C, or the deadline seen by
// the printer). The pollers must not depend on the printer for the
// deadline: with GOMAXPROCS at the number of pollers the printer runs
// only when the runtime preempts one, and a guest vCPU that stops taking
// interrupts (QEMU 10 under TCG did, in one benchmark run) never delivers
// the preemption signal.
type pollCtl struct {
	stop     atomic.Bool
	deadline int64 // Unix ns; 0: none
}

// idleWait bounds a receiver's sleep on its queue's interrupt (--mode
// interrupt or adaptive), so that it sees the deadline and ^C.
const idleWait = 20 * time.Millisecond

// expired reports whether the poller should stop, reading the clock now
// (after a sleep, more's every-1024th-call check could come seconds late).
func (p *pollCtl) expired() bool {
	if p.stop.Load() {
		return true
	}
	if p.deadline != 0 && time.Now().UnixNano() >= p.deadline {
		p.stop.Store(true)
		return true
	}
	return false
}

// more reports whether a poller goes on; it reads the clock every 1024
// calls (*it counts them).
func (p *pollCtl) more(it *uint32) bool {
	if p.stop.Load() {
		return false
	}
	if *it++; *it&1023 == 0 && p.deadline != 0 && time.Now().UnixNano() >= p.deadline {
		p.stop.Store(true)
		return false
	}
	return true
}

// igbRun runs work(qi, ctl) on a goroutine per queue for dur (or until ^C)
// and prints a line per second: name, the total of count over the queues as
// pps and bit rate, and each queue's pps. count(qi) returns the queue's
// frames and bytes so far. It returns the elapsed seconds.
//
// While it runs for a duration, GOMAXPROCS is nq: one P per polling goroutine, as DPDK
// gives each lcore a core of its own. With an idle P, each time the
// runtime preempts a polling goroutine (every 10 ms) it wakes an idle
// thread to look for work, a futex round trip that finds none; in a guest
// under emulation those wake-ups took a fifth of the CPU profile. The
// printing goroutine runs when a poller is preempted.
func igbRun(c *ctx, name, verb string, nq int, dur time.Duration, count func(qi int) (uint64, uint64), work func(qi int, ctl *pollCtl)) float64 {
	procs := nq
	if dur == 0 {
		// Until ^C: the signal's goroutine keeps a P of its own, or a
		// poller on a vCPU that stopped taking interrupts could never
		// be told to stop.
		procs++
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	ctl := &pollCtl{}
	if dur > 0 {
		ctl.deadline = c.clock().Add(dur).UnixNano()
	}
	var wg sync.WaitGroup
	start := c.clock()
	for qi := range nq {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work(qi, ctl)
		}()
	}
	tick := newTicker(start)
	last := make([]uint64, nq)
	lastT := start
	// The printer sleeps until the next line or the end (a wake-up in a
	// guest is a timer interrupt and a futex: few of them, not 20 a
	// second), or until ^C.
	wake := time.NewTimer(time.Second)
	defer wake.Stop()
	for !c.stopped() {
		d := tick.next.Sub(c.clock())
		if dur > 0 {
			d = min(d, start.Add(dur).Sub(c.clock()))
		}
		wake.Reset(max(d, time.Millisecond))
		select {
		case <-wake.C:
		case <-c.stop:
		}
		now := c.clock()
		if dur > 0 && now.Sub(start) >= dur {
			break
		}
		var frames, bytes uint64
		per := make([]uint64, nq)
		for qi := range nq {
			f, b := count(qi)
			per[qi] = f
			frames, bytes = frames+f, bytes+b
		}
		dt := now.Sub(lastT).Seconds()
		if due, r, b := tick.due(now, frames, bytes); due {
			var sb strings.Builder
			fmt.Fprintf(&sb, "%s: %4.0fs %s%s", name, now.Sub(start).Seconds(), verb, rate(r, b))
			for qi := range nq {
				fmt.Fprintf(&sb, " q%d %.0f", qi, float64(per[qi]-last[qi])/dt)
			}
			fmt.Fprintln(c.out, sb.String())
			copy(last, per)
			lastT = now
		}
	}
	ctl.stop.Store(true)
	wg.Wait()
	return c.clock().Sub(start).Seconds()
}

func igbPktgen(c *ctx, size, flows, burst int, dst [6]byte, dur time.Duration) error {
	d := c.s.igbs[0]
	if size < igbHdrLen || size > mbuf.DataRoom {
		return fmt.Errorf("--size %d: want %d to %d on an 82576 (one buffer a frame)", size, igbHdrLen, mbuf.DataRoom)
	}
	fr, err := newIGBFrames(size, flows, dst, d.MAC(), c.s.pool)
	if err != nil {
		return err
	}
	nq := d.Queues()
	count := func(qi int) (uint64, uint64) {
		st := d.Queue(qi).Stats()
		return st.TxPackets.Load(), st.TxBytes.Load()
	}
	el := igbRun(c, "pktgen", "tx ", nq, dur, count, func(qi int, ctl *pollCtl) {
		q := d.Queue(qi)
		// One cache for our allocations and the queue's completions:
		// buffers go round without touching the pool.
		cache := c.s.pool.NewCache(2 * burst)
		defer cache.Flush()
		_ = q.SetTxCache(cache)
		defer func() { _ = q.SetTxCache(nil) }()
		bufs := make([]*mbuf.Buf, burst)
		next := qi % flows
		for it := uint32(0); ctl.more(&it); {
			n := cache.Alloc(bufs)
			fr.fill(bufs[:n], &next)
			if m := q.TxBurst(bufs[:n]); m < n {
				cache.Free(bufs[m:n])
			}
		}
		for i := 0; i < 1000 && q.InFlight() > 0; i++ {
			time.Sleep(time.Millisecond)
		}
	})
	var total uint64
	for qi := range nq {
		st := d.Queue(qi).Stats()
		total += st.TxPackets.Load()
		fmt.Fprintf(c.out, "pktgen: queue %d: sent %d (ring full %d)\n", qi, st.TxPackets.Load(), st.TxFull.Load())
	}
	fmt.Fprintf(c.out, "pktgen: sent %d frames of %d bytes (%d flows) on %d queues in %.2fs: %.0f pps\n", total, size, flows, nq, el, float64(total)/el)
	return nil
}

func igbRx(c *ctx, burst int, dur, idleDefer time.Duration) error {
	d := c.s.igbs[0]
	nq := d.Queues()
	count := func(qi int) (uint64, uint64) {
		st := d.Queue(qi).Stats()
		return st.RxPackets.Load(), st.RxBytes.Load()
	}
	var failed atomic.Bool
	el := igbRun(c, "rx", "rx ", nq, dur, count, func(qi int, ctl *pollCtl) {
		q := d.Queue(qi)
		cache := c.s.pool.NewCache(max(2*burst, 64))
		defer cache.Flush()
		_ = q.SetRxCache(cache)
		defer func() { _ = q.SetRxCache(nil) }()
		bufs := make([]*mbuf.Buf, burst)
		deferred := false
		for it := uint32(0); ctl.more(&it); {
			if n := q.RxBurst(bufs); n > 0 {
				cache.Free(bufs[:n])
				deferred = false
			} else if c.s.igbIdle && idleDefer > 0 && !deferred {
				// The first empty poll after frames: sleep idleDefer
				// and poll again before arming the interrupt (--mode
				// poll never sleeps).
				time.Sleep(idleDefer)
				deferred = true
			} else if c.s.igbIdle {
				// NAPI-style: sleep on the vector while the ring is
				// empty, a bounded sleep so the deadline is seen.
				deferred = false
				if err := q.WaitRx(idleWait); err != nil && !errors.Is(err, igb.ErrTimeout) {
					failed.Store(true)
					fmt.Fprintf(c.out, "rx: queue %d: %v\n", qi, err)
					return
				}
				if ctl.expired() {
					return
				}
			}
		}
	})
	var total uint64
	for qi := range nq {
		st := d.Queue(qi).Stats()
		total += st.RxPackets.Load()
		fmt.Fprintf(c.out, "rx: queue %d: received %d (no-mbuf %d bad-length %d chained %d errors %d; interrupts %d, wait timeouts %d)\n",
			qi, st.RxPackets.Load(), st.RxNoMbuf.Load(), st.RxBadLength.Load(), st.RxChained.Load(), st.RxErrors.Load(),
			st.Interrupts.Load(), st.WaitTimeouts.Load())
	}
	fmt.Fprintf(c.out, "rx: received %d frames on %d queues in %.2fs: %.0f pps\n", total, nq, el, float64(total)/el)
	if failed.Load() {
		return errors.New("rx: a queue's wait failed")
	}
	return nil
}

// igbFwd forwards between two 82576s, queue i of one port to queue i of
// the other, both ways, one goroutine per queue index. txFirst frames of
// flows flows go out on each queue of each port first (like testpmd
// --tx-first --txonly-multi-flow), addressed to the other port, so RSS keeps
// them spread over the queues as they circulate.
func igbFwd(c *ctx, burst, txFirst, flows int, dur time.Duration) error {
	a, b := c.s.igbs[0], c.s.igbs[1]
	nq := a.Queues()
	if b.Queues() != nq {
		return fmt.Errorf("igb fwd: ports have %d and %d queues", nq, b.Queues())
	}
	ports := [2]*igb.Device{a, b}
	for i, d := range ports {
		fr, err := newIGBFrames(minFrame, flows, ports[1-i].MAC(), d.MAC(), c.s.pool)
		if err != nil {
			return err
		}
		next := 0
		for qi := range nq {
			for k := 0; k < txFirst; k += burst {
				bufs := make([]*mbuf.Buf, min(burst, txFirst-k))
				n := c.s.pool.Alloc(bufs)
				fr.fill(bufs[:n], &next)
				if m := d.Queue(qi).TxBurst(bufs[:n]); m < n {
					c.s.pool.Free(bufs[m:n])
				}
			}
		}
	}
	// Forwarded per queue index: what went out on either port's queue qi
	// minus the first burst.
	count := func(qi int) (uint64, uint64) {
		sa, sb := a.Queue(qi).Stats(), b.Queue(qi).Stats()
		return sa.TxPackets.Load() + sb.TxPackets.Load(), sa.TxBytes.Load() + sb.TxBytes.Load()
	}
	base := make([]uint64, nq)
	for qi := range nq {
		base[qi], _ = count(qi)
	}
	el := igbRun(c, "fwd", "", nq, dur, func(qi int) (uint64, uint64) {
		f, by := count(qi)
		return f - base[qi], by
	}, func(qi int, ctl *pollCtl) {
		qa, qb := a.Queue(qi), b.Queue(qi)
		// One cache for both ports' queue qi (one goroutine runs both),
		// like DPDK's per-lcore mempool cache.
		cache := c.s.pool.NewCache(max(4*burst, 256))
		defer cache.Flush()
		for _, q := range []*igb.Queue{qa, qb} {
			_ = q.SetRxCache(cache)
			_ = q.SetTxCache(cache)
			defer func() { _ = q.SetRxCache(nil); _ = q.SetTxCache(nil) }()
		}
		bufs := make([]*mbuf.Buf, burst)
		step := func(in, out *igb.Queue) {
			n := in.RxBurst(bufs)
			if n == 0 {
				return
			}
			if m := out.TxBurst(bufs[:n]); m < n {
				cache.Free(bufs[m:n])
			}
		}
		for it := uint32(0); ctl.more(&it); {
			step(qa, qb)
			step(qb, qa)
		}
	})
	var total uint64
	for qi := range nq {
		sa, sb := a.Queue(qi).Stats(), b.Queue(qi).Stats()
		f, _ := count(qi)
		total += f - base[qi]
		fmt.Fprintf(c.out, "fwd: queue %d: port 0 rx %d tx %d, port 1 rx %d tx %d (tx full %d/%d, no-mbuf %d/%d)\n", qi,
			sa.RxPackets.Load(), sa.TxPackets.Load(), sb.RxPackets.Load(), sb.TxPackets.Load(),
			sa.TxFull.Load(), sb.TxFull.Load(), sa.RxNoMbuf.Load(), sb.RxNoMbuf.Load())
	}
	fmt.Fprintf(c.out, "fwd: forwarded %d frames on %d queues in %.2fs: %.0f pps\n", total, nq, el, float64(total)/el)
	return nil
}
