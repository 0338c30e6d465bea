#!/bin/sh
# Side-by-side e1000 benchmark: gopkt vs DPDK testpmd vs Linux pktgen in one
# QEMU guest. Needs qemu-system-x86, busybox-static, cpio, kmod and dpdk-dev
# (see bench/e1000/doc.go). Prints a table with ratios to DPDK.
set -e
cd "$(dirname "$0")/../.."
GOPKT_BENCH=1 exec go test -count=1 -timeout 30m -run TestBenchE1000 -v ./bench/e1000 "$@"
