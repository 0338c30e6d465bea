// Package sae is Simultaneous Authentication of Equals, the password
// authenticated key exchange of WPA3-Personal (IEEE 802.11-2020 12.4; the
// dragonfly exchange of RFC 7664), for the ECC groups 19, 20 and 21 (NIST
// P-256, P-384, P-521) and AKM 8.
//
// # What it does
//
// Password element (12.4.4.2): hunting-and-pecking (PWEHuntAndPeck, 40
// rounds at least, every round computed the same way whether or not an
// element was found already) and hash-to-element (PT from the password and
// SSID with the simplified SWU map of RFC 9380 6.6.2, then PWEFromPT for a
// pair of MAC addresses). Field arithmetic runs on filippo.io/bigmod
// (constant time), points on filippo.io/nistec (constant time; its three
// point types erased behind one Element by group.go, since Go's own
// crypto/internal/fips140/nistec is not importable and crypto/ecdh offers
// no point addition). Where the standard asks for constant time (the
// password element: 12.4.4.2.2's 40 rounds whatever round succeeds, the
// quadratic-residue tests, square roots and the SSWU map) every step runs
// the same operations on the same sizes whatever the values, and chosen
// values are kept by subtle.ConstantTimeCopy; the values derived from MAC
// addresses alone (PWEFromPT's val) use math/big.
//
// Hashes by group (12.4.2, 12.4.5.4, as hostapd 2.10 runs them):
// hash-to-element uses SHA-256, SHA-384 and SHA-512 for 19, 20 and 21
// (PT, PWE, keyseed, KCK of 32, 48, 64 octets, confirm); hunting-and-
// pecking uses SHA-256 throughout in every group (its KDF output has
// len(p) bits: 521 for P-521). The PMK is 32 octets in every group (AKM
// 8); AKM 24 (SAE-EXT-KEY, a PMK as long as the hash) is not implemented,
// and hostapd 2.10 does not have it either. With hash-to-element the
// groups the peer refused (status 77) go in a Rejected Groups element and
// salt keyseed (SetRejectedGroups).
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
// The FFC groups (15-18 etc.), Brainpool groups (28-30), AKM 24
// (SAE-EXT-KEY), password identifiers in the exchange (the derivations
// take one, for the published vectors), SAE-PK, the AP side (wlantest has
// a test AP).
//
// # Checked against
//
// IEEE 802.11-2020 annex J.10 (hunting-and-pecking commit, KCK, PMK,
// PMKID and both confirms as hostapd's sae_tests() carries them; the
// hash-to-element u1/u2, P1/P2, PT and PWE), RFC 9380 J.1.1 (map_to_curve
// outputs Q0/Q1 for given u), RFC 9380 J.3.1 and J.4.1 (the same for
// P-384 and P-521; no SAE vectors for groups 20 and 21 are published in
// annex J or hostapd's tests), and hostapd 2.10 in the VM lane (tools/wlan
// TestVMWlanSAE, groups 19, 20 and 21 with both derivations).
package sae
