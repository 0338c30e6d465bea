package igb

// Register offsets and bits of the 82576 (Intel 82576EB GbE Controller
// Datasheet, chapter 8 "Programming Interface"; names keep the datasheet
// mnemonics). Where the 82576 keeps an 8254x register at its old offset
// (CTRL, STATUS, RCTL, TCTL, RAL/RAH, MTA) the layout below repeats it; the
// queue, interrupt and RSS blocks are new.
const (
	regCTRL    = 0x0000 // Device Control
	regSTATUS  = 0x0008 // Device Status
	regCTRLEXT = 0x0018 // Extended Device Control
	regMDIC    = 0x0020 // MDI Control: PHY register access
	regRCTL    = 0x0100 // Receive Control
	regTCTL    = 0x0400 // Transmit Control
	regICR     = 0x1500 // Interrupt Cause Read (legacy causes: link, ...)
	regIMS     = 0x1508 // Interrupt Mask Set
	regIMC     = 0x150C // Interrupt Mask Clear
	regGPIE    = 0x1514 // General Purpose Interrupt Enable
	regEIMS    = 0x1524 // Extended Interrupt Mask Set
	regEIMC    = 0x1528 // Extended Interrupt Mask Clear
	regEIAC    = 0x152C // Extended Interrupt Auto Clear
	regEIAM    = 0x1530 // Extended Interrupt Auto Mask
	regEICR    = 0x1580 // Extended Interrupt Cause Read
	regEITR0   = 0x1680 // Extended Interrupt Throttle, vector n at +4n
	regIVAR0   = 0x1700 // Interrupt Vector Allocation, queue pairs n and n+8 in register n
	regIVARMSC = 0x1740 // Interrupt Vector Allocation for other causes
	regRXCSUM  = 0x5000 // Receive Checksum Control
	regMTA     = 0x5200 // Multicast Table Array, 128 registers
	regRAL0    = 0x5400 // Receive Address Low 0
	regRAH0    = 0x5404 // Receive Address High 0
	regMRQC    = 0x5818 // Multiple Receive Queues Command
	regRETA    = 0x5C00 // Redirection Table, 32 registers
	regRSSRK   = 0x5C80 // RSS Random Key, 10 registers
	regGPRC    = 0x4074 // Good Packets Received Count
	regGPTC    = 0x4080 // Good Packets Transmitted Count

	// Receive queue n's registers sit at 0xC000 + 0x40n (queues 0-3 are
	// also aliased at 0x2800 + 0x100n for 8254x software).
	regRDBAL  = 0xC000 // Receive Descriptor Base Low
	regRDBAH  = 0xC004 // Receive Descriptor Base High
	regRDLEN  = 0xC008 // Receive Descriptor Length (bytes, multiple of 128)
	regSRRCTL = 0xC00C // Split and Replication Receive Control
	regRDH    = 0xC010 // Receive Descriptor Head
	regRDT    = 0xC018 // Receive Descriptor Tail
	regRXDCTL = 0xC028 // Receive Descriptor Control
	regRQDPC  = 0xC030 // Receive Queue Drop Packet Count
	// Transmit queue n's registers sit at 0xE000 + 0x40n.
	regTDBAL  = 0xE000
	regTDBAH  = 0xE004
	regTDLEN  = 0xE008
	regTDH    = 0xE010
	regTDT    = 0xE018
	regTXDCTL = 0xE028
	queueStep = 0x40

	ctrlSLU      = 1 << 6  // Set Link Up
	ctrlRST      = 1 << 26 // Device Reset (self-clearing)
	statusFD     = 1 << 0  // Full Duplex
	statusLU     = 1 << 1  // Link Up
	ctrlExtDRVLD = 1 << 28 // Driver Loaded

	rctlEN    = 1 << 1
	rctlUPE   = 1 << 3
	rctlMPE   = 1 << 4
	rctlBAM   = 1 << 15
	rctlSECRC = 1 << 26 // strip the Ethernet CRC

	tctlEN   = 1 << 1
	tctlPSP  = 1 << 3
	tctlCT   = 0x0F << 4  // collision threshold
	tctlCOLD = 0x3F << 12 // collision distance, full duplex

	rxcsumPCSD = 1 << 13 // Packet Checksum Disable: the descriptor carries the RSS hash

	mrqcRSS = 0x2 // MRQE = 010b: RSS only, no VMDq

	srrctlBSIZE1K   = 1       // BSIZEPACKET unit: 1 KiB
	srrctlAdvOneBuf = 1 << 25 // DESCTYPE = 001b: advanced, one buffer
	srrctlDropEn    = 1 << 31 // drop when the queue has no descriptors

	xdctlEnable = 1 << 25 // RXDCTL/TXDCTL queue enable

	gpieMultiMSIX = 1 << 4  // one MSI-X vector per cause (IVAR)
	gpieEIAME     = 1 << 30 // extended interrupt auto mask enable
	gpiePBA       = 1 << 31 // PBA support (MSI-X)

	ivarValid = 0x80
	icrLSC    = 1 << 2 // link status change

	// MDIC fields: data [15:0], PHY register [20:16], PHY address
	// [25:21], opcode [27:26], ready, error.
	mdicPHY1   = 1 << 21
	mdicOpW    = 1 << 26
	mdicReady  = 1 << 28
	mdicError  = 1 << 30
	phyBMCR    = 0       // PHY control (IEEE 802.3 clause 22)
	bmcrANEN   = 1 << 12 // auto-negotiation enable
	bmcrANRST  = 1 << 9  // restart auto-negotiation
	bmcrDuplex = 1 << 8  // full duplex
	bmcrSpd1G  = 1 << 6  // speed select MSB: 1000 Mb/s
)

// rxq and txq return PF queue n's register offset for a queue register.
func rxq(reg uint32, n int) uint32 { return reg + uint32(n)*queueStep }
func txq(reg uint32, n int) uint32 { return reg + uint32(n)*queueStep }

// queueRegs is where one queue pair's registers sit: the receive block
// (RDBAL at its start, RXDCTL at +0x28) and the transmit block. The PF's
// queue n is at 0xC000/0xE000 + 0x40n; a VF sees its queues at
// 0x2800/0x3800 + 0x100n (the 8254x-compatible alias layout, vfregs.go).
type queueRegs struct{ rx, tx uint32 }

func pfQueueRegs(n int) queueRegs { return queueRegs{rx: rxq(regRDBAL, n), tx: txq(regTDBAL, n)} }

// rxReg and txReg turn a PF queue-0 register name (regRDT, regTXDCTL, ...)
// into its offset in this block.
func (b queueRegs) rxReg(reg uint32) uint32 { return b.rx + reg - regRDBAL }
func (b queueRegs) txReg(reg uint32) uint32 { return b.tx + reg - regTDBAL }
