package wire

import (
	"net"
	"net/netip"
)

// MAC is an IEEE 802 48-bit address in wire order. It is a value type (it
// can be a map key and is copied without allocation); convert with
// HardwareAddr and MACFrom when talking to package net.
type MAC [6]byte

// BroadcastMAC is ff:ff:ff:ff:ff:ff.
func BroadcastMAC() MAC { return MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff} }

// MACFrom converts a 6-byte net.HardwareAddr; ok is false for other lengths.
func MACFrom(h net.HardwareAddr) (m MAC, ok bool) {
	if len(h) != len(m) {
		return m, false
	}
	copy(m[:], h)
	return m, true
}

// HardwareAddr returns a freshly allocated net.HardwareAddr.
func (m MAC) HardwareAddr() net.HardwareAddr { return net.HardwareAddr(append([]byte(nil), m[:]...)) }

// IsBroadcast reports whether m is ff:ff:ff:ff:ff:ff.
func (m MAC) IsBroadcast() bool { return m == BroadcastMAC() }

// IsMulticast reports whether the I/G bit (least significant bit of the
// first octet, IEEE 802 clause 8.2) is set. Broadcast is multicast too.
func (m MAC) IsMulticast() bool { return m[0]&1 != 0 }

// IsZero reports whether m is 00:00:00:00:00:00.
func (m MAC) IsZero() bool { return m == MAC{} }

func (m MAC) String() string {
	const hexdig = "0123456789abcdef"
	var b [17]byte
	for i, v := range m {
		if i > 0 {
			b[i*3-1] = ':'
		}
		b[i*3] = hexdig[v>>4]
		b[i*3+1] = hexdig[v&0xf]
	}
	return string(b[:])
}

// Addr4 is an IPv4 address in wire order, as the views return it. Use
// netip.AddrFrom4(a) to get a netip.Addr; use AddrTo4 for the reverse.
type Addr4 = [4]byte

// Addr4FromWord returns the address a big-endian word holds (the next hop
// route.Table.NextHop4 returns).
func Addr4FromWord(w uint32) Addr4 { return Addr4{byte(w >> 24), byte(w >> 16), byte(w >> 8), byte(w)} }

// AddrTo4 returns the 4 bytes of an IPv4 (or IPv4-mapped IPv6) address; ok is
// false for other addresses.
func AddrTo4(a netip.Addr) (b Addr4, ok bool) {
	a = a.Unmap()
	if !a.Is4() {
		return b, false
	}
	return a.As4(), true
}
