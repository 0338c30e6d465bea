#!/bin/sh
# Regenerates tools/gopkt/default.pgo, the CPU profile the daemon is built
# with (go build picks up default.pgo in a main package's folder: -pgo=auto).
# The profile is the IPv4 forwarding path, what a router spends its time on:
# stack/ipv4's BenchmarkForward ("full": Ethernet demux, IPv4 input, route
# lookup, neighbour, output, transmit) and BenchmarkForwardScale with a
# million routes and 10 000 neighbours. With it the compiler inlines the
# hot calls the profile names past the inliner's usual budget, among them
# route.Table.NextHop (cost 187, budget 80) into the forwarding path.
#
# Then it prints BenchmarkForward/full built with and without the profile
# (COUNT runs each, alternating; CPU time is what to compare on a shared
# machine).
set -eu
cd "$(dirname "$0")/../.."
count=${COUNT:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go test -c -pgo=off -o "$out/ipv4.test" ./stack/ipv4
# Fixed iteration counts: with a duration the framework reruns each
# benchmark's setup (a million routes) at every growing b.N.
(cd stack/ipv4 && "$out/ipv4.test" -test.run '^$' -test.bench '^BenchmarkForward$' -test.benchtime 2000000x \
	-test.cpuprofile "$out/fwd.pprof" >/dev/null)
(cd stack/ipv4 && "$out/ipv4.test" -test.run '^$' -test.bench '^BenchmarkForwardScale$/^routes=1000000/neigh=10000/same/full$' \
	-test.benchtime 2000000x -test.cpuprofile "$out/scale.pprof" >/dev/null)
go tool pprof -proto "$out/fwd.pprof" "$out/scale.pprof" >tools/gopkt/default.pgo
echo "wrote tools/gopkt/default.pgo ($(wc -c <tools/gopkt/default.pgo) bytes)"

go test -c -pgo=tools/gopkt/default.pgo -o "$out/ipv4-pgo.test" ./stack/ipv4
for i in $(seq "$count"); do
	for v in off pgo; do
		b="$out/ipv4.test"
		[ "$v" = off ] || b="$out/ipv4-pgo.test"
		(cd stack/ipv4 && "$b" -test.run '^$' -test.bench '^BenchmarkForward$/^full$' -test.benchtime 1000000x) |
			awk -v v="$v" '/^BenchmarkForward/ {print v, $0}'
	done
done
