package tcp

import (
	"encoding/binary"

	"github.com/gopkt/gopkt/stack/wire"
)

// segment is a received segment, parsed and validated: the header fields
// and options the state machine uses. It lives on the stack of the
// receive path (no allocation).
type segment struct {
	srcPort, dstPort uint16
	seq, ack         uint32
	flags            uint8
	wnd              uint16 // unscaled
	hdrLen           int
	dataLen          int // payload bytes (SYN and FIN not counted)

	// Options (RFC 9293 §3.2, RFC 7323, RFC 2018).
	hasMSS   bool
	mss      uint16
	hasWS    bool
	ws       uint8
	sackPerm bool
	hasTS    bool
	tsVal    uint32
	tsEcr    uint32
	nSACK    int
	sack     [4]sackBlock
}

// sackBlock is one SACK block (RFC 2018 §3): [start, end).
type sackBlock struct{ start, end uint32 }

// seqLen is the sequence space the segment occupies (RFC 9293 §3.4:
// SEG.LEN counts SYN and FIN).
func (s *segment) seqLen() uint32 {
	n := uint32(s.dataLen)
	if s.flags&wire.TCPFlagSYN != 0 {
		n++
	}
	if s.flags&wire.TCPFlagFIN != 0 {
		n++
	}
	return n
}

func (s *segment) has(f uint8) bool { return s.flags&f != 0 }

// dropReason says why a segment was discarded; Stats counts each.
type dropReason uint8

const (
	dropNone dropReason = iota
	dropShort
	dropDataOffset
	dropChecksum
	dropBadOption
	dropBadFlags
	dropBroadcast
	dropBadAddress
)

// parseSegment validates the header of d (the TCP header and, when the
// segment is one buffer, its payload; total is the segment length over the
// whole chain) and fills s. Once it returns dropNone, every field is
// consistent with total: hdrLen ≤ total and dataLen = total − hdrLen.
func parseSegment(d []byte, total int, s *segment) dropReason {
	if len(d) < wire.TCPMinHeaderLen || total < wire.TCPMinHeaderLen {
		return dropShort
	}
	hl := int(d[12]>>4) * 4
	if hl < wire.TCPMinHeaderLen {
		return dropDataOffset
	}
	if hl > len(d) || hl > total {
		return dropShort
	}
	h := wire.TCP(d)
	*s = segment{srcPort: h.SrcPort(), dstPort: h.DstPort(), seq: h.Seq(), ack: h.Ack(), flags: h.Flags(),
		wnd: h.Window(), hdrLen: hl, dataLen: total - hl}
	// RFC 9293 §3.10.7: a SYN with RST, or SYN with FIN, is nonsense no
	// valid stack sends; so is a segment without ACK in a synchronized
	// exchange carrying data but that is for the state machine. Ports 0
	// are reserved (RFC 6335 §6).
	if s.flags&(wire.TCPFlagSYN|wire.TCPFlagRST) == wire.TCPFlagSYN|wire.TCPFlagRST ||
		s.flags&(wire.TCPFlagSYN|wire.TCPFlagFIN) == wire.TCPFlagSYN|wire.TCPFlagFIN ||
		s.srcPort == 0 || s.dstPort == 0 {
		return dropBadFlags
	}
	if !parseOptions(d[wire.TCPMinHeaderLen:hl], s) {
		return dropBadOption
	}
	return dropNone
}

// parseOptions decodes the options area (RFC 9293 §3.2). A malformed
// length is an error (the segment is dropped, RFC 9293 §3.2 "a TCP
// implementation … MUST be prepared to handle an illegal option length");
// unknown kinds are skipped; options with the wrong length for their kind
// are ignored, as Linux does.
func parseOptions(o []byte, s *segment) bool {
	for len(o) > 0 {
		kind := o[0]
		if kind == wire.TCPOptionEOL {
			return true
		}
		if kind == wire.TCPOptionNOP {
			o = o[1:]
			continue
		}
		if len(o) < 2 {
			return false
		}
		n := int(o[1])
		if n < 2 || n > len(o) {
			return false
		}
		v := o[2:n]
		switch kind {
		case wire.TCPOptionMSS: // RFC 9293 §3.7.1, only on SYN
			if len(v) == 2 && s.flags&wire.TCPFlagSYN != 0 {
				s.hasMSS, s.mss = true, binary.BigEndian.Uint16(v)
			}
		case wire.TCPOptionWindowScale: // RFC 7323 §2.2, only on SYN
			if len(v) == 1 && s.flags&wire.TCPFlagSYN != 0 {
				s.hasWS, s.ws = true, min(v[0], 14) // §2.3: values above 14 are taken as 14
			}
		case wire.TCPOptionSACKPermitted: // RFC 2018 §2, only on SYN
			if len(v) == 0 && s.flags&wire.TCPFlagSYN != 0 {
				s.sackPerm = true
			}
		case wire.TCPOptionTimestamps: // RFC 7323 §3.2
			if len(v) == 8 {
				s.hasTS, s.tsVal, s.tsEcr = true, binary.BigEndian.Uint32(v), binary.BigEndian.Uint32(v[4:])
			}
		case wire.TCPOptionSACK: // RFC 2018 §3: 8 bytes per block
			if len(v)%8 == 0 {
				for i := 0; i+8 <= len(v) && s.nSACK < len(s.sack); i += 8 {
					s.sack[s.nSACK] = sackBlock{binary.BigEndian.Uint32(v[i:]), binary.BigEndian.Uint32(v[i+4:])}
					s.nSACK++
				}
			}
		}
		o = o[n:]
	}
	return true
}
