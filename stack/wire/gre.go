package wire

import "encoding/binary"

// GRE is a view of a Generic Routing Encapsulation header (RFC 2784 §2.1)
// with the key and sequence number extensions of RFC 2890 §2:
//
//	0                   1                   2                   3
//	0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|C| |K|S| Reserved0       | Ver |         Protocol Type         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|      Checksum (optional)      |       Reserved1 (optional)    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                         Key (optional)                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                 Sequence Number (optional)                    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// NewGRE accepts only what RFC 2784 §2.5.1 lets a receiver accept:
// version 0 and reserved bits 1 and 4-12 clear (bit 1 was RFC 1701's
// routing-present bit; bits 2 and 3 are K and S).
type GRE []byte

// GRE flag bits in the first 16-bit word.
const (
	GREFlagChecksum uint16 = 0x8000 // C: checksum and reserved1 present (RFC 2784 §2.2)
	GREFlagKey      uint16 = 0x2000 // K: key present (RFC 2890 §2.1)
	GREFlagSeq      uint16 = 0x1000 // S: sequence number present (RFC 2890 §2.1)
	greReserved     uint16 = 0x4ff8 // bit 1 and Reserved0 bits 4-12
	greVersion      uint16 = 0x0007
)

// GREMinLen is the length of a GRE header without options.
const GREMinLen = 4

var (
	errGRETruncated = headerErr("gre", "header shorter than its flags say", ErrTruncated)
	errGREVersion   = headerErr("gre", "version is not 0", ErrBadVersion)
	errGREReserved  = headerErr("gre", "reserved bits set (RFC 1701 routing or unknown flags)", ErrNotSupported)
)

// NewGRE checks that b starts with a GRE header RFC 2784/2890 receivers
// accept; after it succeeds no accessor panics.
func NewGRE(b []byte) (GRE, error) {
	if len(b) < GREMinLen {
		return nil, errGRETruncated
	}
	g := GRE(b)
	f := g.flags()
	if f&greVersion != 0 {
		return nil, errGREVersion
	}
	if f&greReserved != 0 {
		return nil, errGREReserved
	}
	if len(b) < g.HeaderLen() {
		return nil, errGRETruncated
	}
	return g, nil
}

func (g GRE) flags() uint16 { return binary.BigEndian.Uint16(g[0:2]) }

// Flags returns the C, K and S bits.
func (g GRE) Flags() uint16 { return g.flags() & (GREFlagChecksum | GREFlagKey | GREFlagSeq) }

// Type is the protocol type of the payload (an EtherType, RFC 2784 §2.4).
func (g GRE) Type() EtherType { return EtherType(binary.BigEndian.Uint16(g[2:4])) }

// HeaderLen is the header length the flags give: 4, plus 4 for each of
// checksum, key and sequence number present.
func (g GRE) HeaderLen() int {
	f := g.flags()
	n := GREMinLen
	if f&GREFlagChecksum != 0 {
		n += 4
	}
	if f&GREFlagKey != 0 {
		n += 4
	}
	if f&GREFlagSeq != 0 {
		n += 4
	}
	return n
}

// Checksum returns the checksum field (0 when absent).
func (g GRE) Checksum() uint16 {
	if g.flags()&GREFlagChecksum == 0 {
		return 0
	}
	return binary.BigEndian.Uint16(g[4:6])
}

func (g GRE) keyOff() int {
	if g.flags()&GREFlagChecksum != 0 {
		return 8
	}
	return 4
}

// Key returns the key and whether it is present.
func (g GRE) Key() (uint32, bool) {
	if g.flags()&GREFlagKey == 0 {
		return 0, false
	}
	o := g.keyOff()
	return binary.BigEndian.Uint32(g[o : o+4]), true
}

// Seq returns the sequence number and whether it is present.
func (g GRE) Seq() (uint32, bool) {
	f := g.flags()
	if f&GREFlagSeq == 0 {
		return 0, false
	}
	o := g.keyOff()
	if f&GREFlagKey != 0 {
		o += 4
	}
	return binary.BigEndian.Uint32(g[o : o+4]), true
}

// Payload returns the bytes after the header.
func (g GRE) Payload() []byte { return g[g.HeaderLen():] }

// GREFields is the decoded form of a GRE header.
type GREFields struct {
	Type     EtherType
	Checksum bool // compute a checksum over header and payload (RFC 2784 §2.5)
	Key      uint32
	HasKey   bool
	Seq      uint32
	HasSeq   bool
}

// Len is the header length these fields encode to.
func (f *GREFields) Len() int {
	n := GREMinLen
	if f.Checksum {
		n += 4
	}
	if f.HasKey {
		n += 4
	}
	if f.HasSeq {
		n += 4
	}
	return n
}

// Fields decodes the header.
func (g GRE) Fields() GREFields {
	f := GREFields{Type: g.Type(), Checksum: g.flags()&GREFlagChecksum != 0}
	f.Key, f.HasKey = g.Key()
	f.Seq, f.HasSeq = g.Seq()
	return f
}

// Encode writes the header at the start of b. With Checksum set, b must
// hold the payload after the header too: the checksum covers both (RFC
// 2784 §2.5, the IP one's complement checksum).
func (f *GREFields) Encode(b []byte) (GRE, error) {
	n := f.Len()
	if len(b) < n {
		return nil, ErrShortBuffer
	}
	var fl uint16
	o := 4
	if f.Checksum {
		fl |= GREFlagChecksum
		binary.BigEndian.PutUint32(b[4:8], 0)
		o = 8
	}
	if f.HasKey {
		fl |= GREFlagKey
		binary.BigEndian.PutUint32(b[o:o+4], f.Key)
		o += 4
	}
	if f.HasSeq {
		fl |= GREFlagSeq
		binary.BigEndian.PutUint32(b[o:o+4], f.Seq)
	}
	binary.BigEndian.PutUint16(b[0:2], fl)
	binary.BigEndian.PutUint16(b[2:4], uint16(f.Type))
	g := GRE(b)
	if f.Checksum {
		binary.BigEndian.PutUint16(b[4:6], ^Checksum(b, 0))
	}
	return g, nil
}

// ChecksumValid reports whether the checksum over the header and the
// payload b (which starts with the header) verifies; true when absent.
func (g GRE) ChecksumValid() bool {
	if g.flags()&GREFlagChecksum == 0 {
		return true
	}
	return Checksum(g, 0) == 0xffff
}
