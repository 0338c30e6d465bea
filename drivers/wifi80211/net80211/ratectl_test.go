package net80211

import (
	"math/rand/v2"
	"testing"
	"time"
)

var gRates = []Rate{2, 4, 11, 12, 18, 22, 24, 36, 48, 72, 96, 108}

func TestAMRRClimbsAndFalls(t *testing.T) {
	now := time.Unix(0, 0)
	n := AMRR{}.NewNode(gRates, now)
	// A clean channel: every window succeeds, the rate climbs to the top.
	for range 2000 {
		r := n.Select(now)
		n.Update(r, true, 0, now)
	}
	if got := n.Select(now); got != 108 {
		t.Fatalf("clean channel: rate %v, want 108", got)
	}
	// Everything above 24 (12 Mb/s) now fails: it must settle at or below 24.
	for range 5000 {
		r := n.Select(now)
		ok := r <= 24
		retries := 0
		if !ok {
			retries = 7
		}
		n.Update(r, ok, retries, now)
	}
	if got := n.Select(now); got > 24 || got < 18 {
		t.Fatalf("lossy channel: rate %v, want 18..24", got)
	}
	// Probing back up doubles the success threshold each time it fails.
	a := n.(*amrrNode)
	if a.threshold < 2 {
		t.Fatalf("threshold %d did not back off", a.threshold)
	}
	// Reports for a rate not in use are ignored.
	before := *a
	n.Update(2, false, 7, now)
	if a.txcnt != before.txcnt {
		t.Fatal("stale report counted")
	}
}

func TestMinstrelFindsBestThroughput(t *testing.T) {
	now := time.Unix(0, 0)
	n := Minstrel{Seed: 7}.NewNode(gRates, now)
	// Delivery probability per rate: high rates lossy. 48 (24 Mb/s) at 90%
	// beats 108 at 10% and 72 at 40%.
	prob := map[Rate]int{2: 100, 4: 100, 11: 100, 12: 100, 18: 100, 22: 100, 24: 100, 36: 95, 48: 90, 72: 40, 96: 20, 108: 10}
	ch := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		if i%50 == 0 {
			now = now.Add(20 * time.Millisecond)
		}
		r := n.Select(now)
		acked := ch.IntN(100) < prob[r]
		retries := 0
		if !acked {
			retries = 3
		}
		n.Update(r, acked, retries, now)
	}
	best := n.(*minstrelNode).rates[n.(*minstrelNode).best]
	if best != 48 {
		t.Fatalf("best rate %v, want 48", best)
	}
	// About 10% of frames sample other rates.
	other := 0
	for range 1000 {
		if n.Select(now) != 48 {
			other++
		}
	}
	if other < 50 || other > 150 {
		t.Fatalf("%d/1000 samples, want about 100", other)
	}
}

func TestFixedRate(t *testing.T) {
	n := FixedRate{}.NewNode([]Rate{12, 24}, time.Time{})
	n.Update(12, false, 7, time.Time{})
	if n.Select(time.Time{}) != 12 {
		t.Fatal("fixed rate moved")
	}
}

func TestRateMCS(t *testing.T) {
	for i, want := range []float64{6.5, 13, 19.5, 26, 39, 52, 58.5, 65} {
		r := MCSRate(i)
		if !r.IsMCS() || r.MCS() != i || r.Mbps() != want {
			t.Fatalf("MCS %d: %v %v %v", i, r.IsMCS(), r.MCS(), r.Mbps())
		}
	}
	if Rate(108).IsMCS() || Rate(108).String() != "54 Mb/s" || Rate(11).String() != "5.5 Mb/s" || MCSRate(2).String() != "MCS 2 (19.5 Mb/s)" {
		t.Fatal("legacy rates")
	}
	got := htRates(gRates, 0xff)
	want := []Rate{2, 4, 11, 12, MCSRate(0), MCSRate(1), MCSRate(2), MCSRate(3), MCSRate(4), MCSRate(5), MCSRate(6), MCSRate(7)}
	if len(got) != len(want) {
		t.Fatalf("htRates %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("htRates %v", got)
		}
		if i > 0 && got[i].Kbps() <= got[i-1].Kbps() {
			t.Fatalf("htRates not ascending: %v", got)
		}
	}
	if got := htRates(gRates, 0x0f); len(got) != 8 || got[7] != MCSRate(3) {
		t.Fatalf("MCS 0-3: %v", got)
	}
}
