package frame

import (
	"encoding/binary"
	"net"
	"slices"
)

// HeaderFields is the decoded form of a MAC header. Addresses a frame does
// not carry are left nil by Decode and ignored by Encode.
type HeaderFields struct {
	FC       FrameControl
	Duration uint16
	Addr1    net.HardwareAddr
	Addr2    net.HardwareAddr
	Addr3    net.HardwareAddr
	SeqCtl   uint16
	Addr4    net.HardwareAddr
	QoS      uint16
	HTC      uint32
}

// Len returns the header length Encode writes.
func (h *HeaderFields) Len() int { return h.FC.HeaderLen() }

// Fields decodes the MAC header.
func (f Frame) Fields() HeaderFields {
	return HeaderFields{
		FC: f.FC(), Duration: f.Duration(),
		Addr1: f.Addr1(), Addr2: f.Addr2(), Addr3: f.Addr3(), Addr4: f.Addr4(),
		SeqCtl: f.SeqCtl(), QoS: f.QoSCtl(), HTC: f.HTC(),
	}
}

// Encode writes the header described by h into f, which must be at least
// h.Len() bytes long. Missing addresses are written as zeros.
func (f Frame) Encode(h *HeaderFields) {
	fc := h.FC
	binary.LittleEndian.PutUint16(f, uint16(fc))
	binary.LittleEndian.PutUint16(f[2:], h.Duration)
	putAddr(f[4:10], h.Addr1)
	n := fc.HeaderLen()
	if fc.Type() == TypeCtrl {
		switch {
		case fc.Subtype() == SubCtrlWrapper:
			// Carried Frame Control is part of the body the caller writes.
			binary.LittleEndian.PutUint32(f[12:], h.HTC)
		case n >= 16:
			putAddr(f[10:16], h.Addr2)
		}
		return
	}
	putAddr(f[10:16], h.Addr2)
	putAddr(f[16:22], h.Addr3)
	binary.LittleEndian.PutUint16(f[22:], h.SeqCtl)
	off := 24
	if fc.Type() == TypeData && fc&(FlagToDS|FlagFromDS) == FlagToDS|FlagFromDS {
		putAddr(f[24:30], h.Addr4)
		off = 30
	}
	if fc.IsQoSData() {
		binary.LittleEndian.PutUint16(f[off:], h.QoS)
		off += 2
	}
	if fc.HasHTC() {
		binary.LittleEndian.PutUint32(f[off:], h.HTC)
	}
}

// AppendHeader appends the encoded header to dst and returns the result.
func AppendHeader(dst []byte, h *HeaderFields) []byte {
	n := h.Len()
	dst = grow(dst, n)
	Frame(dst[len(dst)-n:]).Encode(h)
	return dst
}

func putAddr(dst []byte, a net.HardwareAddr) {
	if len(a) == 6 {
		copy(dst, a)
		return
	}
	clear(dst[:6])
}

// grow extends dst by n bytes (zeroed) and returns it.
func grow(dst []byte, n int) []byte {
	l := len(dst)
	dst = slices.Grow(dst, n)[:l+n]
	clear(dst[l:])
	return dst
}

// SeqCtlOf packs a sequence and fragment number.
func SeqCtlOf(seq uint16, frag uint8) uint16 { return seq<<4 | uint16(frag&15) }
