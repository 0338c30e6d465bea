// Package net80211 is gopkt's IEEE 802.11 layer, modelled on NetBSD/FreeBSD
// net80211: it drives a softmac radio, runs the station state machine, SAE
// authentication (WPA3-Personal) and the RSNA supplicant, protects and checks data frames, and turns
// 802.11 data into Ethernet frames for the stack.
//
// # Layer and seams
//
// Below: a card driver implements Radio (transmit with TxInfo, set
// channel, list channels; optionally KeyCacheRadio for hardware crypto) and
// calls Com.Input (or Com.InputBuf with an mbuf, or Com.InputBurst with a
// burst of them) for each received frame and Com.TxDone for each TX
// status. Above: Vap.NewPort gives the stack a hw/port Port (RxBurst/TxBurst
// of Ethernet II frames in mbufs, link up while the port is open); without
// one, received data leaves through VapConfig.Sink (an EtherSink) and the
// stack sends with Vap.Output. Ciphers call the crypto/ primitives
// directly, or run through a session of the crypto offload API when
// ComConfig.Crypto holds a Registry. Bursts stay bursts (txburst.go,
// rxburst.go): TxBurst builds each MPDU in the stack's own mbuf (headers
// pushed into the headroom, the MIC in the tailroom, no copy) and
// InputBurst hands frames to the port in the card's mbufs; with a software
// engine, CCMP/GCMP frames of a burst are encrypted or decrypted through one
// crypto.DoBatch (four-lane CCM), decryption before the duplicate check and
// Block Ack reordering, the replay check after, as for frames the card's
// key cache decrypted. Taps get radiotap-prefixed
// copies (link type 127) through ComConfig.Tap. Time comes from ComConfig.Clock (package clock);
// timers run when someone calls Com.Tick (every 10-100 ms), so tests drive
// everything with a fake clock and never sleep.
//
// # Where to start
//
// NewCom (the radio side, NetBSD ieee80211com) → Com.NewVap (a station
// interface, ieee80211vap) → Vap.Connect(ssid, passphrase) (or
// Vap.ConnectPSK with the 256-bit key). Files are the
// table of contents, one concern each: com.go, vap.go, input.go, output.go,
// proto.go (states, events, timeouts), sta.go (the state machine: SCAN,
// AUTH, ASSOC, RUN; retries, deauth/disassoc, beacon loss), sae.go (the
// station's SAE exchange in Authentication frames, on package sae), scan.go
// (active/passive scan, scan cache with ageing), node.go (node table,
// duplicate cache), keytable.go (install rules), key.go, crypto.go (the
// Cipher interface, shaped like NetBSD's ieee80211_cipher) and
// crypto_{wep,tkip,ccmp,gcmp}.go (GCMP-128 and GCMP-256), crypto_bip.go (BIP:
// the Management MIC element under each group management cipher), wpa.go (supplicant), eapol_key.go (Key
// MIC and Key Data crypto), countermeasures.go (TKIP Michael, 12.5.2.4),
// llc.go, defrag.go, amsdu.go (A-MSDU receive), ratectl{,_amrr,_minstrel}.go,
// acl.go, radiotap.go, port.go (the stack seam), action.go (Action frames:
// Block Ack agreements), reorder.go (A-MPDU receive reordering), pmf.go (802.11w: BIP, protected management frames, SA Query),
// roam.go (moves within the ESS: candidates, reassociation, the
// signal-based decision, stall compensation), bgscan.go (background scan
// visits while connected), monitor.go (the connection monitor: probing
// the AP on a missed beacon or failed frames).
//
// # Roaming
//
// The scan cache is the candidate list. Timeouts.BeaconMiss beacon
// intervals without a beacon from the AP (NetBSD counts 7:
// IEEE80211_HWBMISS_DEFAULT, its software timer ieee80211_swbmiss running
// that many intervals) move the vap at once to the strongest other AP of
// the ESS heard within RoamConfig.Fresh, as does a Deauthentication or
// Disassociation saying the AP leaves: Open System (or SAE, or a cached
// SAE PMKSA with that AP), a Reassociation Request naming the old AP
// (802.11-2016 9.3.3.7, 11.3.5.4) and the 4-way handshake; no scan. With
// no candidate the AP gets Timeouts.BeaconLost intervals before a scan. A
// Tick gap over Timeouts.Stall moves the deadline (the vap did not run,
// so it heard nothing). The connection monitor (monitor.go) asks instead
// of waiting: 1.5 beacon intervals without a beacon, or 3 frames to the
// AP unacknowledged, send it a Null Data frame; two unacknowledged declare
// the loss at once, an acknowledged one keeps us there (beacons late
// because of scheduling are no loss) unless the AP sends nothing for 10
// intervals. With RoamConfig.BgScan the vap visits one other
// channel per period (a Null Data frame with the PM bit first, so the AP
// buffers; our frames held meanwhile) and, after Hold on one AP, moves to
// one Margin dB stronger than the current AP's averaged signal in two
// visits in a row.
//
// # QoS and HT
//
// An AP with a WMM Parameter element gets our WMM Information element in
// the Association Request, and the radio's HT Capabilities when it
// implements HTRadio and the AP is an HT AP. Once the response carries the
// AP's WMM element, data leaves as QoS Data: the TID is the 802.1D priority
// of the IP precedence (EAPOL 7), each TID has its own sequence counter,
// and CCMP/GCMP put the TID in the nonce and the QoS Control's TID in the
// AAD (802.11-2016 12.5.3.3.3, 12.5.3.3.4).
//
// On an HT association we accept the AP's immediate Block Ack agreements
// (ADDBA, window up to 64, A-MSDUs in them when the AP offers) and
// reorder their MPDUs before
// decryption (802.11-2016 10.24.7.6): an MPDU ahead of a hole is held as
// a copy in the agreement's slots (made when it is accepted); the
// sequence goes up in order when the hole fills, when a BlockAckReq moves
// the window, when an MPDU beyond the window arrives, or after
// ReorderTimeout (100 ms, as mac80211); a DELBA releases what is held.
// Without HT, or for a delayed agreement, we decline with status 37.
//
// A-MSDUs (amsdu.go, 802.11-2020 9.3.2.2.2) are split after decryption
// (CCMP/GCMP protect the whole A-MSDU; without SPP A-MSDUs, which
// hostapd 2.10 and Linux 6.1 do not do, the A-MSDU Present bit is not in
// the AAD) and their MSDUs delivered in order, the last in the received
// buffer, the others copied by the port. Dropped whole and counted by
// reason (VapStats.RxAMSDU*): a subframe past the end or without its
// padding, a subframe DA equal to an LLC/SNAP header (the FragAttacks
// A-MSDU injection, CVE-2020-24588: an attacker sets the unprotected bit
// on an MSDU whose payload it shaped), WEP or TKIP, fragmented, or in
// the clear while keys are in place; subframes for another DA and EAPOL
// subframes are dropped alone. Our HT Capabilities say 3839 octets.
//
// HT rates: with a radio that implements MCSRadio (it sends HT MCSs and
// reports their TX status) and on an HT association, rate control (AMRR,
// Minstrel) chooses among the legacy rates under MCS 0 and the MCSs both
// the radio and the AP (its Rx MCS bitmask) support: Rate 0x80|i is MCS
// i, one spatial stream, 20 MHz, 800 ns guard interval. The tap writes
// such frames with the radiotap MCS field; Status.TxRate names the MCS.
//
// # WPA3-Personal (SAE)
//
// When the AP's RSN element offers AKM 8 and Connect got a passphrase, the
// AKM is SAE (also on a transition network that offers PSK too, when it
// offers PMF; a PSK given with ConnectPSK only joins WPA2-PSK). SAE needs PMF: the AP must
// set MFPC, and our RSN element sets MFPC and MFPR (PMF required).
// Authentication is algorithm 3 (802.11-2020 12.4.8.6, station side):
// our Commit (status 126 with hash-to-element, chosen when the AP's RSN
// Extension element sets "SAE H2E"; status 0 and hunting-and-pecking
// otherwise), the AP's Commit, our Confirm, the AP's Confirm; an
// anti-clogging token request (status 76) is answered with the commit
// again, carrying the token. The group is the first of
// VapConfig.SAEGroups (default 19, 20, 21); an AP that refuses it with
// status 77 gets a fresh exchange in the next one, and with H2E our
// Commits name the refused groups in a Rejected Groups element, which
// also salts keyseed (12.4.5.4; VapStats.SAEGroupsRefused). t0 (2 s) repeats an unanswered Commit twice
// and an unanswered Confirm once (12.4.8.6.4, 12.4.8.6.5); after that —
// or at once when the unanswered Commit carried a token, or when the AP
// refuses a repeated Confirm — the protocol instance ends and a new one
// starts with a fresh rand and mask and no token, up to 4 in 16 s
// (EventAuthRetry says why; VapStats.SAERetransmits, SAERestarts). That
// is what hostapd needs: as an AP it never retransmits, answers one
// repeated Confirm, and takes an anti-clogging token once, dropping a
// Commit that repeats one and resetting its half of the exchange (sae.go
// has the details). Invalid commits and confirms are counted
// (VapStats.SAEDropped) and discarded. With H2E the Association Request
// and message 2 carry our RSNXE. The 4-way handshake then uses the SAE
// PMK, Key Descriptor Version 0, the KDF-SHA-256 PTK and AES-128-CMAC
// MICs (12.7.1.3, 12.7.3). A refusal of our only Confirm ends the
// attempt with ErrAuthRefused ("it could not verify it, so the password
// is wrong"), as does an AP Confirm that never verified; an AP that stops
// answering ends it with ErrNoResponse, saying it is not a password
// problem. Status.Security names what
// was chosen. Each SAE exchange's PMK and PMKID are cached per BSSID for
// an hour (PMKSA caching, 12.6.10): rejoining that AP authenticates with
// Open System and names the PMKID in the Association Request; an AP that
// no longer holds it (status 53) or a handshake that fails on it makes
// the next attempt run SAE (VapStats.PMKSAUsed, PMKSARefused). A new
// Connect with other credentials empties the cache.
//
// # Protected management frames
//
// With an AP that sets MFPC (or MFPR) and a pairwise cipher other than
// TKIP (GCMP-256, CCMP-128, GCMP-128), our RSN element sets MFPC and names
// the AP's group management cipher when it is not the default
// BIP-CMAC-128 (BIP-GMAC-128, BIP-GMAC-256, BIP-CMAC-256: 802.11-2020
// 12.5.4, crypto_bip.go, on crypto/cmac and crypto/gcm in software);
// message 3 must then carry the IGTK KDE with an IGTK of the suite's
// length (16 or 32 octets), as may a group key message 1 (a new IGTK
// under the other key ID, 4 or 5). Once the PTK is in, unicast
// Deauthentication, Disassociation and robust Action frames go and come
// protected under the pairwise cipher (a management replay counter of
// their own), group-addressed ones must carry a Management MIC element
// (8-octet MIC for BIP-CMAC-128, 16 for the others) that verifies with an
// IPN above the last (VapStats.RxBIPVerified; RxBIPError, RxMgmtReplay
// otherwise), and an unprotected Deauthentication or Disassociation starts
// an SA Query (11.13) instead of ending the association: only when the AP
// leaves it unanswered for a second do we rejoin. Status.GroupMgmt names
// the suite.
//
// The pairwise cipher is chosen in wpa_supplicant's order
// (wpa_pick_pairwise_cipher: CCMP-256, GCMP-256, CCMP-128, GCMP-128, TKIP)
// over the ciphers we have: GCMP-256 first when the AP offers it. The
// radio's key cache keeps the CCMP keys it supports; GCMP-256 runs in
// software or on a lookaside engine of the crypto offload API.
//
// AKM 6 (PSK-SHA256, hostapd's WPA-PSK-SHA256, usually with PMF) is
// chosen before AKM 2 when the AP offers it: the PTK comes from
// KDF-SHA-256 (12.7.1.7.2) and every EAPOL-Key frame has Key Descriptor
// Version 3 (AES-128-CMAC MIC, AES key wrap; 12.7.2); Status.Security
// says "WPA2-PSK-SHA256".
//
// # Security rules this layer enforces
//
//   - Replay: per-TID receive counters (plus one for non-QoS/management) are
//     checked before decryption and advanced only after the frame verified
//     (CCMP/GCMP MIC, or for TKIP the MSDU's Michael MIC) — NetBSD
//     ccmp_decap order. Replays are dropped and counted.
//   - KRACK: a key already installed is never installed again, so a
//     retransmitted or replayed message 3 or group message cannot reset a
//     packet number; all-zero keys are refused.
//   - Message 3's RSN element must equal the beacon's byte for byte.
//   - TKIP: two Michael failures within 60 s deauthenticate (reason 14) and
//     block association for 60 s.
//   - Every malformed or unexpected EAPOL-Key frame or element is counted
//     in VapStats and dropped; nothing parsed from the air can panic.
//
// # Not supported
//
// AP, IBSS, mesh and monitor vaps (the test AP lives in wlantest); WPA1
// (descriptor 254), SAE groups other than 19, 20 and 21, AKM 24
// (SAE-EXT-KEY), SAE password identifiers, SAE-PK, PMKSA caching for PSK,
// 802.1X, FT; CCMP-256; beacon protection (BIGTK); A-MSDU transmit
// and SPP A-MSDUs, Block Ack
// agreements as originator (we send single MPDUs) and delayed Block Ack;
// U-APSD; TX fragmentation and
// RTS; power save; HT rates beyond one stream, 40 MHz or the short guard
// interval, and VHT rates.
//
// # Ownership and concurrency
//
// One mutex per Com serialises the layer. Input may rewrite the frame
// buffer in place (decryption, Ethernet conversion) but does not keep it.
// Output copies the Ethernet frame into a per-vap buffer; Radio.Transmit
// must copy (or send) the frame before returning and must not call back
// into the Com. EtherSink and Event callbacks run without the lock.
// Data paths do not allocate; management and handshakes may.
package net80211
