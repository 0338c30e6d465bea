package net80211

import (
	"bytes"
	"testing"
)

// TestBgHoldBounds: the queue of frames held off channel or during a probe
// takes bgHeldFrames small frames, then refuses; frames of the largest MSDU
// fill its bytes first; the frames come back whole and in order.
func TestBgHoldBounds(t *testing.T) {
	var v Vap
	frame := func(i, n int) []byte { return bytes.Repeat([]byte{byte(i)}, n) }
	for i := range bgHeldFrames {
		if !v.bgHold(frame(i, 98)) {
			t.Fatalf("frame %d of %d refused", i+1, bgHeldFrames)
		}
	}
	if v.bgHold(frame(0, 98)) {
		t.Fatalf("frame %d accepted", bgHeldFrames+1)
	}
	var from int32
	for i := range v.bg.nHeld {
		if got := v.bg.held[from:v.bg.heldEnd[i]]; !bytes.Equal(got, frame(i, 98)) {
			t.Fatalf("held frame %d: % x", i, got[:min(len(got), 8)])
		}
		from = v.bg.heldEnd[i]
	}
	v.bg.nHeld = 0
	big := EtherHeaderLen + 2304
	n := 0
	for v.bgHold(frame(n, big)) {
		n++
	}
	if want := bgHeldBytes / big; n != want {
		t.Fatalf("%d frames of %d bytes held, want %d", n, big, want)
	}
	if v.stats.BgHeld != uint64(bgHeldFrames+n) {
		t.Fatalf("BgHeld %d, want %d", v.stats.BgHeld, bgHeldFrames+n)
	}
}
