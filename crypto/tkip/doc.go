// Package tkip is the TKIP per-frame key mixing function (IEEE 802.11-2016
// 12.5.2.5): phase 1 mixes the temporal key with the transmitter address and
// the upper 32 bits of the TKIP sequence counter (TSC); phase 2 mixes in the
// lower 16 bits and yields the 16-byte RC4 key used as a WEP seed.
//
// API summary:
//
//	m := tkip.NewMixer(tk, ta)        // per (TK, TA); caches phase 1
//	m.Reset(tk, ta)                   // re-key in place
//	m.Key(&rc4key, tsc)               // 16-byte WEP seed for a 48-bit TSC
//	wep.Encrypt(&rc4c, rc4key[:], data, icv) // then WEP encapsulation
//
// Layer: a primitive under crypto/. Michael (crypto/michael) protects the
// MSDU; this package only produces keys. Replay checks on the TSC,
// countermeasures and the TKIP header (ExtIV) belong to the TKIP cipher in
// drivers/wifi80211.
//
// Memory: no allocation after NewMixer. A Mixer is not safe for concurrent
// use.
package tkip
