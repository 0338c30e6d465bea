#!/bin/sh
# Side-by-side e1000 benchmark: gopkt vs DPDK testpmd vs Linux pktgen in one
# QEMU guest. Needs qemu-system-x86, busybox-static, cpio, kmod and dpdk-dev
# (see bench/e1000/doc.go). Prints a table with ratios to DPDK.
# What the sides do, on the same emulated 82540EM NICs bound to vfio-pci:
#   TX:  60-byte frames from NIC 0: e1000-test pktgen --same; dpdk-testpmd
#        --forward-mode=txonly --txpkts=60; Linux e1000 driver + kernel pktgen.
#   RX:  NIC 2 sends (e1000-test pktgen) to NIC 0, which runs e1000-test rx,
#        then dpdk-testpmd --forward-mode=rxonly.
#   Forwarding: NICs 0 and 1 forward to each other after a first burst of 32
#        (e1000-test fwd --tx-first 32; testpmd --forward-mode=io --tx-first).
set -e
cd "$(dirname "$0")/../.."
GOPKT_BENCH=1 exec go test -count=1 -timeout 30m -run TestBenchE1000 -v ./bench/e1000 "$@"
