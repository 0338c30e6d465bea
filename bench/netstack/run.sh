#!/bin/sh
# 64-byte UDP through two stacks on an in-memory Ethernet link, gopkt vs
# gVisor netstack, in one process (same machine, same moment): runs
# BenchmarkUDP64 and prints both side by side with the ratio of packet rates.
# What both sides do, per op (one datagram), in bursts of 32 on one goroutine,
# ARP already resolved: a socket on stack A writes a 64-byte UDP datagram to a
# socket on stack B; the frames cross the link; B's socket reads it.
#   gopkt:  udp.Conn Write (connected) / ReadFromUDPAddrPort, link.Pair,
#           stack.Interface.Poll.
#   gVisor: tcpip.Endpoint Write / Read (the raw endpoint API, faster than
#           gonet) over ethernet(channel) link endpoints; frames move by
#           channel.Endpoint.Read and InjectInbound.
# A separate Go module (gopkt never depends on gVisor).
# Usage: bench/netstack/run.sh [benchtime] [count]   (default 200000x 3)
set -eu
cd "$(dirname "$0")"
bt=${1:-200000x}
count=${2:-3}
go test -run '^$' -bench 'BenchmarkUDP64' -benchtime="$bt" -count="$count" . | tee /dev/stderr |
awk '
/^BenchmarkUDP64\// {
	split($1, n, "/"); sub(/-[0-9]+$/, "", n[2]); s = n[2]
	for (i = 2; i <= NF; i++) {
		if ($(i) == "ns/op") ns[s] = ns[s] " " $(i-1)
		if ($(i) == "allocs/op") al[s] = $(i-1)
	}
}
function median(list,   a, k, i, j, t) {
	k = split(list, a, " ")
	for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return a[int((k + 1) / 2)]
}
END {
	if (!("gopkt" in ns) || !("gvisor" in ns)) { print "missing results"; exit 1 }
	g = median(ns["gopkt"]); v = median(ns["gvisor"])
	printf "\n%-8s %12s %14s %10s\n", "stack", "ns/packet", "packets/s", "allocs"
	printf "%-8s %12.1f %14.0f %10s\n", "gopkt", g, 1e9 / g, al["gopkt"]
	printf "%-8s %12.1f %14.0f %10s\n", "gvisor", v, 1e9 / v, al["gvisor"]
	printf "ratio: gopkt sends %.1fx the packet rate of gVisor netstack (median of runs; target >= 5x)\n", v / g
}'
