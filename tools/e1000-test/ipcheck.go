package main

import "encoding/binary"

// Checks of frames from a foreign sender (the guest's Linux stack): an IPv4
// header checksum (RFC 791 §3.1) and the ICMP (RFC 792), UDP (RFC 768) or
// TCP (RFC 793 §3.1) checksum over the payload. A frame that is not
// IPv4 is reported as not checked.

type ipVerdict int

const (
	ipNotChecked ipVerdict = iota
	ipOK
	ipBad
)

func inetSum(b []byte, sum uint32) uint16 {
	for len(b) >= 2 {
		sum += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

func checkIPv4Frame(f []byte) ipVerdict {
	if len(f) < 34 || binary.BigEndian.Uint16(f[12:]) != 0x0800 {
		return ipNotChecked
	}
	ip := f[14:]
	ihl := int(ip[0]&0x0f) * 4
	if ip[0]>>4 != 4 || ihl < 20 || len(ip) < ihl {
		return ipBad
	}
	tot := int(binary.BigEndian.Uint16(ip[2:]))
	if tot < ihl || tot > len(ip) || inetSum(ip[:ihl], 0) != 0 {
		return ipBad
	}
	if binary.BigEndian.Uint16(ip[6:])&0x3fff != 0 {
		return ipOK // a fragment: only the header can be checked
	}
	l4 := ip[ihl:tot]
	var pseudo uint32
	for i := 12; i < 20; i += 2 {
		pseudo += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	pseudo += uint32(ip[9]) + uint32(len(l4))
	switch ip[9] {
	case 1: // ICMP: no pseudo header
		if inetSum(l4, 0) != 0 {
			return ipBad
		}
	case 6:
		if inetSum(l4, pseudo) != 0 {
			return ipBad
		}
	case 17:
		if len(l4) < 8 {
			return ipBad
		}
		if binary.BigEndian.Uint16(l4[6:]) != 0 && inetSum(l4, pseudo) != 0 {
			return ipBad
		}
	}
	return ipOK
}
