package igb

import "encoding/binary"

// Receive-side scaling (82576 datasheet §7.1.2.8): the device hashes each
// received IPv4/IPv6 packet with the Toeplitz function over a 40-byte secret
// key (RSSRK), looks the low 7 bits of the hash up in the 128-entry
// redirection table (RETA) to pick the receive queue, and writes the hash and
// its type into the advanced receive descriptor (§7.1.5.2). This file is the
// software side: the same hash computed independently, so tests (and a
// program steering frames it sends) can predict the queue and check what
// the device reports.

// KeyLen is the RSS key length in bytes (RSSRK0..9, §8.10.19).
const KeyLen = 40

// RETALen is the number of redirection table entries (RETA0..31, four
// one-byte entries per register, §8.10.18).
const RETALen = 128

// HashType is the RSS type field of an advanced receive descriptor's
// write-back (§7.1.5.2, "RSS Type"): which fields were hashed.
type HashType uint8

const (
	HashNone        HashType = 0
	HashTCPIPv4     HashType = 1
	HashIPv4        HashType = 2
	HashTCPIPv6     HashType = 3
	HashIPv6Ex      HashType = 4
	HashIPv6        HashType = 5
	HashTCPIPv6Ex   HashType = 6
	HashUDPIPv4     HashType = 7
	HashUDPIPv6     HashType = 8
	HashUDPIPv6Ex   HashType = 9
	hashTypeInvalid HashType = 10 // first value the device must not report
)

var hashTypeNames = [...]string{"none", "tcp-ipv4", "ipv4", "tcp-ipv6", "ipv6-ex", "ipv6", "tcp-ipv6-ex", "udp-ipv4", "udp-ipv6", "udp-ipv6-ex"}

func (t HashType) String() string {
	if int(t) < len(hashTypeNames) {
		return hashTypeNames[t]
	}
	return "reserved"
}

// DefaultKey returns the key of Microsoft's RSS verification suite
// ("Verifying the RSS Hash Calculation", Windows Driver Kit), also the
// 82576's example key: with it the test vectors of rss_test.go hold.
func DefaultKey() [KeyLen]byte { return defaultKey }

var defaultKey = [KeyLen]byte{
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
}

// Toeplitz returns the Toeplitz hash of data under key (§7.1.2.8.1): for
// every set bit i of the input (most significant bit of the first byte
// first), the 32 key bits starting at bit i are XORed into the result. The
// key must be at least len(data)+4 bytes; a 40-byte key covers the 36 bytes
// of the longest input (IPv6 addresses and ports).
func Toeplitz(key []byte, data []byte) uint32 {
	if len(key) < len(data)+4 {
		return 0
	}
	var h uint32
	// window holds key bits [i, i+64) for the current input byte's first bit.
	window := binary.BigEndian.Uint32(key)
	for i, b := range data {
		next := key[i+4]
		for bit := 7; bit >= 0; bit-- {
			if b&(1<<bit) != 0 {
				h ^= window
			}
			window = window<<1 | uint32(next>>bit&1)
		}
	}
	return h
}

// Hash fields enabled in MRQC (§8.10.17, bits 16-23).
type HashFields uint32

const (
	FieldTCPIPv4   HashFields = 1 << 16
	FieldIPv4      HashFields = 1 << 17
	FieldTCPIPv6Ex HashFields = 1 << 18
	FieldIPv6Ex    HashFields = 1 << 19
	FieldIPv6      HashFields = 1 << 20
	FieldTCPIPv6   HashFields = 1 << 21
	FieldUDPIPv4   HashFields = 1 << 22
	FieldUDPIPv6   HashFields = 1 << 23

	// DefaultFields hashes addresses and TCP/UDP ports of IPv4 and IPv6
	// without extension headers.
	DefaultFields = FieldTCPIPv4 | FieldIPv4 | FieldIPv6 | FieldTCPIPv6 | FieldUDPIPv4 | FieldUDPIPv6
)

// FlowHash computes the RSS hash and type the device reports for an
// Ethernet frame (an optional 802.1Q tag is skipped) with the given key and
// enabled fields: IPv4 or IPv6 addresses, plus ports for TCP and UDP when
// their fields are on and the packet is not a fragment. Frames without an
// IP header hash to (0, HashNone). IPv6 with extension headers is hashed
// over the addresses only (HashIPv6). It never panics on malformed input.
func FlowHash(key []byte, fields HashFields, frame []byte) (uint32, HashType) {
	var in [36]byte
	n, t := hashInput(&in, fields, frame)
	if t == HashNone {
		return 0, HashNone
	}
	return Toeplitz(key, in[:n]), t
}

// hashInput writes the Toeplitz input for frame into in (source address,
// destination address, source port, destination port: §7.1.2.8.1) and
// returns its length and type.
func hashInput(in *[36]byte, fields HashFields, frame []byte) (int, HashType) {
	if len(frame) < 14 {
		return 0, HashNone
	}
	et := binary.BigEndian.Uint16(frame[12:])
	p := frame[14:]
	if et == 0x8100 {
		if len(p) < 4 {
			return 0, HashNone
		}
		et, p = binary.BigEndian.Uint16(p[2:]), p[4:]
	}
	switch et {
	case 0x0800: // IPv4, RFC 791 §3.1
		if len(p) < 20 || p[0]>>4 != 4 {
			return 0, HashNone
		}
		ihl := int(p[0]&0x0f) * 4
		if ihl < 20 || len(p) < ihl {
			return 0, HashNone
		}
		copy(in[0:8], p[12:20])
		frag := binary.BigEndian.Uint16(p[6:])&0x3fff != 0 // MF or an offset
		l4 := p[ihl:]
		switch {
		case p[9] == 6 && fields&FieldTCPIPv4 != 0 && !frag && len(l4) >= 4:
			copy(in[8:12], l4[:4])
			return 12, HashTCPIPv4
		case p[9] == 17 && fields&FieldUDPIPv4 != 0 && !frag && len(l4) >= 4:
			copy(in[8:12], l4[:4])
			return 12, HashUDPIPv4
		case fields&FieldIPv4 != 0:
			return 8, HashIPv4
		}
	case 0x86dd: // IPv6, RFC 8200 §3
		if len(p) < 40 || p[0]>>4 != 6 {
			return 0, HashNone
		}
		copy(in[0:32], p[8:40])
		l4 := p[40:]
		switch {
		case p[6] == 6 && fields&FieldTCPIPv6 != 0 && len(l4) >= 4:
			copy(in[32:36], l4[:4])
			return 36, HashTCPIPv6
		case p[6] == 17 && fields&FieldUDPIPv6 != 0 && len(l4) >= 4:
			copy(in[32:36], l4[:4])
			return 36, HashUDPIPv6
		case fields&FieldIPv6 != 0:
			return 32, HashIPv6
		}
	}
	return 0, HashNone
}

// RETA is the redirection table: entry hash&127 names the receive queue
// (§7.1.2.8.2; the 82576 uses the low bits of each byte).
type RETA [RETALen]uint8

// Spread fills the table round robin over n queues, the usual layout.
func (r *RETA) Spread(n int) {
	if n < 1 {
		n = 1
	}
	for i := range r {
		r[i] = uint8(i % n)
	}
}

// Queue returns the receive queue the table sends a hash to.
func (r *RETA) Queue(hash uint32) int { return int(r[hash&(RETALen-1)] & 0x0f) }

// words returns the table as the 32 RETA register values (entry 4i in bits
// 7:0 of register i).
func (r *RETA) words() [RETALen / 4]uint32 {
	var w [RETALen / 4]uint32
	for i := range w {
		w[i] = binary.LittleEndian.Uint32(r[4*i:])
	}
	return w
}
