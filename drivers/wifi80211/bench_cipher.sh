#!/bin/sh
# Side-by-side: the net80211 CCMP cipher (full MPDU encap/decap of a
# 1500-octet MSDU: header, AAD/nonce, AES-CCM via crypto/ccm, replay check)
# against `openssl speed -evp aes-128-ccm -bytes 1500` (bare AES-CCM, no
# framing). The machine is shared, so both run ROUNDS times interleaved and
# the best of each is compared. Usage: drivers/wifi80211/bench_cipher.sh
set -eu
cd "$(dirname "$0")/net80211"
command -v openssl >/dev/null || { echo "openssl not installed (Debian package openssl)"; exit 1; }
rounds=${ROUNDS:-3}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a+0 > b+0) ? a : b }'; }
enc=0 dec=0 ossl=0
i=0
while [ "$i" -lt "$rounds" ]; do
	go test -count=1 -run XXX -bench 'Cipher/CCMP-128' -benchtime=1s . >"$tmp" 2>&1
	e=$(awk '/CCMP-128\/encap/ {for (i=1;i<NF;i++) if ($(i+1)=="MB/s") print $i}' "$tmp")
	d=$(awk '/CCMP-128\/decap/ {for (i=1;i<NF;i++) if ($(i+1)=="MB/s") print $i}' "$tmp")
	# openssl prints the 1500-byte column in units of 1000 bytes/s.
	o=$(openssl speed -evp aes-128-ccm -bytes 1500 -seconds 1 2>/dev/null | awk 'tolower($1) ~ /^aes-128-ccm/ {v=$NF; sub(/k$/,"",v); print v/1000}')
	enc=$(best "$enc" "$e"); dec=$(best "$dec" "$d"); ossl=$(best "$ossl" "$o")
	i=$((i+1))
done
echo "net80211 CCMP encap  ${enc} MB/s (best of $rounds)"
echo "net80211 CCMP decap  ${dec} MB/s"
echo "openssl aes-128-ccm  ${ossl} MB/s"
awk -v e="$enc" -v d="$dec" -v o="$ossl" 'BEGIN { printf "ratio encap/openssl %.2f, decap/openssl %.2f\n", e/o, d/o }'
