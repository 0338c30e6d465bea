package e1000

import "github.com/gopkt/gopkt/hw/port"

// Statistics (SDM §13.7). The hardware counters are 32 bits (64 for octets,
// read low then high) and clear on read; Service reads them often enough
// that none can wrap between reads (the fastest, GPRC, needs over 45 minutes
// at line rate to wrap) and accumulates them into 64-bit HWStats.
//
// QEMU quirk: its error counters (CRCERRS through MPC, RNBC, collision and
// flow-control counters) are plain registers that never clear, while the
// packet counters do clear on read. On a QEMU device (subsystem 1af4:1100)
// the driver accumulates the difference from the previous reading for the
// non-clearing set.

// HWStats are the device's counters, accumulated.
type HWStats struct {
	CRCErrors     uint64 // CRCERRS
	AlignErrors   uint64 // ALGNERRC
	SymbolErrors  uint64 // SYMERRS
	RxErrors      uint64 // RXERRC
	Missed        uint64 // MPC: frames dropped for lack of room in the FIFO or ring
	NoBuffers     uint64 // RNBC: frames that found no free descriptor
	Collisions    uint64 // COLC
	Undersize     uint64 // RUC
	Oversize      uint64 // ROC
	GoodRx        uint64 // GPRC
	GoodTx        uint64 // GPTC
	GoodRxOctets  uint64 // GORCL/H
	GoodTxOctets  uint64 // GOTCL/H
	MulticastRx   uint64 // MPRC
	BroadcastRx   uint64 // BPRC
	TotalRx       uint64 // TPR
	TotalTx       uint64 // TPT
	TSOContexts   uint64 // TSCTC
	TSOFailures   uint64 // TSCTFC
	LinkChanges   uint64 // link state changes seen by the driver
	RxBadLength   uint64 // driver: RX descriptor length beyond the buffer (or zero)
	RxRogueDD     uint64 // driver: DD written on a descriptor the device did not own
	RxTooLong     uint64 // driver: frame longer than the MTU allows
	RxBadChain    uint64 // driver: a short descriptor without EOP (the status lied)
	RxRunts       uint64 // driver: frame shorter than an Ethernet header
	RxNoMbuf      uint64 // driver: refill found the pool empty
	RxFrameErrors uint64 // driver: descriptors with CE/SE/SEQ/CXE/RXE set
	RxOverruns    uint64 // driver: receiver overrun interrupts (ICR.RXO)
	TxHangs       uint64 // driver: TX ring resets after a hang
	TxDropped     uint64 // driver: packets dropped (malformed requests, ring resets)
	TxForeign     uint64 // driver: packets dropped because a buffer's pool is not in the device's DMA memory
}

// counter is one accumulated register. clears says whether QEMU clears it on
// read; hardware always does.
type counter struct {
	off    uint32
	hi     uint32 // high half for 64-bit octet counters (0: 32-bit)
	clears bool
	field  func(*HWStats) *uint64
}

var counters = [...]counter{
	{regCRCERRS, 0, false, func(s *HWStats) *uint64 { return &s.CRCErrors }},
	{regALGNERRC, 0, false, func(s *HWStats) *uint64 { return &s.AlignErrors }},
	{regSYMERRS, 0, false, func(s *HWStats) *uint64 { return &s.SymbolErrors }},
	{regRXERRC, 0, false, func(s *HWStats) *uint64 { return &s.RxErrors }},
	{regMPC, 0, false, func(s *HWStats) *uint64 { return &s.Missed }},
	{regRNBC, 0, false, func(s *HWStats) *uint64 { return &s.NoBuffers }},
	{regCOLC, 0, false, func(s *HWStats) *uint64 { return &s.Collisions }},
	{regRUC, 0, true, func(s *HWStats) *uint64 { return &s.Undersize }},
	{regROC, 0, true, func(s *HWStats) *uint64 { return &s.Oversize }},
	{regGPRC, 0, true, func(s *HWStats) *uint64 { return &s.GoodRx }},
	{regGPTC, 0, true, func(s *HWStats) *uint64 { return &s.GoodTx }},
	{regGORCL, regGORCH, true, func(s *HWStats) *uint64 { return &s.GoodRxOctets }},
	{regGOTCL, regGOTCH, true, func(s *HWStats) *uint64 { return &s.GoodTxOctets }},
	{regMPRC, 0, true, func(s *HWStats) *uint64 { return &s.MulticastRx }},
	{regBPRC, 0, true, func(s *HWStats) *uint64 { return &s.BroadcastRx }},
	{regTPR, 0, true, func(s *HWStats) *uint64 { return &s.TotalRx }},
	{regTPT, 0, true, func(s *HWStats) *uint64 { return &s.TotalTx }},
	{regTSCTC, 0, true, func(s *HWStats) *uint64 { return &s.TSOContexts }},
	{regTSCTFC, 0, false, func(s *HWStats) *uint64 { return &s.TSOFailures }},
}

// qemuStatBase holds the last raw value of each non-clearing counter.
type qemuStatBase [len(counters)]uint32

// readCounters adds the hardware counters into d.hw. Callers hold d.mu.
func (d *Device) readCounters() {
	for i, c := range counters {
		var v uint64
		if c.hi != 0 {
			lo := d.regs.Read32(c.off)
			v = uint64(lo) | uint64(d.regs.Read32(c.hi))<<32
		} else {
			raw := d.regs.Read32(c.off)
			v = uint64(raw)
			if d.qemu && !c.clears {
				// A plain register: count what changed since the last read.
				v = uint64(raw - d.statBase[i])
				d.statBase[i] = raw
			}
		}
		*c.field(&d.hw) += v
	}
}

// clearCounters reads every counter once and discards the values (the
// device's counters start from zero for this attach).
func (d *Device) clearCounters() {
	d.readCounters()
	d.hw = HWStats{}
}

// HWStats returns the accumulated hardware and driver counters. It reads the
// device's counters first.
func (d *Device) HWStats() HWStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed {
		d.readCounters()
	}
	s := d.hw
	d.driverCounters(&s)
	return s
}

func (d *Device) driverCounters(s *HWStats) {
	s.RxBadLength = d.rx.badLen.Load()
	s.RxRogueDD = d.rx.rogueDD.Load()
	s.RxTooLong = d.rx.tooLong.Load()
	s.RxBadChain = d.rx.badChain.Load()
	s.RxRunts = d.rx.runts.Load()
	s.RxNoMbuf = d.rx.noMbuf.Load()
	s.RxFrameErrors = d.rx.errors.Load()
	s.RxOverruns = d.rx.overruns.Load()
	s.TxHangs = d.tx.resets.Load()
	s.TxDropped = d.tx.dropped.Load()
	s.TxForeign = d.tx.foreign.Load()
}

// Stats implements port.Port from the driver's own counters and the
// hardware counters accumulated by the last Service (or HWStats) call; it
// does no register access.
func (d *Device) Stats() port.Stats {
	d.mu.Lock()
	hw := d.hw
	d.mu.Unlock()
	d.driverCounters(&hw)
	return port.Stats{
		RxPackets: d.rx.packets.Load(),
		RxBytes:   d.rx.octets.Load(),
		RxMissed:  hw.Missed,
		RxNoBuf:   hw.NoBuffers,
		RxErrors:  hw.CRCErrors + hw.AlignErrors + hw.SymbolErrors + hw.RxErrors + hw.RxFrameErrors,
		RxDropped: hw.RxBadLength + hw.RxRogueDD + hw.RxBadChain + hw.RxTooLong + hw.RxRunts + hw.RxNoMbuf,
		RxMcast:   hw.MulticastRx,
		TxPackets: d.tx.packets.Load(),
		TxBytes:   d.tx.octets.Load(),
		TxErrors:  hw.Collisions + hw.TSOFailures,
		TxDropped: hw.TxDropped + hw.TxForeign,
		TxForeign: hw.TxForeign,
		LinkFlaps: hw.LinkChanges,
		Resets:    hw.TxHangs,
	}
}
