#!/bin/sh
# Side by side: gopkt's route.Table against DPDK's rte_lpm, in one run, on
# the same routes and the same probe addresses.
#
# What each side does:
#   gopkt: route.Table built with AddBatch; Table.NextHop4 per address (the
#          forwarding path's lookup, inlined: address word in, interface
#          index and next-hop word out, read from a shared next-hop record)
#          and Table.NextHopBurst (32 destinations per call, all 32 results
#          written), over 1 Mi uniformly random addresses
#          (BenchmarkNextHop4Scale, BenchmarkNextHopBurstScale); a plain
#          loop over b.N, each address independent of the previous result,
#          interface plus address summed. Table.NextHop ([4]byte in and
#          out, a call) is printed too.
#   DPDK:  lpm_bench.c builds an rte_lpm (DIR-24-8) from exactly the same
#          routes (written by TestPeerInput) and runs rte_lpm_lookup and
#          rte_lpm_lookup_bulk (32 per call) over the same addresses in the
#          same order; the 24-bit next-hop id from the table entry (a miss
#          means the default route, as in l3fwd) is turned into the same
#          interface and next-hop address from the same next-hop table
#          (hops-N.bin), for all 32 results of a bulk call, and summed the
#          same way. Same loop shape, no dependency between lookups.
#          lpm_perf_autotest draws its addresses the same way (rte_rand(),
#          uniform over the 32-bit space, a fresh batch of 100 000 per
#          round) and times rte_lpm_lookup alone, counting misses; here both
#          sides also turn the result into an interface and next hop, and
#          both read the same 1 Mi addresses (4 MiB, streamed) in turn.
#   Updates (gopkt only): BenchmarkAddFull adds routes one by one to a
#          full table; BenchmarkBulkLoad loads a million with AddBatch.
#   Tables: "1 route" is one random /8-/32 prefix plus 0.0.0.0/0;
#          "1 000 000" is random prefixes with a BGP-shaped length
#          distribution (60 % /24 ...) and 64 next hops, plus 0.0.0.0/0.
#   Memory: both in 2 MiB pages when the script can reserve hugetlbfs pages
#          for DPDK (as root); gopkt's big tables ask for transparent huge
#          pages. Otherwise DPDK runs with --no-huge (4 KiB pages), said so
#          in the output.
# Also, for reference, DPDK's own lpm_perf_autotest (its built-in table of
# about a million real BGP routes; set AUTOTEST=0 to skip it).
# Both sides report wall ns and the thread's CPU ns per lookup; the ratios
# use CPU ns (on a shared machine the steadier figure). Medians of COUNT
# runs, the two sides alternating.
set -eu
cd "$(dirname "$0")/../.."
count=${COUNT:-3}
iters=3000000
out=$(mktemp -d)
huge=""
oldhp=$(cat /proc/sys/vm/nr_hugepages)
cleanup() {
	# KEEP=DIR keeps the raw outputs (go.txt, peer.txt, autotest.txt).
	[ -z "${KEEP:-}" ] || cp "$out"/*.txt "$KEEP"/ 2>/dev/null || true
	[ -z "$huge" ] || { umount "$out/huge" 2>/dev/null || true; echo "$oldhp" >/proc/sys/vm/nr_hugepages; }
	rm -rf "$out"
}
trap cleanup EXIT
cc -O3 -march=native -o "$out/lpm_bench" bench/route/lpm_bench.c $(pkg-config --cflags --libs libdpdk)
go test -c -o "$out/route.test" ./stack/route/
"$out/route.test" -test.run '^TestPeerInput$' -route.peer-dump "$out" >/dev/null
eal="--no-huge -m 512"
if [ "$(id -u)" = 0 ] && echo $((oldhp + 256)) >/proc/sys/vm/nr_hugepages 2>/dev/null; then
	mkdir -p "$out/huge"
	if mount -t hugetlbfs nodev "$out/huge" 2>/dev/null && [ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -ge 200 ]; then
		huge=1
		eal="--huge-dir $out/huge -m 400"
	else
		echo "$oldhp" >/proc/sys/vm/nr_hugepages
	fi
fi
mhz=$(awk -F: '/cpu MHz/ {print $2; exit}' /proc/cpuinfo)
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for i in $(seq "$count"); do
	# shellcheck disable=SC2086 # $eal is a list of EAL arguments
	"$out/lpm_bench" $eal --no-pci -l 0 --log-level=error --file-prefix gopkt-route -- "$out" "$iters" >>"$out/peer.txt"
	"$out/route.test" -test.run '^$' -test.bench 'Benchmark(NextHop|NextHop4|NextHopBurst|Lookup)Scale/(random-1|bgp-1000000|bgp-1000000-cached)$' -test.benchtime "${iters}x" >>"$out/go.txt"
	"$out/route.test" -test.run '^$' -test.bench 'BenchmarkAddFull$' -test.benchtime 100000x >>"$out/go.txt"
	"$out/route.test" -test.run '^$' -test.bench 'BenchmarkBulkLoad$' -test.benchtime 1x >>"$out/go.txt"
	if [ "${AUTOTEST:-1}" = 1 ] && command -v dpdk-test >/dev/null; then
		echo lpm_perf_autotest | dpdk-test --no-huge -m 2048 --no-pci -l 0 --log-level=error --file-prefix gopkt-route >>"$out/autotest.txt" 2>&1 || true
	fi
done
field() { awk -v name="$1" -v unit="$2" '$0 ~ name {for (i = 1; i <= NF; i++) if ($(i+1) == unit) print $i}' "$out/go.txt" | med; }
peer() { awk -v n="$1" -v k="$2" '$1 == "routes" && $2 == n {for (i = 3; i < NF; i++) if ($i == k) print $(i+1)}' "$out/peer.txt" | med; }
g1=$(field '^BenchmarkNextHop4Scale/random-1-' 'cpu-ns/op')
gm=$(field '^BenchmarkNextHop4Scale/bgp-1000000-[0-9]' 'cpu-ns/op')
gc=$(field '^BenchmarkNextHop4Scale/bgp-1000000-cached' 'cpu-ns/op')
o1=$(field '^BenchmarkNextHopScale/random-1-' 'cpu-ns/op')
om=$(field '^BenchmarkNextHopScale/bgp-1000000' 'cpu-ns/op')
b1=$(field '^BenchmarkNextHopBurstScale/random-1-' 'cpu-ns/op')
bm=$(field '^BenchmarkNextHopBurstScale/bgp-1000000' 'cpu-ns/op')
gmw=$(field '^BenchmarkNextHop4Scale/bgp-1000000-[0-9]' 'ns/op')
allocs=$(awk '/Scale\// {for (i = 1; i <= NF; i++) if ($(i+1) == "allocs/op") print $i}' "$out/go.txt" | sort -n | tail -n 1)
d1=$(peer 1 single_cpu_ns); dm=$(peer 1000000 single_cpu_ns)
e1=$(peer 1 bulk_cpu_ns); em=$(peer 1000000 bulk_cpu_ns)
dmw=$(peer 1000000 single_ns)
add=$(field '^BenchmarkAddFull' 'cpu-ns/op')
bulkload=$(field '^BenchmarkBulkLoad' 'ns/op'); bulkcpu=$(field '^BenchmarkBulkLoad' 'cpu-s/op')
bpr=$(field 'LookupScale/bgp-1000000' 'B/route'); pbpr=$(field 'LookupScale/bgp-1000000' 'plane-B/route')
dbytes=$(peer 1000000 bytes); dbpr=$(peer 1000000 bytes_per_route)
[ -n "$huge" ] && mem="2 MiB hugetlbfs pages" || mem="--no-huge: 4 KiB pages"
printf 'DPDK memory: %s; medians of %s runs; CPU ns per lookup\n' "$mem" "$count"
printf '%-40s %12s %12s\n' "" "1 route" "1 000 000"
printf '%-40s %12.1f %12.1f\n' "gopkt NextHop4" "$g1" "$gm"
printf '%-40s %12.1f %12.1f\n' "gopkt NextHop ([4]byte, a call)" "$o1" "$om"
printf '%-40s %12.1f %12.1f\n' "DPDK rte_lpm_lookup" "$d1" "$dm"
printf '%-40s %12.1f %12.1f\n' "gopkt NextHopBurst (32 per call)" "$b1" "$bm"
printf '%-40s %12.1f %12.1f\n' "DPDK rte_lpm_lookup_bulk (32 per call)" "$e1" "$em"
printf 'wall ns, 1 000 000 single: gopkt %.1f, DPDK %.1f; gopkt allocs/op: %s\n' "$gmw" "$dmw" "$allocs"
awk -v g="$gm" -v d="$dm" -v b="$bm" -v e="$em" -v g1="$g1" -v b1="$b1" -v d1="$d1" -v gc="$gc" 'BEGIN {
	printf "ratio gopkt / DPDK lookup rate, single, 1 000 000:  %.2f\n", d / g
	printf "ratio gopkt / DPDK lookup rate, bulk 32, 1 000 000: %.2f\n", e / b
	printf "gopkt 1 000 000 / 1 route: single %.1fx, burst %.1fx (DPDK single: %.1fx, its 1-route table is 64 MiB too)\n", g / g1, b / b1, d / d1
	printf "gopkt 1 000 000 with 4096 cached probes: %.1f ns, %.1fx the 1-route lookup (the rest is DRAM and TLB misses)\n", gc, gc / g1
}'
awk -v a="$add" -v l="$bulkload" -v lc="$bulkcpu" -v b="$bpr" -v p="$pbpr" -v db="$dbytes" -v dp="$dbpr" 'BEGIN {
	printf "gopkt add to a full table: %.0f routes/s (CPU); bulk load of 1 000 000: %.2f s wall, %.2f s CPU of the process (GC included)\n", 1e9 / a, l / 1e9, lc
	printf "memory per route, 1 000 000: gopkt %.1f B (forwarding plane %.1f B); DPDK rte_lpm %.1f B (%.0f MiB)\n", b, p, dp, db / 1048576
}'
if [ -s "$out/autotest.txt" ]; then
	single=$(awk '/Average LPM Lookup:/ {print $4}' "$out/autotest.txt" | med)
	bulk=$(awk '/BULK LPM Lookup:/ {print $4}' "$out/autotest.txt" | med)
	awk -v c="$single" -v b="$bulk" -v m="$mhz" 'BEGIN {
		printf "DPDK lpm_perf_autotest (own BGP table, --no-huge): single %.1f cycles (%.1f ns at %.0f MHz), bulk %.1f cycles (%.1f ns)\n", c, c * 1000 / m, m, b, b * 1000 / m
	}'
fi
