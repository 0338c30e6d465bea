package radiotap

import (
	"encoding/binary"
	"errors"
)

// LinkType is the pcap link type for radiotap + 802.11.
const LinkType = 127

// Field bit numbers in the radiotap namespace.
const (
	BitTSFT          = 0
	BitFlags         = 1
	BitRate          = 2
	BitChannel       = 3
	BitFHSS          = 4
	BitSignalDBm     = 5
	BitNoiseDBm      = 6
	BitLockQuality   = 7
	BitTxAttenuation = 8
	BitTxAttenDB     = 9
	BitTxPowerDBm    = 10
	BitAntenna       = 11
	BitSignalDB      = 12
	BitNoiseDB       = 13
	BitRxFlags       = 14
	BitTxFlags       = 15
	BitRTSRetries    = 16
	BitDataRetries   = 17
	BitXChannel      = 18
	BitMCS           = 19
	BitAMPDU         = 20
	BitVHT           = 21
	BitTimestamp     = 22
	BitHE            = 23
	BitHEMU          = 24
	BitHEMUOther     = 25
	BitZeroLenPSDU   = 26
	BitLSIG          = 27
	bitRadiotapNS    = 29
	bitVendorNS      = 30
	bitExt           = 31
)

// Flags field bits.
const (
	FlagCFP      = 0x01
	FlagShortPre = 0x02
	FlagWEP      = 0x04
	FlagFrag     = 0x08
	FlagFCS      = 0x10 // frame ends with a 4-octet FCS
	FlagPad      = 0x20
	FlagBadFCS   = 0x40
	FlagShortGI  = 0x80
)

// Channel flags.
const (
	ChanTurbo   = 0x0010
	ChanCCK     = 0x0020
	ChanOFDM    = 0x0040
	Chan2GHz    = 0x0080
	Chan5GHz    = 0x0100
	ChanPassive = 0x0200
	ChanDynamic = 0x0400
	ChanGFSK    = 0x0800
)

// TX flags.
const (
	TxFail  = 0x0001
	TxCTS   = 0x0002
	TxRTS   = 0x0004
	TxNoAck = 0x0008
)

// Sentinel errors.
var (
	ErrTruncated = errors.New("radiotap: truncated header")
	ErrVersion   = errors.New("radiotap: unknown version")
)

// fieldSpec gives alignment and size of each radiotap-namespace field.
var fieldSpec = [28]struct{ align, size uint8 }{
	BitTSFT: {8, 8}, BitFlags: {1, 1}, BitRate: {1, 1}, BitChannel: {2, 4}, BitFHSS: {1, 2},
	BitSignalDBm: {1, 1}, BitNoiseDBm: {1, 1}, BitLockQuality: {2, 2}, BitTxAttenuation: {2, 2},
	BitTxAttenDB: {2, 2}, BitTxPowerDBm: {1, 1}, BitAntenna: {1, 1}, BitSignalDB: {1, 1},
	BitNoiseDB: {1, 1}, BitRxFlags: {2, 2}, BitTxFlags: {2, 2}, BitRTSRetries: {1, 1},
	BitDataRetries: {1, 1}, BitXChannel: {4, 8}, BitMCS: {1, 3}, BitAMPDU: {4, 8}, BitVHT: {2, 12},
	BitTimestamp: {8, 12}, BitHE: {2, 12}, BitHEMU: {2, 12}, BitHEMUOther: {2, 6},
	BitZeroLenPSDU: {1, 1}, BitLSIG: {2, 4},
}

// MCS is the MCS field (HT rates).
type MCS struct{ Known, Flags, Index uint8 }

// MCS Known bits (radiotap.org "MCS"): which of the Flags and the Index
// are valid. With Flags 0: 20 MHz, long guard interval.
const (
	MCSKnownBW    = 0x01
	MCSKnownIndex = 0x02
	MCSKnownGI    = 0x04
)

// VHT is the VHT field.
type VHT struct {
	Known      uint16
	Flags      uint8
	Bandwidth  uint8
	MCSNSS     [4]uint8 // per user: MCS in the high nibble, NSS in the low
	Coding     uint8
	GroupID    uint8
	PartialAID uint16
}

// AMPDU is the A-MPDU status field.
type AMPDU struct {
	Reference uint32
	Flags     uint16
	DelimCRC  uint8
}

// XChannel is the extended channel field.
type XChannel struct {
	Flags    uint32
	Freq     uint16
	Channel  uint8
	MaxPower uint8
}

// Fields is a decoded radiotap header. Present is a bit set over the Bit*
// numbers of the first radiotap namespace: only fields whose bit is set are
// meaningful, and Append emits exactly those.
type Fields struct {
	Present      uint32
	TSFT         uint64
	Flags        uint8
	Rate         uint8 // 500 kb/s units
	ChannelFreq  uint16
	ChannelFlags uint16
	FHSS         [2]uint8
	SignalDBm    int8
	NoiseDBm     int8
	LockQuality  uint16
	TxAtten      uint16
	TxAttenDB    uint16
	TxPowerDBm   int8
	Antenna      uint8
	SignalDB     uint8
	NoiseDB      uint8
	RxFlags      uint16
	TxFlags      uint16
	RTSRetries   uint8
	DataRetries  uint8
	XChannel     XChannel
	MCS          MCS
	AMPDU        AMPDU
	VHT          VHT
	Raw          [4][12]byte // Timestamp, HE, HE-MU, HE-MU-other-user kept as raw bytes
	ZeroLenPSDU  uint8
	LSIG         [2]uint16
	// Unknown is set when decoding stopped at a field bit of unknown size.
	Unknown bool
	// VendorNS counts vendor namespaces skipped.
	VendorNS int
}

// Has reports whether the field with the given bit is present.
func (f *Fields) Has(bit int) bool { return bit < 32 && f.Present&(1<<bit) != 0 }

// Set marks the field bit present.
func (f *Fields) Set(bit int) { f.Present |= 1 << bit }

// rawIndex maps the bits whose value is kept raw.
func rawIndex(bit int) int {
	switch bit {
	case BitTimestamp:
		return 0
	case BitHE:
		return 1
	case BitHEMU:
		return 2
	}
	return 3
}

// Parse decodes the radiotap header at the start of b and returns it with
// the 802.11 frame that follows (FCS removed when FlagFCS is set).
func Parse(b []byte) (Fields, []byte, error) {
	var f Fields
	if len(b) < 8 {
		return f, nil, ErrTruncated
	}
	if b[0] != 0 {
		return f, nil, ErrVersion
	}
	hlen := int(binary.LittleEndian.Uint16(b[2:]))
	if hlen < 8 || hlen > len(b) {
		return f, nil, ErrTruncated
	}
	hdr := b[:hlen]
	// Collect the present words.
	off := 4
	var words [16]uint32
	nw := 0
	for {
		if off+4 > hlen || nw == len(words) {
			return f, nil, ErrTruncated
		}
		w := binary.LittleEndian.Uint32(hdr[off:])
		words[nw] = w
		nw++
		off += 4
		if w&(1<<bitExt) == 0 {
			break
		}
	}
	f.Present = words[0] &^ (1<<bitRadiotapNS | 1<<bitVendorNS | 1<<bitExt)
	inRadiotap := true
	first := true // only the first radiotap namespace is decoded
	base := 0     // field number of bit 0 of the current word
	vendorEnd := -1
decode:
	for i := range nw {
		w := words[i]
		for bit := 0; bit < 29 && inRadiotap; bit++ {
			if w&(1<<bit) == 0 {
				continue
			}
			field := base + bit
			if field >= len(fieldSpec) || fieldSpec[field].size == 0 {
				f.Unknown = true
				if first && field < 32 {
					f.Present &= 1<<field - 1 // later fields were not decoded
				}
				break decode
			}
			sp := fieldSpec[field]
			off = align(off, int(sp.align))
			if off+int(sp.size) > hlen {
				return f, nil, ErrTruncated
			}
			if first {
				f.decode(field, hdr[off:off+int(sp.size)])
			}
			off += int(sp.size)
		}
		if vendorEnd >= 0 {
			off = vendorEnd // the vendor namespace's data is skipped as a block
			vendorEnd = -1
		}
		switch {
		case w&(1<<bitVendorNS) != 0:
			off = align(off, 2)
			if off+6 > hlen {
				return f, nil, ErrTruncated
			}
			skip := int(binary.LittleEndian.Uint16(hdr[off+4:]))
			off += 6
			vendorEnd = off + skip
			if vendorEnd > hlen {
				return f, nil, ErrTruncated
			}
			inRadiotap, base = false, 0
			f.VendorNS++
		case w&(1<<bitRadiotapNS) != 0:
			inRadiotap, base, first = true, 0, false
		default:
			base += 32
		}
	}
	frame := b[hlen:]
	if f.Has(BitFlags) && f.Flags&FlagFCS != 0 {
		if len(frame) < 4 {
			return f, nil, ErrTruncated
		}
		frame = frame[:len(frame)-4]
	}
	return f, frame, nil
}

func align(off, a int) int { return (off + a - 1) &^ (a - 1) }

func (f *Fields) decode(bit int, d []byte) {
	le := binary.LittleEndian
	switch bit {
	case BitTSFT:
		f.TSFT = le.Uint64(d)
	case BitFlags:
		f.Flags = d[0]
	case BitRate:
		f.Rate = d[0]
	case BitChannel:
		f.ChannelFreq, f.ChannelFlags = le.Uint16(d), le.Uint16(d[2:])
	case BitFHSS:
		f.FHSS = [2]uint8{d[0], d[1]}
	case BitSignalDBm:
		f.SignalDBm = int8(d[0])
	case BitNoiseDBm:
		f.NoiseDBm = int8(d[0])
	case BitLockQuality:
		f.LockQuality = le.Uint16(d)
	case BitTxAttenuation:
		f.TxAtten = le.Uint16(d)
	case BitTxAttenDB:
		f.TxAttenDB = le.Uint16(d)
	case BitTxPowerDBm:
		f.TxPowerDBm = int8(d[0])
	case BitAntenna:
		f.Antenna = d[0]
	case BitSignalDB:
		f.SignalDB = d[0]
	case BitNoiseDB:
		f.NoiseDB = d[0]
	case BitRxFlags:
		f.RxFlags = le.Uint16(d)
	case BitTxFlags:
		f.TxFlags = le.Uint16(d)
	case BitRTSRetries:
		f.RTSRetries = d[0]
	case BitDataRetries:
		f.DataRetries = d[0]
	case BitXChannel:
		f.XChannel = XChannel{le.Uint32(d), le.Uint16(d[4:]), d[6], d[7]}
	case BitMCS:
		f.MCS = MCS{d[0], d[1], d[2]}
	case BitAMPDU:
		f.AMPDU = AMPDU{le.Uint32(d), le.Uint16(d[4:]), d[6]}
	case BitVHT:
		f.VHT = VHT{le.Uint16(d), d[2], d[3], [4]uint8{d[4], d[5], d[6], d[7]}, d[8], d[9], le.Uint16(d[10:])}
	case BitTimestamp, BitHE, BitHEMU, BitHEMUOther:
		copy(f.Raw[rawIndex(bit)][:], d)
	case BitZeroLenPSDU:
		f.ZeroLenPSDU = d[0]
	case BitLSIG:
		f.LSIG = [2]uint16{le.Uint16(d), le.Uint16(d[2:])}
	}
}
