// Package chain has helpers over mbuf chains shared by the protocol layers:
// checksums, copies and trims that treat a chain as one buffer.
//
// Layer: below the protocols, above hw/mbuf; internal because its contract
// (every function walks Next links; Alloc leaves the pool's full headroom in
// the first segment) is the protocols' business only. It does not own the
// chains it is given: callers keep ownership, except Alloc, which returns a
// new chain the caller owns.
package chain
