package reg

// Identity (docs/vcard.md §1).
const (
	VendorID    = 0x1f0a
	DeviceID    = 0x8011
	SubVendorID = 0x1f0a
	SubDeviceID = 0x0001
	Class       = 0x028000
	BAR0Size    = 4096

	IDMagic = 0x56433131 // "VC11"
	Version = 0x00010000
)

// Registers (§2).
const (
	ID       = 0x000
	VERSION  = 0x004
	CTRL     = 0x008
	STATUS   = 0x00c
	ICR      = 0x010
	IMR      = 0x014
	MACL     = 0x020
	MACH     = 0x024
	BSSIDL   = 0x028
	BSSIDH   = 0x02c
	FREQ     = 0x030
	TXPOWER  = 0x034
	RXFILTER = 0x038

	TDBAL = 0x100
	TDBAH = 0x104
	TDLEN = 0x108
	TDH   = 0x10c
	TDT   = 0x110
	RDBAL = 0x120
	RDBAH = 0x124
	RDLEN = 0x128
	RDH   = 0x12c
	RDT   = 0x130
)

// CTRL bits (§2.1).
const (
	CtrlRST     = 1 << 0
	CtrlTXEN    = 1 << 1
	CtrlRXEN    = 1 << 2
	CtrlPASSBAD = 1 << 3
	CtrlKEEPIV  = 1 << 4
)

// STATUS bits (§2.2).
const (
	StatusREADY  = 1 << 0
	StatusTXON   = 1 << 1
	StatusRXON   = 1 << 2
	StatusDMAERR = 1 << 3
)

// ICR/IMR causes (§5).
const (
	IntRXDONE  = 1 << 0
	IntTXDONE  = 1 << 1
	IntRXNOBUF = 1 << 2
	IntDMAERR  = 1 << 3
)

// RXFILTER bits (§4.2).
const (
	FilterPROMISC = 1 << 0
	FilterBEACON  = 1 << 1
	FilterBCAST   = 1 << 2
)

// Ring limits (§2).
const (
	MinRing = 8
	MaxRing = 4096
)

// Counters (§6).
const (
	TXFRAMES    = 0x180
	TXACKED     = 0x184
	TXFAILED    = 0x188
	TXRETRIES   = 0x18c
	RXFRAMES    = 0x190
	RXNOBUF     = 0x194
	RXMICERR    = 0x198
	RXREPLAY    = 0x19c
	RXFILTERED  = 0x1a0
	RXNOKEY     = 0x1a4
	RXDECRYPTED = 0x1a8
	TXENCRYPTED = 0x1ac

	CounterBase = TXFRAMES
	NumCounters = 12
)

// Key cache (§7).
const (
	KEYSLOTS  = 0x200
	KEYCAPS   = 0x204
	KEYSEL    = 0x208
	KEYCMD    = 0x20c
	KEY0      = 0x210 // KEY0..KEY3 at 0x210, 0x214, 0x218, 0x21c
	KEYCIPHER = 0x220
	KEYMACL   = 0x224
	KEYMACH   = 0x228
	KEYIDX    = 0x22c
	TSCL      = 0x230
	TSCH      = 0x234
	RSCSEL    = 0x238
	RSCL      = 0x23c
	RSCH      = 0x240

	KeyCmdWRITE  = 1
	KeyCmdREAD   = 2
	KeyCmdCLEAR  = 3
	KeyCmdFAILED = 0x80000000

	// KeyIdxGROUP in KEYIDX marks a group key (§7).
	KeyIdxGROUP = 1 << 8

	NumKeySlots = 16
	// NumRSC is the receive counters per slot: TIDs 0..15 and one for
	// management frames (index 16).
	NumRSC  = 17
	RSCMgmt = 16
)

// Cipher numbers (§7).
const (
	CipherNone   = 0
	CipherWEP40  = 1
	CipherWEP104 = 2
	CipherTKIP   = 3
	CipherCCMP   = 4
)

// PNMask keeps the 48 bits of a CCMP packet number.
const PNMask = 1<<48 - 1
