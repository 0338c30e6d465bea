package stack

import (
	"slices"

	"github.com/gopkt/gopkt/hw/mbuf"
)

// Tap is a read-only observer of an interface's frames, both directions
// (the bpf(4) attachment point): stack/bpf's tap objects implement it.
//
// Tap is called on the data path with the whole frame, starting at the
// Ethernet header; b.Meta.Port is the interface index and FlagOutbound says
// the direction. The tap must copy what it keeps (into its capture ring) and
// return; it must not modify, free or retain b.
type Tap interface {
	Tap(b *mbuf.Buf)
}

// AddTap attaches t to the interface. With no taps attached, the data path
// pays one atomic pointer load and nil check per frame.
func (ifc *Interface) AddTap(t Tap) {
	ifc.tapMu.Lock()
	defer ifc.tapMu.Unlock()
	var next []Tap
	if p := ifc.taps.Load(); p != nil {
		next = slices.Clone(*p)
	}
	next = append(next, t)
	ifc.taps.Store(&next)
}

// RemoveTap detaches t; it reports whether t was attached. Frames already
// being delivered may still reach it once.
func (ifc *Interface) RemoveTap(t Tap) bool {
	ifc.tapMu.Lock()
	defer ifc.tapMu.Unlock()
	p := ifc.taps.Load()
	if p == nil {
		return false
	}
	i := slices.Index(*p, t)
	if i < 0 {
		return false
	}
	if len(*p) == 1 {
		ifc.taps.Store(nil)
		return true
	}
	next := slices.Delete(slices.Clone(*p), i, i+1)
	ifc.taps.Store(&next)
	return true
}

func deliverTaps(taps []Tap, b *mbuf.Buf) {
	for _, t := range taps {
		t.Tap(b)
	}
}
