#!/bin/sh
# CCMP-128 throughput, ours against OpenSSL, in one run.
#
# Peer:  openssl speed -evp aes-128-ccm -bytes 1500   (encrypt, and -decrypt)
# Ours:  bench/crypto/ccmspeed: crypto/ccm Seal/Open of one 1500-byte frame
#        per call (22-byte AAD, 8-byte MIC, in place), and the soft engine
#        with batches of 32 such frames (Submit + Poll).
#
# Clocks: openssl speed counts user CPU time by default; ccmspeed counts the
# CPU time of its measuring thread. Both therefore measure work per CPU
# second and stay comparable when other processes load the machine (wall
# clock would mostly measure the scheduler). The script alternates peer and
# ours for ROUNDS rounds and reports the best of each.
#
# It also runs the Go benchmarks once to show allocations per frame.
#
# Usage: bench/crypto/run.sh [ROUNDS] [SECONDS]
set -eu

ROUNDS=${1:-3}
SECS=${2:-2}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

command -v openssl >/dev/null || { echo "openssl not found: apt-get install openssl" >&2; exit 1; }
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

best() { sort -g | tail -1; }

for f in es eg ds dg be bd; do : >"$TMP/$f"; done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "round  openssl-enc  ccm-seal  openssl-dec  ccm-open  soft-batch32-enc  soft-batch32-dec   (GB/s of CPU time)"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	a=$(ssl);             echo "$a" >>"$TMP/es"
	b=$(ours seal);       echo "$b" >>"$TMP/eg"
	c=$(ssl -decrypt);    echo "$c" >>"$TMP/ds"
	d=$(ours open);       echo "$d" >>"$TMP/dg"
	e=$(ours batch-seal); echo "$e" >>"$TMP/be"
	f=$(ours batch-open); echo "$f" >>"$TMP/bd"
	printf "%5d  %11s  %8s  %11s  %8s  %16s  %16s\n" "$r" "$a" "$b" "$c" "$d" "$e" "$f"
	r=$((r + 1))
done

echo
echo "best of $ROUNDS (1500-byte frames, AES-128-CCM, 8-byte MIC):"
awk -v es="$(best <"$TMP/es")" -v eg="$(best <"$TMP/eg")" -v ds="$(best <"$TMP/ds")" -v dg="$(best <"$TMP/dg")" \
	-v be="$(best <"$TMP/be")" -v bd="$(best <"$TMP/bd")" 'BEGIN {
	printf "  encrypt: openssl %.3f GB/s   ccm.Seal %.3f GB/s   ratio ours/openssl %.2f\n", es, eg, eg / es
	printf "  decrypt: openssl %.3f GB/s   ccm.Open %.3f GB/s   ratio ours/openssl %.2f\n", ds, dg, dg / ds
	printf "  soft engine, batches of 32: encrypt %.3f GB/s (%.2fx openssl), decrypt %.3f GB/s (%.2fx openssl)\n", be, be / es, bd, bd / ds
}'

echo
echo "allocations per frame (Go benchmarks, 0 expected):"
go test -run '^$' -bench 'Seal1500$|Open1500$' -benchtime 2000x ./crypto/ccm | awk '/allocs\/op/ { print "  " $1, $(NF-1), $NF }'
go test -run '^$' -bench 'Batch32CCMP' -benchtime 200x ./crypto/soft | awk '/allocs\/op/ { print "  " $1, $(NF-1), $NF, "(per batch of 32)" }'
