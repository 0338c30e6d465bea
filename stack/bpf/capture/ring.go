package capture

import "encoding/binary"

// ring is the capture buffer: one preallocated byte slice holding
// variable-length records back to back, like the kernel bpf(4) store
// buffer. A record is a 24-byte header and the captured bytes, padded to
// 8 bytes, and is always contiguous: when it does not fit before the end,
// a wrap marker is left and it starts again at 0. The ring is not safe for
// concurrent use; Tap guards it with its mutex.
//
//	record header: 0 total length (header + padded data) | 4 caplen | 8 original length
//	               12 interface index (uint16) | 14 direction | 15 unused | 16 timestamp (ns)
type ring struct {
	buf        []byte
	head, tail int // read and write offsets
	used       int // bytes from head to tail, including wasted tail ends
}

const (
	recHdrLen  = 24
	wrapMarker = 0xffffffff
)

func recLen(caplen int) int { return recHdrLen + (caplen+7)&^7 }

func newRing(size int) ring { return ring{buf: make([]byte, size&^7)} }

// reserve returns room for a record with caplen data bytes at the write
// offset, or nil if the ring is full. Nothing is committed until commit.
func (r *ring) reserve(caplen int) []byte {
	n := recLen(caplen)
	c := len(r.buf)
	if r.used == 0 {
		r.head, r.tail = 0, 0
	}
	if r.used == 0 || r.tail > r.head {
		if n <= c-r.tail {
			return r.buf[r.tail : r.tail+n]
		}
		if n <= r.head { // wrap: data would start at 0 and end before head
			return r.buf[0:n]
		}
		return nil
	}
	if n <= r.head-r.tail {
		return r.buf[r.tail : r.tail+n]
	}
	return nil
}

// commit writes the header of a record reserved with reserve (rec is what
// reserve returned) and makes it visible to pop.
func (r *ring) commit(rec []byte, in Info) {
	n := len(rec)
	binary.LittleEndian.PutUint32(rec[0:], uint32(n))
	binary.LittleEndian.PutUint32(rec[4:], uint32(in.CaptureLength))
	binary.LittleEndian.PutUint32(rec[8:], uint32(in.Length))
	binary.LittleEndian.PutUint16(rec[12:], uint16(in.IfIndex))
	rec[14] = byte(in.Dir)
	binary.LittleEndian.PutUint64(rec[16:], uint64(in.Time))
	start := r.tail
	if r.used > 0 && &rec[0] == &r.buf[0] && r.tail != 0 {
		// Wrapped: the tail end from r.tail is wasted.
		if len(r.buf)-r.tail >= 4 {
			binary.LittleEndian.PutUint32(r.buf[r.tail:], wrapMarker)
		}
		r.used += len(r.buf) - r.tail
		start = 0
	}
	r.tail = start + n
	r.used += n
}

// pop copies the oldest record's data into dst and removes it. ok is false
// when the ring is empty.
func (r *ring) pop(dst []byte) (in Info, copied int, ok bool) {
	if r.used == 0 {
		return in, 0, false
	}
	c := len(r.buf)
	if c-r.head < recHdrLen || binary.LittleEndian.Uint32(r.buf[r.head:]) == wrapMarker {
		r.used -= c - r.head
		r.head = 0
	}
	h := r.buf[r.head:]
	n := int(binary.LittleEndian.Uint32(h[0:]))
	in.CaptureLength = int(binary.LittleEndian.Uint32(h[4:]))
	in.Length = int(binary.LittleEndian.Uint32(h[8:]))
	in.IfIndex = int(binary.LittleEndian.Uint16(h[12:]))
	in.Dir = Direction(h[14])
	in.Time = int64(binary.LittleEndian.Uint64(h[16:]))
	copied = copy(dst, h[recHdrLen:recHdrLen+in.CaptureLength])
	r.head += n
	r.used -= n
	if r.used == 0 {
		r.head, r.tail = 0, 0
	}
	return in, copied, true
}

// peekLen returns the capture length of the oldest record (ok false if
// empty), so a reader can size its buffer.
func (r *ring) peekLen() (int, bool) {
	if r.used == 0 {
		return 0, false
	}
	h := r.head
	if len(r.buf)-h < recHdrLen || binary.LittleEndian.Uint32(r.buf[h:]) == wrapMarker {
		h = 0
	}
	return int(binary.LittleEndian.Uint32(r.buf[h+4:])), true
}
