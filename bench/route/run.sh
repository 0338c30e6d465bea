#!/bin/sh
# Side by side: gopkt's route.Table against DPDK's rte_lpm (dpdk-test
# lpm_perf_autotest, Debian package dpdk), in one run.
#
# What each side does:
#   DPDK:  builds rte_lpm (DIR-24-8) from its built-in table of 1 076 806
#          real BGP routes (1 037 025 unique), then times rte_lpm_lookup on
#          batches of 4096 uniformly random addresses (single, bulk, x4);
#          the result is a 24-bit next-hop id read from the table entry.
#   gopkt: builds route.Table with AddBatch from 1 000 000 random prefixes
#          with a BGP-shaped length distribution (60 % /24 ...; 64 next hops),
#          then times Table.NextHop over 1 Mi uniformly random addresses
#          (the forwarding path's call: interface index and next-hop
#          address, read from a shared next-hop record), Table.NextHopBurst
#          (32 destinations per call, DPDK's bulk shape), and Table.Lookup
#          (a whole route.Route copied out, its prefix rebuilt). A table of
#          this size is DIR-24-8, as rte_lpm is.
# DPDK reports TSC cycles; they are converted with the CPU clock from
# /proc/cpuinfo. Go reports wall ns/op and the thread's CPU ns/op (on a
# shared machine the CPU figure is the steadier one). Medians of COUNT runs.
set -eu
cd "$(dirname "$0")/../.."
count=${COUNT:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mhz=$(awk -F: '/cpu MHz/ {print $2; exit}' /proc/cpuinfo)
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for i in $(seq "$count"); do
	if command -v dpdk-test >/dev/null; then
		echo lpm_perf_autotest | dpdk-test --no-huge -m 2048 --no-pci -l 0 --log-level=error >>"$out/dpdk.txt" 2>&1 || true
	fi
	go test -run '^$' -bench 'Benchmark(NextHop|NextHopBurst|Lookup)Scale/(random-1|bgp-1000000)$' -benchtime 3000000x -count 1 ./stack/route/ >>"$out/go.txt"
done
field() { awk -v name="$1" -v unit="$2" '$0 ~ name {for (i = 1; i <= NF; i++) if ($(i+1) == unit) print $i}' "$out/go.txt" | med; }
one=$(field '^BenchmarkNextHopScale/random-1-' 'ns/op'); onecpu=$(field '^BenchmarkNextHopScale/random-1-' 'cpu-ns/op')
full=$(field '^BenchmarkNextHopScale/bgp-1000000' 'ns/op'); fullcpu=$(field '^BenchmarkNextHopScale/bgp-1000000' 'cpu-ns/op')
burstcpu=$(field 'NextHopBurstScale/bgp-1000000' 'cpu-ns/op')
lone=$(field 'LookupScale/random-1-' 'cpu-ns/op'); lfull=$(field 'LookupScale/bgp-1000000' 'cpu-ns/op')
bpr=$(field 'LookupScale/bgp-1000000' 'B/route'); allocs=$(field 'bgp-1000000' 'allocs/op')
printf '%-46s %10s %10s\n' "lookup" "wall ns" "cpu ns"
printf '%-46s %10.1f %10.1f   (%s allocs/op)\n' "gopkt NextHop, 1 route" "$one" "$onecpu" "$allocs"
printf '%-46s %10.1f %10.1f   (%s B/route)\n' "gopkt NextHop, 1 000 000 BGP-shaped routes" "$full" "$fullcpu" "$bpr"
printf '%-46s %10s %10.1f\n' "gopkt NextHopBurst (32 per call), 1 000 000" "" "$burstcpu"
printf '%-46s %10s %10.1f\n' "gopkt Lookup (Route copied), 1 route" "" "$lone"
printf '%-46s %10s %10.1f\n' "gopkt Lookup (Route copied), 1 000 000" "" "$lfull"
if [ -s "$out/dpdk.txt" ]; then
	single=$(awk '/Average LPM Lookup:/ {print $4}' "$out/dpdk.txt" | med)
	bulk=$(awk '/BULK LPM Lookup:/ {print $4}' "$out/dpdk.txt" | med)
	mem=$(awk '/64 byte Cache entries used/ {gsub(/[()]/, "", $8); print $8; exit}' "$out/dpdk.txt")
	awk -v c="$single" -v b="$bulk" -v m="$mhz" -v f="$fullcpu" -v o="$onecpu" -v u="$burstcpu" 'BEGIN {
		printf "%-46s %10.1f              (%.1f cycles at %.0f MHz)\n", "DPDK rte_lpm, 1 037 025 BGP routes, single", c * 1000 / m, c, m
		printf "%-46s %10.1f              (%.1f cycles)\n", "DPDK rte_lpm, bulk", b * 1000 / m, b
		printf "ratio gopkt lookup rate / DPDK single: %.2f\n", (c * 1000 / m) / f
		printf "ratio gopkt burst rate / DPDK bulk:    %.2f\n", (b * 1000 / m) / u
		printf "ratio gopkt 1M / 1 route:              %.2f\n", f / o
	}'
	echo "DPDK table: 64 MiB tbl24 plus tbl8 groups ($mem bytes of 64-byte cache lines used)"
else
	echo "dpdk-test not found (apt-get install dpdk): no DPDK side"
fi
