#!/bin/sh
# Side-by-side igb (82576) benchmark: gopkt's drivers/igb vs DPDK 22.11's igb
# PMD (dpdk-testpmd) in one QEMU 10 guest (the backports lane), with 1 and 2
# queue pairs, 64-byte frames. Needs scripts/setup.sh's backports QEMU and
# dpdk-dev (see bench/igb/doc.go for what each side does per packet). Prints
# a table with ratios to DPDK and the frames each queue carried.
set -e
cd "$(dirname "$0")/../.."
GOPKT_BENCH=1 exec go test -count=1 -timeout 50m -run TestBenchIGB -v ./bench/igb "$@"
