package frame

import (
	"encoding/binary"
	"net"
)

// FrameControl is the Frame Control field (9.2.4.1), as a little-endian
// uint16: bits 0-1 protocol version, 2-3 type, 4-7 subtype, then the flags.
type FrameControl uint16

// Frame Control flag bits (9.2.4.1.1, figure 9-3).
const (
	FlagToDS      FrameControl = 1 << 8
	FlagFromDS    FrameControl = 1 << 9
	FlagMoreFrag  FrameControl = 1 << 10
	FlagRetry     FrameControl = 1 << 11
	FlagPwrMgt    FrameControl = 1 << 12
	FlagMoreData  FrameControl = 1 << 13
	FlagProtected FrameControl = 1 << 14
	FlagOrder     FrameControl = 1 << 15
)

// MakeFC builds a Frame Control value from type, subtype and flags.
func MakeFC(t Type, sub uint8, flags FrameControl) FrameControl {
	return FrameControl(t&3)<<2 | FrameControl(sub&15)<<4 | flags&0xff00
}

// Version returns the protocol version (always 0 for a valid frame).
func (fc FrameControl) Version() uint8 { return uint8(fc & 3) }

// Type returns the frame type.
func (fc FrameControl) Type() Type { return Type(fc>>2) & 3 }

// Subtype returns the 4-bit subtype.
func (fc FrameControl) Subtype() uint8 { return uint8(fc>>4) & 15 }

// Flags returns only the flag bits.
func (fc FrameControl) Flags() FrameControl { return fc & 0xff00 }

// Has reports whether every bit of f is set.
func (fc FrameControl) Has(f FrameControl) bool { return fc&f == f }

// IsQoSData reports a data frame of one of the QoS subtypes (QoS Control present).
func (fc FrameControl) IsQoSData() bool { return fc.Type() == TypeData && fc.Subtype()&8 != 0 }

// HasHTC reports whether an HT Control field follows the header: the Order bit
// set in a QoS data or a management frame (9.2.4.1.10).
func (fc FrameControl) HasHTC() bool {
	return fc&FlagOrder != 0 && (fc.IsQoSData() || fc.Type() == TypeMgmt)
}

// HeaderLen returns the MAC header length this Frame Control announces, or 0
// for a type/subtype without a defined header here.
func (fc FrameControl) HeaderLen() int {
	switch fc.Type() {
	case TypeMgmt:
		n := 24
		if fc.HasHTC() {
			n += 4
		}
		return n
	case TypeCtrl:
		switch fc.Subtype() {
		case SubCTS, SubACK:
			return 10
		case SubRTS, SubPSPoll, SubCFEnd, SubCFEndAck, SubBlockAckReq, SubBlockAck,
			SubBeamformingPoll, SubVHTNDPA:
			return 16
		case SubCtrlWrapper:
			return 10 + 2 + 4 // Addr1, Carried Frame Control, HT Control (9.3.1.10)
		}
		return 0
	case TypeData:
		n := 24
		if fc&(FlagToDS|FlagFromDS) == FlagToDS|FlagFromDS {
			n += 6
		}
		if fc.IsQoSData() {
			n += 2
		}
		if fc.HasHTC() {
			n += 4
		}
		return n
	}
	return 0
}

// Frame is a view of an 802.11 MAC frame without FCS.
type Frame []byte

// Parse checks that b holds at least the MAC header its Frame Control
// announces (and the fixed part of a control frame body) and returns the view.
func Parse(b []byte) (Frame, error) {
	if len(b) < 2 {
		return nil, ErrTruncated
	}
	fc := FrameControl(binary.LittleEndian.Uint16(b))
	if fc.Version() != 0 {
		return nil, ErrVersion
	}
	n := fc.HeaderLen()
	if n == 0 {
		return nil, ErrType
	}
	if fc.Type() == TypeCtrl {
		switch fc.Subtype() {
		case SubBlockAckReq:
			n += blockAckReqMin
		case SubBlockAck:
			n += blockAckMin
		}
	}
	if len(b) < n {
		return nil, ErrTruncated
	}
	return Frame(b), nil
}

// FC returns the Frame Control field.
func (f Frame) FC() FrameControl { return FrameControl(binary.LittleEndian.Uint16(f)) }

// Type returns the frame type.
func (f Frame) Type() Type { return f.FC().Type() }

// Subtype returns the frame subtype.
func (f Frame) Subtype() uint8 { return f.FC().Subtype() }

// Duration returns the Duration/ID field (9.2.4.2).
func (f Frame) Duration() uint16 { return binary.LittleEndian.Uint16(f[2:]) }

// AID returns the association ID a PS-Poll carries in its Duration/ID
// field (9.3.1.5), 0 for other frames.
func (f Frame) AID() uint16 {
	if f.Type() != TypeCtrl || f.Subtype() != SubPSPoll {
		return 0
	}
	return f.Duration() & 0x3fff
}

// HeaderLen returns the length of the MAC header.
func (f Frame) HeaderLen() int { return f.FC().HeaderLen() }

// Addr1 returns the receiver address (RA); present in every frame.
func (f Frame) Addr1() net.HardwareAddr { return net.HardwareAddr(f[4:10:10]) }

// Addr2 returns the transmitter address (TA), or nil for CTS and ACK.
func (f Frame) Addr2() net.HardwareAddr {
	if f.HeaderLen() < 16 {
		return nil
	}
	return net.HardwareAddr(f[10:16:16])
}

// Addr3 returns the third address of management and data frames, else nil.
func (f Frame) Addr3() net.HardwareAddr {
	if f.Type() == TypeCtrl {
		return nil
	}
	return net.HardwareAddr(f[16:22:22])
}

// Addr4 returns the fourth address of a ToDS+FromDS data frame, else nil.
func (f Frame) Addr4() net.HardwareAddr {
	if !f.Is4Addr() {
		return nil
	}
	return net.HardwareAddr(f[24:30:30])
}

// Is4Addr reports a four-address (WDS / mesh) data frame.
func (f Frame) Is4Addr() bool {
	fc := f.FC()
	return fc.Type() == TypeData && fc&(FlagToDS|FlagFromDS) == FlagToDS|FlagFromDS
}

// SeqCtl returns the Sequence Control field, 0 for control frames (9.2.4.4).
func (f Frame) SeqCtl() uint16 {
	if f.Type() == TypeCtrl {
		return 0
	}
	return binary.LittleEndian.Uint16(f[22:])
}

// Seq returns the 12-bit sequence number.
func (f Frame) Seq() uint16 { return f.SeqCtl() >> 4 }

// Frag returns the 4-bit fragment number.
func (f Frame) Frag() uint8 { return uint8(f.SeqCtl() & 15) }

// QoSCtl returns the QoS Control field of a QoS data frame, else 0 (9.2.4.5).
func (f Frame) QoSCtl() uint16 {
	fc := f.FC()
	if !fc.IsQoSData() {
		return 0
	}
	off := 24
	if f.Is4Addr() {
		off = 30
	}
	return binary.LittleEndian.Uint16(f[off:])
}

// QoS Control bits (9.2.4.5.1).
const (
	QoSTIDMask  = 0x000f
	QoSEOSP     = 0x0010
	QoSAckMask  = 0x0060
	QoSAMSDU    = 0x0080
	QoSTXOPMask = 0xff00
)

// TID returns the traffic identifier of a QoS data frame, 0 otherwise.
func (f Frame) TID() uint8 { return uint8(f.QoSCtl() & QoSTIDMask) }

// HTC returns the HT Control field when present (9.2.4.6), else 0.
func (f Frame) HTC() uint32 {
	fc := f.FC()
	if !fc.HasHTC() {
		return 0
	}
	n := fc.HeaderLen()
	return binary.LittleEndian.Uint32(f[n-4:])
}

// Body returns the bytes after the MAC header (for a protected frame this
// starts with the cipher header).
func (f Frame) Body() []byte { return f[f.HeaderLen():] }

// Protected reports the Protected Frame bit.
func (f Frame) Protected() bool { return f.FC()&FlagProtected != 0 }

// BSSID returns the BSSID of a management or three-address data frame
// according to the ToDS/FromDS table (9.3.2.1, table 9-26), or nil.
func (f Frame) BSSID() net.HardwareAddr {
	fc := f.FC()
	switch fc.Type() {
	case TypeMgmt:
		return f.Addr3()
	case TypeData:
		switch fc & (FlagToDS | FlagFromDS) {
		case 0:
			return f.Addr3()
		case FlagToDS:
			return f.Addr1()
		case FlagFromDS:
			return f.Addr2()
		}
	}
	return nil
}

// DA returns the destination address of a data frame (table 9-26): Addr1
// unless ToDS is set, in which case Addr3. Management frames return Addr1.
func (f Frame) DA() net.HardwareAddr {
	if f.Type() == TypeData && f.FC()&FlagToDS != 0 {
		return f.Addr3()
	}
	return f.Addr1()
}

// SA returns the source address of a data frame (table 9-26): Addr2, Addr3
// when FromDS, Addr4 for a four-address frame.
func (f Frame) SA() net.HardwareAddr {
	if f.Type() != TypeData {
		return f.Addr2()
	}
	switch f.FC() & (FlagToDS | FlagFromDS) {
	case FlagFromDS:
		return f.Addr3()
	case FlagToDS | FlagFromDS:
		return f.Addr4()
	}
	return f.Addr2()
}

// SetFC overwrites the Frame Control field.
func (f Frame) SetFC(fc FrameControl) { binary.LittleEndian.PutUint16(f, uint16(fc)) }

// SetSeqCtl overwrites the Sequence Control field of a non-control frame.
func (f Frame) SetSeqCtl(sc uint16) {
	if f.Type() != TypeCtrl {
		binary.LittleEndian.PutUint16(f[22:], sc)
	}
}
