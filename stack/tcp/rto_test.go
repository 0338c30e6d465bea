package tcp_test

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/tcp"
	"github.com/gopkt/gopkt/stack/wire"
)

// RTO recovery with SACK (RFC 6675 §5.1, RFC 8985 §6.3), driven by a raw
// peer that plays the receiver and loses exactly the segments a case is
// about. The RTO floor is 1 s, so a second RTO cannot pass for RACK's
// answer on a loaded machine.

const rtoMSS = 1448 // MSS 1460 less the timestamp option

// rtoPeer is the raw peer's receive side: its sequence number, its
// timestamp clock and the newest TSval it saw from us.
type rtoPeer struct {
	p      *rawPeer
	pn     uint32 // the peer's SND.NXT (it sends no data)
	tsv    uint32
	lastTS uint32
	data   []byte // what we sent, by offset from our first data byte
	on     uint32 // our first data byte
}

// next returns our next data segment, skipping pure ACKs and window
// updates, and checks its bytes against what was written.
func (r *rtoPeer) next(t *testing.T, what string) seg {
	t.Helper()
	for {
		s := r.p.expect(what)
		if v := tsVal(s.Opts); v != 0 {
			r.lastTS = v
		}
		if len(s.Data) == 0 {
			continue
		}
		off := int(s.Seq - r.on)
		if off < 0 || off+len(s.Data) > len(r.data) || !bytes.Equal(s.Data, r.data[off:off+len(s.Data)]) {
			t.Fatalf("%s: segment at offset %d with %d bytes that were not written there", what, off, len(s.Data))
		}
		return s
	}
}

// nextAt is next, failing unless the segment starts at offset off (in
// segments of rtoMSS).
func (r *rtoPeer) nextAt(t *testing.T, what string, segment int) seg {
	t.Helper()
	s := r.next(t, what)
	if got := int(s.Seq-r.on) / rtoMSS; s.Seq != r.on+uint32(segment*rtoMSS) {
		t.Fatalf("%s: got segment %d (offset %d), want segment %d; stats %+v", what, got, s.Seq-r.on, segment, r.p.TCP.Stats())
	}
	return s
}

// ack acknowledges up to segment n (cumulatively) and SACKs the segment
// ranges [from, to) of blocks (pairs of segment numbers).
func (r *rtoPeer) ack(n int, blocks ...int) {
	r.tsv++
	opts := tsOpt(r.tsv, r.lastTS)
	if len(blocks) > 0 {
		opts = append(opts, 1, 1, 5, byte(2+4*len(blocks)))
		for _, b := range blocks {
			opts = binary.BigEndian.AppendUint32(opts, r.on+uint32(b*rtoMSS))
		}
	}
	r.p.send(seg{Src: 4000, Dst: 80, Seq: r.pn, Ack: r.on + uint32(n*rtoMSS), Flags: wire.TCPFlagACK, Wnd: 65535, Opts: opts})
}

// quiet fails if we send data within d.
func (r *rtoPeer) quiet(t *testing.T, what string, d time.Duration) {
	t.Helper()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		s, ok := r.p.recv(time.Until(end))
		if !ok {
			return
		}
		if len(s.Data) > 0 {
			t.Fatalf("%s: segment %d sent (offset %d); stats %+v", what, (s.Seq-r.on)/rtoMSS, s.Seq-r.on, r.p.TCP.Stats())
		}
	}
}

// rtoSetup opens a connection with SACK and timestamps from the raw peer
// and writes n full segments on it.
func rtoSetup(t *testing.T, n int) (*rtoPeer, *tcp.Conn) {
	t.Helper()
	p := newRawPeer(t, tcp.Options{InitialRTO: time.Second, MinRTO: time.Second})
	l := listen80(t, p, 0)
	c, pn, on := p.handshake(l, 4000, false)
	t.Cleanup(func() { _ = c.SetLinger(0); c.Close() })
	r := &rtoPeer{p: p, pn: pn, tsv: 2, on: on, data: blob(11, n*rtoMSS)}
	if _, err := c.Write(r.data); err != nil {
		t.Fatal(err)
	}
	return r, c
}

// TestRTORecoveryLostRetransmission: a whole flight and its tail loss
// probe are lost, so the RTO fires and resends the first segment. In the
// slow start after it, one retransmission is lost again while the one
// sent after it is SACKed: RACK marks the lost one (RFC 8985 §6.3 and
// §6.2: reo_wnd is zero in recovery) and it goes out at once, not at a
// second RTO as when the sender went back to SND.UNA; the SACKed segment
// is not sent again.
func TestRTORecoveryLostRetransmission(t *testing.T) {
	r, _ := rtoSetup(t, 10)
	for i := range 10 {
		r.nextAt(t, "the flight (lost)", i)
	}
	r.nextAt(t, "the tail loss probe: the last segment again (lost)", 9)
	start := time.Now()
	r.nextAt(t, "the RTO's retransmission", 0)
	t.Logf("RTO after %v", time.Since(start))
	if st := r.p.TCP.Stats(); st.RTOExpired != 1 {
		t.Fatalf("RTOs %d, want 1", st.RTOExpired)
	}
	r.ack(1)
	// Slow start: cwnd is two segments.
	r.nextAt(t, "the first retransmission of the slow start (lost)", 1)
	r.nextAt(t, "the second retransmission of the slow start", 2)
	sacked := time.Now()
	r.ack(1, 2, 3)
	r.nextAt(t, "the lost retransmission, resent after RACK marked it", 1)
	took := time.Since(sacked)
	st := r.p.TCP.Stats()
	t.Logf("lost retransmission resent %v after the SACK above it; RTOs %d, RACK marked %d, retransmitted %d", took, st.RTOExpired, st.RACKMarked, st.RetransSegs)
	if st.RTOExpired != 1 {
		t.Fatalf("a second RTO (%d) resent the lost retransmission, not RACK", st.RTOExpired)
	}
	// The next hole, not segment 2 the peer SACKed.
	r.nextAt(t, "the next lost segment", 3)
	r.ack(4)
	for _, i := range []int{4, 5, 6} {
		r.nextAt(t, "slow start", i)
	}
	r.ack(7)
	for _, i := range []int{7, 8, 9} {
		r.nextAt(t, "slow start", i)
	}
	r.ack(10)
	r.quiet(t, "everything acknowledged", 300*time.Millisecond)
	if st := r.p.TCP.Stats(); st.RTOExpired != 1 || st.SACKReneging != 0 {
		t.Errorf("RTOs %d, reneging %d", st.RTOExpired, st.SACKReneging)
	}
}

// TestRTORecoveryKeepsSACK: the receiver SACKed most of a flight; the
// holes and their fast retransmissions are lost, so the RTO fires. After
// it only the holes are resent (RFC 6675 §5.1 "filling in" what the
// receiver reports missing): the scoreboard outlives the RTO, where
// clearing it (RFC 2018 §8) resent the SACKed data too.
func TestRTORecoveryKeepsSACK(t *testing.T) {
	r, _ := rtoSetup(t, 10)
	for i := range 10 {
		r.nextAt(t, "the flight", i)
	}
	r.ack(0, 2, 10) // segments 0 and 1 lost
	// Fast recovery resends both (RACK: eight SACKed, reo_wnd zero); a
	// tail loss probe of segment 9 may have gone before the SACK arrived.
	var got []int
	for len(got) < 2 {
		s := r.next(t, "fast retransmissions (lost)")
		if i := int(s.Seq-r.on) / rtoMSS; i != 9 {
			got = append(got, i)
		}
	}
	if got[0] != 0 || got[1] != 1 {
		t.Fatalf("fast recovery resent segments %v, want [0 1]", got)
	}
	r.nextAt(t, "the RTO's retransmission", 0)
	if st := r.p.TCP.Stats(); st.RTOExpired != 1 || st.FastRetransmits != 1 {
		t.Fatalf("RTOs %d fast retransmits %d, want 1 and 1", st.RTOExpired, st.FastRetransmits)
	}
	r.ack(1, 2, 10)
	r.nextAt(t, "the second hole", 1)
	r.quiet(t, "cwnd 2 after the RTO, and only the hole is missing", 200*time.Millisecond)
	r.ack(10)
	r.quiet(t, "everything acknowledged", 300*time.Millisecond)
	if st := r.p.TCP.Stats(); st.RTOExpired != 1 || st.RetransSegs > 5 {
		t.Errorf("RTOs %d retransmitted %d, want 1 RTO and 4 retransmissions (5 with a probe)", st.RTOExpired, st.RetransSegs)
	}
}

// TestSACKReneging: a receiver that SACKed data and then acknowledges
// only up to it has dropped it (RFC 2018 §8 reneging). The SACK marks go
// and the RTO fires shortly, resending from SND.UNA; the data the SACK
// covered is sent again.
func TestSACKReneging(t *testing.T) {
	r, _ := rtoSetup(t, 10)
	for i := range 10 {
		r.nextAt(t, "the flight", i)
	}
	r.ack(0, 2, 10)
	var got []int
	for len(got) < 2 {
		s := r.next(t, "fast retransmissions")
		if i := int(s.Seq-r.on) / rtoMSS; i != 9 {
			got = append(got, i)
		}
	}
	if got[0] != 0 || got[1] != 1 {
		t.Fatalf("fast recovery resent segments %v, want [0 1]", got)
	}
	reneged := time.Now()
	r.ack(2) // it had 2 to 9, now it has not
	r.nextAt(t, "segment 2, SACKed before the receiver reneged", 2)
	took := time.Since(reneged)
	st := r.p.TCP.Stats()
	t.Logf("resent %v after the reneging ACK; RTOs %d", took, st.RTOExpired)
	if st.SACKReneging != 1 {
		t.Fatalf("reneging counted %d times, want 1", st.SACKReneging)
	}
	if took > 700*time.Millisecond {
		t.Errorf("resent after %v: the RTO (1 s) did it, not the short reneging timer", took)
	}
	r.ack(3)
	for _, i := range []int{3, 4} {
		r.nextAt(t, "slow start", i)
	}
	r.ack(10)
	r.quiet(t, "everything acknowledged", 300*time.Millisecond)
}
