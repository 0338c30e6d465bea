package e1000test

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// Loop frames: sequence-numbered test frames with a checksummed payload, used
// by the driver tests and by e1000-test loop/pktgen/rx. Layout (big-endian):
//
//	0  dst MAC, 6  src MAC, 12 EtherType 0x88B5 (IEEE 802 local experimental)
//	14 magic "GPKT", 18 sequence (8), 26 frame length (2), 28 CRC-32C of
//	bytes 32..end (4), 32 payload: byte i is (seq*7 + i) mod 251
//
// so a receiver can tell a lost, duplicated, reordered or corrupted frame
// without keeping copies of what was sent.

// LoopEtherType is the EtherType of loop frames (IEEE 802 local experimental 1).
const LoopEtherType = 0x88B5

// LoopHeader is the length of the loop header before the payload.
const LoopHeader = 32

var (
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
	// ErrNotLoop means the frame is not a loop frame.
	ErrNotLoop = errors.New("e1000test: not a loop frame")
	// ErrCorrupt means a loop frame failed its length or checksum check.
	ErrCorrupt = errors.New("e1000test: corrupt loop frame")
)

// FillLoop writes a loop frame of len(b) bytes (at least LoopHeader) into b.
func FillLoop(b []byte, dst, src [6]byte, seq uint64) {
	copy(b[0:], dst[:])
	copy(b[6:], src[:])
	binary.BigEndian.PutUint16(b[12:], LoopEtherType)
	copy(b[14:], "GPKT")
	binary.BigEndian.PutUint64(b[18:], seq)
	binary.BigEndian.PutUint16(b[26:], uint16(len(b)))
	v := byte((seq * 7) % 251)
	for i := LoopHeader; i < len(b); i++ {
		b[i] = v
		v++
		if v == 251 {
			v = 0
		}
	}
	binary.BigEndian.PutUint32(b[28:], crc32.Checksum(b[LoopHeader:], castagnoli))
}

// CheckLoop validates a loop frame and returns its sequence number. Padding
// after the declared length (short frames padded to 60 bytes) is allowed.
func CheckLoop(b []byte) (uint64, error) {
	if len(b) < LoopHeader || binary.BigEndian.Uint16(b[12:]) != LoopEtherType || string(b[14:18]) != "GPKT" {
		return 0, ErrNotLoop
	}
	seq := binary.BigEndian.Uint64(b[18:])
	n := int(binary.BigEndian.Uint16(b[26:]))
	if n < LoopHeader || n > len(b) {
		return seq, ErrCorrupt
	}
	b = b[:n]
	if crc32.Checksum(b[LoopHeader:], castagnoli) != binary.BigEndian.Uint32(b[28:]) {
		return seq, ErrCorrupt
	}
	v := byte((seq * 7) % 251)
	for i := LoopHeader; i < len(b); i++ {
		if b[i] != v {
			return seq, ErrCorrupt
		}
		v++
		if v == 251 {
			v = 0
		}
	}
	return seq, nil
}

// Tracker counts what a receiver of loop frames saw. Sequence numbers start
// at 0; it keeps one bit per expected frame.
type Tracker struct {
	seen       []uint64 // bitmap
	Expected   uint64
	Received   uint64
	Corrupt    uint64
	Duplicated uint64
	Reordered  uint64
	Foreign    uint64 // not loop frames
	next       uint64 // highest sequence seen + 1
}

// NewTracker expects frames 0..n-1.
func NewTracker(n uint64) *Tracker {
	return &Tracker{seen: make([]uint64, (n+63)/64), Expected: n}
}

// Add accounts one received frame.
func (t *Tracker) Add(frame []byte) {
	seq, err := CheckLoop(frame)
	switch {
	case errors.Is(err, ErrNotLoop):
		t.Foreign++
		return
	case err != nil || seq >= t.Expected:
		t.Corrupt++
		return
	}
	w, bit := seq/64, uint64(1)<<(seq%64)
	if t.seen[w]&bit != 0 {
		t.Duplicated++
		return
	}
	t.seen[w] |= bit
	t.Received++
	if seq+1 < t.next {
		t.Reordered++
	} else {
		t.next = seq + 1
	}
}

// Lost is how many expected frames never arrived.
func (t *Tracker) Lost() uint64 { return t.Expected - t.Received }

// Clean reports a perfect run.
func (t *Tracker) Clean() bool {
	return t.Lost() == 0 && t.Corrupt == 0 && t.Duplicated == 0 && t.Reordered == 0
}

// Missing returns up to max sequence numbers that were never received.
func (t *Tracker) Missing(max int) []uint64 {
	var out []uint64
	for seq := uint64(0); seq < t.Expected && len(out) < max; seq++ {
		if t.seen[seq/64]&(1<<(seq%64)) == 0 {
			out = append(out, seq)
		}
	}
	return out
}
