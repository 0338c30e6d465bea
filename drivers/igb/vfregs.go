package igb

// Register offsets of an 82576 virtual function (82576 datasheet, chapter
// 8's virtual function register map; QEMU's igbvf translates each to the
// PF register it stands for). A VF's BAR 0 is 16 KiB: its own control,
// interrupt, mailbox and statistics registers, and its queue pair in the
// 8254x-compatible alias layout (RX at 0x2800, TX at 0x3800, a second pair
// at +0x100). There is no RCTL, TCTL, MAC address, multicast table, RSS or
// PHY: those stay with the PF, which the VF asks through the mailbox
// (mailbox.go).
const (
	vfCTRL   = 0x0000 // VTCTRL: only RST (bit 26) does anything
	vfSTATUS = 0x0008 // VTSTATUS: the PF's link state (LU, FD, speed)

	vfEIMS     = 0x1524 // VTEIMS: extended interrupt mask set (vectors 0-2)
	vfEIMC     = 0x1528 // VTEIMC: mask clear
	vfEIAC     = 0x152C // VTEIAC: auto clear
	vfEICR     = 0x1580 // VTEICR: cause read
	vfEITR0    = 0x1680 // VTEITR: throttle, vector n at +4n
	vfIVAR0    = 0x1700 // VTIVAR: byte 0 RX queue 0, byte 1 TX queue 0 (vector | valid)
	vfIVARMisc = 0x1740 // VTIVAR_MISC: byte 0 the mailbox's vector | valid

	vfMailbox = 0x0C40 // V2PMAILBOX: the VF's side of the mailbox control
	vfMBMem   = 0x0800 // VMBMEM: 16 words of message memory shared with the PF

	vfRxBlock = 0x2800 // RDBAL0 .. RXDCTL0 of the VF's queue 0
	vfTxBlock = 0x3800 // TDBAL0 .. TXDCTL0

	// vfVectors is the number of MSI-X vectors a VF has (QEMU: 3).
	vfVectors = 3
)

// vfQueueRegs is the VF's queue pair 0 (the only one the driver uses).
func vfQueueRegs() queueRegs { return queueRegs{rx: vfRxBlock, tx: vfTxBlock} }
