package e1000test

// Register offsets and bits the model implements, from the 8254x SDM §13 and
// the 82574 datasheet §10 (written independently of the driver's table so a
// wrong offset in one shows up as a failing test).
const (
	rCTRL    = 0x0000
	rSTATUS  = 0x0008
	rEECD    = 0x0010
	rEERD    = 0x0014
	rCTRLEXT = 0x0018
	rMDIC    = 0x0020
	rVET     = 0x0038
	rICR     = 0x00C0
	rITR     = 0x00C4
	rICS     = 0x00C8
	rIMS     = 0x00D0
	rIMC     = 0x00D8
	rIVAR    = 0x00E4
	rRCTL    = 0x0100
	rTCTL    = 0x0400
	rRDBAL   = 0x2800
	rRDBAH   = 0x2804
	rRDLEN   = 0x2808
	rRDH     = 0x2810
	rRDT     = 0x2818
	rTDBAL   = 0x3800
	rTDBAH   = 0x3804
	rTDLEN   = 0x3808
	rTDH     = 0x3810
	rTDT     = 0x3818
	rRXCSUM  = 0x5000
	rRFCTL   = 0x5008
	rMTA     = 0x5200
	rRAL0    = 0x5400
	rVFTA    = 0x5600

	// Statistics, SDM §13.7.
	rCRCERRS = 0x4000
	rMPC     = 0x4010
	rGPRC    = 0x4074
	rBPRC    = 0x4078
	rMPRC    = 0x407C
	rGPTC    = 0x4080
	rGORCL   = 0x4088
	rGORCH   = 0x408C
	rGOTCL   = 0x4090
	rGOTCH   = 0x4094
	rRNBC    = 0x40A0
	rROC     = 0x40AC
	rTPR     = 0x40D0
	rTPT     = 0x40D4
	rTSCTC   = 0x40F8
	rStatEnd = 0x4100

	barSize = 0x20000
)

const (
	ctrlRST = 1 << 26
	ctrlVME = 1 << 30
	ctrlSLU = 1 << 6

	statusFD      = 1 << 0
	statusLU      = 1 << 1
	statusSpeed1G = 2 << 6

	eecdSK, eecdCS, eecdDI, eecdDO = 1 << 0, 1 << 1, 1 << 2, 1 << 3
	eecdREQ, eecdGNT, eecdPRES     = 1 << 6, 1 << 7, 1 << 8

	mdicReady = 1 << 28
	mdicError = 1 << 30

	icrTXDW, icrTXQE, icrLSC = 1 << 0, 1 << 1, 1 << 2
	icrRXDMT0, icrRXO        = 1 << 4, 1 << 6
	icrRXT0                  = 1 << 7
	icrRXQ0, icrOTHER        = 1 << 20, 1 << 24

	rctlEN, rctlSBP, rctlUPE, rctlMPE = 1 << 1, 1 << 2, 1 << 3, 1 << 4
	rctlLPE, rctlBAM, rctlSECRC       = 1 << 5, 1 << 15, 1 << 26
	rctlMOShift                       = 12
	rctlBSIZEMask, rctlBSEX           = 3 << 16, 1 << 25

	tctlEN = 1 << 1

	rxcsumIPOFL, rxcsumTUOFL = 1 << 8, 1 << 9
	rahAV                    = 1 << 31

	// Descriptor bits.
	rxDD, rxEOP, rxIXSM, rxVP, rxTCPCS, rxIPCS = 1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 5, 1 << 6
	rxeCE, rxeTCPE, rxeIPE, rxeRXE             = 1 << 0, 1 << 5, 1 << 6, 1 << 7

	txEOP, txIFCS, txTSE, txRS, txDEXT, txVLE = 1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 5, 1 << 6
	txDD                                      = 1 << 0
	tucmdTCP, tucmdIP, tucmdTSE               = 1 << 0, 1 << 1, 1 << 2
	poptsIXSM, poptsTXSM                      = 1 << 0, 1 << 1
)
