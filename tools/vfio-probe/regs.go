package main

// Register offsets and bits, named as in the datasheets:
//   - Intel PCI/PCI-X Family of Gigabit Ethernet Controllers Software
//     Developer's Manual (8254x SDM), §13 "Register Descriptions", §3.3
//     "Transmit Descriptors";
//   - Intel 82574 GbE Controller Datasheet (82574L), §10 "Programming
//     Interface" (same offsets for the registers below, different EERD and
//     extra interrupt causes).
//
// The probe pokes raw registers on purpose: it checks the VFIO plumbing, not
// a driver.
const (
	regCTRL   = 0x0000 // Device Control (SDM §13.4.1)
	regSTATUS = 0x0008 // Device Status (SDM §13.4.2)
	regEERD   = 0x0014 // EEPROM Read (SDM §13.4.4; 82574L §10.2.2.4 has another layout)
	regICR    = 0x00C0 // Interrupt Cause Read (SDM §13.4.17), clear on read
	regICS    = 0x00C8 // Interrupt Cause Set (SDM §13.4.18)
	regIMS    = 0x00D0 // Interrupt Mask Set/Read (SDM §13.4.20)
	regIVAR   = 0x00E4 // 82574L only: Interrupt Vector Allocation (MSI-X)
	regTCTL   = 0x0400 // Transmit Control (SDM §13.4.33)
	regTIPG   = 0x0410 // Transmit IPG (SDM §13.4.34)
	regTDBAL  = 0x3800 // TX Descriptor Base Address Low (SDM §13.4.38)
	regTDBAH  = 0x3804 // TX Descriptor Base Address High (SDM §13.4.39)
	regTDLEN  = 0x3808 // TX Descriptor Length (SDM §13.4.40)
	regTDH    = 0x3810 // TX Descriptor Head (SDM §13.4.41)
	regTDT    = 0x3818 // TX Descriptor Tail (SDM §13.4.42)
	regTARC0  = 0x3840 // 82574L only: Transmit Arbitration Count 0
	regRAL0   = 0x5400 // Receive Address Low 0 (SDM §13.4.62)
	regRAH0   = 0x5404 // Receive Address High 0 (SDM §13.4.63)
)

const (
	statusLU = 1 << 1 // STATUS.LU: link up

	// ICR/ICS/IMS/IMC bits (SDM §13.4.17; 82574L adds bits 20-24).
	icrTXDW  = 1 << 0  // transmit descriptor written back
	icrLSC   = 1 << 2  // link status change
	icrTXQ0  = 1 << 22 // 82574L: TX queue 0 (MSI-X mode)
	icrOTHER = 1 << 24 // 82574L: other causes (LSC, ...) in MSI-X mode

	// TCTL (SDM §13.4.33): enable, pad short packets, collision threshold
	// 0x0F (bits 11:4), collision distance 0x40 for full duplex (bits 21:12).
	tctlEN   = 1 << 1
	tctlPSP  = 1 << 3
	tctlCT   = 0x0F << 4
	tctlCOLD = 0x40 << 12

	// TIPG for the 82540EM copper PHY (SDM §13.4.34): IPGT 10, IPGR1 8, IPGR2 6.
	tipgDefault = 10 | 8<<10 | 6<<20

	// TARC0 bit 10 enables queue 0 on the 82571 family; QEMU's e1000e
	// transmits nothing on a TDT write without it.
	tarcEnable = 1 << 10

	// IVAR (82574L): 4-bit entries, vector in bits 2:0 and valid in bit 3;
	// RxQ0 at bit 0, RxQ1 at 4, TxQ0 at 8, TxQ1 at 12, Other at 16.
	ivarValid      = 0x8
	ivarTXQ0Shift  = 8
	ivarOtherShift = 16
	rah0AV         = 1 << 31 // RAH.AV: address valid
)

// EERD layouts: the 8254x starts a read with bit 0, signals done in bit 4 and
// takes the word address in bits 15:8 (SDM §13.4.4); the 82574L signals done in
// bit 1 and takes the address in bits 15:2. Both return data in bits 31:16.
type eerdLayout struct {
	done      uint32
	addrShift uint
}

const (
	eerdStart     = 1 << 0
	eerdDataShift = 16
)

// Legacy transmit descriptor (SDM §3.3.3): buffer address (8 bytes), length
// (2), CSO, CMD, STA, CSS (1 each), special (2).
const (
	txdSize   = 16
	txdLen    = 8
	txdCmd    = 11
	txdStatus = 12

	txdCmdEOP  = 1 << 0 // end of packet
	txdCmdIFCS = 1 << 1 // insert FCS
	txdCmdRS   = 1 << 3 // report status: write DD back
	txdStaDD   = 1 << 0 // descriptor done
)
