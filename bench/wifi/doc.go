// Package bench holds the side-by-side benchmarks of gopkt's wireless
// station (virtual PCI card, net80211, WPA2-PSK supplicant; tools/wlan)
// against Debian's wpa_supplicant, and of the card's CCMP key cache
// against the software CCMP engine.
//
// Run it with ./run.sh (or GOPKT_BENCH=1 go test -run TestBenchWifi -v
// ./bench/wifi). It boots one QEMU guest with two mac80211_hwsim radios:
// hostapd (WPA2-PSK/CCMP) on the first; our card is a station through the
// hwsim medium (`wlan connect`), and wpa_supplicant runs on the second radio
// with our process relaying as the medium (`wlan medium`). Each side
// connects Runs times in turn, and the table gives medians and the ratio
// gopkt / wpa_supplicant:
//
//   - total: from the start of connecting (our Vap.Connect; wpa_supplicant's
//     first log line, its scan start) to the 4-way handshake's end (our
//     "connected" event; wpa_supplicant's CTRL-EVENT-CONNECTED);
//   - handshake: from the authentication request to the same end, so the
//     scans (wpa_supplicant scans every channel with its default dwell,
//     ours actively with 100 ms dwell) are left out.
//
// Times are the guest's clock under TCG on a shared host: compare the ratio
// from one run, not absolute figures across runs. TestCCMPKeyCache (no guest)
// runs BenchmarkTxRx of drivers/wifi80211/vcard, one mode per process:
// 1500-byte frames card to card through both key caches (the card models
// encrypt and decrypt on their own goroutines) versus software CCMP done by
// the host around clear cards. It prints wall time and the CPU time of every
// goroutine (process CPU time, getrusage) with the ratio of each: the card
// model's crypto runs on the same CPUs as the host, so only the CPU ratio
// says what the key cache saves; the wall ratio includes a second core.
// Each mode runs at GOMAXPROCS=2, where the test loop's polling while the
// card works counts as CPU, and at GOMAXPROCS=1, where all goroutines share
// one core and CPU time is the work alone.
//
// TestBenchWifiUDP (udp_test.go) is the data plane in one guest: the AP's
// Linux sends 1400-byte UDP datagrams as fast as its socket takes them for
// SECS seconds (bench/wifi/internal/udpflood) to gopkt's station (wlan
// connect --udp-sink; CCMP in the card's key cache, then --crypto soft, the
// software engine in batches) and then to Linux's mac80211 station with
// wpa_supplicant, moved into a namespace so the AP's kernel must send over
// the air. Every frame crosses our hwsim medium in all three runs. It prints
// datagrams received per second, the ratio to Linux's station, and CPU per
// received frame: of the whole wlan process for ours (medium, card model
// and station together), of `wlan medium` alone for Linux's.
//
// What it does not do: no throughput over the air (the hwsim medium is a
// netlink socket, not a radio), no KVM.
package bench
