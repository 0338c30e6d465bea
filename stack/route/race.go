//go:build race

package route

// raceEnabled: the race detector does not see atomics on memory mapped
// outside the Go heap, so the happens-before edge a reader takes from a
// trie entry to the record it names would be lost and every lookup
// reported; under -race the arena hands out Go heap memory instead.
const raceEnabled = true
