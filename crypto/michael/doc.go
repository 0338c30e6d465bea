// Package michael implements Michael, the TKIP message integrity code
// (IEEE 802.11-2016 12.5.2.3).
//
// API summary:
//
//	michael.Sum(key [8]byte, da, sa []byte, priority byte, data []byte) [8]byte // TKIP MIC of an MSDU
//	michael.MIC(key [8]byte, msg []byte) [8]byte                                // raw Michael
//	var d michael.Digest; d.Reset(key); d.Write(p); d.Sum8()                    // streaming, for fragmented MSDUs
//	michael.Header(&h, da, sa, priority)                                        // the 16-byte MIC header
//
// Layer: a leaf primitive under crypto/ (used by crypto/soft and the TKIP
// cipher in drivers/wifi80211). It computes the MIC only: countermeasures on
// MIC failure (12.5.2.4) belong to the 802.11 layer, which sees both the
// failure and the clock.
//
// Michael is weak by design (about 20 bits of security); its key is
// directional: the authenticator-to-supplicant and supplicant-to-authenticator
// halves of the TKIP temporal key differ (12.7.1.3).
//
// Memory: nothing allocates; Digest is a 16-byte value the caller owns.
package michael
