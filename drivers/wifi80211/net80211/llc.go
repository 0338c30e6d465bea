package net80211

import (
	"encoding/binary"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
)

// LLC/SNAP header (IEEE 802.2 + RFC 1042) that precedes the EtherType in an
// 802.11 data frame body; 802.1H bridge-tunnel encapsulation (OUI 00-00-F8)
// is used for the two EtherTypes RFC 1042 would make ambiguous (IPX, AARP).
var (
	rfc1042 = [6]byte{0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00}
	bridgeT = [6]byte{0xaa, 0xaa, 0x03, 0x00, 0x00, 0xf8}
)

// LLCLen is the LLC/SNAP header length including the EtherType.
const LLCLen = 8

// EtherHeaderLen is the Ethernet II header length.
const EtherHeaderLen = 14

// ToEther converts the data frame in b (MAC header of hdrLen octets, then
// an MSDU) to an Ethernet II frame in place and returns it: the 14-octet
// Ethernet header is written over the end of the MAC header and the LLC
// header. A body without RFC 1042/802.1H SNAP is returned as an 802.3 frame
// with a length field. da and sa come from the MAC header (frame.DA/SA) and
// must be read before calling (they alias b).
func ToEther(b []byte, hdrLen int) ([]byte, error) {
	f := frame.Frame(b)
	var da, sa [6]byte
	copy(da[:], f.DA())
	copy(sa[:], f.SA())
	body := b[hdrLen:]
	if len(body) >= LLCLen && ([6]byte(body[:6]) == rfc1042 || [6]byte(body[:6]) == bridgeT) {
		start := hdrLen + LLCLen - EtherHeaderLen
		e := b[start:]
		copy(e[0:6], da[:])
		copy(e[6:12], sa[:])
		// e[12:14] already holds the EtherType.
		return e, nil
	}
	if hdrLen < EtherHeaderLen {
		return nil, ErrTruncated
	}
	start := hdrLen - EtherHeaderLen
	e := b[start:]
	copy(e[0:6], da[:])
	copy(e[6:12], sa[:])
	binary.BigEndian.PutUint16(e[12:], uint16(len(body)))
	return e, nil
}

// AppendLLC appends the LLC/SNAP header for etherType.
func AppendLLC(dst []byte, etherType uint16) []byte {
	h := rfc1042
	if etherType == 0x8137 || etherType == 0x80f3 { // IPX, AppleTalk ARP: 802.1H
		h = bridgeT
	}
	dst = append(dst, h[:]...)
	return binary.BigEndian.AppendUint16(dst, etherType)
}
