#!/bin/sh
# Side-by-side: gopkt's mbuf cache vs DPDK's mempool cache, bulk alloc+free of
# 32, in one run. Prints ns per buffer for each and the ratio (DPDK / gopkt:
# above 1.0 means gopkt is faster). Needs Debian's dpdk-dev (scripts/setup.sh).
# What both sides do, in a loop on one core, from a pool of 8192 buffers
# through a per-core cache of 256:
#   DPDK raw:     rte_mempool_get_bulk / rte_mempool_put_bulk of 32 (no reset)
#   DPDK pktmbuf: rte_pktmbuf_alloc_bulk / rte_pktmbuf_free_bulk of 32 (resets
#                 each mbuf's metadata, as gopkt's Alloc does)
#   gopkt:        mbuf.Cache Alloc / Free of 32 (BenchmarkCacheAllocFree32).
set -eu
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -O3 -march=native -o "$out/mempool_bench" bench/mbuf/mempool_bench.c $(pkg-config --cflags --libs libdpdk)
ring=$(find /usr/lib -name 'librte_mempool_ring.so*' | head -n 1)
[ -n "$ring" ] || { echo "librte_mempool_ring.so not found: apt-get install dpdk-dev" >&2; exit 1; }
iters=${ITERS:-2000000}
# Alternate runs so both see the same machine noise; take the best of 3.
best() { sort -n | head -n 1; }
for i in 1 2 3; do
	"$out/mempool_bench" --no-huge --no-pci -l 0 -d "$ring" --log-level=error -- "$iters" >>"$out/dpdk.txt" 2>/dev/null
	go test -run '^$' -bench 'BenchmarkCacheAllocFree32$' -benchtime "${iters}x" -count 1 ./hw/mbuf/ >>"$out/go.txt"
done
raw=$(awk '/^raw_ns_per_buf/ {print $2}' "$out/dpdk.txt" | best)
pkt=$(awk '/^pktmbuf_ns_per_buf/ {print $2}' "$out/dpdk.txt" | best)
ours=$(awk '/BenchmarkCacheAllocFree32/ {for (i = 1; i <= NF; i++) if ($(i+1) == "ns/buf") print $i}' "$out/go.txt" | best)
allocs=$(awk '/BenchmarkCacheAllocFree32/ {for (i = 1; i <= NF; i++) if ($(i+1) == "allocs/op") print $i}' "$out/go.txt" | sort -n | tail -n 1)
printf '%-44s %10s\n' "bulk alloc+free of 32, per-core cache" "ns/buffer"
printf '%-44s %10.2f\n' "DPDK rte_mempool_get/put_bulk (raw)" "$raw"
printf '%-44s %10.2f\n' "DPDK rte_pktmbuf_alloc/free_bulk (reset)" "$pkt"
printf '%-44s %10.2f   (%s allocs/op)\n' "gopkt mbuf.Cache Alloc/Free (reset)" "$ours" "$allocs"
awk -v r="$raw" -v p="$pkt" -v o="$ours" 'BEGIN {
	printf "ratio DPDK raw / gopkt     %.2fx\n", r / o
	printf "ratio DPDK pktmbuf / gopkt %.2fx\n", p / o
}'
