package reg

import (
	"encoding/binary"
	"sync/atomic"
	"unsafe"
)

// DescSize is the size of both descriptor kinds (§3.1, §4.1).
const DescSize = 32

// NoKey in a descriptor's key field means no key-cache slot.
const NoKey = 0xff

// TX descriptor flags (§3.2) and status bits (§3.3).
const (
	TxNOACK     = 1 << 0
	TxSEQ       = 1 << 1
	TxINTR      = 1 << 2
	TxIVPRESENT = 1 << 3

	TxDONE  = 1 << 0
	TxACKED = 1 << 1
	TxERR   = 1 << 2
	TxNOKEY = 1 << 3
)

// RX status bits (§4.3).
const (
	RxDONE      = 1 << 0
	RxDECRYPTED = 1 << 1
	RxMICERR    = 1 << 2
	RxREPLAY    = 1 << 3
	RxNOKEY     = 1 << 4
)

// TxDesc is a view of one 32-byte TX descriptor (§3.1).
type TxDesc []byte

func (d TxDesc) Addr() uint64      { return binary.LittleEndian.Uint64(d[0:]) }
func (d TxDesc) Len() uint16       { return binary.LittleEndian.Uint16(d[8:]) }
func (d TxDesc) Key() uint8        { return d[10] }
func (d TxDesc) Flags() uint8      { return d[11] }
func (d TxDesc) Rate() uint8       { return d[12] }
func (d TxDesc) Tries() uint8      { return d[13] }
func (d TxDesc) Cookie() uint32    { return binary.LittleEndian.Uint32(d[16:]) }
func (d TxDesc) Status() uint8     { return uint8(load32(d[20:])) }
func (d TxDesc) Attempts() uint8   { return uint8(load32(d[20:]) >> 8) }
func (d TxDesc) PN() uint64        { return binary.LittleEndian.Uint64(d[24:]) }
func (d TxDesc) SetStatus(s uint8) { d[20] = s }

// Fill writes the driver's fields and clears the card's.
func (d TxDesc) Fill(addr uint64, n uint16, key, flags, rate, tries uint8, cookie uint32) {
	binary.LittleEndian.PutUint64(d[0:], addr)
	binary.LittleEndian.PutUint16(d[8:], n)
	d[10], d[11], d[12], d[13], d[14], d[15] = key, flags, rate, tries, 0, 0
	binary.LittleEndian.PutUint32(d[16:], cookie)
	clear(d[20:32])
}

// Complete writes the card's fields; status and attempts go last in one
// atomic store because DONE hands the descriptor back.
func (d TxDesc) Complete(status, attempts uint8, pn uint64) {
	binary.LittleEndian.PutUint64(d[24:], pn)
	store32(d[20:], uint32(status)|uint32(attempts)<<8)
}

// RxDesc is a view of one 32-byte RX descriptor (§4.1).
type RxDesc []byte

func (d RxDesc) Addr() uint64   { return binary.LittleEndian.Uint64(d[0:]) }
func (d RxDesc) BufLen() uint16 { return binary.LittleEndian.Uint16(d[8:]) }
func (d RxDesc) Len() uint16    { return binary.LittleEndian.Uint16(d[10:]) }
func (d RxDesc) Status() uint16 { return uint16(load32(d[12:])) }
func (d RxDesc) Key() uint8     { return uint8(load32(d[12:]) >> 16) }
func (d RxDesc) Rate() uint8    { return uint8(load32(d[12:]) >> 24) }
func (d RxDesc) Signal() int8   { return int8(d[16]) }
func (d RxDesc) Noise() int8    { return int8(d[17]) }
func (d RxDesc) Freq() uint16   { return binary.LittleEndian.Uint16(d[18:]) }
func (d RxDesc) PN() uint64     { return binary.LittleEndian.Uint64(d[24:]) }

// Arm gives the descriptor an empty buffer and clears the card's fields.
func (d RxDesc) Arm(addr uint64, buflen uint16) {
	binary.LittleEndian.PutUint64(d[0:], addr)
	binary.LittleEndian.PutUint16(d[8:], buflen)
	clear(d[10:32])
}

// RxInfo is what the card writes into an RX descriptor.
type RxInfo struct {
	Len    uint16
	Status uint16
	Key    uint8
	Rate   uint8
	Signal int8
	Noise  int8
	Freq   uint16
	PN     uint64
}

// Complete writes info; the word holding the status (with DONE) goes last,
// in one atomic store.
func (d RxDesc) Complete(info *RxInfo) {
	binary.LittleEndian.PutUint16(d[10:], info.Len)
	d[16], d[17] = byte(info.Signal), byte(info.Noise)
	binary.LittleEndian.PutUint16(d[18:], info.Freq)
	clear(d[20:24])
	binary.LittleEndian.PutUint64(d[24:], info.PN)
	store32(d[12:], uint32(info.Status|RxDONE)|uint32(info.Key)<<16|uint32(info.Rate)<<24)
}

// The status words sit at 4-byte aligned offsets of 16-byte aligned
// descriptors; device and driver exchange them with atomic 32-bit accesses
// (little-endian hosts only, see hw/pci/endian.go), which also order the
// other fields' plain stores before them.
func load32(b []byte) uint32 {
	_ = b[3]
	return atomic.LoadUint32((*uint32)(unsafe.Pointer(&b[0])))
}

func store32(b []byte, v uint32) {
	_ = b[3]
	atomic.StoreUint32((*uint32)(unsafe.Pointer(&b[0])), v)
}

// ClearStatus zeroes the card-written status word before the driver reuses
// an RX descriptor.
func (d RxDesc) ClearStatus() { store32(d[12:], 0) }
