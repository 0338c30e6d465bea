package tcp

import (
	"sync/atomic"
	"time"
)

// Receive-window auto-tuning, the receiver side of dynamic right-sizing
// (Fisk and Feng's DRS, as Linux's tcp_rcv_space_adjust does it): once
// per receiver-measured round trip, compare what the application read in
// that round trip with what it read in the last one that grew the
// buffer. A sender limited by our window delivers one window per round
// trip, so reading more than before means the window is the limit: the
// buffer becomes twice the round trip's volume (room for a sender in
// slow start to double) plus the growth seen, and the window opens. An
// application that reads slowly never grows it.
//
// Two limits bound the growth. Per socket: Options.MaxReadBuffer.
// Stack-wide: the growth of every socket beyond its initial buffer is
// reserved, in mbufs (one segment each), from a share of the "tcp-rcvq"
// quota (Options.AutoTuneBuffers); a socket gets what is left of the
// share, and none while the quota itself is seven-eighths used. The
// quota still bounds what is actually queued (a window is a promise, the
// quota is the buffers), so growth can never take the mbufs receive
// refill needs; the share keeps many tuned windows from promising more
// than the quota can hold. A socket returns its reservation on CLOSED or
// when the application sets its buffer (SetReadBuffer ends tuning, as
// SO_RCVBUF does on Linux).
//
// Known cost: the receiver's RTT comes from the 1 ms timestamp clock, so
// on a sub-millisecond path a round trip counts as 1 ms and a fast reader
// grows the window to MaxReadBuffer although the window was never the
// limit (Linux does much the same on loopback). Between two of our stacks
// on the in-memory link that extra buffering halved bulk throughput at
// MTU 9000; the benchmarks pin the window (MaxReadBuffer = ReadBuffer).

// rcvTune is one socket's auto-tuning state.
type rcvTune struct {
	on       bool
	base     int    // the buffer before any growth (bytes)
	space    int    // bytes read in the round trip that last grew the buffer (Linux rcvq_space.space)
	copied   int    // bytes read in the current round trip
	start    int64  // start of the current round trip (TCP clock)
	rtt      int64  // receiver's RTT estimate (ns), 0 before a sample
	seq      uint32 // without timestamps: RCV.NXT that ends the measured window
	seqAt    int64  // when that measurement started (0: none running)
	reserved int    // mbufs of the stack-wide share this socket holds
}

// autoTune is the stack-wide side: the share's use and counters.
type autoTune struct {
	reserved        atomic.Int64 // mbufs reserved by all sockets
	grows, refusals atomic.Uint64
}

// AutoTuneStats describe receive-window auto-tuning over all sockets.
type AutoTuneStats struct {
	Reserved int    // mbufs of the share reserved by grown windows now
	Limit    int    // the share (Options.AutoTuneBuffers)
	Grows    uint64 // times a socket's buffer grew
	Refused  uint64 // times growth was cut short by the stack-wide share or quota pressure
}

// AutoTune returns the auto-tuning figures.
func (t *TCP) AutoTune() AutoTuneStats {
	return AutoTuneStats{Reserved: int(t.tune.reserved.Load()), Limit: t.autoTuneLimit(),
		Grows: t.tune.grows.Load(), Refused: t.tune.refusals.Load()}
}

// autoTuneLimit is the stack-wide share in mbufs: Options.AutoTuneBuffers,
// by default half the "tcp-rcvq" quota.
func (t *TCP) autoTuneLimit() int {
	if t.o.AutoTuneBuffers > 0 {
		return t.o.AutoTuneBuffers
	}
	if t.q == nil {
		return 0
	}
	return t.q.Limit() / 2
}

// initRcvTune starts tuning for a new socket (its buffer is the initial
// one) when MaxReadBuffer leaves room to grow.
func (c *Conn) initRcvTune() {
	c.rt = rcvTune{on: c.t.o.MaxReadBuffer > c.rcvbuf, base: c.rcvbuf}
}

// rcvMeasure takes a receiver RTT sample from a segment carrying data
// (Linux's tcp_rcv_rtt_measure_ts and tcp_rcv_rtt_measure): with
// timestamps, the age of the value the sender echoes (smoothed, 1/8);
// without, the time RCV.NXT takes to cross the window advertised when
// the measurement started (an upper bound, so the minimum is kept).
func (c *Conn) rcvMeasure(s *segment) {
	r := &c.rt
	if !r.on {
		return
	}
	if c.tsOK && s.hasTS && s.tsEcr != 0 {
		d := int32(c.tsNow() - s.tsEcr)
		if d < 0 {
			return
		}
		m := max(int64(d)*int64(time.Millisecond), int64(time.Millisecond)) // the 1 ms clock's floor
		if r.rtt == 0 {
			r.rtt = m
		} else {
			r.rtt += (m - r.rtt) / 8
		}
		return
	}
	now := c.t.now()
	if r.seqAt != 0 && seqLT(c.rcvNxt, r.seq) {
		return
	}
	if r.seqAt != 0 {
		if m := now - r.seqAt; r.rtt == 0 || m < r.rtt {
			r.rtt = max(m, int64(time.Millisecond))
		}
	}
	r.seq, r.seqAt = c.rcvAdv, now
}

// rcvSpaceAdjust accounts n bytes the application read and, once per
// receiver round trip, grows the buffer (DRS, see above).
func (c *Conn) rcvSpaceAdjust(n int) {
	r := &c.rt
	if !r.on {
		return
	}
	now := c.t.now()
	if r.start == 0 {
		r.start = now
	}
	r.copied += n
	if r.rtt == 0 || now-r.start < r.rtt {
		return
	}
	mss := max(c.mss, 536)
	if r.space == 0 {
		r.space = min(c.rcvbuf, initialWindow(mss))
	}
	if r.copied > r.space {
		// Twice a round trip's volume and sixteen segments of slack, plus
		// twice the relative growth again (the sender may still be in
		// slow start), as Linux sizes rcvwin.
		want := 2*r.copied + 16*mss
		want += 2 * int(int64(want)*int64(r.copied-r.space)/int64(r.space))
		c.growRcvbuf(want, mss)
		r.space = r.copied
	}
	r.copied, r.start = 0, now
}

// growRcvbuf raises the buffer towards want bytes within the per-socket
// maximum, the largest window the scale can announce, and what the
// stack-wide share has left.
func (c *Conn) growRcvbuf(want, mss int) {
	r := &c.rt
	want = min(want, c.t.o.MaxReadBuffer, 0xffff<<c.rcvWS)
	if want <= c.rcvbuf {
		return
	}
	t := c.t
	need := (want-r.base+mss-1)/mss - r.reserved // mbufs beyond what this socket holds
	if need <= 0 {
		return
	}
	limit := int64(t.autoTuneLimit())
	if q := t.q; q != nil && q.InUse() > q.Limit()/8*7 {
		t.tune.refusals.Add(1) // memory pressure: queued data is near the quota
		return
	}
	got := 0
	for {
		cur := t.tune.reserved.Load()
		got = int(min(int64(need), limit-cur))
		if got <= 0 {
			t.tune.refusals.Add(1)
			return
		}
		if t.tune.reserved.CompareAndSwap(cur, cur+int64(got)) {
			break
		}
	}
	if got < need {
		t.tune.refusals.Add(1)
	}
	r.reserved += got
	c.rcvbuf = min(r.base+r.reserved*mss, want)
	t.tune.grows.Add(1)
}

// endRcvTune stops tuning and returns the socket's reservation (CLOSED,
// or the application set the buffer).
func (c *Conn) endRcvTune() {
	r := &c.rt
	if r.reserved > 0 {
		c.t.tune.reserved.Add(-int64(r.reserved))
		r.reserved = 0
	}
	r.on = false
}
