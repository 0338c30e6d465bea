package bridge

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// BPDUs of IEEE 802.1D-1998 clause 9: an 802.3 frame (length, not
// EtherType) to the Bridge Group Address 01-80-C2-00-00-00 (7.12.3),
// LLC header DSAP=SSAP=0x42 UI (0x03), then the BPDU.

// bridgeGroup is the destination of every BPDU.
var bridgeGroup = [6]byte{0x01, 0x80, 0xc2, 0, 0, 0}

// BPDU types (9.3.1, 9.3.2) and flags (9.3.1: octet 5).
const (
	bpduConfig   = 0x00
	bpduTCN      = 0x80
	flagTC       = 0x01
	flagTCA      = 0x80
	configLen    = 35
	tcnLen       = 4
	llcLen       = 3
	bpduFrameMin = 60 // an Ethernet frame without FCS, padded
)

// ErrBPDU is a frame to the bridge group that is not a BPDU this bridge
// reads (counted and dropped).
var ErrBPDU = errors.New("bridge: malformed or unknown BPDU")

// BridgeID is a bridge identifier (9.2.5): priority in the top 16 bits,
// MAC below.
type BridgeID uint64

// String is the priority and MAC in hex, "8000.020000000001", the form of
// Linux's /sys/class/net/BR/bridge/root_id.
func (id BridgeID) String() string {
	return fmt.Sprintf("%04x.%012x", uint64(id)>>48, uint64(id)&(1<<48-1))
}

// bpdu is a decoded BPDU; times are in 1/256 s as on the wire (9.2.8).
type bpdu struct {
	typ                          uint8
	flags                        uint8
	root                         BridgeID
	cost                         uint32
	bridge                       BridgeID
	port                         uint16
	age, maxAge, hello, fwdDelay uint16
}

// parseBPDU reads the frame f (from the Ethernet header on). It checks
// the LLC header, protocol identifier 0 and the length of the type
// (9.3.4: longer BPDUs are accepted, their tail ignored).
func parseBPDU(f []byte) (bpdu, error) {
	var b bpdu
	if len(f) < 14+llcLen+tcnLen {
		return b, ErrBPDU
	}
	n := int(binary.BigEndian.Uint16(f[12:14]))
	if n > 1500 || n < llcLen+tcnLen || 14+n > len(f) || f[14] != 0x42 || f[15] != 0x42 || f[16] != 0x03 {
		return b, ErrBPDU
	}
	p := f[17 : 14+n]
	if binary.BigEndian.Uint16(p[0:2]) != 0 {
		return b, ErrBPDU
	}
	b.typ = p[3]
	switch b.typ {
	case bpduTCN:
		return b, nil
	case bpduConfig:
		if len(p) < configLen {
			return b, ErrBPDU
		}
	default:
		return b, ErrBPDU
	}
	b.flags = p[4]
	b.root = BridgeID(binary.BigEndian.Uint64(p[5:13]))
	b.cost = binary.BigEndian.Uint32(p[13:17])
	b.bridge = BridgeID(binary.BigEndian.Uint64(p[17:25]))
	b.port = binary.BigEndian.Uint16(p[25:27])
	b.age = binary.BigEndian.Uint16(p[27:29])
	b.maxAge = binary.BigEndian.Uint16(p[29:31])
	b.hello = binary.BigEndian.Uint16(p[31:33])
	b.fwdDelay = binary.BigEndian.Uint16(p[33:35])
	if b.age >= b.maxAge {
		return b, ErrBPDU // 9.3.4: message age not less than max age
	}
	return b, nil
}

// encode writes the frame for b from src into f (at least bpduFrameMin
// bytes) and returns its length.
func (b *bpdu) encode(f []byte, src [6]byte) int {
	clear(f[:bpduFrameMin])
	copy(f[0:6], bridgeGroup[:])
	copy(f[6:12], src[:])
	n := configLen
	if b.typ == bpduTCN {
		n = tcnLen
	}
	binary.BigEndian.PutUint16(f[12:14], uint16(llcLen+n))
	f[14], f[15], f[16] = 0x42, 0x42, 0x03
	p := f[17:]
	p[3] = b.typ
	if b.typ == bpduConfig {
		p[4] = b.flags
		binary.BigEndian.PutUint64(p[5:13], uint64(b.root))
		binary.BigEndian.PutUint32(p[13:17], b.cost)
		binary.BigEndian.PutUint64(p[17:25], uint64(b.bridge))
		binary.BigEndian.PutUint16(p[25:27], b.port)
		binary.BigEndian.PutUint16(p[27:29], b.age)
		binary.BigEndian.PutUint16(p[29:31], b.maxAge)
		binary.BigEndian.PutUint16(p[31:33], b.hello)
		binary.BigEndian.PutUint16(p[33:35], b.fwdDelay)
	}
	return bpduFrameMin
}
