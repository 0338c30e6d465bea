// Command wlan runs gopkt's wireless station: the virtual 802.11 card
// (docs/vcard.md) driven by drivers/wifi80211/vcard, the net80211 layer with
// its WPA2-PSK supplicant and WPA3-Personal (SAE) on top, and the card's antenna on the Linux
// kernel's mac80211_hwsim medium (drivers/wifi80211/hwsim).
//
//	wlan scan [--json]                                   BSSID, SSID, channel, signal, security
//	wlan connect --ssid S [--passphrase P | --psk HEX] [--timeout D]  progress lines, then holds the link
//	      [--addr 198.18.0.2/24 | --dhcp] [--ifname wlan0] the vap as a gopkt stack interface
//	      [--slaac [--stable-secret FILE]]               IPv6 too: link-local, SLAAC, default router
//	      [--pcap FILE [--pcap-count N]] [--timestamps]   802.11+radiotap capture (pktdump)
//	      [--bgscan D]                                  background scan period while connected (default 10s; 0: none)
//	      [--crypto card|soft]                          CCMP in the card's key cache (default) or the software engine, a batch per burst
//	      [--sae-groups 19,20,21]                       WPA3-SAE groups in order of preference (NIST P-256, P-384, P-521)
//	      [--drop-sae-confirms N]                       testing: the medium loses the AP's first N SAE Confirms
//	      [--reorder-data N]                            testing: the medium swaps N of the AP's QoS Data frames with the next
//	      [--forge-bip N]                               testing: a copy with a wrong BIP MIC before N of the AP's group frames
//	wlan scan|connect|medium [--signal FROM[>TO]=DBM]...  per-link signal levels of the medium (one AP stronger)
//	wlan ping ADDR [--count N] [--interval D] [--wait D] [--size N]   echo through the stack (IPv4 or IPv6)
//	wlan status [--json]                                 BSSID, channel, signal, rate, security, ciphers, counters, address
//	wlan disconnect                                      deauthenticates and stops connect
//	wlan medium                                          the hwsim medium only (relays between kernel radios)
//	wlan decrypt -r IN -w OUT (--ssid S --passphrase P | --psk HEX | --pmk HEX)...
//	      [--bssid B] [--keep-80211] [--fcs auto|yes|no]   offline decryption of a capture, like airdecap-ng
//
// Each subcommand has its own flags; `wlan CMD --help` lists them and exits
// 0. --passphrase takes 8 to 63 printable ASCII characters (counted as
// characters), --psk the 256-bit key as 64 hex digits (hostapd's wpa_psk=).
// scan shows a hidden network (empty or zeroed SSID) as <hidden>. With
// --timestamps each progress line ends with [seconds], so the first word
// stays the step. status shows our frames other radios refused (idle or on
// another channel) apart from the drops, and whether WMM (QoS data) and HT
// were negotiated. A handshake that fails after a message 3 arrived and was
// dropped says so (with the reason) instead of blaming the passphrase.
//
// connect prints one line per step (scanning, authenticating, associating,
// handshake, connected) and then keeps running, serving status, scan, ping
// and disconnect on a control socket (--socket, default
// /run/gopkt-wlan.sock); it exits 0 after disconnect or SIGINT/SIGTERM when
// every buffer went back to the pool, and 1 when the first attempt fails:
// network not found, association refused (with the status code), or a
// handshake that never completes (with WPA2-PSK, silence after our
// message 2 means the passphrase is probably wrong; with SAE the password
// was proved before the handshake, and the error says so). Once
// connected it rejoins by itself after a deauthentication, a lost beacon or
// an AP restart, retrying every second. It roams within the SSID: while
// another access point of the SSID is known, every --bgscan it visits one
// other channel for 40 ms (the AP told first, by a Null Data frame with the
// power management bit, so that it buffers our frames; ours wait too),
// which keeps them and their signal known. When the AP goes silent —
// neither a beacon nor verified data — for 3 beacon intervals (307 ms at
// 100 TU) plus the longest gap our own 20 ms timer ticks showed in the last
// 5 to 10 s (a host that does not run us on time makes the AP look silent
// too; a gap over 60 ms is itself not counted), or says it is leaving, it
// moves at once to the strongest other one heard in the last 30 s:
// authentication, a Reassociation Request naming the old AP, the 4-way
// handshake; no scan.
// With none known a silent AP gets 50 intervals (5 s) before a scan, and
// one that says it leaves leads to a scan of the channels where the SSID
// was heard. After 10 s on one AP, another 8 dB stronger in two visits in
// a row is where it goes ("roaming to B from A (stronger AP: -35 dBm
// against -70 dBm)"). status has a roam line: the last move (from, to,
// why, how long to the port open), moves, beacon losses, stalls,
// background visits, time off channel and frames held. With an AP that offers them it uses WMM (QoS data),
// HT capabilities and protected management frames (802.11w); status says
// which, counts the A-MSDUs split and dropped, and names the HT MCS rate
// control chose ("rate: 65 Mb/s (HT MCS 7)") on an HT association.
// The pairwise cipher is GCMP-256 when the AP offers it, then
// CCMP-128, GCMP-128, TKIP (wpa_supplicant's order); the group management
// cipher of PMF is the AP's (BIP-CMAC-128, BIP-GMAC-128, BIP-GMAC-256 or
// BIP-CMAC-256). status shows the ciphers ("cipher: GCMP-256 pairwise,
// GCMP-256 group") and a pmf line: "on (BIP-GMAC-256); 0 unprotected
// dropped, 1 group frames verified, 1 BIP errors; SA Query: ...".
// --forge-bip N makes the medium give the station, before each of the
// AP's first N group-addressed frames with a Management MIC element (a
// broadcast Deauthentication, say), a copy whose MIC is wrong: it must be
// dropped and counted as a BIP error while the real one verifies (drops
// line: "1 forged").
//
// WPA3-Personal is chosen by itself: when the AP offers SAE (AKM 8, also on
// a WPA2/WPA3 transition network) and --passphrase was given, connect
// authenticates with SAE (hash-to-element when the AP's RSN Extension
// element says it does, hunting-and-pecking otherwise; anti-clogging tokens
// followed), with PMF. The authenticating line names it ("authenticating
// with BSSID (WPA3-SAE (hash-to-element))"), and status has a security
// line: "WPA3-SAE (hash-to-element); 1 commits, 1 confirms sent (0
// repeated, 0 new exchanges), 0 anti-clogging tokens, 0 dropped; PMKSA
// cache 1 used, 0 refused" (or
// WPA2-PSK, open): a rejoin of the same AP (after a deauthentication, say)
// reuses the SAE PMK with Open System authentication when the AP still
// holds it, and runs SAE again when it does not. A wrong passphrase
// ends the first attempt with "... refused our SAE Confirm with status 1
// (unspecified failure): it could not verify it, so the password is
// wrong" (hostapd 2.10's answer). An exchange that stalls — an AP frame
// lost or late, which hostapd never repeats — starts over with a fresh
// commit, up to 4 exchanges in 16 s, each announced by a line such as
// "retrying: SAE: no Confirm from the AP after 2 of ours; new exchange 2
// of 4"; if the AP still never confirms, the error says so and that it
// is not a password problem. status counts the repeats and new
// exchanges. --drop-sae-confirms makes the medium lose the AP's first N
// Confirms, so that this path can be tested on purpose (status counts
// them under drops as "lost on request"). --psk cannot join an SAE-only
// network (SAE needs the password itself).
//
// SAE runs in group 19 (NIST P-256), 20 (P-384) or 21 (P-521): connect
// offers them in the order of --sae-groups (default 19,20,21) and moves to
// the next when the AP refuses one with status 77 (hostapd's sae_groups);
// the security line then names the group ("WPA3-SAE (hash-to-element,
// group 21)") and counts the refusals ("2 groups refused (status 77)").
// An AP that offers AKM 6 (WPA-PSK-SHA256) gets it in preference to AKM 2:
// security "WPA2-PSK-SHA256".
//
// On a WMM+HT network the access point offers a Block Ack agreement once
// data flows; the station accepts it and reorders the AP's MPDUs (status:
// "block ack"). --reorder-data N makes the medium deliver N of the AP's
// QoS Data frames after the frame that followed each, so that reordering
// is exercised on purpose (status counts them under drops as "swapped").
//
// With --addr or --dhcp the vap is attached to an in-process gopkt stack
// (IPv4, ICMP, UDP) through net80211.Port (hw/port), on the same mbuf pool
// as the card: the address is static, or leased by stack/dhcp4 once the
// link first comes up (then "address A on wlan0 (dhcp)" is printed). The
// stack answers pings; `wlan ping` sends them from it (several in flight, one
// every --interval, like ping -i) and prints ping(8)'s summary. --pcap runs
// pktdump on the layer's radiotap tap (ComConfig.Tap): link type 127,
// every frame the layer sends or receives, copied into a fixed set of slots
// (frames are dropped and counted when the writer lags).
//
// Only one process can be the hwsim medium: scan goes through the socket
// when connect is running, and opens the card itself otherwise; `wlan
// medium` keeps the medium up for kernel-only stations (the benchmark's
// reference wpa_supplicant, bench/wifi).
//
// With --slaac the stack carries IPv6 too (ipv6.go; with --addr or --dhcp,
// dual stack): ICMPv6, neighbour discovery, MLDv2 and UDP over IPv6. The
// interface forms its link-local address and, from the router
// advertisements of the AP side (radvd, a Linux router), an address per
// autonomous /64 with the stable RFC 7217 identifier keyed by the secret in
// --stable-secret (made on first use), and a default route; connect prints
// "address A on wlan0 (slaac)", "(link-local)", "default router R on
// wlan0", and "duplicate A on wlan0: ..." when DAD finds another node using
// an address (a SLAAC address then takes the next identifier, "(slaac, DAD
// counter 1)", RFC 7217 §6). Every association is a link change to IPv6
// (ipv6.IPv6.LinkUp; RFC 4862 §5.3 names the access point change): the
// addresses go through DAD again (two probes a second apart: the first
// frames after an association can overtake the AP's installation of the
// pairwise key and be dropped), the groups are reported (and reported
// again within a second, RFC 3810 §6.1), routers are solicited again,
// neighbours re-confirmed, and the known routers probed at their old
// link-layer addresses (RFC 6059): a roam to another network, where none
// answers and another router advertises, drops the old network's routers,
// prefixes and addresses at once. So a rejoin or a roam leaves no address in use unchecked. status shows each IPv6 address with its state
// (tentative, preferred, deprecated, duplicate) and lifetimes, the default
// routers, the neighbour cache, and group-addressed frames in and out
// ("mcast:", with ours the AP relayed back, dropped); `wlan ping` takes IPv6
// destinations, link-local ones with or without %wlan0.
//
// decrypt needs no card, medium or socket: it is
// drivers/wifi80211/observer.DecryptCapture from file to file. It reads pcap
// or pcapng with radiotap, plain 802.11 (with or without FCS), Prism/AVS or
// PPI records; follows every 4-way handshake (WPA1, WPA2 with AKM 2 or 6,
// WPA3-SAE with its PMK, 32 octets in groups 19, 20 and 21 alike), group
// key handshake and GTK rekey in the file, trying each key
// given; writes the decrypted frames as Ethernet (as airdecap-ng does) or,
// with --keep-80211, as unprotected 802.11; and prints a summary: frames
// read, data frames plain/WEP/WPA, decrypted (unicast and group), the rest
// by reason, handshakes and group keys. A wrong key or a capture without a
// handshake is said so on stderr.
//
// What it does not do: no TCP or DNS on the stack interface; no
// VFIO backend, since no 802.11 card exists on this hardware — the card is
// the vcardsim model behind pcitest, exactly as the driver would see a VFIO
// function.
package main
