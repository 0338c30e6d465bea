// Package bench holds the side-by-side benchmark of gopkt's e1000 driver
// against DPDK 22.11's em driver (dpdk-testpmd) and the Linux e1000 driver
// with kernel pktgen, all in one QEMU guest on the same emulated NICs.
//
// Run it with ./run.sh (or GOPKT_BENCH=1 go test -run TestBenchE1000 -v
// ./bench/e1000). It boots one guest with three emulated 82540EM NICs on one
// hub, binds them to vfio-pci and measures, each for --duration guest seconds:
//
//   - TX: 60-byte frames (64 on the wire with FCS) from NIC 0: e1000-test
//     pktgen --same; dpdk-testpmd --forward-mode=txonly --txpkts=60; and, after
//     giving NIC 0 back to the Linux e1000 driver, kernel pktgen.
//   - RX: NIC 2 runs e1000-test pktgen towards NIC 0 as the common source;
//     NIC 0 runs e1000-test rx, then dpdk-testpmd --forward-mode=rxonly.
//   - Forwarding: NIC 0 and NIC 1 forward to each other after a first burst
//     (e1000-test fwd --tx-first 32 --promisc; testpmd --forward-mode=io
//     --tx-first). Ours runs one goroutine with GOMAXPROCS 1 while it
//     forwards (one P for one poller, as the igb tools do and as testpmd
//     runs one forwarding lcore): with a second, idle P each preemption
//     of the poller (every 10 ms) wakes an idle thread on the other vCPU,
//     which the igb tools' CPU profiles showed costing a fifth of the time.
//
// The drivers alternate in rounds (GOPKT_BENCH_ROUNDS, default 3, of
// GOPKT_BENCH_SECONDS, default 6) so both see the same share of a noisy
// host; each figure is the median of the per-second rates, each round's
// first two dropped; the table prints ratios to DPDK. testpmd is given its
// seconds from its first statistics line, since EAL start-up under TCG takes
// many seconds. The guest boots with clocksource=tsc: the kernel would
// otherwise pick the HPET, whose every read is an emulated MMIO access
// under QEMU's global lock, a tax on any program that reads the clock (Go's
// runtime does; DPDK reads the TSC directly). Under TCG every MMIO access
// traps into QEMU, so the figures measure mostly how many register accesses
// a driver makes per packet. The machine is shared: compare ratios from one
// run, not absolute numbers across runs.
//
// GOPKT_BENCH_ONLY=tx (a comma list of tx, rx, fwd, linux) runs some
// sections only, for quick experiments on one path.
//
// What it does not do: no KVM, no real NIC, no latency figures.
package bench
