package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/spf13/pflag"
)

var errLoop = errors.New("loop: frames lost, corrupted, duplicated or reordered")

// loopFlags: send numbered frames from port 0 to port 1 on the same hub and
// check every one. At most --window frames are in flight, so the receiver's
// ring never overflows; when the window stays full for --stall (link down),
// the frames in flight are written off as lost and sending resumes.
func loopFlags(fs *pflag.FlagSet) func(c *ctx) error {
	count := fs.Uint64("count", 10000, "frames to send")
	sizes := fs.String("sizes", "mixed", "frame sizes: mixed (60 to 1514) or a number")
	jumbo := fs.Bool("jumbo", false, "with mixed sizes, make every 10th frame 1515 to 9014 bytes (needs --mtu 9000)")
	window := fs.Int("window", 128, "frames in flight at most")
	allowLoss := fs.Bool("allow-loss", false, "pass with lost frames (link flaps), still fail on corrupt, duplicated or reordered ones")
	stall := fs.Duration("stall", 500*time.Millisecond, "write off the window after this long without progress")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	seed := fs.Uint64("seed", 1, "size sequence seed")
	dur := fs.Duration("duration", 0, "stop sending new frames after this long (0: send --count)")
	flows := fs.Int("flows", 64, "igb ports: UDP flows (source ports) RSS spreads over the queues")
	return func(c *ctx) error {
		if len(c.s.igbs) == 2 {
			fixed := 0
			if *sizes != "mixed" {
				n, err := strconv.Atoi(*sizes)
				if err != nil || n < 60 || n > 1514 {
					return fmt.Errorf("--sizes %q: want mixed or 60..1514", *sizes)
				}
				fixed = n
			}
			if *window < 1 || *window > 4096 {
				return fmt.Errorf("--window %d: want 1 to 4096", *window)
			}
			return igbLoop(c, *count, *flows, *window, fixed, *seed, *timeout)
		}
		a, b := c.s.devs[0], c.s.devs[1]
		fixed := 0
		if *sizes != "mixed" {
			n, err := strconv.Atoi(*sizes)
			if err != nil || n < 60 || n > b.MTU()+14 {
				return fmt.Errorf("--sizes %q: want mixed or 60..%d", *sizes, b.MTU()+14)
			}
			fixed = n
		}
		if *jumbo && (a.MTU() < 9000 || b.MTU() < 9000) {
			return fmt.Errorf("--jumbo needs --mtu 9000")
		}
		if *window < 1 || *window > 4096 {
			return fmt.Errorf("--window %d: want 1 to 4096", *window)
		}
		for _, d := range c.s.devs {
			if _, err := d.WaitLink(5 * time.Second); err != nil {
				return err
			}
		}
		// A frame's size is a function of its sequence number, so a
		// frame the ring refused is rebuilt identically next time.
		size := func(seq uint64) int {
			r := splitmix(*seed ^ seq*0x9e3779b97f4a7c15)
			switch {
			case fixed > 0:
				return fixed
			case *jumbo && seq%10 == 9:
				return 1515 + int(r%(9014-1515+1))
			}
			return 60 + int(r%(1514-60+1))
		}
		tr := e1000test.NewTracker(*count)
		txCache := c.s.pool.NewCache(64)
		defer txCache.Flush()
		var out, in [32]*mbuf.Buf
		scratch := make([]byte, 16384)
		dst, src := b.MAC(), a.MAC()
		start := c.clock()
		// QEMU holds reception for about a second after the receiver is
		// enabled: give the first frames that long before a stall counts.
		lastProgress := start.Add(2 * time.Second)
		nextService := start.Add(serviceEvery)
		var sent, writtenOff, lastRecv uint64
		// LinkEvents keeps only the newest state (hw/port), so a flap
		// shorter than the time between two looks reaches us as "up"
		// alone; the driver's count of changes says how many we missed.
		var seen, base [2]uint64
		for i, d := range []*e1000.Device{a, b} {
			base[i] = d.Stats().LinkFlaps
		}
		note := func(i int, d *e1000.Device) {
			for {
				select {
				case l, ok := <-d.LinkEvents():
					if !ok {
						return
					}
					seen[i]++
					changes := d.Stats().LinkFlaps - base[i]
					e := fmt.Sprintf("%.3fs port %d link %s", c.clock().Sub(start).Seconds(), i, l)
					if changes > seen[i] {
						e = fmt.Sprintf("%.3fs port %d link %s after %d changes since the last look (a flap shorter than the look)", c.clock().Sub(start).Seconds(), i, l, changes-seen[i]+1)
						seen[i] = changes
					}
					fmt.Fprintln(c.out, "loop: "+e)
				default:
					return
				}
			}
		}
		clk := newCoarse(c.clock, 256)
		for !c.stopped() {
			now := clk.now()
			if now.Sub(start) > *timeout {
				fmt.Fprintln(c.out, "loop: timeout")
				break
			}
			inFlight := sent - tr.Received - tr.Duplicated - writtenOff
			if *dur > 0 && now.Sub(start) > *dur && sent < *count {
				*count = sent // the run is over: what was sent is what counts
			}
			if sent < *count && inFlight < uint64(*window) {
				n := int(min(uint64(len(out)), *count-sent, uint64(*window)-inFlight))
				n = txCache.Alloc(out[:n])
				ok := 0
				for _, x := range out[:n] {
					if !fillFrame(x, txCache, scratch, size(sent+uint64(ok)), dst, src, sent+uint64(ok)) {
						break
					}
					ok++
				}
				k := a.TxBurst(out[:ok])
				txCache.Free(out[k:n])
				sent += uint64(k)
			}
			n := b.RxBurst(in[:])
			for _, x := range in[:n] {
				tr.Add(frameBytes(x, scratch))
			}
			c.s.pool.Free(in[:n])
			if tr.Received != lastRecv {
				lastRecv, lastProgress = tr.Received, now
			}
			if sent >= *count && sent == tr.Received+tr.Duplicated {
				break // everything arrived
			}
			if now.Sub(lastProgress) > *stall {
				if sent >= *count {
					break // the rest is lost
				}
				writtenOff += sent - tr.Received - tr.Duplicated - writtenOff
				lastProgress = now
			}
			if now.After(nextService) {
				a.Service()
				b.Service()
				note(0, a)
				note(1, b)
				nextService = now.Add(serviceEvery)
			}
		}
		a.Drain(time.Second)
		a.Service()
		b.Service()
		note(0, a)
		note(1, b)
		el := c.clock().Sub(start).Seconds()
		fmt.Fprintf(c.out, "loop: sent %d received %d lost %d corrupt %d duplicated %d reordered %d foreign %d in %.2fs (%.0f pps)\n",
			sent, tr.Received, sent-tr.Received, tr.Corrupt, tr.Duplicated, tr.Reordered, tr.Foreign, el, float64(tr.Received)/el)
		sa, sb := a.Stats(), b.Stats()
		fmt.Fprintf(c.out, "loop: port 0 tx %d dropped %d; port 1 rx %d missed %d dropped %d errors %d; link changes %d\n",
			sa.TxPackets, sa.TxDropped, sb.RxPackets, sb.RxMissed, sb.RxDropped, sb.RxErrors, sa.LinkFlaps-base[0]+sb.LinkFlaps-base[1])
		if sent > tr.Received {
			var miss []string
			for _, m := range tr.Missing(min(int(sent), int(*count))) {
				if m >= sent || len(miss) == 20 {
					break
				}
				miss = append(miss, fmt.Sprintf("%d(%dB)", m, size(m)))
			}
			fmt.Fprintf(c.out, "loop: first missing: %s\n", strings.Join(miss, " "))
			for i, d := range c.s.devs {
				fmt.Fprintf(c.out, "loop: port %d hw %+v\n", i, d.HWStats())
			}
		}
		switch {
		case tr.Corrupt > 0 || tr.Duplicated > 0 || tr.Reordered > 0:
			return errLoop
		case sent < *count || sent-tr.Received > 0 && !*allowLoss:
			return errLoop
		}
		fmt.Fprintln(c.out, "loop: PASS")
		return nil
	}
}

// splitmix is SplitMix64's output function (a 64-bit mixer).
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
