// Package frame holds zero-copy views of IEEE 802.11 MAC frames (IEEE Std
// 802.11-2016 clause 9): the MAC header of every management, control and data
// subtype (QoS, four-address, protected, +HTC), the fixed fields of each
// management body, and the control frame bodies (BlockAckReq, BlockAck).
//
// Layer: the bottom of drivers/wifi80211. Above it sit package ie (the
// information elements that follow the fixed fields), package eapol, and the
// net80211 layer that drives a softmac radio.
//
// Where to start: Parse checks a byte slice and returns a Frame. Once Parse
// has succeeded no accessor of the Frame panics; Body returns what follows
// the header. Management bodies have their own views (Beacon, Auth,
// AssocReq, ...) with checked constructors. Every view has a …Fields form
// with Len and Encode, so frames round-trip view → Fields → bytes.
//
// All multi-octet fields are little-endian (9.2.2). Frames carry no FCS here:
// callers strip it (radiotap flag 0x10) before parsing.
//
// Not supported: the Mesh Control field, DMG/S1G frame formats (the
// extension frame type 3 is recognised and rejected), A-MSDU subframe
// iteration (the QoS A-MSDU bit is exposed, the caller splits).
//
// Ownership: views alias the caller's buffer and never copy; a view is valid
// for as long as the caller keeps the bytes unchanged.
package frame
