package vcard_test

import (
	"errors"
	"testing"

	"github.com/gopkt/gopkt/drivers/wifi80211/vcard"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/air"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/vcardsim"
	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// TestTxForeignPool: Transmit refuses, counts and leaves with the caller a
// buffer whose pool is not in the card's DMA memory; Attach refuses such a
// pool as Config.Pool.
func TestTxForeignPool(t *testing.T) {
	md := air.NewLocal(air.LocalConfig{})
	a := newCard(t, md, "02:00:00:00:0f:01", vcard.Poll)
	space := dma.NewSpace()
	mem := dma.NewMemory(space, dma.MemoryOptions{NoHugepages: true})
	alien, err := mbuf.NewPool(mem, mbuf.PoolOptions{Name: "alien", Buffers: 64})
	if err != nil {
		t.Fatal(err)
	}
	frame := dataFrame(mac("02:00:00:00:0f:02"), mac("02:00:00:00:0f:01"), mac("02:00:00:00:0f:03"), 1, "hello")
	b, _ := alien.Get()
	d, _ := b.Append(len(frame))
	copy(d, frame)
	if n := a.d.Transmit([]*mbuf.Buf{b}, []vcard.TxInfo{{Key: -1, NoAck: true}}); n != 0 {
		t.Fatalf("Transmit took a foreign buffer (%d)", n)
	}
	if st := a.d.Stats(); st.TxForeign != 1 || st.TxFrames != 0 {
		t.Fatalf("TxForeign %d TxFrames %d", st.TxForeign, st.TxFrames)
	}
	b.Free() // still the caller's
	// A buffer of the card's own pool still goes.
	if st := a.send(t, frame, vcard.TxInfo{Key: -1, NoAck: true}); st.Err {
		t.Fatalf("own buffer: %+v", st)
	}

	m := vcardsim.New(vcardsim.Config{MAC: mac("02:00:00:00:0f:09")})
	defer m.Close()
	if _, err := vcard.Attach(m.Function(), vcard.Config{Pool: alien, RxDescs: 8, TxDescs: 8}); !errors.Is(err, vcard.ErrConfig) {
		t.Fatalf("attach with a foreign pool: %v", err)
	}
	if err := errors.Join(alien.Close(), mem.Close()); err != nil {
		t.Fatal(err)
	}
}
