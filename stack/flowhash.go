package stack

import "encoding/binary"

// flowHash is the software flow hash that picks a transmit queue for a
// frame the NIC did not hash (a frame the stack built): the IP addresses,
// the protocol and, for TCP and UDP, the ports (IPv4: RFC 791 header,
// unfragmented datagrams only, so every fragment of a datagram hashes
// alike; IPv6: RFC 8200 fixed header, ports only when the next header is
// TCP or UDP). One 802.1Q tag is skipped. Anything else, or a frame too
// short to hold what its headers claim, hashes to 0. It reads frame (which
// starts at the Ethernet header) and never panics or allocates.
func flowHash(frame []byte) uint32 {
	if len(frame) < 14 {
		return 0
	}
	et, l3 := binary.BigEndian.Uint16(frame[12:]), frame[14:]
	if et == 0x8100 && len(l3) >= 4 {
		et, l3 = binary.BigEndian.Uint16(l3[2:]), l3[4:]
	}
	switch et {
	case 0x0800:
		if len(l3) < 20 || l3[0]>>4 != 4 {
			return 0
		}
		ihl := int(l3[0]&0x0f) * 4
		if ihl < 20 || len(l3) < ihl {
			return 0
		}
		proto := l3[9]
		h := mixHash(binary.BigEndian.Uint32(l3[12:]), binary.BigEndian.Uint32(l3[16:]))
		h = mixHash(h, uint32(proto))
		unfragmented := binary.BigEndian.Uint16(l3[6:])&0x3fff == 0 // MF clear, offset 0
		if unfragmented && (proto == 6 || proto == 17) && len(l3) >= ihl+4 {
			h = mixHash(h, binary.BigEndian.Uint32(l3[ihl:]))
		}
		return finalHash(h)
	case 0x86dd:
		if len(l3) < 40 {
			return 0
		}
		var h uint32
		for i := 8; i < 40; i += 4 {
			h = mixHash(h, binary.BigEndian.Uint32(l3[i:]))
		}
		nh := l3[6]
		h = mixHash(h, uint32(nh))
		if (nh == 6 || nh == 17) && len(l3) >= 44 {
			h = mixHash(h, binary.BigEndian.Uint32(l3[40:]))
		}
		return finalHash(h)
	}
	return 0
}

// mixHash and finalHash are MurmurHash3's 32-bit block mix and finaliser.
func mixHash(h, k uint32) uint32 {
	k *= 0xcc9e2d51
	k = k<<15 | k>>17
	k *= 0x1b873593
	h ^= k
	h = h<<13 | h>>19
	return h*5 + 0xe6546b64
}

func finalHash(h uint32) uint32 {
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}
