// Package wlantest is the in-process test bench of the wifi80211 layer: a
// Medium that carries 802.11 frames between test radios (queued, so
// nothing recurses; delivery runs when the test calls Run), a Radio that
// implements net80211.Radio on it, a fake Clock, and AP, a small access
// point with a WPA2-PSK authenticator (4-way and group-key handshakes,
// PTK and GTK rekeying) plus hooks that misbehave on purpose: retransmit or
// replay message 3, repeat a GTK, send a frame with a bad Michael MIC,
// stop beaconing, deauthenticate. The AP also does WPA3-Personal: SAE
// (ap_sae.go) the way hostapd 2.10 runs it for an infrastructure BSS — no
// retransmissions of its own, single-use anti-clogging tokens, one answer
// to a repeated Confirm — so that the station's recovery from lost SAE
// frames (dropped or delayed with Medium.Filter) is tested against what it
// meets on real networks; PMF (BIP, SA Query) and PMKSA caching.
//
// Layer: test support beside net80211; nothing in production imports it.
// The AP reuses net80211's ciphers, EAPOL MIC and key-data helpers, so it
// checks the supplicant's protocol logic, not the cipher arithmetic (the
// standard's vectors in net80211 and crypto/ do that). The next issue's
// real peer is hostapd on mac80211_hwsim.
//
// Not supported: more than one BSS per AP, power save, WPA1, SAE groups
// other than 19, 802.1X.
//
// Ownership: Transmit copies frames; handlers get buffers they may modify
// and must not keep.
package wlantest
