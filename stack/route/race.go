//go:build race

package route

// raceEnabled: the race detector does not see memory mapped outside the Go
// heap (atomics there make no happens-before edge it knows of), and
// checkptr, which it turns on, refuses NextHop4's *wide view of a heap
// root. Under -race the arena puts roots on the Go heap, NextHop4 takes
// lookup4's walk (atomic loads through the root and group slices), and
// Lookup's edge to a record it reads comes from plane.pub; groups and
// next-hop records stay in their reserved ranges, unseen by the detector.
const raceEnabled = true
