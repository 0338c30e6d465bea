package net80211

import (
	"encoding/binary"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
)

// A-MSDU receive (IEEE 802.11-2020 9.3.2.2.2, 10.12). A QoS Data frame
// with the A-MSDU Present bit of QoS Control set (9.2.4.5.9) carries
// several MSDUs, each as a subframe: DA (6), SA (6), Length (2, big
// endian), the MSDU (LLC/SNAP and payload), then padding to a multiple of
// 4 octets except after the last. An HT station must accept them up to
// the Maximum A-MSDU Length of its HT Capabilities (ours says 3839, the
// smallest, 9.4.2.55.2) outside Block Ack agreements, and within one when
// its ADDBA Response sets "A-MSDU Supported" (9.4.1.14; action.go sets it
// when the AP asks).
//
// Security (12.5.3.3.3): CCMP and GCMP protect the A-MSDU as one MPDU,
// so the subframes are split after decryption. The A-MSDU Present bit is
// in the AAD only between SPP A-MSDU capable stations (RSN Capabilities
// bit 10); we do not set that bit and hostapd 2.10 with Linux 6.1's
// mac80211 does not support it, so bit 7 of QoS Control is masked in the
// AAD (aadNonce keeps only the TID) and an attacker can flip it on a
// normal MSDU. That is the FragAttacks "A-MSDU injection" (CVE-2020-24588):
// the MSDU's LLC/SNAP header then reads as the first subframe's DA and the
// payload, which the attacker may control, as further subframes. As
// Linux's cfg80211 does since 2021 (its A-MSDU splitting drops the whole
// A-MSDU when a subframe's DA equals the RFC 1042 header), an A-MSDU with
// any subframe whose DA is an LLC/SNAP header (aa-aa-03-00-00-00 or the
// 802.1H bridge-tunnel one) is dropped whole. A-MSDUs are also dropped
// whole when a subframe runs past the end or a non-last one lacks its
// padding (the layout is checked before anything goes up, as mac80211's
// ieee80211_is_valid_amsdu), when they come under WEP or TKIP (pre-HT
// ciphers: an HT association never uses them, as mac80211 argues), when
// fragmented (an A-MSDU is never fragmented, 10.12), and in the clear
// while keys are in place (the EAPOL exception does not apply). A
// subframe whose DA is neither ours nor a group address, our own group
// MSDU relayed back, or an EAPOL MSDU (EAPOL never rides in an A-MSDU)
// is dropped alone.

// MaxAMSDULen is the Maximum A-MSDU Length our HT Capabilities announce
// (bit 11 clear: 3839 octets, IEEE 802.11-2020 9.4.2.55.2).
const MaxAMSDULen = 3839

// amsduSubHdrLen is the A-MSDU subframe header: DA, SA, Length.
const amsduSubHdrLen = 14

// amsduVerdict is what checkAMSDU found wrong with an A-MSDU body.
type amsduVerdict uint8

const (
	amsduOK        amsduVerdict = iota
	amsduShort                  // a subframe runs past the end, or padding is missing
	amsduInjection              // a subframe DA equals an LLC/SNAP header
)

// checkAMSDU walks the subframes of an A-MSDU body without changing it
// and returns how many there are, or why the A-MSDU must be dropped
// whole. An empty body is short.
func checkAMSDU(body []byte) (int, amsduVerdict) {
	n := 0
	for off := 0; ; {
		rest := body[off:]
		if len(rest) < amsduSubHdrLen {
			return n, amsduShort
		}
		if da := [6]byte(rest[:6]); da == rfc1042 || da == bridgeT {
			return n, amsduInjection
		}
		l := amsduSubHdrLen + int(binary.BigEndian.Uint16(rest[12:]))
		if l > len(rest) {
			return n, amsduShort
		}
		n++
		if l == len(rest) {
			return n, amsduOK
		}
		pad := (4 - l&3) & 3
		if l+pad >= len(rest) {
			// Padding runs to the end (or past it): no subframe follows,
			// yet the last one must not be padded.
			return n, amsduShort
		}
		off += l + pad
	}
}

// recvAMSDU splits the decrypted A-MSDU b (MAC header of hdrLen octets,
// then the subframes) into Ethernet frames and delivers them in order.
// key is the key it was protected with (nil: in the clear, allowed only
// without keys; recvMPDU checked). Each subframe becomes an Ethernet
// frame in place (its DA and SA written over the LLC/SNAP header, as
// ToEther does), so only the port's copy into its own mbuf is made; the
// last subframe goes up in the input buffer itself when the port can
// take it.
func (v *Vap) recvAMSDU(n *Node, b []byte, hdrLen int, key *Key, now time.Time) {
	v.stats.RxAMSDU++
	if key != nil && isPreHTCipher(key) {
		v.stats.RxAMSDUCipher++
		return
	}
	body := b[hdrLen:]
	_, verdict := checkAMSDU(body)
	switch verdict {
	case amsduShort:
		v.stats.RxAMSDUShort++
		return
	case amsduInjection:
		v.stats.RxAMSDUInjection++
		return
	}
	if !v.portOpen {
		v.stats.RxPortClosed++
		return
	}
	v.apHeard(now)
	for off := 0; off < len(body); {
		l := amsduSubHdrLen + int(binary.BigEndian.Uint16(body[off+12:]))
		sub := body[off : off+l]
		last := off+l == len(body)
		off += (l + 3) &^ 3
		da, sa := sub[0:6], sub[6:12]
		switch {
		case !equalMAC(da, v.mac) && !isGroup(da):
			v.stats.RxAMSDUSubNotForUs++
			continue
		case isGroup(da) && equalMAC(sa, v.mac):
			v.stats.RxOwnGroup++
			continue
		case isEAPOL(sub[amsduSubHdrLen:]):
			v.stats.RxAMSDUSubEAPOL++
			continue
		}
		v.stats.RxAMSDUMSDUs++
		v.deliver(n, subframeToEther(sub), last)
	}
}

// isPreHTCipher reports WEP and TKIP keys, which an A-MSDU never comes
// under on an HT association.
func isPreHTCipher(k *Key) bool {
	switch k.Cipher.Suite() {
	case ie.CipherWEP40, ie.CipherWEP104, ie.CipherTKIP:
		return true
	}
	return false
}

// subframeToEther turns one A-MSDU subframe (DA, SA, Length, MSDU) into
// an Ethernet frame in place: Ethernet II when the MSDU starts with an
// RFC 1042 or 802.1H SNAP header (the EtherType kept, DA and SA moved up
// over the LLC header), else the subframe as it is, which is already an
// IEEE 802.3 frame with a length field.
func subframeToEther(sub []byte) []byte {
	msdu := sub[amsduSubHdrLen:]
	if len(msdu) < LLCLen || ([6]byte(msdu[:6]) != rfc1042 && [6]byte(msdu[:6]) != bridgeT) {
		return sub
	}
	var addrs [12]byte
	copy(addrs[:], sub[:12])
	e := sub[amsduSubHdrLen+LLCLen-EtherHeaderLen:]
	copy(e[:12], addrs[:])
	return e
}
