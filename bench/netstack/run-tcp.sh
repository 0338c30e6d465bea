#!/bin/sh
# TCP bulk transfer through two stacks on an in-memory Ethernet link, gopkt
# vs gVisor netstack, in one process (same machine, same moment): runs
# BenchmarkTCPBulk and prints both side by side with the throughput ratio.
# What both sides do, per op: one TCP connection, the sender writes 64 KiB
# through net.Conn (gopkt tcp.Conn; gVisor gonet.TCPConn) while a reader
# goroutine drains the other end in 64 KiB reads; each link direction is
# moved by its own goroutine (gopkt: link.Pair and the stacks' poll
# goroutines; gVisor: channel endpoints pumped by a goroutine per
# direction, ReadContext + InjectInbound). SACK on; CUBIC and Reno
# (NewReno); MTU 1500 and 9000; 4096-frame link queues.
# Then BenchmarkTCPRR (64-byte request/response on one connection,
# netperf TCP_RR: transactions per second) and BenchmarkTCPConnect
# (dial, accept, close both ways, netperf TCP_CRR without data:
# connections per second), MTU 1500 CUBIC, a fixed 5000 ops per run
# (each connection's client port waits out TIME_WAIT).
# A separate Go module (gopkt never depends on gVisor).
# Usage: bench/netstack/run-tcp.sh [benchtime] [count]   (default 2s 3)
set -eu
cd "$(dirname "$0")"
bt=${1:-2s}
count=${2:-3}
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
# The raw output goes to stderr as it comes (not tee /dev/stderr: a second
# tee reopening a redirected stderr file would write over the first's).
go test -run '^$' -bench 'BenchmarkTCPBulk' -benchtime="$bt" -count="$count" . >"$raw"
cat "$raw" >&2
awk '
/^BenchmarkTCPBulk\// {
	split($1, n, "/"); sub(/-[0-9]+$/, "", n[2])
	split(n[2], p, "-"); side = p[1]; cfg = p[2] "-" p[3]
	for (i = 2; i <= NF; i++) {
		if ($(i) == "MB/s") mb[side, cfg] = mb[side, cfg] " " $(i-1)
		if ($(i) == "allocs/op") al[side, cfg] = $(i-1)
	}
	cfgs[cfg] = 1
}
function median(list,   a, k, i, j, t) {
	k = split(list, a, " ")
	for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return a[int((k + 1) / 2)]
}
END {
	printf "\n%-14s %14s %14s %8s %14s %14s\n", "config", "gopkt Gbit/s", "gVisor Gbit/s", "ratio", "gopkt allocs", "gVisor allocs"
	for (c in cfgs) {
		g = median(mb["gopkt", c]); v = median(mb["gvisor", c])
		printf "%-14s %14.2f %14.2f %8.1f %14s %14s\n", c, g * 8 / 1000, v * 8 / 1000, g / v, al["gopkt", c], al["gvisor", c]
	}
	print "(medians of the runs, taken in MB/s and shown in Gbit/s; allocs per 64 KiB op: about 45 segments at MTU 1500, 8 at 9000)"
}' "$raw"
go test -run '^$' -bench 'BenchmarkTCP(RR|Connect)$' -benchtime=5000x -count="$count" . >"$raw"
cat "$raw" >&2
awk '
/^BenchmarkTCP(RR|Connect)\// {
	split($1, n, "/"); sub(/-[0-9]+$/, "", n[2]); side = n[2]
	bench = n[1]; sub(/^BenchmarkTCP/, "", bench)
	for (i = 2; i <= NF; i++) {
		if ($(i) == "trans/s" || $(i) == "conns/s") { v[side, bench] = v[side, bench] " " $(i-1); unit[bench] = $(i) }
		if ($(i) == "allocs/op") al[side, bench] = $(i-1)
	}
	benches[bench] = 1
}
function median(list,   a, k, i, j, t) {
	k = split(list, a, " ")
	for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return a[int((k + 1) / 2)]
}
END {
	printf "\n%-10s %10s %14s %14s %8s %14s %14s\n", "bench", "unit", "gopkt", "gVisor", "ratio", "gopkt allocs", "gVisor allocs"
	for (b in benches) {
		g = median(v["gopkt", b]); w = median(v["gvisor", b])
		printf "%-10s %10s %14.0f %14.0f %8.1f %14s %14s\n", b, unit[b], g, w, g / w, al["gopkt", b], al["gvisor", b]
	}
	print "(medians of the runs; allocs per op: one transaction, or one connection opened and closed)"
}' "$raw"
