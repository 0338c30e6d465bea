// Package gf256 holds the GF(2^8) arithmetic of AES (FIPS 197, sections 4.2
// and 5.1.1) that several crypto packages derive their tables from: the CCM
// key schedule, the portable AES and the TKIP S-box (IEEE 802.11-2016
// 12.5.2.5, which is built from the AES S-box). Computing the S-box from its
// definition keeps hand-typed 256-entry tables out of the source.
//
// API summary:
//
//	gf256.Mul(a, b) byte  // product in GF(2^8)
//	gf256.SBox(b) byte    // AES S-box entry, computed from its definition
//
// Internal to crypto/: table-free, constant-time arithmetic for key setup,
// not a data-path primitive (it is far too slow for that).
package gf256
