package e1000

import (
	"sync/atomic"
	"unsafe"
)

// Descriptor layouts. Every descriptor is 16 bytes, little-endian (the host is
// little-endian by build constraint in hw/pci, so fields are read in place).
// Fields the device writes are loaded with 32-bit atomic loads so that the
// compiler can neither cache nor reorder them.

// descSize is the size of every e1000 descriptor.
const descSize = 16

// rxDesc is the legacy receive descriptor, SDM §3.2.3 table 3-1:
//
//	0: buffer address (64)
//	8: length (16) | packet checksum (16)
//	12: status (8) | errors (8) | special (16)
type rxDesc struct {
	addr uint64
	lenC uint32 // length | csum<<16
	stat uint32 // status | errors<<8 | special<<16
}

// RX status bits, SDM §3.2.3.1 table 3-2.
const (
	rxStatDD    = 1 << 0 // descriptor done
	rxStatEOP   = 1 << 1 // end of packet
	rxStatIXSM  = 1 << 2 // ignore checksum indication
	rxStatVP    = 1 << 3 // packet was 802.1Q tagged (tag in special)
	rxStatTCPCS = 1 << 5 // TCP/UDP checksum calculated
	rxStatIPCS  = 1 << 6 // IP checksum calculated
)

// RX error bits, SDM §3.2.3.2 table 3-3.
const (
	rxErrCE   = 1 << 0 // CRC or alignment error
	rxErrSE   = 1 << 1 // symbol error
	rxErrSEQ  = 1 << 2 // sequence error
	rxErrCXE  = 1 << 4 // carrier extension error
	rxErrTCPE = 1 << 5 // TCP/UDP checksum error
	rxErrIPE  = 1 << 6 // IP checksum error
	rxErrRXE  = 1 << 7 // RX data error

	// rxErrFrame are errors that make the frame itself bad (dropped);
	// TCPE/IPE only mark a checksum verdict.
	rxErrFrame = rxErrCE | rxErrSE | rxErrSEQ | rxErrCXE | rxErrRXE
)

// txDesc is any transmit descriptor viewed as two 64-bit words: the legacy
// descriptor (SDM §3.3.3), the TCP/IP context descriptor (§3.3.6) and the
// TCP/IP data descriptor (§3.3.7) all share the size and the DD position
// (bit 0 of byte 12).
type txDesc struct {
	addr uint64 // buffer address, or context fields for a context descriptor
	lo   uint32 // length/cmd (legacy: len 15:0, cso 23:16, cmd 31:24)
	hi   uint32 // status/special (legacy: sta 3:0, css 15:8, special 31:16)
}

// Legacy TX command bits (byte 11), SDM §3.3.3.1 table 3-10, and the same bits
// in DCMD of a data descriptor (§3.3.7.1).
const (
	txCmdEOP  = 1 << 0 // end of packet
	txCmdIFCS = 1 << 1 // insert FCS
	txCmdIC   = 1 << 2 // insert checksum (legacy)
	txCmdTSE  = 1 << 2 // TCP segmentation enable (data descriptor)
	txCmdRS   = 1 << 3 // report status (write DD back)
	txCmdDEXT = 1 << 5 // extension (context/data descriptor)
	txCmdVLE  = 1 << 6 // VLAN packet enable: insert special as 802.1Q tag
	txCmdIDE  = 1 << 7 // interrupt delay enable

	txStatDD = 1 << 0 // descriptor done

	// dtypContext and dtypData are the DTYP values (bits 23:20 of the
	// length/command dword), SDM §3.3.6 and §3.3.7.
	dtypContext = 0 << 20
	dtypData    = 1 << 20

	// TUCMD bits of the context descriptor, SDM §3.3.6 table 3-12.
	tucmdTCP  = 1 << 0 // L4 is TCP (else UDP)
	tucmdIP   = 1 << 1 // L3 is IPv4 (else IPv6)
	tucmdTSE  = 1 << 2 // this context is for segmentation
	tucmdDEXT = 1 << 5

	// POPTS bits of a data descriptor (byte 13), SDM §3.3.7.2.
	poptsIXSM = 1 << 0 // insert IP checksum
	poptsTXSM = 1 << 1 // insert TCP/UDP checksum
)

// ring views descriptor memory as a slice of descriptors.
func rxRing(mem []byte, n int) []rxDesc {
	return unsafe.Slice((*rxDesc)(unsafe.Pointer(&mem[0])), n)
}

func txRing(mem []byte, n int) []txDesc {
	return unsafe.Slice((*txDesc)(unsafe.Pointer(&mem[0])), n)
}

// loadStat loads the status/errors/special dword the device writes back.
func (d *rxDesc) loadStat() uint32 { return atomic.LoadUint32(&d.stat) }

// loadLen loads the length/checksum dword.
func (d *rxDesc) loadLen() uint32 { return atomic.LoadUint32(&d.lenC) }

// give hands the descriptor to the device with a fresh buffer and a clear
// status. Plain stores suffice: the RDT doorbell that publishes them is an
// atomic store (a full barrier on amd64), and the compiler cannot drop
// stores through a pointer into memory it does not own.
func (d *rxDesc) give(iova uint64) {
	d.addr = iova
	d.lenC = 0
	d.stat = 0
}

// take clears the status of a descriptor the driver took back, so that a DD
// written there later (by a device that does not own it) is noticed.
func (d *rxDesc) take() { d.stat = 0 }

// loadHi loads the status dword of a TX descriptor.
func (d *txDesc) loadHi() uint32 { return atomic.LoadUint32(&d.hi) }
