package main

import (
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/drivers/igb"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// The loop over two 82576s (drivers/igb) with --queues N: port 0 sends
// numbered UDP/IPv4 frames of --flows flows, one goroutine per transmit
// queue (flow f on queue f mod N); port 1's RSS spreads the flows over its
// N receive queues, one goroutine each, which check every frame: its flow,
// its sequence number within the flow (in order: a flow keeps one queue
// end to end), its length and every payload byte. At most --window frames
// are in flight, so no receive ring overflows. Every second it prints the
// rates per queue.

// igbFlowPort0 is the first UDP source port; the destination port marks
// the loop's frames.
const (
	igbFlowPort0 = 20000
	igbLoopPort  = 9
	igbHdrLen    = 14 + 20 + 8 + 12 // Ethernet, IPv4, UDP, flow/seq/size
)

// igbFlow is one flow's receive state; only the receive queue the flow
// hashes to touches it (queue records that, so a flow seen on two queues
// is an error).
type igbFlow struct {
	mu    sync.Mutex
	next  uint64 // the sequence number expected next
	queue int    // -1 until the first frame
}

type igbLoopStats struct {
	sent, received, corrupt, duplicated, reordered, wrongQueue, foreign atomic.Uint64
}

func igbLoop(c *ctx, count uint64, flows, window int, fixed int, seed uint64, timeout time.Duration) error {
	a, b := c.s.igbs[0], c.s.igbs[1]
	nq := a.Queues()
	if b.Queues() != nq {
		return fmt.Errorf("igb loop: ports have %d and %d queues", nq, b.Queues())
	}
	if flows < nq {
		return fmt.Errorf("--flows %d: want at least --queues (%d) so every queue carries flows", flows, nq)
	}
	size := func(seq uint64) int {
		if fixed > 0 {
			return max(fixed, igbHdrLen)
		}
		return 60 + int(splitmix(seed^seq*0x9e3779b97f4a7c15)%(1514-60+1))
	}
	dst, src := b.MAC(), a.MAC()
	state := make([]igbFlow, flows)
	for i := range state {
		state[i].queue = -1
	}
	var st igbLoopStats
	txq := make([]atomic.Uint64, nq) // frames sent per queue
	rxq := make([]atomic.Uint64, nq)
	var inFlight atomic.Int64
	done := make(chan struct{})
	var closeDone sync.Once
	finish := func() { closeDone.Do(func() { close(done) }) }
	stopped := func() bool {
		select {
		case <-done:
			return true
		default:
			return c.stopped()
		}
	}
	start := c.clock()
	var wg sync.WaitGroup
	// Senders: queue i sends the flows f with f mod nq == i, round robin.
	for qi := range nq {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := a.Queue(qi)
			cache := c.s.pool.NewCache(64)
			defer cache.Flush()
			_ = q.SetTxCache(cache)
			defer func() { _ = q.SetTxCache(nil) }()
			// This queue's frames are the global numbers g whose flow
			// (g mod flows) maps to it, in increasing order.
			ours := func(g uint64) bool { return int(g%uint64(flows))%nq == qi }
			next := uint64(0)
			var out [32]*mbuf.Buf
			var gs [32]uint64
			for !stopped() {
				budget := int64(window) - inFlight.Load()
				if budget <= 0 {
					time.Sleep(50 * time.Microsecond)
					continue
				}
				for next < count && !ours(next) {
					next++
				}
				if next >= count {
					return // every frame of this queue sent
				}
				n := cache.Alloc(out[:min(int64(len(out)), budget)])
				built, g := 0, next
				for built < n && g < count {
					if ours(g) {
						f := int(g % uint64(flows))
						buildIGBFrame(out[built], size(g), dst, src, f, g/uint64(flows), g)
						gs[built] = g
						built++
					}
					g++
				}
				cache.Free(out[built:n])
				m := q.TxBurst(out[:built])
				cache.Free(out[m:built]) // refused: rebuilt next time
				if m < built {
					next = gs[m]
				} else {
					next = g
				}
				inFlight.Add(int64(m))
				st.sent.Add(uint64(m))
				txq[qi].Add(uint64(m))
			}
		}()
	}
	// Receivers.
	for qi := range nq {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := b.Queue(qi)
			cache := c.s.pool.NewCache(64)
			defer cache.Flush()
			_ = q.SetRxCache(cache)
			defer func() { _ = q.SetRxCache(nil) }()
			var in [32]*mbuf.Buf
			for !stopped() {
				n := q.RxBurst(in[:])
				if n == 0 {
					time.Sleep(20 * time.Microsecond)
					continue
				}
				for _, x := range in[:n] {
					checkIGBFrame(x.Bytes(), qi, flows, state, &st, size)
				}
				cache.Free(in[:n])
				inFlight.Add(-int64(n))
				rxq[qi].Add(uint64(n))
				if st.received.Load()+st.duplicated.Load() >= count {
					finish()
				}
			}
		}()
	}
	// The live output and the stall check run here.
	last := make([]uint64, 2*nq)
	lastT := start
	lastProgress, lastRecv := start.Add(2*time.Second), uint64(0)
	for !stopped() {
		time.Sleep(100 * time.Millisecond)
		now := c.clock()
		if r := st.received.Load(); r != lastRecv {
			lastRecv, lastProgress = r, now
		}
		if now.Sub(start) > timeout || now.Sub(lastProgress) > 3*time.Second {
			fmt.Fprintf(c.out, "loop: no progress for 3 s (or --timeout): stopping\n")
			finish()
			break
		}
		if now.Sub(lastT) >= time.Second {
			dt := now.Sub(lastT).Seconds()
			var sb strings.Builder
			fmt.Fprintf(&sb, "loop: %5.1fs", now.Sub(start).Seconds())
			for i := range nq {
				tx, rx := txq[i].Load(), rxq[i].Load()
				fmt.Fprintf(&sb, " | q%d tx %.0f rx %.0f pps", i, float64(tx-last[2*i])/dt, float64(rx-last[2*i+1])/dt)
				last[2*i], last[2*i+1] = tx, rx
			}
			fmt.Fprintln(c.out, sb.String())
			lastT = now
		}
	}
	finish()
	wg.Wait()
	for qi := range nq {
		for a.Queue(qi).InFlight() > 0 && c.clock().Sub(start) < timeout+time.Second {
			time.Sleep(time.Millisecond)
		}
	}
	el := c.clock().Sub(start).Seconds()
	sent, recv := st.sent.Load(), st.received.Load()
	fmt.Fprintf(c.out, "loop: %d queues, %d flows: sent %d received %d lost %d corrupt %d duplicated %d reordered %d wrong-queue %d foreign %d in %.2fs (%.0f pps)\n",
		nq, flows, sent, recv, sent-min(sent, recv+st.duplicated.Load()), st.corrupt.Load(), st.duplicated.Load(), st.reordered.Load(), st.wrongQueue.Load(), st.foreign.Load(), el, float64(recv)/el)
	for qi := range nq {
		sa, sb := a.Queue(qi).Stats(), b.Queue(qi).Stats()
		fmt.Fprintf(c.out, "loop: queue %d: tx %d (port 0 %d, full %d) rx %d (port 1 %d, no-mbuf %d bad-length %d errors %d)\n",
			qi, txq[qi].Load(), sa.TxPackets.Load(), sa.TxFull.Load(), rxq[qi].Load(), sb.RxPackets.Load(), sb.RxNoMbuf.Load(), sb.RxBadLength.Load(), sb.RxErrors.Load())
	}
	if sent != count || recv != count || st.corrupt.Load()+st.duplicated.Load()+st.reordered.Load()+st.wrongQueue.Load()+st.foreign.Load() != 0 {
		return errLoop
	}
	for qi := range nq {
		if rxq[qi].Load() == 0 {
			return fmt.Errorf("%w: receive queue %d got none of the %d flows", errLoop, qi, flows)
		}
	}
	fmt.Fprintln(c.out, "loop: PASS")
	return nil
}

// buildIGBFrame writes frame g (flow f, its seq-th) of the given size into
// b: Ethernet, IPv4 (RFC 791, header checksum set), UDP from port
// igbFlowPort0+f to igbLoopPort (checksum 0: none, RFC 768), then flow,
// sequence number and size, then a pattern of g.
func buildIGBFrame(b *mbuf.Buf, size int, dst, src [6]byte, f int, seq, g uint64) {
	p, _ := b.Append(size) // size <= 1514 < DataRoom
	copy(p[0:6], dst[:])
	copy(p[6:12], src[:])
	binary.BigEndian.PutUint16(p[12:], 0x0800)
	ip := p[14:34]
	clear(ip)
	ip[0], ip[8], ip[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(ip[2:], uint16(size-14))
	copy(ip[12:16], []byte{198, 18, 0, 1})
	copy(ip[16:20], []byte{198, 18, 0, 2})
	binary.BigEndian.PutUint16(ip[10:], ipv4Checksum(ip))
	u := p[34:42]
	binary.BigEndian.PutUint16(u[0:], uint16(igbFlowPort0+f))
	binary.BigEndian.PutUint16(u[2:], igbLoopPort)
	binary.BigEndian.PutUint16(u[4:], uint16(size-34))
	binary.BigEndian.PutUint16(u[6:], 0)
	binary.BigEndian.PutUint32(p[42:], uint32(f))
	binary.BigEndian.PutUint32(p[46:], uint32(seq))
	binary.BigEndian.PutUint32(p[50:], uint32(size))
	for i := igbHdrLen; i < size; i++ {
		p[i] = byte(g*7 + uint64(i))
	}
}

// checkIGBFrame checks one received frame against what buildIGBFrame wrote.
func checkIGBFrame(p []byte, qi, flows int, state []igbFlow, st *igbLoopStats, size func(uint64) int) {
	if len(p) < igbHdrLen || binary.BigEndian.Uint16(p[36:]) != igbLoopPort || p[23] != 17 {
		st.foreign.Add(1)
		return
	}
	f := int(binary.BigEndian.Uint32(p[42:]))
	seq := uint64(binary.BigEndian.Uint32(p[46:]))
	if f >= flows || int(binary.BigEndian.Uint16(p[34:]))-igbFlowPort0 != f {
		st.corrupt.Add(1)
		return
	}
	g := uint64(f) + seq*uint64(flows)
	n := int(binary.BigEndian.Uint32(p[50:]))
	ok := n == size(g) && len(p) >= n
	for i := igbHdrLen; ok && i < n; i++ {
		ok = p[i] == byte(g*7+uint64(i))
	}
	if !ok {
		st.corrupt.Add(1)
		return
	}
	s := &state[f]
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queue >= 0 && s.queue != qi {
		st.wrongQueue.Add(1)
	}
	s.queue = qi
	switch {
	case seq == s.next:
		s.next++
		st.received.Add(1)
	case seq < s.next:
		st.duplicated.Add(1)
	default: // a gap: frames before it are missing or come late
		st.reordered.Add(1)
		st.received.Add(1)
		s.next = seq + 1
	}
}

// ipv4Checksum is the header checksum of h with its checksum field zero
// (RFC 791 §3.1, RFC 1071).
func ipv4Checksum(h []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(h); i += 2 {
		s += uint32(h[i])<<8 | uint32(h[i+1])
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// igbQueuesOf is the queue count for igb.Attach from --queues.
func igbQueuesOf(n int) (int, error) {
	if n < 1 || n > igb.MaxQueues {
		return 0, fmt.Errorf("--queues %d: want 1 to %d", n, igb.MaxQueues)
	}
	return n, nil
}
