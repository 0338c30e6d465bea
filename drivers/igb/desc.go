package igb

import (
	"encoding/binary"
	"sync/atomic"
	"unsafe"
)

// Descriptors are 16 bytes, little-endian (82576 datasheet §7.1.5 receive,
// §7.2.2.3 transmit). The driver uses the advanced formats only: QEMU's igb
// model reads no legacy receive or transmit descriptors.
const descSize = 16

// rxDesc is an advanced receive descriptor. Read format (driver to device):
// packet buffer address, header buffer address (0: no header split).
// Write-back format (device to driver, §7.1.5.2):
//
//	dword 0: RSS type [3:0], packet type [16:4], header length, SPH
//	dword 1: RSS hash
//	dword 2: extended status [19:0], extended errors [31:20]
//	dword 3: packet length [15:0], VLAN tag [31:16]
type rxDesc struct {
	w [4]uint32
}

// Write-back status and error bits (dword 2).
const (
	rxStatDD  = 1 << 0 // descriptor done
	rxStatEOP = 1 << 1 // end of packet
	rxStatVP  = 1 << 3 // VLAN tag stripped into dword 3
	// Errors: RXE (any receive error), IPE and L4E (checksums), HBO.
	rxErrRXE  = 1 << 31
	rxErrMask = 0xfff00000
)

// give hands the descriptor to the device with a buffer at iova; the status
// dword is cleared so a stale DD cannot be read as a new frame. Plain
// stores suffice: the RDT write that publishes them is a non-inlined
// assembly store (the compiler keeps it after them, and x86 keeps stores
// in order; elsewhere it is a release store).
func (d *rxDesc) give(iova uint64) {
	*(*uint64)(unsafe.Pointer(&d.w[0])) = iova
	*(*uint64)(unsafe.Pointer(&d.w[2])) = 0
}

// ready reports whether the device wrote the descriptor back (DD).
func (d *rxDesc) ready() bool { return atomic.LoadUint32(&d.w[2])&rxStatDD != 0 }

// rxWB is one write-back descriptor as the driver reads it, checked: every
// field is what the device wrote, nothing is trusted yet.
type rxWB struct {
	info    uint32 // dword 0
	hash    uint32
	staterr uint32
	lenVLAN uint32
}

// load reads the write-back; staterr (with DD) is read first, then the
// rest: the device writes DD last (QEMU writes the descriptor, then the
// status dword).
func (d *rxDesc) load() (wb rxWB) {
	wb.staterr = atomic.LoadUint32(&d.w[2])
	if wb.staterr&rxStatDD == 0 {
		return
	}
	wb.info = atomic.LoadUint32(&d.w[0])
	wb.hash = atomic.LoadUint32(&d.w[1])
	wb.lenVLAN = atomic.LoadUint32(&d.w[3])
	return
}

// rxVerdict is what the RX path does with a write-back.
type rxVerdict uint8

const (
	rxOK        rxVerdict = iota
	rxBadLength           // zero, or longer than the buffer
	rxChained             // no EOP: a frame longer than one buffer (LPE is off, so the device misbehaves)
	rxError               // the device flagged a receive error
)

// check validates a write-back against a buffer of room bytes and returns
// the verdict, the frame length and the RSS type (HashNone when the device
// reports a reserved type). It never panics: every input is possible from
// a hostile device.
func (wb rxWB) check(room int) (rxVerdict, int, HashType) {
	n := int(wb.lenVLAN & 0xffff)
	ht := HashType(wb.info & 0xf)
	if ht >= hashTypeInvalid {
		ht = HashNone
	}
	switch {
	case wb.staterr&rxStatEOP == 0:
		return rxChained, n, ht
	case wb.staterr&rxErrMask != 0:
		return rxError, n, ht
	case n == 0 || n > room:
		return rxBadLength, n, ht
	}
	return rxOK, n, ht
}

// txDesc is an advanced transmit data descriptor (§7.2.2.3.4): buffer
// address; cmd_type_len (DTALEN [15:0], DTYP [23:20] = 0011b, DCMD
// [31:24]); olinfo_status (STA [3:0] with DD written back by the device,
// PAYLEN [31:14]).
type txDesc struct {
	addr   uint64
	cmdLen uint32
	olinfo uint32
}

const (
	txDTYPData    = 0x3 << 20
	txCmdEOP      = 1 << 24
	txCmdIFCS     = 1 << 25
	txCmdRS       = 1 << 27
	txCmdDEXT     = 1 << 29
	txStaDD       = 1 << 0 // in olinfo_status, written back
	txPaylenShift = 14
)

// set fills the descriptor for one single-buffer frame; the device reports
// completion through DD (RS is set on every descriptor). cmd_type_len and
// olinfo_status (DD clear) go in one store; plain stores, published by the
// TDT write as for rxDesc.give.
func (d *txDesc) set(iova uint64, n int) {
	d.addr = iova
	*(*uint64)(unsafe.Pointer(&d.cmdLen)) = uint64(uint32(n)|txDTYPData|txCmdEOP|txCmdIFCS|txCmdRS|txCmdDEXT) |
		uint64(uint32(n)<<txPaylenShift)<<32
}

func (d *txDesc) done() bool { return atomic.LoadUint32(&d.olinfo)&txStaDD != 0 }

// rxRing and txRing view DMA memory as descriptor arrays.
func rxRing(mem []byte, n int) []rxDesc {
	return unsafe.Slice((*rxDesc)(unsafe.Pointer(unsafe.SliceData(mem))), n)
}

func txRing(mem []byte, n int) []txDesc {
	return unsafe.Slice((*txDesc)(unsafe.Pointer(unsafe.SliceData(mem))), n)
}

// parseWB decodes 16 bytes of write-back (for the fuzz target and tests).
func parseWB(b []byte) rxWB {
	if len(b) < descSize {
		return rxWB{}
	}
	return rxWB{
		info:    binary.LittleEndian.Uint32(b[0:]),
		hash:    binary.LittleEndian.Uint32(b[4:]),
		staterr: binary.LittleEndian.Uint32(b[8:]),
		lenVLAN: binary.LittleEndian.Uint32(b[12:]),
	}
}
