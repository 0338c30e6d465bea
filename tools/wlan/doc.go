// Command wlan runs gopkt's wireless station: the virtual 802.11 card
// (docs/vcard.md) driven by drivers/wifi80211/vcard, the net80211 layer with
// its WPA2-PSK supplicant on top, and the card's antenna on the Linux
// kernel's mac80211_hwsim medium (drivers/wifi80211/hwsim).
//
//	wlan scan [--json]                                   BSSID, SSID, channel, signal, security
//	wlan connect --ssid S [--passphrase P] [--timeout D] progress lines, then holds the link
//	wlan status [--json]                                 BSSID, channel, signal, rate, ciphers, counters
//	wlan disconnect                                      deauthenticates and stops connect
//
// connect prints one line per step (scanning, authenticating, associating,
// handshake, connected) and then keeps running, serving status, scan and
// disconnect on a control socket (--socket, default /run/gopkt-wlan.sock);
// it exits 0 after disconnect or SIGINT/SIGTERM, and 1 when the first
// attempt fails: network not found, association refused (with the status
// code), or a handshake that never completes (the passphrase is probably
// wrong). Once connected it rejoins by itself after a deauthentication, a
// lost beacon or an AP restart, retrying every second.
// Only one process can be the hwsim medium: scan goes through the socket
// when connect is running, and opens the card itself otherwise.
//
// What it does not do: no IP configuration (that is the stack's job: the
// vap delivers Ethernet frames to whoever registers for them); no VFIO
// backend, since no 802.11 card exists on this hardware — the card is the
// vcardsim model behind pcitest, exactly as the driver would see a VFIO
// function.
package main
