package tcp_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/tcp"
	"github.com/gopkt/gopkt/stack/wire"
)

// seqDropper is an IPv4 output hook that drops chosen transmissions of
// our data segments to Linux, by their offset in the stream, and records
// when each offset was sent: the RACK-TLP interop cases lose exactly the
// segments they are about.
type seqDropper struct {
	mu      sync.Mutex
	isn     uint32
	haveISN bool
	drop    map[uint32]int         // stream offset → transmissions still to drop
	sent    map[uint32][]time.Time // stream offset → every transmission
}

func (d *seqDropper) hook(_ pfil.Dir, _ int, b *mbuf.Buf) pfil.Verdict {
	p := b.Bytes()
	if len(p) < wire.IPv4MinHeaderLen || p[9] != byte(wire.IPProtocolTCP) {
		return pfil.Pass
	}
	ihl := int(p[0]&0xf) * 4
	total := int(binary.BigEndian.Uint16(p[2:]))
	if len(p) < ihl+wire.TCPMinHeaderLen {
		return pfil.Pass
	}
	h := p[ihl:]
	seq, flags := binary.BigEndian.Uint32(h[4:]), h[13]
	dataLen := total - ihl - int(h[12]>>4)*4
	d.mu.Lock()
	defer d.mu.Unlock()
	if flags&wire.TCPFlagSYN != 0 {
		d.isn, d.haveISN = seq, true
		return pfil.Pass
	}
	if !d.haveISN || dataLen <= 0 {
		return pfil.Pass
	}
	off := seq - d.isn - 1
	d.sent[off] = append(d.sent[off], time.Now())
	if d.drop[off] > 0 {
		d.drop[off]--
		return pfil.Drop
	}
	return pfil.Pass
}

// rackCase sends size bytes from our stack to Linux with the listed
// transmissions dropped, checks the data, and returns how long the first
// dropped segment took from its first transmission to its last, and our
// counters.
func rackCase(t *testing.T, tag string, size int, drop map[uint32]int) (time.Duration, tcp.Stats) {
	p := newLinuxPeer(t, tag, tcp.Options{})
	d := &seqDropper{drop: map[uint32]int{}, sent: map[uint32][]time.Time{}}
	var first uint32
	for k, v := range drop {
		d.drop[k] = v
		if first == 0 || k < first {
			first = k
		}
	}
	if err := p.ip.Out().Add("seqdrop", 0, d.hook); err != nil {
		t.Fatal(err)
	}
	var ln net.Listener
	if err := p.ns.Do(func() (err error) { ln, err = net.Listen("tcp4", "198.18.6.2:5003"); return }); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Error(err)
			got <- nil
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		b := make([]byte, size)
		n, err := io.ReadFull(c, b)
		if err != nil {
			t.Error(err)
		}
		got <- b[:n]
	}()
	c, err := p.tcp.Dial("tcp", "198.18.6.2:5003")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	data := blob(7, size)
	if _, err := c.Write(data); err != nil {
		t.Fatal(err)
	}
	// No FIN behind the data: the last segments are the tail of the flight.
	if b := <-got; !bytes.Equal(b, data) {
		t.Fatalf("Linux received %d of %d bytes, or different ones", len(b), size)
	}
	st := p.tcp.Stats() // before taking d.mu: the hook runs under a connection's lock
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, v := range d.drop {
		if v != 0 {
			t.Fatalf("offset %d: %d planned drops never happened (segment boundaries moved?)", k, v)
		}
	}
	for off, ts := range d.sent {
		if len(ts) > 1 {
			t.Logf("offset %d sent %d times, last %v after the first", off, len(ts), ts[len(ts)-1].Sub(ts[0]))
		}
	}
	tx := d.sent[first]
	return tx[len(tx)-1].Sub(tx[0]), st
}

// TestLinuxRACKTailLoss: the last two segments of a flight are lost. No
// duplicate ACK can follow them: the tail loss probe resends the last one,
// Linux's SACK of it lets RACK mark the other lost, and recovery repairs
// it, all without an RTO (RFC 8985 §7 with §6).
func TestLinuxRACKTailLoss(t *testing.T) {
	const mss = 1448 // MTU 1500 less IPv4, TCP and the timestamp option
	rec, st := rackCase(t, "tcpk1", 8*mss, map[uint32]int{6 * mss: 1, 7 * mss: 1})
	t.Logf("tail loss repaired %v after the first transmission; TLPs %d, RACK marked %d, retransmitted %d, RTOs %d",
		rec, st.TLPProbes, st.RACKMarked, st.RetransSegs, st.RTOExpired)
	if st.RTOExpired != 0 || st.TLPProbes == 0 || st.RACKMarked == 0 {
		t.Errorf("want recovery by TLP and RACK, no RTO: %+v", st)
	}
}

// TestLinuxRACKLostRetransmission: a segment in the middle of a transfer
// and its first retransmission are both lost. Segments sent after the
// retransmission are delivered, so RACK marks it lost again and resends
// it; a duplicate-ACK count never could, and only the RTO would.
func TestLinuxRACKLostRetransmission(t *testing.T) {
	const mss = 1448
	rec, st := rackCase(t, "tcpk2", 200*mss, map[uint32]int{5 * mss: 2})
	t.Logf("lost retransmission repaired %v after the first transmission; RACK marked %d, retransmitted %d, fast retransmits %d, RTOs %d",
		rec, st.RACKMarked, st.RetransSegs, st.FastRetransmits, st.RTOExpired)
	if st.RTOExpired != 0 || st.RACKMarked < 2 {
		t.Errorf("want the lost retransmission found by RACK, no RTO: %+v", st)
	}
}
