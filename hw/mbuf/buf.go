package mbuf

import (
	"errors"
	"sync/atomic"
)

// Slot geometry.
const (
	Headroom = 128
	DataRoom = 2048
	SlotSize = Headroom + DataRoom
)

// Errors returned by the view operations.
var (
	ErrNoHeadroom = errors.New("mbuf: not enough headroom")
	ErrNoTailroom = errors.New("mbuf: not enough tailroom")
	ErrShort      = errors.New("mbuf: buffer shorter than requested")
	ErrShared     = errors.New("mbuf: buffer is shared (Refs() > 1) and read-only")
)

// Flags are offload requests (TX) and results (RX). They are the only
// per-feature bits a Buf carries.
type Flags uint32

// Offload flags.
const (
	FlagVLAN      Flags = 1 << iota // RX: tag stripped into Meta.VLAN; TX: insert Meta.VLAN
	FlagIPCsumOK                    // RX: IPv4 header checksum verified by the device
	FlagIPCsumBad                   // RX: device found a bad IPv4 header checksum
	FlagL4CsumOK                    // RX: TCP/UDP checksum verified
	FlagL4CsumBad                   // RX: bad TCP/UDP checksum
	FlagTxIPCsum                    // TX: device computes the IPv4 header checksum
	FlagTxL4Csum                    // TX: device computes the TCP/UDP checksum (pseudo header already in place)
	FlagTxTSO                       // TX: segment at Meta.MSS (TCP)
	FlagTxUDP                       // TX: the L4 header is UDP (else TCP)
	FlagBroadcast                   // RX: destination was broadcast
	FlagMulticast                   // RX: destination was multicast
	FlagOutbound                    // set on frames the stack is sending (for taps/hooks)
)

// Meta is per-packet metadata. It is fixed: features do not add fields, they
// use Flags and the generic lengths.
type Meta struct {
	Flags Flags
	Port  uint16 // interface index the frame came in on / goes out on
	VLAN  uint16 // 802.1Q TCI when FlagVLAN is set
	L2Len uint8  // header lengths for TX offloads
	L3Len uint8
	L4Len uint8
	// HashType says what Hash covers, in the device's own numbering (for
	// the 82576, igb.HashType: 0 none, 1 TCP/IPv4, 2 IPv4, ...).
	HashType uint8
	MSS      uint16 // TSO segment size
	Hash     uint32 // flow hash, if any
	Time     int64  // RX timestamp, ns since the Unix epoch (0: none)
}

// Buf is the metadata of one buffer (one segment of a packet). It lives on the
// Go heap; its bytes live in DMA memory.
type Buf struct {
	slot   []byte // the whole slot, len == SlotSize
	iova   uint64 // IOVA of slot[0]
	off    uint16 // first packet byte in slot
	n      uint16 // packet bytes in this segment
	refs   atomic.Int32
	idx    uint32 // index in the pool's header table
	pool   *Pool
	direct *Buf // for clones: the buffer whose slot this header views
	next   *Buf

	Meta Meta
}

// Bytes returns the packet bytes of this segment. The slice aliases DMA
// memory; it is valid while the caller owns the Buf.
func (b *Buf) Bytes() []byte { return b.slot[b.off : int(b.off)+int(b.n) : int(b.off)+int(b.n)] }

// Len is the number of packet bytes in this segment.
func (b *Buf) Len() int { return int(b.n) }

// Headroom is the free space in front of the packet bytes.
func (b *Buf) Headroom() int { return int(b.off) }

// Tailroom is the free space after the packet bytes.
func (b *Buf) Tailroom() int { return SlotSize - int(b.off) - int(b.n) }

// IOVA is the bus address of Bytes()[0] (for transmit descriptors).
func (b *Buf) IOVA() uint64 { return b.iova + uint64(b.off) }

// RoomIOVA is the bus address of the data room (Headroom bytes into the slot),
// where a device should write a received frame of up to DataRoom bytes.
func (b *Buf) RoomIOVA() uint64 { return b.iova + Headroom }

// Room returns the whole data room, for device models and copy-in paths.
func (b *Buf) Room() []byte { return b.slot[Headroom:SlotSize:SlotSize] }

// Reset empties the segment: packet starts at Headroom with length 0, metadata
// cleared, no next segment link is changed.
func (b *Buf) Reset() {
	b.off, b.n = Headroom, 0
	b.Meta = Meta{}
}

// SetLen sets the segment to the first n bytes of the data room (what an RX
// descriptor reported). n beyond the data room is an error and changes nothing.
func (b *Buf) SetLen(n int) error {
	if n < 0 || n > DataRoom {
		return ErrShort
	}
	b.off, b.n = Headroom, uint16(n)
	return nil
}

// Push prepends n bytes and returns them for the caller to fill.
func (b *Buf) Push(n int) ([]byte, error) {
	if n < 0 || n > int(b.off) {
		return nil, ErrNoHeadroom
	}
	if b.direct != nil || b.refs.Load() > 1 {
		return nil, ErrShared
	}
	b.off -= uint16(n)
	b.n += uint16(n)
	return b.slot[b.off : int(b.off)+n : int(b.off)+n], nil
}

// Pull consumes n bytes from the front and returns them (still valid until the
// buffer is handed on).
func (b *Buf) Pull(n int) ([]byte, error) {
	if n < 0 || n > int(b.n) {
		return nil, ErrShort
	}
	h := b.slot[b.off : int(b.off)+n : int(b.off)+n]
	b.off += uint16(n)
	b.n -= uint16(n)
	return h, nil
}

// Trim drops n bytes from the end.
func (b *Buf) Trim(n int) error {
	if n < 0 || n > int(b.n) {
		return ErrShort
	}
	b.n -= uint16(n)
	return nil
}

// Append grows the packet by n bytes at the end and returns them.
func (b *Buf) Append(n int) ([]byte, error) {
	if n < 0 || n > b.Tailroom() {
		return nil, ErrNoTailroom
	}
	if b.direct != nil || b.refs.Load() > 1 {
		return nil, ErrShared
	}
	s := int(b.off) + int(b.n)
	b.n += uint16(n)
	return b.slot[s : s+n : s+n], nil
}

// Refs is the number of headers sharing this buffer's bytes.
func (b *Buf) Refs() int32 {
	if b.direct != nil {
		return b.direct.refs.Load()
	}
	return b.refs.Load()
}

// Writable reports whether the bytes may be written (one owner, not a clone).
func (b *Buf) Writable() bool { return b.direct == nil && b.refs.Load() == 1 }

// Next is the following segment of a chained packet, or nil.
func (b *Buf) Next() *Buf { return b.next }

// SetNext links seg after b (seg's own chain follows).
func (b *Buf) SetNext(seg *Buf) { b.next = seg }

// Last returns the last segment of the chain that starts at b.
func (b *Buf) Last() *Buf {
	for b.next != nil {
		b = b.next
	}
	return b
}

// PktLen is the packet length over the whole chain.
func (b *Buf) PktLen() int {
	n := 0
	for s := b; s != nil; s = s.next {
		n += int(s.n)
	}
	return n
}

// Segs is the number of segments in the chain.
func (b *Buf) Segs() int {
	n := 0
	for s := b; s != nil; s = s.next {
		n++
	}
	return n
}

// Pool returns the pool the buffer belongs to.
func (b *Buf) Pool() *Pool { return b.pool }

// Free returns the whole chain to its pool. The caller must not touch the
// buffer afterwards.
func (b *Buf) Free() { b.pool.freeChain(b) }

// CopyTo copies the packet bytes of the chain into dst and returns how many
// bytes were copied (min of PktLen and len(dst)).
func (b *Buf) CopyTo(dst []byte) int {
	n := 0
	for s := b; s != nil && n < len(dst); s = s.next {
		n += copy(dst[n:], s.Bytes())
	}
	return n
}
