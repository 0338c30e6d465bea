#!/bin/sh
# Side-by-side Wi-Fi benchmark. Needs qemu-system-x86, busybox-static, cpio,
# kmod, hostapd and wpasupplicant. RUNS=n sets the connections per side
# (default 5). Three comparisons:
#   Connect time (TestBenchWifi, one QEMU guest): gopkt's station (virtual
#     card through the hwsim medium, `wlan connect`) and Debian's
#     wpa_supplicant (second mac80211_hwsim radio) each scan, authenticate,
#     associate and run the WPA2-PSK 4-way handshake against the same hostapd,
#     in turn; medians of total and of auth-to-handshake-done.
#   CCMP key cache (TestCCMPKeyCache, host only, no guest): 1500-byte frames
#     card to card in bursts of 32. Key cache: the card models encrypt (TX)
#     and decrypt (RX) on their own goroutines, the host does no crypto.
#     Software: the host seals each frame with crypto/ccm before Transmit and
#     opens it after Receive, the cards carry clear frames. Reported in wall
#     time and in CPU time of every goroutine (process CPU time), since on 2
#     cores wall time credits the key cache with a second core's work; at
#     GOMAXPROCS=2 (the test loop polls while the card works; polling counts)
#     and GOMAXPROCS=1 (one core for all goroutines: CPU time is the work).
#   Data plane (TestBenchWifiUDP, one QEMU guest): UDP from the AP's Linux
#     through gopkt's station (card key cache, then the software engine in
#     batches) and through Linux's mac80211 station + wpa_supplicant, on the
#     same hwsim medium: datagrams per second and our CPU per frame.
# Only the key-cache line: GOPKT_BENCH=1 go test -run TestCCMPKeyCache -v ./bench/wifi
set -e
cd "$(dirname "$0")/../.."
GOPKT_BENCH=1 exec go test -count=1 -timeout 20m -run 'TestBenchWifi|TestCCMPKeyCache' -v ./bench/wifi "$@"
