// Package rounds is what the side-by-side driver benchmarks (bench/e1000,
// bench/igb) share: the guest-side dpdk-testpmd invocation, the console
// split into the BENCH-SECTION rounds the guest script announces, and the
// per-second rates pulled out of those rounds and reduced to a median.
//
// A benchmark's guest script prints "BENCH-SECTION name" before each
// driver's turn; the drivers alternate in rounds so that both see the same
// share of a noisy, shared host. Each round's first two per-second rates
// (start-up and ramp) are dropped and the rest of all rounds pooled; the
// figure is their median.
package rounds
