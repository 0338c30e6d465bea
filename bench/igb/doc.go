// Package bench holds the side-by-side benchmark of gopkt's 82576 driver
// (drivers/igb) against DPDK 22.11's igb PMD (dpdk-testpmd from Debian
// bookworm's dpdk package, librte_net_e1000), in one QEMU 10 guest on the
// same emulated 82576s (QEMU's igb model, the backports lane), with one and
// with two queue pairs, 64-byte frames (60 bytes + FCS).
//
// Run it with ./run.sh (or GOPKT_BENCH=1 go test -run TestBenchIGB -v
// ./bench/igb). The guest has three vCPUs and two 82576s, NIC 0 and NIC 3,
// on one hub (two e1000s, left to Linux on a hub of their own, sit between
// them: QEMU puts an igb's SR-IOV functions in the next two slots), both
// bound to vfio-pci. Each side gets one polling thread per queue pair:
// testpmd -l 0-Q --nb-cores=Q --rxq=Q --txq=Q (lcore 0 is its main lcore,
// which only prints statistics), e1000-test --queues Q (a goroutine per
// queue pair, GOMAXPROCS=Q while they poll, the printer running when the
// runtime preempts one). Both run with 512-descriptor rings, bursts of 32
// and 8192 mbufs.
//
//   - TX: NIC 0 sends 60-byte UDP/IPv4 frames to 02:00:00:00:00:00 (testpmd
//     txonly's default peer, which NIC 3's address filter drops) as fast as
//     its rings take them. gopkt: e1000-test pktgen --queues Q; per packet a
//     buffer from the goroutine's mbuf cache (a burst at a time), a 60-byte
//     copy of a prebuilt frame, one advanced data descriptor (RS set); per
//     burst one TDT write, and completions found by the DD bit of written-
//     back descriptors (memory, not registers). testpmd
//     --forward-mode=txonly --txpkts=60: per packet an mbuf from the
//     mempool (bulk per burst), its Ethernet/IPv4/UDP headers written,
//     one descriptor, the mbuf that last used the slot freed; per burst one
//     TDT write, and the DD bit of a descriptor read to see room.
//   - RX: NIC 3 is the common source: e1000-test pktgen --flows 64 (64 UDP
//     flows differing in source port, round robin) to NIC 0's address, one
//     queue, running through all RX rounds (its own rate is printed).
//     NIC 0 receives and frees. gopkt: e1000-test rx --mode poll
//     --queues Q; per packet the descriptor's DD bit and write-back checked
//     (hostile-device rules: length, EOP, errors), a fresh buffer into the
//     slot (the cache gives a burst's worth in one call), the frame freed
//     back to the cache; one RDT write per 128 refilled slots (a quarter of
//     the ring); an empty poll is one descriptor load. Both sides
//     busy-poll, as testpmd's rxonly does. QEMU delivers the source's
//     frames within the source's TDT write, on the source's vCPU, while
//     the ring has free descriptors, and queues them in the hub (10 000
//     frames, then drops) when it has none, flushing the queue within the
//     receiver's next RDT write, on the receiver's vCPU. So the receiver's
//     rate is set by how much host CPU its vCPU gets for those flushes.
//     --mode adaptive (the NAPI-style loop a receiver on a shared CPU would
//     run: after a poll finds the ring empty, sleep 100 us, --idle-defer,
//     poll again, then sleep on the queue's MSI-X vector) gives that CPU
//     away. TestBenchIGBRxMode (rxmode_test.go) compares the two modes
//     with testpmd in one guest, three rounds each, the median of each
//     round in kpps; on 7 December 2026 on a quiet host, two queues:
//     adaptive 72/74/60, poll 112/106/89, testpmd 88/75/82, and again
//     adaptive 100/105/69, poll 112/122/85, testpmd 84/93/91; one queue:
//     adaptive 68/68/55, poll 120/92/114, testpmd 65/65/60, and again
//     adaptive 55/75/99, poll 92/107/149, testpmd 73/69/69. With two `yes`
//     hogs on the host, two queues: adaptive 47/79/83, poll 71/78/63,
//     testpmd 90/78/66 (the host's scheduler decides; compare quiet runs). Until 7 December the
//     benchmark ran ours adaptive, which is why two-queue RX fell under
//     1.0 in two of three quiet runs.
//     testpmd --forward-mode=rxonly: eth_igb_recv_pkts (per packet:
//     DD bit, a fresh mbuf, the descriptor rewritten; RDT written once more
//     than 32 slots are held) and a bulk free. With two queues RSS spreads
//     the flows: ours hashes IPv4/IPv6 addresses and TCP/UDP ports
//     (igb.DefaultFields); testpmd gets --rss-udp, since its default hashes
//     the addresses only and all 64 flows share theirs.
//   - Forwarding: NIC 0 and NIC 3 forward to each other, queue i to queue i,
//     after a first burst of 32 frames on every queue of both ports.
//     gopkt: e1000-test fwd --queues Q --tx-first 32 --flows 64 (the first
//     frames are UDP flows with 64 source ports, so RSS keeps them spread);
//     each goroutine polls queue i of both ports: RxBurst from one, TxBurst
//     of the same buffers to the other, one mbuf cache for both. testpmd
//     --forward-mode=io --tx-first --txonly-multi-flow (the first burst
//     varies the source address for the same reason); each forwarding lcore
//     runs the two streams of its queue (port 0 queue i to port 1 queue i
//     and back), rx_burst then tx_burst of the same mbufs.
//
// The drivers alternate in rounds (GOPKT_BENCH_ROUNDS, default 3, of
// GOPKT_BENCH_SECONDS, default 6) so that both see the same share of a
// noisy host; each figure is the median of the per-second rates, each
// round's first two dropped; the table prints ratios to DPDK, then the
// frames each queue carried over all rounds on both sides (a two-queue RX
// or forwarding test in which a queue carried nothing fails: RSS did not
// spread the flows). testpmd is given its seconds from its first
// statistics line, since EAL start-up under TCG takes many seconds. The
// guest boots with clocksource=tsc (see bench/e1000). Under TCG every
// register access traps into QEMU and QEMU's igb model sends a packet
// within the TDT write that covers it, so the figures measure mostly the
// register accesses per packet and the emulation both sides share. The
// machine is shared: compare ratios from one run, not absolute numbers
// across runs.
//
// GOPKT_BENCH_ONLY=tx (a comma list of tx, rx, fwd) and
// GOPKT_BENCH_QUEUES=2 (a comma list of 1, 2) run some sections only.
// GOPKT_BENCH_TRACE=FILE runs QEMU with its memory_region_ops trace
// events and prints NIC 0's register accesses per 1000 frames for every
// section (trace_test.go; the rates of a traced run mean nothing).
// GOPKT_BENCH_PROFILE=DIR keeps a Go CPU profile of each of our rounds
// (go tool pprof -top DIR/ours-fwd-2.0.pb).
//
// Measured with the trace (6 December 2026, one round): both sides write
// TDT once per 32 frames sent (a burst); DPDK writes RDT once per 64
// received frames (its rx_free_thresh of 32, crossed by 32-frame bursts),
// we once per 128; DPDK also reads 150-250 registers a second per port
// (statistics, link, the SW/FW semaphore) where we read none. Our CPU
// profiles put 55-80% of a polling goroutine's time in the TDT/RDT store
// itself, which is where QEMU's model moves the frames.
//
// What it does not do: no KVM, no real NIC, no latency figures, no more
// than two queue pairs (the guest has three vCPUs on a two-core host).
package bench
