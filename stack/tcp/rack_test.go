package tcp

import (
	"slices"
	"testing"
	"time"
)

// rackConn is a connection outside any network, for the RACK clauses:
// SACK on, an RTT known, times chosen by the test.
func rackConn(t *testing.T) *Conn {
	t.Helper()
	tp, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := tp.newConn(fourTuple{lport: 1, rport: 2})
	t.Cleanup(func() { c.timer.Stop() })
	c.sackOK, c.mss = true, 100
	c.cc.init(c.mss)
	c.state = Established
	c.sndUna, c.sndNxt, c.sndMax = 1000, 1000, 1000
	c.recover = 1000
	return c
}

const ms = int64(time.Millisecond)

// send records segments of 100 bytes from SND.MAX, one every gap.
func send(c *Conn, n int, at, gap int64) {
	for i := range n {
		c.board.sent(c.sndMax, c.sndMax+100, at+int64(i)*gap)
		c.sndMax += 100
		c.sndNxt = c.sndMax
	}
}

func flags(c *Conn) []uint8 {
	var f []uint8
	for _, x := range c.board.live() {
		f = append(f, x.flags)
	}
	return f
}

func TestScoreboard(t *testing.T) {
	var b scoreboard
	b.sent(0, 100, 1)
	b.sent(100, 300, 2)
	b.sent(300, 400, 3)
	// A SACK-like split in the middle of the second record.
	if !b.split(200) || len(b.live()) != 4 || b.live()[1] != (txRec{100, 200, 2, 2, 0}) || b.live()[2] != (txRec{200, 300, 2, 2, 0}) {
		t.Fatalf("split: %+v", b.live())
	}
	b.live()[2].flags |= recSACKed
	b.nSACKed++
	b.live()[0].flags |= recLost
	// pipe: [0,100) lost → 0, [100,200) 100, SACKed 0, [300,400) 100.
	if p := b.pipe(); p != 200 {
		t.Errorf("pipe %d, want 200", p)
	}
	if s, e, ok := b.nextLost(); !ok || s != 0 || e != 100 {
		t.Errorf("nextLost %d %d %v", s, e, ok)
	}
	// Retransmitting half of the lost record splits it; the sent half
	// counts in pipe again and carries the new time.
	b.sent(0, 50, 9)
	if r := b.live(); len(r) != 5 || r[0] != (txRec{0, 50, 9, 1, recLost | recInFlight | recRetrans}) || r[1].flags != recLost {
		t.Fatalf("after retransmission: %+v", r)
	}
	if p := b.pipe(); p != 250 || b.nRetrans != 1 {
		t.Errorf("pipe %d nRetrans %d", p, b.nRetrans)
	}
	if s, _, _ := b.nextLost(); s != 50 {
		t.Errorf("nextLost from %d, want 50", s)
	}
	// New data appends; a cumulative ACK pops.
	b.sent(400, 500, 10)
	for len(b.live()) > 0 && seqLEQ(b.live()[0].end, 200) {
		b.pop()
	}
	if r := b.live(); len(r) != 3 || r[0].start != 200 || b.nSACKed != 1 || b.nRetrans != 0 {
		t.Errorf("after pop: %+v sacked %d retrans %d", r, b.nSACKed, b.nRetrans)
	}
	b.forgetSACKs()
	if b.nSACKed != 0 || b.sackedBytes() != 0 || b.pipe() != 300 {
		t.Errorf("forgetSACKs: %+v", b.live())
	}
}

func TestScoreboardFull(t *testing.T) {
	var b scoreboard
	for i := range maxRecords + 10 {
		b.sent(uint32(i), uint32(i+1), int64(i))
	}
	r := b.live()
	if len(r) != maxRecords || r[len(r)-1].end != maxRecords+10 || r[len(r)-1].xmit != maxRecords+9 {
		t.Fatalf("%d records, last %+v", len(r), r[len(r)-1])
	}
	if b.split(maxRecords + 5) {
		t.Error("split beyond the limit")
	}
}

// TestRACKTimeBased: a segment is lost once RACK.rtt + reo_wnd passed
// since it was sent and a later one was delivered; before that the RACK
// timer is armed for exactly then (RFC 8985 §6.2 step 5, §8).
func TestRACKTimeBased(t *testing.T) {
	c := rackConn(t)
	c.rk.noteRTT(40*ms, 0)
	c.srtt, c.hasRTT = 40*time.Millisecond, true
	send(c, 4, 0, ms) // sent at 0, 1, 2, 3 ms: [1000,1100) … [1300,1400)
	// At 42 ms the third segment's SACK arrives: its RTT is 40 ms.
	now := 42 * ms
	s := &segment{ack: 1000}
	c.applySACK(sackBlock{1200, 1300}, s, now)
	if c.rk.rtt != 40*ms || c.rk.endSeq != 1300 || c.rk.xmit != 2*ms {
		t.Fatalf("RACK state %+v", c.rk)
	}
	// One segment SACKed, no reordering seen: the window is min_RTT/4.
	w := c.rackReoWnd(false)
	if w != 10*ms {
		t.Fatalf("reo_wnd %d, want 10 ms", w)
	}
	if n := c.rackDetect(w, now); n != 0 {
		t.Fatalf("marked %d at once", n)
	}
	// Segment 1 (sent at 0) expires at 0+40+10 = 50 ms, segment 2 at 51;
	// the timer is armed for the later (max, as §6.2 step 5 says).
	if c.rackAt != 51*ms {
		t.Fatalf("RACK timer at %d, want %d", c.rackAt, 51*ms)
	}
	if n := c.rackDetect(w, 50*ms); n != 1 || flags(c)[0] != recLost || flags(c)[1] != 0 {
		t.Fatalf("at 50 ms: marked %d, flags %v", n, flags(c))
	}
	if n := c.rackDetect(w, 51*ms); n != 1 || flags(c)[1] != recLost {
		t.Fatalf("at 51 ms: marked %d, flags %v", n, flags(c))
	}
	// The fourth, sent after the delivered one, is never marked.
	if f := flags(c)[3]; f != 0 {
		t.Errorf("segment sent after RACK.xmit_ts marked: %v", f)
	}
	if c.rackAt != 0 {
		t.Errorf("timer left armed at %d", c.rackAt)
	}
}

// TestRACKDupThresh: with DupThresh segments SACKed and no reordering seen
// the window is zero, so the hole is lost at once (§6.2 step 4).
func TestRACKDupThresh(t *testing.T) {
	c := rackConn(t)
	c.rk.noteRTT(20*ms, 0)
	send(c, 5, 0, 0) // one burst at time 0
	now := 20 * ms
	s := &segment{ack: 1000}
	for _, b := range []sackBlock{{1100, 1200}, {1100, 1300}, {1100, 1400}} {
		c.applySACK(b, s, now)
	}
	if w := c.rackReoWnd(false); w != 0 {
		t.Fatalf("reo_wnd %d with 3 SACKed", w)
	}
	if !c.rackOnAck(false, now) {
		t.Fatal("hole not marked lost")
	}
	if f := flags(c); f[0] != recLost || f[4] != 0 {
		t.Fatalf("flags %v", f)
	}
	// Recovery starts; NextSeg rule 1 picks the hole; pipe leaves it out.
	c.lossDetected()
	if s, _, ok := c.board.nextLost(); !c.inRecovery || !ok || s != 1000 || c.board.pipe() != 100 {
		t.Fatalf("recovery %v next lost %d pipe %d", c.inRecovery, s, c.board.pipe())
	}
}

// TestRACKReordering: a segment delivered below RACK.fack that was never
// retransmitted shows reordering (step 3); from then on the window stays
// min_RTT/4 even with DupThresh SACKed, and each round with a D-SACK
// widens it by another quarter, back after 16 recoveries (step 4).
func TestRACKReordering(t *testing.T) {
	c := rackConn(t)
	c.rk.noteRTT(40*ms, 0)
	c.srtt, c.hasRTT = 200*time.Millisecond, true
	send(c, 6, 0, 0)
	s := &segment{ack: 1000}
	c.applySACK(sackBlock{1200, 1500}, s, 40*ms)
	if c.rk.reorderingSeen {
		t.Fatal("reordering before any")
	}
	c.applySACK(sackBlock{1100, 1200}, s, 41*ms) // below fack 1500: reordered
	if !c.rk.reorderingSeen {
		t.Fatal("reordering not seen")
	}
	if w := c.rackReoWnd(false); w != 10*ms {
		t.Fatalf("reo_wnd %d, want 10 ms", w)
	}
	if w := c.rackReoWnd(true); w != 20*ms || c.rk.reoWndPersist != 16 {
		t.Fatalf("after a D-SACK: reo_wnd %d persist %d", w, c.rk.reoWndPersist)
	}
	// A second D-SACK in the same round (SND.UNA below dsack_round) does
	// not widen it again.
	if w := c.rackReoWnd(true); w != 20*ms {
		t.Fatalf("second D-SACK of the round: %d", w)
	}
	// The window never exceeds SRTT.
	c.rk.reoWndMult = 100
	if w := c.rackReoWnd(false); w != int64(c.srtt) {
		t.Fatalf("reo_wnd %d above SRTT", w)
	}
	c.rk.reoWndMult = 2
	for range 16 {
		c.rackRecoveryEnded()
	}
	if c.rk.reoWndMult != 1 {
		t.Fatalf("multiplier %d after 16 recoveries", c.rk.reoWndMult)
	}
	// The hole at 1000 is lost 40+10 ms after it was sent.
	if n := c.rackDetect(c.rackReoWnd(false), 49*ms); n != 0 {
		t.Fatal("marked inside the reordering window")
	}
	if n := c.rackDetect(c.rackReoWnd(false), 50*ms); n != 1 {
		t.Fatal("not marked after the reordering window")
	}
}

// TestRACKRetransmittedSample: a retransmitted segment's delivery is
// ignored when the timestamp echo or its RTT shows it answers the
// earlier transmission (§6.2 step 2); so is it for reordering (step 3).
func TestRACKRetransmittedSample(t *testing.T) {
	c := rackConn(t)
	c.rk.noteRTT(40*ms, 0)
	send(c, 2, 0, 0)
	c.board.live()[0].flags |= recLost
	c.board.sent(1000, 1100, 30*ms) // retransmitted at 30 ms
	s := &segment{ack: 1100}
	// Delivered at 41 ms: an RTT of 11 ms is below min_RTT, so it may be
	// the original's delivery: RACK takes the first transmission's time.
	c.ackRecords(1100, s, 41*ms)
	if !c.rk.hasXmit || c.rk.xmit != 0 || c.rk.rtt != 41*ms {
		t.Fatalf("ambiguous sample: %+v", c.rk)
	}
	// The first transmission's delivery is a sample (and a min_RTT one).
	s.ack = 1000
	c.applySACK(sackBlock{1100, 1200}, s, 41*ms)
	if c.rk.xmit != 0 || c.rk.endSeq != 1200 || c.rk.minRTT != 40*ms {
		t.Fatalf("first transmission's sample: %+v", c.rk)
	}
	// A retransmission delivered with an RTT at least min_RTT counts.
	c.board.sent(1200, 1300, 50*ms)
	c.sndMax = 1300
	c.board.live()[1].flags |= recRetrans // as if [1200,1300) were resent
	c.applySACK(sackBlock{1200, 1300}, s, 90*ms)
	if c.rk.endSeq != 1300 || c.rk.rtt != 40*ms {
		t.Fatalf("retransmission's sample: %+v", c.rk)
	}
}

// TestRACKLostRetransmission: a retransmission that is lost again is
// detected from a segment sent after it — what DupThresh cannot do.
func TestRACKLostRetransmission(t *testing.T) {
	c := rackConn(t)
	c.rk.noteRTT(10*ms, 0)
	send(c, 4, 0, 0)
	c.board.live()[0].flags |= recLost
	c.board.sent(1000, 1100, 20*ms) // the retransmission
	c.board.sent(1400, 1500, 21*ms) // new data after it
	c.sndMax, c.sndNxt = 1500, 1500
	s := &segment{ack: 1000}
	c.applySACK(sackBlock{1100, 1400}, s, 15*ms)
	c.applySACK(sackBlock{1100, 1500}, s, 31*ms) // the new segment, RTT 10 ms
	if c.rk.endSeq != 1500 {
		t.Fatalf("RACK %+v", c.rk)
	}
	if n := c.rackDetect(0, 31*ms); n != 1 || flags(c)[0]&(recLost|recInFlight) != recLost {
		t.Fatalf("lost retransmission not marked: %d %v", n, flags(c))
	}
}

// TestRACKMarkOnRTO: at an RTO the segment at SND.UNA is lost, so is every
// other one sent RACK.rtt + reo_wnd ago, SACKed ones stay SACKed and a
// recent one stays in flight (RFC 8985 §6.3); a retransmission among the
// old ones is lost again. A SACK mark on SND.UNA's segment means the
// receiver reneged: every mark goes (RFC 2018 §8).
func TestRACKMarkOnRTO(t *testing.T) {
	c := rackConn(t)
	c.rk.noteRTT(20*ms, 0)
	send(c, 4, 0, 0)      // [1000,1400) at 0
	send(c, 1, 290*ms, 0) // [1400,1500) at 290 ms
	s := &segment{ack: 1000}
	c.applySACK(sackBlock{1200, 1300}, s, 20*ms) // RACK.rtt 20 ms
	c.board.live()[1].flags |= recLost
	c.board.sent(1100, 1200, 100*ms) // a retransmission in flight
	c.rtoRecovery = true
	c.rackMarkOnRTO(300 * ms)
	want := []uint8{recLost, recLost | recRetrans, recSACKed, recLost, 0}
	if f := flags(c); !slices.Equal(f, want) {
		t.Fatalf("flags %v, want %v", f, want)
	}
	if p := c.board.pipe(); p != 100 {
		t.Errorf("pipe %d, want 100 (the recent segment)", p)
	}
	if st := c.t.Stats(); st.RACKMarked != 3 || st.SACKReneging != 0 {
		t.Errorf("RACK marked %d reneging %d", st.RACKMarked, st.SACKReneging)
	}

	// Reneging: SND.UNA's segment SACKed.
	c = rackConn(t)
	send(c, 3, 0, 0)
	c.applySACK(sackBlock{1000, 1300}, s, 20*ms)
	c.rackMarkOnRTO(300 * ms)
	if f := flags(c); !slices.Equal(f, []uint8{recLost, recLost, recLost}) || c.board.nSACKed != 0 {
		t.Fatalf("after reneging: flags %v, %d SACKed", f, c.board.nSACKed)
	}
	if st := c.t.Stats(); st.SACKReneging != 1 {
		t.Errorf("reneging counted %d", st.SACKReneging)
	}
}
