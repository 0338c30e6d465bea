package pci

import (
	"errors"
	"fmt"
	"time"

	"github.com/gopkt/gopkt/hw/dma"
)

// ID is a vendor/device pair as in config space offsets 0x00 and 0x02.
type ID struct {
	Vendor, Device uint16
}

func (id ID) String() string { return fmt.Sprintf("%04x:%04x", id.Vendor, id.Device) }

// IRQKind is an interrupt mechanism (PCI Local Bus 3.0 §6.8; VFIO index).
type IRQKind int

// Interrupt kinds, numbered as VFIO_PCI_*_IRQ_INDEX.
const (
	INTx IRQKind = 0
	MSI  IRQKind = 1
	MSIX IRQKind = 2
)

func (k IRQKind) String() string {
	switch k {
	case INTx:
		return "INTx"
	case MSI:
		return "MSI"
	case MSIX:
		return "MSI-X"
	}
	return fmt.Sprintf("IRQKind(%d)", int(k))
}

// Errors callers branch on.
var (
	ErrNoBAR       = errors.New("pci: BAR not present or not memory")
	ErrNoIRQ       = errors.New("pci: interrupt kind not supported by the device")
	ErrClosed      = errors.New("pci: function closed")
	ErrIRQTimeout  = errors.New("pci: no interrupt before the timeout")
	ErrNotSupports = errors.New("pci: operation not supported")
)

// IRQ is one interrupt vector delivered to userspace (an eventfd under VFIO,
// a channel in pcitest).
type IRQ interface {
	// Wait blocks until the vector fires or timeout passes (ErrIRQTimeout); a
	// negative timeout waits forever. It returns how many interrupts were
	// coalesced since the last Wait.
	Wait(timeout time.Duration) (uint64, error)
	// Unmask re-enables a level-triggered INTx line after the driver has
	// cleared the cause (VFIO masks INTx automatically when it fires). It is a
	// no-op for MSI and MSI-X.
	Unmask() error
	// Fd is the eventfd to add to an epoll set, or -1 when there is none.
	Fd() int
}

// Function is one PCI function as a driver sees it. VFIO implements it for real
// devices (package vfio); pcitest implements it over byte slices for tests and
// device models. A driver must not be able to tell them apart.
type Function interface {
	// Addr is the PCI address, e.g. "0000:00:02.0".
	Addr() string
	// ID returns vendor and device IDs; SubsystemID the subsystem pair.
	ID() ID
	SubsystemID() ID
	// Class is the 24-bit class code (base, sub, prog-if).
	Class() uint32

	// ReadConfig and WriteConfig access configuration space.
	ReadConfig(off int, b []byte) error
	WriteConfig(off int, b []byte) error

	// BAR maps memory BAR i (once; later calls return the same window).
	BAR(i int) (Regs, error)

	// DMA is the allocator for memory this function may access.
	DMA() dma.Allocator

	// IRQCount is how many vectors of kind the device offers (0: none).
	IRQCount(kind IRQKind) int
	// EnableIRQs routes n vectors of kind to userspace, replacing any kind
	// enabled before.
	EnableIRQs(kind IRQKind, n int) ([]IRQ, error)
	// DisableIRQs stops interrupt delivery.
	DisableIRQs() error

	// Reset performs a function-level (or equivalent) reset.
	Reset() error
	// Close disables interrupts, unmaps BARs and DMA, and releases the device.
	// Buffers from DMA() must not be touched afterwards.
	Close() error
}

// Config-space offsets used across drivers (PCI Local Bus 3.0 §6.1).
const (
	CfgVendorID  = 0x00
	CfgCommand   = 0x04
	CfgStatus    = 0x06
	CfgRevision  = 0x08
	CfgClass     = 0x09
	CfgBAR0      = 0x10
	CfgSubVendor = 0x2c
	CfgSubDevice = 0x2e
	CfgIntLine   = 0x3c

	CmdMemory      = 1 << 1
	CmdBusMaster   = 1 << 2
	CmdINTxDisable = 1 << 10
)

// EnableBusMaster sets the memory-space and bus-master bits in the command
// register so the device may decode its BARs and start DMA.
func EnableBusMaster(f Function) error {
	var b [2]byte
	if err := f.ReadConfig(CfgCommand, b[:]); err != nil {
		return err
	}
	cmd := uint16(b[0]) | uint16(b[1])<<8
	cmd |= CmdMemory | CmdBusMaster
	b[0], b[1] = byte(cmd), byte(cmd>>8)
	return f.WriteConfig(CfgCommand, b[:])
}
