package net80211_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/gopkt/gopkt/crypto"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// baBench is an HT+WMM association with a Block Ack agreement on TID 0,
// and a medium that can hold back the AP's data frames so the test
// delivers them in an order of its choosing.
type baBench struct {
	*bench
	holding bool
	held    [][]byte // the AP's data frames taken off the air, in sending order
	next    int      // payload number of the next frame the AP sends
	got     int      // frames already checked in b.rx
}

var baPeer = net.HardwareAddr{2, 0, 0, 0, 0, 0x77}

func newBABench(t testing.TB) *baBench { return newBABenchOn(t, "block ack reorder", nil) }

// newBABenchOn is newBABench with the passphrase pass and, when reg is not
// nil, CCMP through reg's engines.
func newBABenchOn(t testing.TB, pass string, reg *crypto.Registry) *baBench {
	b := &baBench{bench: newBench(t, benchOpts{passphrase: pass, apCfg: func(c *wlantest.APConfig) { c.QoS = true },
		comCfg: func(c *net80211.ComConfig) { c.Radio = htRadio{c.Radio.(*wlantest.Radio)}; c.Crypto = reg }})}
	b.connect(pass)
	b.medium.Filter = func(from *wlantest.Radio, p []byte) []byte {
		if f, err := frame.Parse(p); b.holding && from == b.ap.Radio() && err == nil && f.Type() == frame.TypeData {
			b.held = append(b.held, p)
			return nil
		}
		return p
	}
	b.ap.SendADDBA(0)
	b.medium.Run(100)
	if b.ap.Stats.LastADDBAStatus != 0 || b.vap.Stats().BAAccepted != 1 {
		t.Fatalf("ADDBA: status %d, stats %+v", b.ap.Stats.LastADDBAStatus, b.vap.Stats())
	}
	b.got = len(b.rx)
	return b
}

// hold makes the AP send n frames and keeps them off the air; it returns
// their indexes in b.held.
func (b *baBench) hold(n int) []int {
	b.t.Helper()
	b.holding = true
	var idx []int
	for range n {
		idx = append(idx, len(b.held))
		if err := b.ap.SendEther(ether(staMAC, baPeer, fmt.Sprintf("msdu %d", b.next))); err != nil {
			b.t.Fatal(err)
		}
		b.next++
		b.medium.Run(100)
	}
	b.holding = false
	return idx
}

func (b *baBench) inject(i int) {
	b.ap.Inject(b.held[i])
	b.medium.Run(100)
}

// expect checks the frames delivered since the last call carry exactly
// the payload numbers want, in that order.
func (b *baBench) expect(what string, want ...int) {
	b.t.Helper()
	var got []string
	for _, e := range b.rx[b.got:] {
		got = append(got, string(e[14:]))
	}
	b.got = len(b.rx)
	var w []string
	for _, n := range want {
		w = append(w, fmt.Sprintf("msdu %d", n))
	}
	if fmt.Sprint(got) != fmt.Sprint(w) {
		b.t.Fatalf("%s: delivered %q, want %q (stats %+v)", what, got, w, b.vap.Stats())
	}
}

// bar sends a BlockAckReq for TID 0 with starting sequence ssn (9.3.1.8).
func (b *baBench) bar(ssn uint16) {
	p := binary.LittleEndian.AppendUint16(nil, uint16(frame.MakeFC(frame.TypeCtrl, frame.SubBlockAckReq, 0)))
	p = append(p, 0, 0)
	p = append(append(p, staMAC...), apMAC...)
	p = binary.LittleEndian.AppendUint16(p, frame.BACtlCompressed)
	p = binary.LittleEndian.AppendUint16(p, ssn<<4)
	b.ap.Inject(p)
	b.medium.Run(100)
}

func seqOf(p []byte) uint16 { return frame.Frame(p).SeqCtl() >> 4 }

// TestBlockAckReorder: under an agreement, MPDUs that arrive out of order
// go up in sequence order (IEEE 802.11-2016 10.24.7.6); a hole is given up
// on after ReorderTimeout or at a BlockAckReq; duplicates of held MPDUs
// and MPDUs older than the window are dropped and counted; an MPDU beyond
// the window moves it; a DELBA releases what is held; a teardown counts
// what it loses.
func TestBlockAckReorder(t *testing.T) {
	b := newBABench(t)

	h := b.hold(5)
	for _, i := range []int{1, 0, 3, 4, 2} {
		b.inject(h[i])
	}
	b.expect("1 0 3 4 2", 0, 1, 2, 3, 4)
	if st := b.vap.Stats(); st.RxReorderHeld != 3 || st.RxDelivered < 5 {
		t.Fatalf("held %d", st.RxReorderHeld)
	}

	// A hole nobody fills: the MPDU after it waits ReorderTimeout, then
	// goes up; the missing one, arriving later, is too old.
	h = b.hold(3)
	b.inject(h[0])
	b.inject(h[2])
	b.expect("5, 7 held", 5)
	b.step(net80211.ReorderTimeout / 2)
	b.expect("before the timeout")
	b.step(net80211.ReorderTimeout)
	b.expect("after the timeout", 7)
	b.inject(h[1])
	b.expect("6 after its hole was given up")
	if st := b.vap.Stats(); st.RxReorderTimeouts != 1 || st.RxReorderOld != 1 {
		t.Fatalf("timeouts %d old %d", st.RxReorderTimeouts, st.RxReorderOld)
	}

	// A BlockAckReq past the hole releases what waits behind it.
	h = b.hold(3)
	b.inject(h[0])
	b.inject(h[2])
	b.expect("8, 10 held", 8)
	b.bar(seqOf(b.held[h[2]]))
	b.expect("BlockAckReq", 10)
	if st := b.vap.Stats(); st.RxBlockAckReq != 1 {
		t.Fatalf("BlockAckReqs %d", st.RxBlockAckReq)
	}

	// A held MPDU received twice goes up once.
	h = b.hold(2)
	b.inject(h[1])
	b.inject(h[1])
	b.inject(h[0])
	b.expect("12 12 11", 11, 12)
	if st := b.vap.Stats(); st.RxReorderDup != 1 {
		t.Fatalf("duplicates %d", st.RxReorderDup)
	}

	// An MPDU 70 past the window start moves the window: the first 7
	// (its 6 predecessors before the new start and nothing held) are then
	// too old, the rest go up in order.
	h = b.hold(71)
	b.inject(h[70])
	b.expect("the far one held")
	for _, i := range h[:70] {
		b.inject(i)
	}
	want := []int{}
	for n := 13 + 7; n <= 13+70; n++ {
		want = append(want, n)
	}
	b.expect("after the window moved", want...)
	if st := b.vap.Stats(); st.RxReorderOld != 1+7 {
		t.Fatalf("old %d", st.RxReorderOld)
	}

	// A DELBA from the AP releases the held MPDU; later frames go up as
	// they come, so one that overtook another makes the older one a
	// replay: what reordering is for.
	h = b.hold(3)
	b.inject(h[1])
	b.expect("held before the DELBA")
	delba := frame.AppendHeader(nil, &frame.HeaderFields{FC: frame.MakeFC(frame.TypeMgmt, frame.SubAction, 0), Addr1: staMAC, Addr2: apMAC, Addr3: apMAC})
	delba = append(delba, frame.CategoryBlockAck, 2)
	delba = binary.LittleEndian.AppendUint16(delba, 1<<11) // initiator, TID 0
	delba = binary.LittleEndian.AppendUint16(delba, 37)
	b.ap.Inject(delba)
	b.medium.Run(100)
	b.expect("DELBA", 85)
	replays := b.vap.Stats().RxReplay
	b.inject(h[2])
	b.inject(h[0])
	b.expect("no agreement", 86)
	if st := b.vap.Stats(); st.BAEnded != 1 || st.RxReplay != replays+1 {
		t.Fatalf("agreements ended %d, replays %d", st.BAEnded, st.RxReplay-replays)
	}

	// A new agreement; what it holds at a deauthentication is counted lost.
	b.ap.SendADDBA(0)
	b.medium.Run(100)
	h = b.hold(2)
	b.inject(h[1])
	b.ap.Deauth(3, false)
	b.medium.Run(100)
	if st := b.vap.Stats(); st.RxReorderLost != 1 || st.BAAccepted != 2 {
		t.Fatalf("lost %d accepted %d", st.RxReorderLost, st.BAAccepted)
	}
	b.expect("after the deauthentication")
}

// TestBlockAckReorderPort: through the stack's port, an MPDU that arrives
// in order goes up in its own mbuf (converted in place), held ones as
// copies, all in sequence order, and the pool is full at the end.
func TestBlockAckReorderPort(t *testing.T) {
	pool := newPool(t, 64)
	b := newBABench(t)
	b.sta.Handler = func(p []byte, rx *net80211.RxInfo) {
		m, err := pool.Get()
		if err != nil {
			t.Fatal(err)
		}
		dst, _ := m.Append(len(p))
		copy(dst, p)
		b.com.InputBuf(m, rx)
	}
	pt, err := b.vap.NewPort(pool, 8)
	if err != nil {
		t.Fatal(err)
	}
	h := b.hold(4)
	for _, i := range []int{2, 1, 0, 3} {
		b.inject(h[i])
	}
	bufs := make([]*mbuf.Buf, 8)
	n := pt.RxBurst(bufs)
	if n != 4 {
		t.Fatalf("RxBurst %d (stats %+v)", n, b.vap.Stats())
	}
	for i := range n {
		if want := ether(staMAC, baPeer, fmt.Sprintf("msdu %d", i)); !bytes.Equal(bufs[i].Bytes(), want) {
			t.Errorf("frame %d: %q", i, bufs[i].Bytes())
		}
		// 0 and 3 arrived in order: their own mbufs; 1 and 2 were held.
		if inPlace := bufs[i].Headroom() > mbuf.Headroom; inPlace != (i == 0 || i == 3) {
			t.Errorf("frame %d: converted in place %v", i, inPlace)
		}
	}
	pool.Free(bufs[:n])
	_ = pt.Close()
	if pool.InUse() != 0 {
		t.Fatalf("%d mbufs in use", pool.InUse())
	}
}

// FuzzInputBlockAck is FuzzInput on an HT association with a Block Ack
// agreement on TID 0: seeds are the AP's QoS Data (in and out of order),
// ADDBA, DELBA and BlockAckReqs; time moves 20 ms per input so the
// reorder timeout runs, and the agreement is offered again every 64
// inputs. Nothing may panic; what is dropped is counted.
func FuzzInputBlockAck(f *testing.F) {
	seed := newBABench(f)
	var seeds [][]byte
	seed.medium.Trace = func(_ *wlantest.Radio, p []byte) { seeds = append(seeds, bytes.Clone(p)) }
	h := seed.hold(4)
	seed.inject(h[1])
	seed.inject(h[0])
	seed.bar(seqOf(seed.held[h[3]]))
	seed.ap.SendADDBA(0)
	seed.medium.Run(100)
	for _, s := range seeds {
		f.Add(s)
	}
	for _, i := range h {
		f.Add(seed.held[i])
	}
	b := newBABench(f)
	b.keep = false
	rx := &net80211.RxInfo{Rate: 2, SignalDBm: -40, FreqMHz: 2437}
	n := 0
	f.Fuzz(func(t *testing.T, p []byte) {
		if n++; n%64 == 0 {
			b.ap.SendADDBA(0)
		}
		b.com.Input(bytes.Clone(p), rx)
		b.step(20 * time.Millisecond)
		_ = b.vap.Status()
	})
}
