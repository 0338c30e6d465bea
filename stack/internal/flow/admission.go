package flow

import "sync/atomic"

// Admission turns a flow cache off while it thrashes: when more flows pass
// than it holds (a scan, a spread of destinations wider than the table),
// nearly every packet misses, installs, and evicts an entry a later packet
// misses again, so the cache costs a lookup and an install per packet on
// top of the full path (the route cache problem). Every Window misses it
// compares the hits since the last look: fewer than MinHits per miss and
// the cache is paused (owners skip the lookup and the install) for Pause
// windows, then tried again for one. It takes no lock.
type Admission struct {
	misses, lastHits atomic.Uint64
	pause            atomic.Uint32 // windows left paused
	pauses           atomic.Uint64
}

// The admission constants: a hit saves about a third of what a miss
// costs on top of the full path (lookup, install, an evicted entry), so
// below three hits per miss the cache does not pay for itself.
const (
	Window  = 1024
	MinHits = 3
	Pause   = 15
)

// Paused reports whether the cache is off for now.
func (a *Admission) Paused() bool { return a.pause.Load() != 0 }

// Pauses is how many times the cache was paused.
func (a *Admission) Pauses() uint64 { return a.pauses.Load() }

// Miss records a packet the full path forwarded; hits is the cache's hit
// counter now. It reports whether the packet's flow may be installed.
func (a *Admission) Miss(hits uint64) bool {
	if a.misses.Add(1)%Window != 0 {
		return a.pause.Load() == 0
	}
	dh := hits - a.lastHits.Swap(hits)
	switch p := a.pause.Load(); {
	case p > 0:
		a.pause.Store(p - 1) // at 0 the next window tries the cache again
	case dh < MinHits*Window:
		a.pause.Store(Pause)
		a.pauses.Add(1)
	}
	return a.pause.Load() == 0
}
