package e1000

// Register offsets and bits. Names keep the datasheet mnemonics; sections are
// from the Intel PCI/PCI-X Family of Gigabit Ethernet Controllers Software
// Developer's Manual (8254x SDM, rev. 4.0) §13 "Register Descriptions" unless
// marked 82574 (82574 GbE Controller Family Datasheet rev. 3.4, §10).
const (
	regCTRL    = 0x0000 // Device Control, SDM §13.4.1
	regSTATUS  = 0x0008 // Device Status, SDM §13.4.2
	regEECD    = 0x0010 // EEPROM/Flash Control/Data, SDM §13.4.3
	regEERD    = 0x0014 // EEPROM Read, SDM §13.4.4 (not on 82544GC)
	regCTRLEXT = 0x0018 // Extended Device Control, SDM §13.4.6
	regMDIC    = 0x0020 // MDI Control, SDM §13.4.7
	regFCAL    = 0x0028 // Flow Control Address Low, SDM §13.4.8
	regFCAH    = 0x002C // Flow Control Address High
	regFCT     = 0x0030 // Flow Control Type
	regVET     = 0x0038 // VLAN EtherType, SDM §13.4.10
	regICR     = 0x00C0 // Interrupt Cause Read, SDM §13.4.17
	regITR     = 0x00C4 // Interrupt Throttling, SDM §13.4.18
	regEITR0   = 0x00E8 // Extended Interrupt Throttling, vector 0..4 at +4n (82574 §10.2.4.4)
	regICS     = 0x00C8 // Interrupt Cause Set, SDM §13.4.19
	regIMS     = 0x00D0 // Interrupt Mask Set/Read, SDM §13.4.20
	regIMC     = 0x00D8 // Interrupt Mask Clear, SDM §13.4.21
	regIAM     = 0x00E0 // Interrupt Acknowledge Auto Mask (82574 §10.2.4.6)
	regIVAR    = 0x00E4 // Interrupt Vector Allocation (82574 §10.2.4.10)
	regRCTL    = 0x0100 // Receive Control, SDM §13.4.22
	regFCTTV   = 0x0170 // Flow Control Transmit Timer Value
	regTXCW    = 0x0178 // Transmit Configuration Word
	regTCTL    = 0x0400 // Transmit Control, SDM §13.4.33
	regTIPG    = 0x0410 // Transmit IPG, SDM §13.4.34
	regLEDCTL  = 0x0E00 // LED Control
	regPBA     = 0x1000 // Packet Buffer Allocation, SDM §13.4.15
	regFCRTL   = 0x2160 // Flow Control Receive Threshold Low
	regFCRTH   = 0x2168 // Flow Control Receive Threshold High
	regRDBAL   = 0x2800 // Receive Descriptor Base Low, SDM §13.4.25
	regRDBAH   = 0x2804 // Receive Descriptor Base High
	regRDLEN   = 0x2808 // Receive Descriptor Length, SDM §13.4.27
	regRDH     = 0x2810 // Receive Descriptor Head, SDM §13.4.28
	regRDT     = 0x2818 // Receive Descriptor Tail, SDM §13.4.29
	regRDTR    = 0x2820 // Receive Delay Timer, SDM §13.4.30
	regRXDCTL  = 0x2828 // Receive Descriptor Control, SDM §13.4.31
	regRADV    = 0x282C // Receive Interrupt Absolute Delay, SDM §13.4.32
	regTDBAL   = 0x3800 // Transmit Descriptor Base Low, SDM §13.4.36
	regTDBAH   = 0x3804 // Transmit Descriptor Base High
	regTDLEN   = 0x3808 // Transmit Descriptor Length, SDM §13.4.38
	regTDH     = 0x3810 // Transmit Descriptor Head, SDM §13.4.39
	regTDT     = 0x3818 // Transmit Descriptor Tail, SDM §13.4.40
	regTIDV    = 0x3820 // Transmit Interrupt Delay Value, SDM §13.4.41
	regTXDCTL  = 0x3828 // Transmit Descriptor Control, SDM §13.4.42
	regTADV    = 0x382C // Transmit Absolute Interrupt Delay, SDM §13.4.44
	regRXCSUM  = 0x5000 // Receive Checksum Control, SDM §13.4.53
	regRFCTL   = 0x5008 // Receive Filter Control (82574 §10.2.5.8)
	regMTA     = 0x5200 // Multicast Table Array, 128 entries, SDM §13.5.1
	regRAL0    = 0x5400 // Receive Address Low, SDM §13.5.2
	regRAH0    = 0x5404 // Receive Address High, SDM §13.5.3
	regVFTA    = 0x5600 // VLAN Filter Table Array, SDM §13.5.4

	mtaEntries  = 128
	vftaEntries = 128
)

// CTRL bits, SDM §13.4.1 table 13-3.
const (
	ctrlFD      = 1 << 0  // full duplex
	ctrlGIOMD   = 1 << 2  // GIO master disable (82574 §10.2.2.1)
	ctrlLRST    = 1 << 3  // link reset (8254x)
	ctrlASDE    = 1 << 5  // auto-speed detection enable
	ctrlSLU     = 1 << 6  // set link up
	ctrlILOS    = 1 << 7  // invert loss-of-signal
	ctrlFRCSPD  = 1 << 11 // force speed
	ctrlFRCDPLX = 1 << 12 // force duplex
	ctrlRST     = 1 << 26 // device reset (self-clearing)
	ctrlRFCE    = 1 << 27 // receive flow control enable
	ctrlTFCE    = 1 << 28 // transmit flow control enable
	ctrlVME     = 1 << 30 // VLAN mode enable (strip on RX, VLE honoured on TX)
	ctrlPHYRST  = 1 << 31 // PHY reset
)

// STATUS bits, SDM §13.4.2 table 13-5.
const (
	statusFD         = 1 << 0
	statusLU         = 1 << 1
	statusTXOFF      = 1 << 4
	statusSpeedShift = 6
	statusSpeedMask  = 3 << statusSpeedShift
	statusGIOME      = 1 << 19 // GIO master enable status (82574)
)

// EECD bits, SDM §13.4.3 table 13-6 (Microwire interface).
const (
	eecdSK   = 1 << 0 // clock
	eecdCS   = 1 << 1 // chip select
	eecdDI   = 1 << 2 // data in (to the EEPROM)
	eecdDO   = 1 << 3 // data out (from the EEPROM)
	eecdPRES = 1 << 8 // EEPROM present
	eecdREQ  = 1 << 6 // request access
	eecdGNT  = 1 << 7 // access granted
)

// EERD layouts: SDM §13.4.4 (82540/82545: START bit 0, DONE bit 4, address
// bits 15:8) and 82574 §10.2.2.5 (START bit 0, DONE bit 1, address bits 15:2).
// Data is bits 31:16 in both.
const (
	eerdStart      = 1 << 0
	eerdDone8254x  = 1 << 4
	eerdAddr8254x  = 8
	eerdDone82574  = 1 << 1
	eerdAddr82574  = 2
	eerdDataShift  = 16
	eepromWords    = 64     // 93C46-class EEPROM: words 0x00..0x3F
	eepromSum      = 0xBABA // SDM §5.6.22: words 0x00..0x3F sum to 0xBABA
	eepromChecksum = 0x3F
)

// MDIC bits, SDM §13.4.7 table 13-8.
const (
	mdicRegShift = 16
	mdicPHYShift = 21
	mdicOpWrite  = 1 << 26
	mdicOpRead   = 2 << 26
	mdicReady    = 1 << 28
	mdicError    = 1 << 30
	phyAddr      = 1 // the internal PHY's MDIO address
)

// PHY registers (IEEE 802.3 clause 22.2.4), SDM §13.3.
const (
	phyCTRL   = 0 // PHY control
	phySTATUS = 1 // PHY status
	phyID1    = 2
	phyID2    = 3

	phyCtrlANRestart = 1 << 9
	phyCtrlANEnable  = 1 << 12
	phyCtrlReset     = 1 << 15
	phyStatusLink    = 1 << 2
	phyStatusANDone  = 1 << 5
)

// Interrupt cause bits (ICR/ICS/IMS/IMC), SDM §13.4.17 table 13-26; 82574 §10.2.4.1.
const (
	intTXDW   = 1 << 0  // transmit descriptor written back
	intTXQE   = 1 << 1  // transmit queue empty
	intLSC    = 1 << 2  // link status change
	intRXSEQ  = 1 << 3  // receive sequence error
	intRXDMT0 = 1 << 4  // receive descriptor minimum threshold
	intRXO    = 1 << 6  // receiver overrun
	intRXT0   = 1 << 7  // receiver timer interrupt
	intMDAC   = 1 << 9  // MDI/O access complete
	intTXDLow = 1 << 15 // transmit descriptor low threshold
	intSRPD   = 1 << 16 // small receive packet detected
	intACK    = 1 << 17 // receive ACK frame
	intMNG    = 1 << 18 // manageability event (82574)
	intRXQ0   = 1 << 20 // 82574: RX queue 0 (MSI-X)
	intRXQ1   = 1 << 21 // 82574: RX queue 1 (MSI-X)
	intTXQ0   = 1 << 22 // 82574: TX queue 0 (MSI-X)
	intTXQ1   = 1 << 23 // 82574: TX queue 1 (MSI-X)
	intOTHER  = 1 << 24 // 82574: other causes (MSI-X)
	intAll    = 0xFFFFFFFF
)

// IVAR fields, 82574 §10.2.4.10: 3-bit vector plus a valid bit per cause.
const (
	ivarValid       = 0x8
	ivarRxQ0Shift   = 0
	ivarTxQ0Shift   = 8
	ivarOtherShift  = 16
	ivarTxAllWB     = 1 << 31
	ctrlExtPBAClr   = 1 << 31 // 82574 §10.2.2.4 (clear PBA on MSI-X vector read)
	ctrlExtEIAME    = 1 << 24 // extended interrupt auto-mask enable
	ctrlExtIAME     = 1 << 27 // interrupt acknowledge auto-mask enable
	ctrlExtDrvLoad  = 1 << 28 // driver loaded (82574)
	vecRx, vecTx    = 0, 1
	vecOther        = 2
	msixVectorsUsed = 3
)

// RCTL bits, SDM §13.4.22 table 13-67.
const (
	rctlEN         = 1 << 1
	rctlSBP        = 1 << 2
	rctlUPE        = 1 << 3 // unicast promiscuous
	rctlMPE        = 1 << 4 // multicast promiscuous
	rctlLPE        = 1 << 5 // long packet enable (frames > 1522)
	rctlLBMMask    = 3 << 6
	rctlRDMTSHalf  = 0 << 8
	rctlMOShift    = 12
	rctlBAM        = 1 << 15 // broadcast accept
	rctlBSIZE2048  = 0 << 16
	rctlBSIZEMask  = 3 << 16
	rctlVFE        = 1 << 18
	rctlBSEX       = 1 << 25
	rctlSECRC      = 1 << 26 // strip Ethernet CRC
	rctlDTYPMask   = 3 << 10 // 82574 descriptor type (00: legacy)
	rfctlEXSTEN    = 1 << 15 // 82574 §10.2.5.8 extended status (off: legacy RX descriptors)
	rxcsumIPOFL    = 1 << 8  // SDM §13.4.53 IP checksum offload
	rxcsumTUOFL    = 1 << 9  // TCP/UDP checksum offload
	rxdctlGRAN     = 1 << 24 // descriptor granularity (8254x)
	rxdctlWTHRESH1 = 1 << 16
)

// TCTL bits, SDM §13.4.33 table 13-76.
const (
	tctlEN      = 1 << 1
	tctlPSP     = 1 << 3 // pad short packets
	tctlCTShift = 4
	tctlCOLDSh  = 12
	tctlRTLC    = 1 << 24
	// tipgCopper is IPGT 10, IPGR1 8, IPGR2 6 (SDM §13.4.34 table 13-78,
	// IEEE 802.3 recommended values for copper).
	tipgCopper = 10 | 8<<10 | 6<<20
	// txdctl82574 sets bit 22, which 82574 §10.2.6.10 says must be written 1,
	// and GRAN (descriptor units).
	txdctl82574 = 1<<22 | 1<<24
	txdctlGRAN  = 1 << 24
)

// Statistics registers, SDM §13.7 (read-to-clear on hardware).
const (
	regCRCERRS  = 0x4000
	regALGNERRC = 0x4004
	regSYMERRS  = 0x4008
	regRXERRC   = 0x400C
	regMPC      = 0x4010
	regSCC      = 0x4014
	regECOL     = 0x4018
	regMCC      = 0x401C
	regLATECOL  = 0x4020
	regCOLC     = 0x4028
	regDC       = 0x4030
	regSEC      = 0x4038
	regRLEC     = 0x4040
	regXONRXC   = 0x4048
	regXONTXC   = 0x404C
	regXOFFRXC  = 0x4050
	regXOFFTXC  = 0x4054
	regGPRC     = 0x4074
	regBPRC     = 0x4078
	regMPRC     = 0x407C
	regGPTC     = 0x4080
	regGORCL    = 0x4088
	regGORCH    = 0x408C
	regGOTCL    = 0x4090
	regGOTCH    = 0x4094
	regRNBC     = 0x40A0
	regRUC      = 0x40A4
	regRFC      = 0x40A8
	regROC      = 0x40AC
	regRJC      = 0x40B0
	regTORL     = 0x40C0
	regTORH     = 0x40C4
	regTOTL     = 0x40C8
	regTOTH     = 0x40CC
	regTPR      = 0x40D0
	regTPT      = 0x40D4
	regMPTC     = 0x40F0
	regBPTC     = 0x40F4
	regTSCTC    = 0x40F8
	regTSCTFC   = 0x40FC
)

// dumpRegs lists the registers worth dumping (DumpRegs), in address order.
// Reading a statistics register clears it on hardware, so dumps leave them out.
var dumpRegs = [...]struct {
	Name string
	Off  uint32
}{
	{"CTRL", regCTRL}, {"STATUS", regSTATUS}, {"EECD", regEECD}, {"CTRL_EXT", regCTRLEXT},
	{"MDIC", regMDIC}, {"VET", regVET}, {"ITR", regITR}, {"IMS", regIMS},
	{"RCTL", regRCTL}, {"TCTL", regTCTL}, {"TIPG", regTIPG}, {"LEDCTL", regLEDCTL}, {"PBA", regPBA},
	{"RDBAL", regRDBAL}, {"RDBAH", regRDBAH}, {"RDLEN", regRDLEN}, {"RDH", regRDH}, {"RDT", regRDT},
	{"RDTR", regRDTR}, {"RXDCTL", regRXDCTL}, {"RADV", regRADV},
	{"TDBAL", regTDBAL}, {"TDBAH", regTDBAH}, {"TDLEN", regTDLEN}, {"TDH", regTDH}, {"TDT", regTDT},
	{"TIDV", regTIDV}, {"TXDCTL", regTXDCTL}, {"TADV", regTADV},
	{"RXCSUM", regRXCSUM}, {"RAL0", regRAL0}, {"RAH0", regRAH0},
}
