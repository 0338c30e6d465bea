// Package sae is Simultaneous Authentication of Equals, the password
// authenticated key exchange of WPA3-Personal (IEEE 802.11-2020 12.4; the
// dragonfly exchange of RFC 7664), for ECC group 19 (NIST P-256).
//
// # What it does
//
// Password element (12.4.4.2): hunting-and-pecking (PWEHuntAndPeck, 40
// rounds at least, every round computed the same way whether or not an
// element was found already) and hash-to-element (PT from the password and
// SSID with the simplified SWU map of RFC 9380 6.6.2, then PWEFromPT for a
// pair of MAC addresses). Field arithmetic runs on filippo.io/bigmod
// (constant time), points on filippo.io/nistec.
//
// Exchange (12.4.5): NewExchange draws rand and mask and gives the Commit;
// Exchange.Process takes the peer's Commit, checks it (scalar in (1, r),
// element on the curve, not a reflection of ours) and derives KCK, PMK and
// PMKID; Exchange.Confirm builds our Confirm; Exchange.Verify checks the
// peer's. The message bodies of the Authentication frames (algorithm 3)
// are built and parsed by AppendCommit, ParseCommit, AppendConfirm,
// ParseConfirm and ParseTokenRequest (anti-clogging tokens, 12.4.6: raw
// after the group for hunting-and-pecking, in an Anti-Clogging Token
// Container element with H2E).
//
// The station state machine that sends these frames lives in net80211.
//
// # Not supported
//
// Groups other than 19 (20/21 and the FFC groups), password identifiers
// in the exchange (the derivations take one, for the published vectors),
// SAE-PK, rejected-groups signalling, the AP side.
//
// # Checked against
//
// IEEE 802.11-2020 annex J.10 (hunting-and-pecking commit, KCK, PMK,
// PMKID and both confirms as hostapd's sae_tests() carries them; the
// hash-to-element u1/u2, P1/P2, PT and PWE), RFC 9380 J.1.1 (map_to_curve
// outputs Q0/Q1 for given u), and hostapd 2.10 in the VM lane (tools/wlan
// TestVMWlanSAE).
package sae
