// Package observer is the 802.11 layer's passive observer: it follows
// the WPA/WPA2/WPA3-Personal handshakes in recorded traffic and decrypts
// the data frames, as airdecap-ng and Wireshark's key table do. It sits
// beside net80211 (whose ciphers, EAPOL-Key MIC and key-data functions it
// uses, with crypto/prf for the key hierarchy) on top of the frame, ie,
// eapol and radiotap views; nothing below imports it, and tools/wlan's
// decrypt subcommand is a thin shell around DecryptCapture.
//
// Where to start: DecryptCapture (a pcap or pcapng file in, a pcap of the
// decrypted frames out, a CaptureStats summary) is the one call; Observer
// is the frame-at-a-time engine under it (New, Observer.Frame), MAC strips
// a capture record's link header (radiotap 127, 802.11 105 with or
// without FCS, Prism/AVS 119, PPI 192).
//
// What it follows (IEEE 802.11-2020):
//   - every 4-way handshake per (AP, station) pair, 12.7.6: which message
//     is which from Key Information (WPA1's message 4, which sets no
//     Secure bit, told from message 2 by its empty key data and nonce);
//     the last four ANonces from messages 1 and 3 (an authenticator that
//     starts over sends a new one before the station answered the old),
//     SNonce and the station's RSN or WPA element (hence the ciphers) from
//     message 2, whose replay counter picks its ANonce first. The PTK comes from each
//     secret given (passphrase via PBKDF2, 12.7.1.3's PRF-SHA-1 for key
//     descriptor versions 1 and 2, the SHA-256 KDF for version 3 and for
//     SAE's AKM-defined version 0), and the one whose KCK verifies message
//     2's MIC is kept. A new handshake (PTK rekey, reassociation) replaces
//     the keys; frames still under the old PTK are tried with it.
//   - group keys per AP and key index: the GTK KDE in message 3 and in
//     group key handshake message 1 (12.7.7), WPA1's bare GTK with its
//     index in Key Information, RC4 or AES key wrap as the version says.
//     EAPOL-Key frames inside decrypted frames (rekeys) are followed too;
//     the key a new GTK of the same index replaced is kept and tried, as
//     an AP repeating group message 1 may send under the older one.
//   - one PTK, two keys: a station holds one TK for both directions, but
//     TKIP's Michael key differs by direction (12.7.1.3), so the observer
//     installs the TK twice, as the station's receive key (frames from the
//     AP) and as the AP's (frames from the station).
//
// Decryption is net80211's Cipher.Decap (CCMP-128, GCMP-128, GCMP-256, TKIP with
// its ICV) and DeMIC (TKIP's Michael MIC, checked); nothing here
// reimplements a cipher. Replay counters are not enforced (a capture is
// a record, not an attack surface), but a frame with the same packet
// number as the previous one of its direction is a retransmission and is
// skipped, as airdecap-ng skips it. Every frame not decrypted is counted
// by Reason in Stats; malformed input is counted and dropped, never a
// panic (FuzzFrame, FuzzDecryptCapture, FuzzMAC).
//
// What it does not do: WEP (counted), 802.1X/EAP (no PMK derivation from
// EAP; give the PMK), FT, SAE's password (give the PMK: SAE makes one per
// association), management frame protection (protected management frames
// are passed over), fragments (counted, not reassembled), IBSS and WDS
// frames (counted), PMKSA-cached reassociations without a full handshake.
//
// Memory: Observer.Frame decrypts in place and returns a subslice of its
// argument; it allocates only when a handshake installs keys. An Observer
// is for one goroutine.
package observer
