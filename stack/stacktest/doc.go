// Package stacktest builds stacks for tests and benchmarks: a heap-backed
// mbuf pool with a leak check, and complete stacks (IPv4, ICMP, UDP) joined
// by in-memory links.
//
// Start with NewPool, then Pair (two hosts on one link) or NewHost plus
// AttachAddr for other shapes. Every helper registers cleanup that closes
// what it built; NewPool's cleanup fails the test if the pool is not full.
//
// Ownership: the pool belongs to the test; hosts and links are closed by
// the test's cleanup before the pool's leak check runs (cleanups run last
// registered, first run).
//
// It is for tests and benchmarks only; nothing in the stack imports it.
package stacktest
