package frame

import "encoding/binary"

// Fixed body sizes of the block-ack control frames (9.3.1.8, 9.3.1.9).
const (
	blockAckReqMin = 4 // BAR Control + Starting Sequence Control
	blockAckMin    = 4 // BA Control + Starting Sequence Control (bitmap varies)
)

// BAR/BA Control bits (9.3.1.8.1, 9.3.1.9.1).
const (
	BACtlNoAck      = 0x0001
	BACtlMultiTID   = 0x0002
	BACtlCompressed = 0x0004
	BACtlTIDShift   = 12
)

// BlockAckReq is the body of a BlockAckReq control frame (basic or compressed).
type BlockAckReq []byte

// ParseBlockAckReq checks the BAR body.
func ParseBlockAckReq(b []byte) (BlockAckReq, error) {
	if len(b) < blockAckReqMin {
		return nil, ErrTruncated
	}
	return BlockAckReq(b), nil
}

// Control returns the BAR Control field.
func (r BlockAckReq) Control() uint16 { return binary.LittleEndian.Uint16(r) }

// TID returns the TID_INFO subfield.
func (r BlockAckReq) TID() uint8 { return uint8(r.Control() >> BACtlTIDShift) }

// StartSeq returns the starting sequence number.
func (r BlockAckReq) StartSeq() uint16 { return binary.LittleEndian.Uint16(r[2:]) >> 4 }

// BlockAck is the body of a BlockAck control frame.
type BlockAck []byte

// ParseBlockAck checks the BA body and its bitmap length: 8 octets for the
// compressed variant, 128 for basic (9.3.1.9.2, 9.3.1.9.3). Multi-TID
// variants are returned with only the fixed part checked.
func ParseBlockAck(b []byte) (BlockAck, error) {
	if len(b) < blockAckMin {
		return nil, ErrTruncated
	}
	ctl := binary.LittleEndian.Uint16(b)
	if ctl&BACtlMultiTID == 0 {
		need := blockAckMin + 128
		if ctl&BACtlCompressed != 0 {
			need = blockAckMin + 8
		}
		if len(b) < need {
			return nil, ErrTruncated
		}
	}
	return BlockAck(b), nil
}

// Control returns the BA Control field.
func (a BlockAck) Control() uint16 { return binary.LittleEndian.Uint16(a) }

// TID returns the TID_INFO subfield.
func (a BlockAck) TID() uint8 { return uint8(a.Control() >> BACtlTIDShift) }

// StartSeq returns the starting sequence number.
func (a BlockAck) StartSeq() uint16 { return binary.LittleEndian.Uint16(a[2:]) >> 4 }

// Bitmap returns the block-ack bitmap (empty for multi-TID frames).
func (a BlockAck) Bitmap() []byte {
	ctl := a.Control()
	switch {
	case ctl&BACtlMultiTID != 0:
		return nil
	case ctl&BACtlCompressed != 0:
		return a[4:12]
	}
	return a[4:132]
}

// Acked reports whether the bitmap marks sequence number seq as received.
func (a BlockAck) Acked(seq uint16) bool {
	bm := a.Bitmap()
	if bm == nil {
		return false
	}
	off := int((seq - a.StartSeq()) & 0xfff)
	if a.Control()&BACtlCompressed != 0 {
		if off >= 64 {
			return false
		}
		return bm[off/8]&(1<<(off%8)) != 0
	}
	// Basic: 64 MSDUs x 16 fragments, fragment 0 bit.
	if off >= 64 {
		return false
	}
	return binary.LittleEndian.Uint16(bm[off*2:])&1 != 0
}
