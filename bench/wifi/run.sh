#!/bin/sh
# Side-by-side Wi-Fi benchmark: gopkt's station vs Debian wpa_supplicant
# against hostapd on mac80211_hwsim in one QEMU guest (connect time), and
# the virtual card's CCMP key cache vs software CCMP. Needs qemu-system-x86,
# busybox-static, cpio, kmod, hostapd and wpasupplicant. RUNS=n sets the
# connections per side (default 5).
set -e
cd "$(dirname "$0")/../.."
GOPKT_BENCH=1 exec go test -count=1 -timeout 20m -run 'TestBenchWifi|TestCCMPKeyCache' -v ./bench/wifi "$@"
