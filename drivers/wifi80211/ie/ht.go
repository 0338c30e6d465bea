package ie

import "encoding/binary"

// HT Capabilities Information bits (9.4.2.56.2).
const (
	HTCapLDPC        = 0x0001
	HTCapChanWidth40 = 0x0002
	HTCapSMPSMask    = 0x000c
	HTCapGreenfield  = 0x0010
	HTCapSGI20       = 0x0020
	HTCapSGI40       = 0x0040
	HTCapTxSTBC      = 0x0080
	HTCapRxSTBCMask  = 0x0300
	HTCapMaxAMSDU    = 0x0800
	HTCapDSSSCCK40   = 0x1000
	HTCap40Intoler   = 0x4000
)

// HTCapsLen is the HT Capabilities body length (9.4.2.56.1).
const HTCapsLen = 26

// HTCaps is a decoded HT Capabilities element.
type HTCaps struct {
	Info        uint16
	AMPDUParams uint8
	MCS         [16]byte // Supported MCS Set: Rx MCS bitmask (10 octets), highest rate, Tx flags
	ExtCaps     uint16
	TxBF        uint32
	ASEL        uint8
}

// ParseHTCaps decodes an HT Capabilities body (exactly 26 octets).
func ParseHTCaps(data []byte) (HTCaps, error) {
	if len(data) != HTCapsLen {
		return HTCaps{}, ErrMalformed
	}
	var h HTCaps
	h.Info = binary.LittleEndian.Uint16(data)
	h.AMPDUParams = data[2]
	copy(h.MCS[:], data[3:19])
	h.ExtCaps = binary.LittleEndian.Uint16(data[19:])
	h.TxBF = binary.LittleEndian.Uint32(data[21:])
	h.ASEL = data[25]
	return h, nil
}

// MaxAMPDULen returns the maximum A-MPDU length exponent in octets (2^(13+e)-1).
func (h HTCaps) MaxAMPDULen() int { return 1<<(13+int(h.AMPDUParams&3)) - 1 }

// RxMCS reports whether MCS index i (0-76) is in the Rx MCS bitmask.
func (h HTCaps) RxMCS(i int) bool {
	if i < 0 || i > 76 {
		return false
	}
	return h.MCS[i/8]&(1<<(i%8)) != 0
}

// Streams returns the number of spatial streams implied by MCS 0-31.
func (h HTCaps) Streams() int {
	n := 0
	for s := range 4 {
		if h.MCS[s] != 0 {
			n = s + 1
		}
	}
	return n
}

// AppendHTCaps appends an HT Capabilities element.
func AppendHTCaps(dst []byte, h *HTCaps) []byte {
	dst = append(dst, IDHTCaps, HTCapsLen)
	dst = binary.LittleEndian.AppendUint16(dst, h.Info)
	dst = append(dst, h.AMPDUParams)
	dst = append(dst, h.MCS[:]...)
	dst = binary.LittleEndian.AppendUint16(dst, h.ExtCaps)
	dst = binary.LittleEndian.AppendUint32(dst, h.TxBF)
	return append(dst, h.ASEL)
}

// HTOperation is the decoded fixed part of an HT Operation element (9.4.2.57).
type HTOperation struct {
	PrimaryChannel  uint8
	SecondaryOffset uint8 // 0 none, 1 above, 3 below
	Info            [5]byte
	BasicMCS        [16]byte
}

// ParseHTOperation decodes an HT Operation body (22 octets).
func ParseHTOperation(data []byte) (HTOperation, error) {
	if len(data) != 22 {
		return HTOperation{}, ErrMalformed
	}
	var o HTOperation
	o.PrimaryChannel = data[0]
	o.SecondaryOffset = data[1] & 3
	copy(o.Info[:], data[1:6])
	copy(o.BasicMCS[:], data[6:])
	return o, nil
}

// VHT Capabilities Information bits (9.4.2.158.2).
const (
	VHTCapMaxMPDUMask  = 0x00000003
	VHTCapChanWidthSet = 0x0000000c
	VHTCapRxLDPC       = 0x00000010
	VHTCapSGI80        = 0x00000020
	VHTCapSGI160       = 0x00000040
	VHTCapTxSTBC       = 0x00000080
	VHTCapSUBeamformer = 0x00000800
	VHTCapSUBeamformee = 0x00001000
)

// VHTCapsLen is the VHT Capabilities body length.
const VHTCapsLen = 12

// VHTCaps is a decoded VHT Capabilities element.
type VHTCaps struct {
	Info          uint32
	RxMCSMap      uint16 // 2 bits per stream: 0 MCS0-7, 1 MCS0-8, 2 MCS0-9, 3 unsupported
	RxHighestRate uint16 // bits 0-12 in Mb/s
	TxMCSMap      uint16
	TxHighestRate uint16
}

// ParseVHTCaps decodes a VHT Capabilities body (exactly 12 octets).
func ParseVHTCaps(data []byte) (VHTCaps, error) {
	if len(data) != VHTCapsLen {
		return VHTCaps{}, ErrMalformed
	}
	return VHTCaps{
		Info:          binary.LittleEndian.Uint32(data),
		RxMCSMap:      binary.LittleEndian.Uint16(data[4:]),
		RxHighestRate: binary.LittleEndian.Uint16(data[6:]) & 0x1fff,
		TxMCSMap:      binary.LittleEndian.Uint16(data[8:]),
		TxHighestRate: binary.LittleEndian.Uint16(data[10:]) & 0x1fff,
	}, nil
}

// RxMaxMCS returns the highest VHT MCS (7, 8 or 9) for spatial stream ss
// (1-8), or -1 when the stream is unsupported.
func (v VHTCaps) RxMaxMCS(ss int) int {
	if ss < 1 || ss > 8 {
		return -1
	}
	switch (v.RxMCSMap >> (2 * (ss - 1))) & 3 {
	case 0:
		return 7
	case 1:
		return 8
	case 2:
		return 9
	}
	return -1
}

// AppendVHTCaps appends a VHT Capabilities element.
func AppendVHTCaps(dst []byte, v *VHTCaps) []byte {
	dst = append(dst, IDVHTCaps, VHTCapsLen)
	dst = binary.LittleEndian.AppendUint32(dst, v.Info)
	dst = binary.LittleEndian.AppendUint16(dst, v.RxMCSMap)
	dst = binary.LittleEndian.AppendUint16(dst, v.RxHighestRate)
	dst = binary.LittleEndian.AppendUint16(dst, v.TxMCSMap)
	return binary.LittleEndian.AppendUint16(dst, v.TxHighestRate)
}

// VHTOperation is a decoded VHT Operation element (9.4.2.159).
type VHTOperation struct {
	ChannelWidth uint8 // 0: 20/40, 1: 80/160/80+80
	Center0      uint8
	Center1      uint8
	BasicMCS     uint16
}

// ParseVHTOperation decodes a VHT Operation body (5 octets).
func ParseVHTOperation(data []byte) (VHTOperation, error) {
	if len(data) != 5 {
		return VHTOperation{}, ErrMalformed
	}
	return VHTOperation{data[0], data[1], data[2], binary.LittleEndian.Uint16(data[3:])}, nil
}
