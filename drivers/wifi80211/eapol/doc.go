// Package eapol holds views of IEEE 802.1X EAPOL frames and of the
// EAPOL-Key frame that carries the WPA2 4-way and group-key handshakes
// (IEEE Std 802.11-2016 12.7.2), plus the key-data encapsulations (KDEs,
// 12.7.2 table 12-6) found in the Key Data field.
//
// Layer: between package ie (the RSN element inside Key Data) and the
// supplicant in net80211, which derives keys, computes and checks MICs and
// unwraps Key Data (cryptography is not done here).
//
// Where to start: ParseEAPOL checks the 4-octet EAPOL header; ParseKey checks
// an EAPOL-Key body for a given MIC length (16 octets for the AKMs in use
// here); KeyFields/AppendKey build one; NewKDEIter walks decrypted Key Data.
//
// Not supported: EAP packets themselves (type 0; a PSK network needs none),
// the FILS/FT variants of Key Data, MIC lengths other than 16 and 24.
//
// Ownership: views alias the caller's bytes.
package eapol
