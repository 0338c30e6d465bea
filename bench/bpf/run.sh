#!/usr/bin/env bash
# BPF filter evaluation: gopkt's stack/bpf Program against golang.org/x/net/bpf's
# VM on the same compiled filters and the same packet corpus, interleaved in one
# run so machine noise hits both alike. Prints per-packet times and the speedup
# ("x-vm"; the target is >= 3). What both sides do: run one classic BPF
# program (compiled once from a tcpdump expression by stack/bpf) over every
# frame of the corpus and return the accept length; x/net/bpf interprets it
# with bpf.VM.Run, ours with Program.Run (threaded form; the switch loop is
# shown too). Usage: bench/bpf/run.sh [count]
set -euo pipefail
cd "$(dirname "$0")/../.."
count="${1:-3}"
go test -count="$count" -run '^$' -bench 'FilterVsVM' -benchtime=5000x ./stack/bpf/ |
	awk '/^BenchmarkFilterVsVM/ {
		name=$1; sub(/^BenchmarkFilterVsVM\//, "", name); sub(/-[0-9]+$/, "", name)
		for (i = 2; i < NF; i++) m[$(i+1)] = $i
		printf "%-8s vm %7.1f ns/pkt  ours %6.1f ns/pkt (switch %6.1f)  speedup %.2fx\n", name, m["vm-ns/pkt"], m["ns/pkt"], m["switch-ns/pkt"], m["x-vm"]
		sum[name] += m["x-vm"]; n[name]++
	}
	END { for (k in sum) printf "mean speedup %-8s %.2fx over %d runs\n", k, sum[k]/n[k], n[k] }'
