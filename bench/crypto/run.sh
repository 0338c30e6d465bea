#!/bin/sh
# CCMP-128 (AES-128-CCM) on 1500-byte frames: two pairs, each side by side
# in one run. What both sides of each pair do:
#
# Pair 1, batched multi-buffer paths (many frames per call):
#   peer: DPDK dpdk-test-crypto-perf, crypto_aesni_mb PMD (intel-ipsec-mb's
#         multi-buffer AES), throughput test on one worker lcore, bursts of
#         32 ops in the CCMP shape: 16-byte key, 13-byte nonce, 22-byte AAD,
#         8-byte MIC, 1500-byte payload (command line: DESIGN.md section 5).
#   ours: ccmspeed batch-seal/batch-open: soft.Engine Submit+Poll of 32
#         frames of the same shape, CCM four frames at a time. Only
#         Engine.Submit reaches this path; nothing in the product calls it
#         today (net80211 uses crypto.Do per frame).
# Pair 2, per-frame paths (one frame per call):
#   peer: openssl speed -evp aes-128-ccm -bytes 1500, a single stream. Its
#         AEAD shape is not CCMP's: 12-byte IV, 12-byte tag, no AAD, and
#         the same key and IV for every message.
#   ours: ccmspeed do-seal/do-open: crypto.Do on a software-engine CCMP-128
#         session, one frame per call, op set-up included: what net80211's
#         CCMP cipher does for every frame. 13-byte nonce, 22-byte AAD (two
#         more AES blocks of CBC-MAC per frame than OpenSSL's shape), 8-byte
#         MIC, in place.
#
# Clocks: openssl speed counts user CPU time, ccmspeed the CPU time of its
# measuring thread, so both measure work per CPU second. DPDK counts TSC
# cycles (wall clock) on its worker lcore, which on a shared machine mostly
# measures the scheduler (nice does not help across sessions: the kernel
# groups tasks per session, sched_autogroup). The script therefore samples
# the worker thread's /proc schedstat while DPDK runs: the worker polls
# from start to exit, so it is runnable throughout, and its time on a CPU
# divided by its time runnable (run / (run + run-queue wait)) is its CPU
# share. DPDK's wall figure divided by that share is its rate per CPU
# second, comparable with the other two (an estimate that assumes the
# competing load was steady during the run; the share is printed, and the
# raw wall figure too). It alternates the sides for ROUNDS rounds and
# reports the best of each.
#
# It also runs the Go benchmarks once to show allocations per frame.
#
# Usage: bench/crypto/run.sh [ROUNDS] [SECONDS]   (OPS: DPDK ops per run, default 3000000)
set -eu

ROUNDS=${1:-3}
SECS=${2:-2}
OPS=${OPS:-3000000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

command -v openssl >/dev/null || { echo "openssl not found: apt-get install openssl (scripts/setup.sh)" >&2; exit 1; }
command -v dpdk-test-crypto-perf >/dev/null ||
	{ echo "dpdk-test-crypto-perf not found: apt-get install dpdk-dev librte-crypto-ipsec-mb23 (scripts/setup.sh)" >&2; exit 1; }
cd "$ROOT"
go build -o "$TMP/ccmspeed" ./bench/crypto/ccmspeed

# ssl [-decrypt]: GB/s from openssl's machine-readable +F line.
ssl() {
	openssl speed -mr "$@" -evp aes-128-ccm -bytes 1500 -seconds "$SECS" 2>/dev/null |
		awk -F: '/^\+F:/ { printf "%.3f", $4 / 1e9 }'
}

# ours MODE: GB/s from ccmspeed's +F line.
ours() {
	"$TMP/ccmspeed" -mode "$1" -bytes 1500 -seconds "$SECS" | awk -F: '/^\+F:/ { printf "%.3f", $3 / 1e9 }'
}

# mb encrypt|decrypt: "GB/s-per-CPU-second wall-GB/s share" from
# dpdk-test-crypto-perf's CSV line (Gbit/s / 8) and its worker's schedstat.
mb() {
	dpdk-test-crypto-perf -l 0-1 --no-huge --no-pci --file-prefix "gopkt-crypto-$$" --log-level=error \
		--vdev crypto_aesni_mb -- --ptest throughput --devtype crypto_aesni_mb --optype aead --aead-algo aes-ccm \
		--aead-op "$1" --aead-key-sz 16 --aead-iv-sz 13 --aead-aad-sz 22 --digest-sz 8 --buffer-sz 1500 \
		--burst-sz 32 --total-ops "$OPS" --csv-friendly 2>"$TMP/dpdk.err" >"$TMP/dpdk.out" &
	pid=$!
	sched=""
	while kill -0 "$pid" 2>/dev/null; do
		for t in /proc/"$pid"/task/*; do
			case "$(cat "$t/comm" 2>/dev/null)" in
			rte-worker-*) v=$(cat "$t/schedstat" 2>/dev/null) && [ -n "$v" ] && sched=$v ;;
			esac
		done
		sleep 0.05
	done
	wait "$pid" || { cat "$TMP/dpdk.err" "$TMP/dpdk.out" >&2; echo "dpdk-test-crypto-perf failed" >&2; exit 1; }
	[ -n "$sched" ] || { echo "no rte-worker thread seen in dpdk-test-crypto-perf" >&2; exit 1; }
	awk -F, -v sched="$sched" '/^[0-9]+,1500,/ {
		if ($6 != 0 || $7 != 0) bad = 1
		split(sched, s, " "); share = s[1] / (s[1] + s[2])
		printf "%.3f %.3f %.3f", $9 / 8 / share, $9 / 8, share
	} END { if (bad) exit 1 }' "$TMP/dpdk.out" ||
		{ echo "dpdk-test-crypto-perf reports failed ops:" >&2; cat "$TMP/dpdk.out" >&2; exit 1; }
}

best() { sort -g | tail -1; }

for f in me be md bd se de so do; do : >"$TMP/$f"; done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "GB/s per CPU second (DPDK: its wall figure / its worker's CPU share, both in the last column)"
echo "       ---------- batched (multi-buffer) ----------   ------------- per frame -------------"
echo "round  aesni_mb-enc batch32-enc aesni_mb-dec batch32-dec  openssl-enc  Do-seal  openssl-dec  Do-open   DPDK enc, dec: wall GB/s @ CPU share"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	set -- $(mb encrypt); [ $# = 3 ] || exit 1; a=$1; aw="$2 @ $3"; echo "$a" >>"$TMP/me"
	b=$(ours batch-seal); echo "$b" >>"$TMP/be"
	set -- $(mb decrypt); [ $# = 3 ] || exit 1; c=$1; cw="$2 @ $3"; echo "$c" >>"$TMP/md"
	d=$(ours batch-open); echo "$d" >>"$TMP/bd"
	e=$(ssl);             echo "$e" >>"$TMP/se"
	f=$(ours do-seal);    echo "$f" >>"$TMP/so"
	g=$(ssl -decrypt);    echo "$g" >>"$TMP/de"
	h=$(ours do-open);    echo "$h" >>"$TMP/do"
	printf "%5d  %12s %11s %12s %11s  %11s %8s %12s %8s   %s, %s\n" "$r" "$a" "$b" "$c" "$d" "$e" "$f" "$g" "$h" "$aw" "$cw"
	r=$((r + 1))
done

echo
echo "best of $ROUNDS, AES-128-CCM on 1500-byte frames:"
awk -v me="$(best <"$TMP/me")" -v be="$(best <"$TMP/be")" -v md="$(best <"$TMP/md")" -v bd="$(best <"$TMP/bd")" \
	-v se="$(best <"$TMP/se")" -v so="$(best <"$TMP/so")" -v de="$(best <"$TMP/de")" -v do_="$(best <"$TMP/do")" 'BEGIN {
	print  "  batched, CCMP shape on both sides (13-byte nonce, 22-byte AAD, 8-byte MIC), bursts of 32:"
	printf "    encrypt: DPDK aesni_mb %.3f GB/s   soft.Engine batch %.3f GB/s   ratio ours/DPDK %.2f\n", me, be, be / me
	printf "    decrypt: DPDK aesni_mb %.3f GB/s   soft.Engine batch %.3f GB/s   ratio ours/DPDK %.2f\n", md, bd, bd / md
	print  "    (DPDK per CPU second, estimated from its wall figure and its worker thread'"'"'s CPU share)"
	print  "  per frame, one stream: OpenSSL 12-byte IV, no AAD, 12-byte tag; ours CCMP (13-byte nonce, 22-byte AAD, 8-byte MIC):"
	printf "    encrypt: openssl %.3f GB/s   crypto.Do %.3f GB/s   ratio ours/openssl %.2f\n", se, so, so / se
	printf "    decrypt: openssl %.3f GB/s   crypto.Do %.3f GB/s   ratio ours/openssl %.2f\n", de, do_, do_ / de
}'

echo
echo "allocations per frame (Go benchmarks, 0 expected):"
go test -run '^$' -bench 'Seal1500$|Open1500$' -benchtime 2000x ./crypto/ccm | awk '/allocs\/op/ { print "  " $1, $(NF-1), $NF }'
go test -run '^$' -bench 'DoCCMP$' -benchtime 2000x ./crypto/soft | awk '/allocs\/op/ { print "  " $1, $(NF-1), $NF, "(crypto.Do, per frame)" }'
go test -run '^$' -bench 'Batch32CCMP' -benchtime 200x ./crypto/soft | awk '/allocs\/op/ { print "  " $1, $(NF-1), $NF, "(per batch of 32)" }'
