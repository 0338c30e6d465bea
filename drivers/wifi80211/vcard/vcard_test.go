package vcard_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/vcard"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/air"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/vcardsim"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/pci"
)

var (
	macA = "02:00:00:00:0a:01"
	macB = "02:00:00:00:0b:02"
)

func TestFramesBothWays(t *testing.T) {
	md := air.NewLocal(air.LocalConfig{Signal: -42})
	a := newCard(t, md, macA, vcard.Poll)
	b := newCard(t, md, macB, vcard.Poll)

	ab := dataFrame(mac(macB), mac(macA), mac(macB), 7, "hello from A")
	st := a.send(t, ab, vcard.TxInfo{Rate: 22, Tries: 4, Key: -1, Cookie: 0xc0ffee})
	if want := (vcard.TxStatus{Cookie: 0xc0ffee, Rate: 22, Acked: true, Attempts: 1}); st != want {
		t.Fatalf("A's TX status %+v, want %+v", st, want)
	}
	frames, info := b.recv()
	if len(frames) != 1 || !bytes.Equal(frames[0], ab) {
		t.Fatalf("B received %x, want [%x]", frames, ab)
	}
	if want := (vcard.RxInfo{Rate: 22, Signal: -42, Noise: -95, Freq: 2412, Key: -1}); info[0] != want {
		t.Fatalf("B's RX info %+v, want %+v", info[0], want)
	}

	ba := dataFrame(mac(macA), mac(macB), mac(macA), 9, "and back from B")
	if st := b.send(t, ba, vcard.TxInfo{Rate: 108, Key: -1, Cookie: 2}); !st.Acked || st.Attempts != 1 {
		t.Fatalf("B's TX status %+v", st)
	}
	frames, _ = a.recv()
	if len(frames) != 1 || !bytes.Equal(frames[0], ba) {
		t.Fatalf("A received %x, want [%x]", frames, ba)
	}

	// Broadcast: heard (RX filter BCAST is on after attach), never waits for an ack.
	bc := dataFrame(mac("ff:ff:ff:ff:ff:ff"), mac(macA), mac("ff:ff:ff:ff:ff:ff"), 10, "everyone")
	if st := a.send(t, bc, vcard.TxInfo{Tries: 5, Key: -1}); !st.Acked || st.Attempts != 1 {
		t.Fatalf("broadcast status %+v: want sent once and reported done", st)
	}
	if frames, _ = b.recv(); len(frames) != 1 || !bytes.Equal(frames[0], bc) {
		t.Fatalf("B got %x", frames)
	}

	// Another channel hears nothing and acks nothing.
	if err := b.d.SetChannel(2437); err != nil {
		t.Fatal(err)
	}
	if st := a.send(t, ab, vcard.TxInfo{Tries: 3, Key: -1}); st.Acked || st.Attempts != 3 {
		t.Fatalf("status with the peer on another channel %+v: want 3 unacked attempts", st)
	}
	if frames, _ = b.recv(); len(frames) != 0 {
		t.Fatalf("B on 2437 heard %d frames sent on 2412", len(frames))
	}
	s := a.d.Stats()
	if s.TxFrames != 3 || s.TxAcked != 2 || s.TxFailed != 1 || s.TxRetries != 2 {
		t.Fatalf("A's counters %+v", s)
	}
}

func TestRetriesUnderLoss(t *testing.T) {
	md := air.NewLocal(air.LocalConfig{Loss: 0.3, Seed: 42})
	a := newCard(t, md, macA, vcard.Poll)
	b := newCard(t, md, macB, vcard.Poll)
	const n = 100
	acked, retried := 0, 0
	var frames [][]byte
	for i := range n {
		st := a.send(t, dataFrame(mac(macB), mac(macA), mac(macB), uint16(i), "x"), vcard.TxInfo{Tries: 8, Key: -1, Cookie: uint32(i)})
		if st.Cookie != uint32(i) {
			t.Fatalf("cookie %d for frame %d", st.Cookie, i)
		}
		if st.Acked {
			acked++
		}
		if st.Attempts > 1 {
			retried++
		}
		f, _ := b.recv()
		frames = append(frames, f...)
	}
	// With 30% loss each way an attempt succeeds with p = 0.49; eight tries
	// fail with p = 0.51^8 = 0.5%.
	if acked < 95 || retried < 20 || len(frames) < acked {
		t.Fatalf("acked %d, retried %d, B received %d of %d", acked, retried, len(frames), n)
	}
	// Lost acknowledgements make duplicates; every copy after the first has
	// the Retry bit.
	for _, f := range frames {
		if f[1]&0x08 != 0 {
			return
		}
	}
	t.Fatal("no received frame carries the Retry bit")
}

func TestInterruptMode(t *testing.T) {
	md := air.NewLocal(air.LocalConfig{})
	a := newCard(t, md, macA, vcard.Interrupt) // MSI-X
	b := newCard(t, md, macB, vcard.Interrupt) // INTx (macB ends in 2)
	if icr, err := b.d.Wait(time.Millisecond); err != nil || icr != 0 {
		t.Fatalf("Wait on an idle card: %#x %v", icr, err)
	}
	for round := range 3 {
		a.send(t, dataFrame(mac(macB), mac(macA), mac(macB), uint16(round), "irq"), vcard.TxInfo{Key: -1})
		icr, err := b.d.Wait(2 * time.Second)
		if err != nil || icr&1 == 0 {
			t.Fatalf("round %d: B's Wait: ICR %#x, %v; want RXDONE", round, icr, err)
		}
		if f, _ := b.recv(); len(f) != 1 {
			t.Fatalf("round %d: %d frames", round, len(f))
		}
	}
	if icr, err := a.d.Wait(2 * time.Second); err != nil || icr&2 == 0 {
		t.Fatalf("A's Wait: ICR %#x, %v; want TXDONE", icr, err)
	}
}

func TestRxRingFullAndRefill(t *testing.T) {
	md := air.NewLocal(air.LocalConfig{})
	a := newCard(t, md, macA, vcard.Poll)
	b := newCard(t, md, macB, vcard.Poll)
	// 64 descriptors, 63 usable: the 64th and later frames are dropped.
	for i := range 70 {
		a.send(t, dataFrame(mac(macB), mac(macA), mac(macB), uint16(i), "fill"), vcard.TxInfo{Key: -1})
	}
	frames, _ := b.recv()
	if len(frames) != 63 || b.d.Stats().RxNoBuf != 7 {
		t.Fatalf("received %d (want 63), RxNoBuf %d (want 7)", len(frames), b.d.Stats().RxNoBuf)
	}
	for i := range 100 {
		a.send(t, dataFrame(mac(macB), mac(macA), mac(macB), uint16(i), "again"), vcard.TxInfo{Key: -1})
		if f, _ := b.recv(); len(f) != 1 {
			t.Fatalf("after refill, frame %d: got %d", i, len(f))
		}
	}
}

func TestAttachErrors(t *testing.T) {
	m := vcardsim.New(vcardsim.Config{MAC: mac(macA)})
	defer m.Close()
	f := m.Function()
	_, err := vcard.Attach(f, vcard.Config{})
	var oe *vcard.OpError
	if !errors.Is(err, vcard.ErrConfig) || !errors.As(err, &oe) || oe.Op != "attach" {
		t.Fatalf("attach without a pool: %v", err)
	}
	pool, err := mbuf.NewPool(f.DMA(), mbuf.PoolOptions{Name: "small", Buffers: 16})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vcard.Attach(f, vcard.Config{Pool: pool, RxDescs: 100}); !errors.Is(err, vcard.ErrConfig) {
		t.Fatalf("ring of 100: %v", err)
	}
	if _, err := vcard.Attach(f, vcard.Config{Pool: pool, RxDescs: 32}); !errors.Is(err, vcard.ErrConfig) {
		t.Fatalf("ring larger than the pool: %v", err)
	}
	reg := pci.Registry{vcard.Driver(vcard.Config{Pool: pool, RxDescs: 8, TxDescs: 8})}
	dev, err := reg.Attach(f)
	if err != nil {
		t.Fatal(err)
	}
	d := dev.(*vcard.Device)
	if got := d.MAC().String(); got != macA {
		t.Fatalf("MAC %s, want the card's permanent %s", got, macA)
	}
	if err := d.SetChannel(2000); !errors.Is(err, vcard.ErrChannel) {
		t.Fatalf("SetChannel(2000): %v", err)
	}
	d.SetTxPower(99)
	if p := d.TxPower(); p != 30 {
		t.Fatalf("TX power %d after asking for 99: the card clamps to 30", p)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); !errors.Is(err, vcard.ErrClosed) {
		t.Fatalf("second close: %v", err)
	}
	if pool.InUse() != 0 || f.Space().Mappings() != 0 {
		t.Fatalf("after detach: %d buffers in use, %d DMA mappings", pool.InUse(), f.Space().Mappings())
	}
}

// TestHostileRxLength: a card that completes RX descriptors with a length
// of 0 or beyond the buffer the driver armed gets every such frame dropped
// and counted, never delivered or sliced out of bounds; once honest again,
// frames arrive intact and the pool is full at the end (newCard's cleanup).
func TestHostileRxLength(t *testing.T) {
	md := air.NewLocal(air.LocalConfig{})
	a := newCard(t, md, macA, vcard.Poll)
	b := newCard(t, md, macB, vcard.Poll)
	frame := dataFrame(mac(macB), mac(macA), mac(macB), 1, "distrust the device")
	sent := 0
	for _, l := range []uint16{0, mbuf.DataRoom + 1, 0xffff} {
		b.m.SetHostile(vcardsim.Hostile{BadRxLen: true, RxLen: l})
		for range 3 {
			if st := a.send(t, frame, vcard.TxInfo{Tries: 1, Key: -1}); !st.Acked {
				t.Fatalf("len %d: frame not acknowledged", l)
			}
			sent++
		}
		if frames, _ := b.recv(); len(frames) != 0 {
			t.Fatalf("len %d: %d frames delivered, want none", l, len(frames))
		}
	}
	if got := b.d.Stats().RxBadLen; got != uint64(sent) {
		t.Fatalf("RxBadLen %d, want %d", got, sent)
	}
	b.m.SetHostile(vcardsim.Hostile{})
	a.send(t, frame, vcard.TxInfo{Tries: 1, Key: -1})
	frames, _ := b.recv()
	if len(frames) != 1 || !bytes.Equal(frames[0], frame) {
		t.Fatalf("honest again: got %d frames", len(frames))
	}
}
