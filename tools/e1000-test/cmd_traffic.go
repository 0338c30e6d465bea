package main

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"time"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/spf13/pflag"
)

const serviceEvery = 100 * time.Millisecond

// minFrame is the shortest Ethernet frame without FCS (IEEE 802.3 §3.2.7),
// pktgen's default size.
const minFrame = 60

// fillFrame writes a loop frame of size bytes into a fresh buffer (chained
// when longer than one data room). It returns false when the pool ran dry.
func fillFrame(b *mbuf.Buf, cache *mbuf.Cache, scratch []byte, size int, dst, src [6]byte, seq uint64) bool {
	if size <= mbuf.DataRoom {
		p, err := b.Append(size)
		if err != nil {
			return false
		}
		e1000test.FillLoop(p, dst, src, seq)
		return true
	}
	f := scratch[:size]
	e1000test.FillLoop(f, dst, src, seq)
	var seg [1]*mbuf.Buf
	last := b
	for off := 0; off < size; {
		s := last
		if off > 0 {
			if cache.Alloc(seg[:]) == 0 {
				return false
			}
			s = seg[0]
			last.SetNext(s)
			last = s
		}
		n := min(size-off, mbuf.DataRoom)
		p, _ := s.Append(n)
		copy(p, f[off:off+n])
		off += n
	}
	return true
}

// pollProcs sets GOMAXPROCS for one busy-polling goroutine, the em fwd
// loop, and returns what puts it back. For a duration it is 1, as igbRun
// gives one P per poller: with an idle P, every preemption of the poller
// (each 10 ms) wakes an idle thread that finds no work, a futex round trip
// and an inter-processor interrupt to a halted vCPU in a guest under
// emulation. Until ^C (dur 0) it is 2, so the signal's goroutine keeps a
// P of its own.
func pollProcs(dur time.Duration) func() {
	procs := 1
	if dur == 0 {
		procs = 2
	}
	old := runtime.GOMAXPROCS(procs)
	return func() { runtime.GOMAXPROCS(old) }
}

// frameBytes returns the whole frame, copying a chain into scratch.
func frameBytes(b *mbuf.Buf, scratch []byte) []byte {
	if b.Next() == nil {
		return b.Bytes()
	}
	return scratch[:b.CopyTo(scratch)]
}

func pktgenFlags(fs *pflag.FlagSet) func(c *ctx) error {
	size := fs.Int("size", 60, "frame size without FCS (60 to 1514; up to 9014 with --mtu 9000)")
	count := fs.Uint64("count", 0, "frames to send (0: until --duration or ^C)")
	pps := fs.Float64("rate", 0, "frame rate limit in frames per second (0: unlimited)")
	dstFlag := fs.String("dst", "ff:ff:ff:ff:ff:ff", "destination MAC address")
	dur := fs.Duration("duration", 10*time.Second, "how long to send (0: until --count or ^C)")
	burst := fs.Int("burst", 32, "frames per TxBurst")
	same := fs.Bool("same", false, "send copies of one frame (sequence 0), as DPDK txonly and Linux pktgen do, instead of numbering each")
	vlanTag := fs.Int("vlan-tag", -1, "have the NIC insert an 802.1Q tag with this TCI (0 to 65535; needs --vlan)")
	flows := fs.Int("flows", 1, "82576 (igb): UDP/IPv4 flows (source ports) to send, round robin, so a receiver's RSS spreads them")
	return func(c *ctx) error {
		hw, err := net.ParseMAC(*dstFlag)
		if err != nil || len(hw) != 6 {
			return fmt.Errorf("--dst %q: not a MAC address", *dstFlag)
		}
		if *burst < 1 || *burst > 512 {
			return fmt.Errorf("--burst %d: want 1 to 512", *burst)
		}
		if len(c.s.igbs) > 0 {
			if *flows < 1 || *flows > 65536-igbFlowPort0 {
				return fmt.Errorf("--flows %d: want 1 to %d", *flows, 65536-igbFlowPort0)
			}
			return igbPktgen(c, *size, *flows, *burst, [6]byte(hw), *dur)
		}
		d := c.s.devs[0]
		if *size < e1000test.LoopHeader || *size > d.MTU()+14 {
			return fmt.Errorf("--size %d: want %d to %d (MTU %d + 14)", *size, e1000test.LoopHeader, d.MTU()+14, d.MTU())
		}
		if *vlanTag > 0xffff || *vlanTag >= 0 && d.Offloads()&port.VLANInsert == 0 {
			return fmt.Errorf("--vlan-tag %d: want 0 to 65535, with --vlan (the NIC inserts the tag)", *vlanTag)
		}
		var dst [6]byte
		copy(dst[:], hw)
		src := d.MAC()
		if _, err := d.WaitLink(5 * time.Second); err != nil {
			return err
		}
		// One cache for our allocations and the driver's TX completions:
		// buffers go round without touching the pool.
		cache := c.s.pool.NewCache(2 * *burst)
		defer cache.Flush()
		if err := d.SetTxCache(cache); err != nil {
			return err
		}
		defer func() { _ = d.SetTxCache(nil) }()
		bufs := make([]*mbuf.Buf, *burst)
		scratch := make([]byte, 9014)
		tmpl := make([]byte, *size)
		e1000test.FillLoop(tmpl, dst, src, 0)
		// --same sends one prebuilt frame: one segment, one copy each.
		sameOne := *same && *size <= mbuf.DataRoom
		sameMin := sameOne && *size == minFrame
		var tmplMin [minFrame]byte
		copy(tmplMin[:], tmpl)
		start := c.clock()
		tick := newTicker(start)
		nextService := start.Add(serviceEvery)
		var seq, bytes uint64
		clk := newCoarse(c.clock, 16)
		if *pps > 0 {
			clk.n = 1 // pacing needs every reading
		}
		for !c.stopped() {
			now := clk.now()
			if *dur > 0 && now.Sub(start) >= *dur || *count > 0 && seq >= *count {
				break
			}
			n := *burst
			if *count > 0 {
				n = int(min(uint64(n), *count-seq))
			}
			if *pps > 0 {
				allowed := int64(*pps*now.Sub(start).Seconds()) - int64(seq)
				if allowed <= 0 {
					time.Sleep(50 * time.Microsecond)
					continue
				}
				n = int(min(int64(n), allowed))
			}
			n = cache.Alloc(bufs[:n])
			ok := 0
			switch {
			case sameMin:
				// Fresh buffers are empty at Headroom, so SetLen
				// cannot fail; the fixed-size copy compiles to a few
				// vector moves instead of a memmove call.
				for _, b := range bufs[:n] {
					_ = b.SetLen(minFrame)
					*(*[minFrame]byte)(b.Bytes()) = tmplMin
				}
				ok = n
			case sameOne:
				for _, b := range bufs[:n] {
					_ = b.SetLen(*size)
					copy(b.Bytes(), tmpl)
				}
				ok = n
			default:
				for _, b := range bufs[:n] {
					if !fillFrame(b, cache, scratch, *size, dst, src, seq+uint64(ok)) {
						break
					}
					ok++
				}
			}
			if *vlanTag >= 0 {
				for _, b := range bufs[:ok] {
					b.Meta.Flags |= mbuf.FlagVLAN
					b.Meta.VLAN = uint16(*vlanTag)
				}
			}
			sent := d.TxBurst(bufs[:ok])
			if sent < n {
				cache.Free(bufs[sent:n])
			}
			seq += uint64(sent)
			bytes += uint64(sent) * uint64(*size)
			if now.After(nextService) {
				d.Service()
				nextService = now.Add(serviceEvery)
			}
			if due, r, b := tick.due(now, seq, bytes); due {
				fmt.Fprintf(c.out, "pktgen: %4.0fs tx %s\n", now.Sub(start).Seconds(), rate(r, b))
			}
		}
		// Let the device finish what is queued.
		if !d.Drain(time.Second) {
			fmt.Fprintln(c.out, "pktgen: the device did not finish the queued frames within 1s")
		}
		el := c.clock().Sub(start).Seconds()
		st := d.Stats()
		fmt.Fprintf(c.out, "pktgen: sent %d frames of %d bytes in %.2fs: %.0f pps (dropped %d)\n",
			st.TxPackets, *size, el, float64(st.TxPackets)/el, st.TxDropped)
		return nil
	}
}

func rxFlags(fs *pflag.FlagSet) func(c *ctx) error {
	count := fs.Uint64("count", 0, "stop after this many frames (0: --duration)")
	dur := fs.Duration("duration", 10*time.Second, "how long to receive (0: until --count or ^C)")
	expect := fs.Uint64("expect", 0, "check loop frames 0..N-1: report lost, duplicated, reordered")
	burst := fs.Int("burst", 32, "frames per RxBurst")
	verifyIP := fs.Bool("verify-ip", false, "check IPv4 header and ICMP/UDP/TCP checksums of IPv4 frames")
	verify := fs.Bool("verify", true, "check loop frames (false: count only, like testpmd rxonly)")
	idleDefer := fs.Duration("idle-defer", 100*time.Microsecond, "82576 with --mode adaptive: when a poll finds the ring empty, sleep this long and poll again before sleeping on the queue's interrupt (as Linux's gro_flush_timeout with napi_defer_hard_irqs); 0: straight to the interrupt")
	return func(c *ctx) error {
		if *burst < 1 || *burst > 512 {
			return fmt.Errorf("--burst %d: want 1 to 512", *burst)
		}
		if len(c.s.igbs) > 0 {
			idle := time.Duration(0)
			if c.s.igbAdaptive {
				idle = *idleDefer
			}
			return igbRx(c, *burst, *dur, idle)
		}
		d := c.s.devs[0]
		var ipGood, ipBadN uint64
		var tr *e1000test.Tracker
		if *expect > 0 {
			tr = e1000test.NewTracker(*expect)
		}
		bufs := make([]*mbuf.Buf, *burst)
		scratch := make([]byte, 16384)
		// One cache for the frames we free and the driver's refills
		// (which come in RxRefill batches: a quarter of the ring).
		cache := c.s.pool.NewCache(max(2**burst, 256))
		defer cache.Flush()
		if err := d.SetRxCache(cache); err != nil {
			return err
		}
		defer func() { _ = d.SetRxCache(nil) }()
		start := c.clock()
		tick := newTicker(start)
		nextService := start.Add(serviceEvery)
		var frames, bytes, good, corrupt, foreign uint64
		var meta rxMetaCounts
		clk := newCoarse(c.clock, 4096) // an idle poll costs less than a clock read
		for !c.stopped() {
			now := clk.now()
			if *dur > 0 && now.Sub(start) >= *dur || *count > 0 && frames >= *count {
				break
			}
			n := d.RxBurst(bufs)
			for _, b := range bufs[:n] {
				if f := b.Meta.Flags; f&rxMetaFlags != 0 {
					meta.add(&b.Meta)
				}
				if !*verify && tr == nil && !*verifyIP {
					bytes += uint64(b.PktLen())
					continue
				}
				f := frameBytes(b, scratch)
				bytes += uint64(len(f))
				if tr != nil {
					tr.Add(f)
				}
				if *verifyIP {
					switch checkIPv4Frame(f) {
					case ipOK:
						ipGood++
					case ipBad:
						ipBadN++
					}
				}
				switch _, err := e1000test.CheckLoop(f); err {
				case nil:
					good++
				case e1000test.ErrNotLoop:
					foreign++
				default:
					corrupt++
				}
			}
			frames += uint64(n)
			cache.Free(bufs[:n])
			if n == 0 {
				_ = d.Wait(10 * time.Millisecond)
			}
			if now.After(nextService) {
				d.Service()
				nextService = now.Add(serviceEvery)
			}
			if due, r, b := tick.due(now, frames, bytes); due {
				fmt.Fprintf(c.out, "rx: %4.0fs rx %s\n", now.Sub(start).Seconds(), rate(r, b))
			}
		}
		d.Service()
		el := c.clock().Sub(start).Seconds()
		st := d.Stats()
		fmt.Fprintf(c.out, "rx: received %d frames in %.2fs: %.0f pps (loop ok %d, corrupt %d, foreign %d; missed %d, dropped %d, errors %d)\n",
			frames, el, float64(frames)/el, good, corrupt, foreign, st.RxMissed, st.RxDropped, st.RxErrors)
		if *verifyIP {
			fmt.Fprintf(c.out, "rx: ipv4 ok %d bad %d\n", ipGood, ipBadN)
		}
		meta.print(c.out)
		if tr != nil {
			fmt.Fprintf(c.out, "rx: expected %d: lost %d duplicated %d reordered %d\n", tr.Expected, tr.Lost(), tr.Duplicated, tr.Reordered)
		}
		if corrupt > 0 || ipBadN > 0 {
			return fmt.Errorf("%w: %d loop, %d IPv4", errCorrupt, corrupt, ipBadN)
		}
		return nil
	}
}

func fwdFlags(fs *pflag.FlagSet) func(c *ctx) error {
	dur := fs.Duration("duration", 10*time.Second, "how long to forward (0: until ^C)")
	burst := fs.Int("burst", 32, "frames per burst")
	txFirst := fs.Int("tx-first", 0, "send this many 60-byte frames on each port first (like testpmd --tx-first; use with --promisc; 82576: on each queue)")
	flows := fs.Int("flows", 1, "82576 (igb): UDP/IPv4 flows of the --tx-first frames, so RSS spreads them over the queues")
	return func(c *ctx) error {
		if *burst < 1 || *burst > 512 {
			return fmt.Errorf("--burst %d: want 1 to 512", *burst)
		}
		if len(c.s.igbs) > 0 {
			if *flows < 1 || *flows > 65536-igbFlowPort0 {
				return fmt.Errorf("--flows %d: want 1 to %d", *flows, 65536-igbFlowPort0)
			}
			return igbFwd(c, *burst, *txFirst, *flows, *dur)
		}
		a, b := c.s.devs[0], c.s.devs[1]
		bufs := make([]*mbuf.Buf, *burst)
		if *txFirst > 0 {
			for _, d := range c.s.devs {
				if _, err := d.WaitLink(5 * time.Second); err != nil {
					return err
				}
			}
			for i, d := range c.s.devs {
				peer := c.s.devs[1-i].MAC()
				for k := 0; k < *txFirst; k++ {
					x, err := c.s.pool.Get()
					if err != nil {
						return err
					}
					p, _ := x.Append(60)
					e1000test.FillLoop(p, peer, d.MAC(), uint64(k))
					if d.TxBurst([]*mbuf.Buf{x}) == 0 {
						x.Free()
					}
				}
			}
		}
		// One cache for both ports' refills and completions (one
		// goroutine runs both), like DPDK's per-lcore mempool cache.
		cache := c.s.pool.NewCache(max(4**burst, 256))
		defer cache.Flush()
		for _, d := range []*e1000.Device{a, b} {
			if err := errors.Join(d.SetRxCache(cache), d.SetTxCache(cache)); err != nil {
				return err
			}
			defer func() { _ = errors.Join(d.SetRxCache(nil), d.SetTxCache(nil)) }()
		}
		var fwd [2]uint64
		var bytes uint64
		start := c.clock()
		tick := newTicker(start)
		nextService := start.Add(serviceEvery)
		step := func(in, out *e1000.Device, dir int) {
			n := in.RxBurst(bufs)
			for _, x := range bufs[:n] {
				bytes += uint64(x.PktLen())
			}
			sent := out.TxBurst(bufs[:n])
			if sent < n {
				cache.Free(bufs[sent:n])
			}
			fwd[dir] += uint64(sent)
		}
		defer pollProcs(*dur)()
		clk := newCoarse(c.clock, 1024)
		for !c.stopped() {
			now := clk.now()
			if *dur > 0 && now.Sub(start) >= *dur {
				break
			}
			step(a, b, 0)
			step(b, a, 1)
			if now.After(nextService) {
				a.Service()
				b.Service()
				nextService = now.Add(serviceEvery)
			}
			if due, r, bps := tick.due(now, fwd[0]+fwd[1], bytes); due {
				fmt.Fprintf(c.out, "fwd: %4.0fs %s (0->1 %d, 1->0 %d)\n", now.Sub(start).Seconds(), rate(r, bps), fwd[0], fwd[1])
			}
		}
		el := c.clock().Sub(start).Seconds()
		fmt.Fprintf(c.out, "fwd: forwarded %d frames in %.2fs: %.0f pps (0->1 %d, 1->0 %d)\n",
			fwd[0]+fwd[1], el, float64(fwd[0]+fwd[1])/el, fwd[0], fwd[1])
		return nil
	}
}
