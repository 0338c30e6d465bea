package vcard

import "github.com/gopkt/gopkt/drivers/wifi80211/vcard/internal/reg"

// Stats are the card's counters (§6) and the driver's own.
type Stats struct {
	TxFrames, TxAcked, TxFailed, TxRetries     uint32
	RxFrames, RxNoBuf, RxMICErr, RxReplay      uint32
	RxFiltered, RxNoKey, RxDecrypted, TxCrypto uint32
	// Driver side: RX refills that found the pool empty; TX frames refused
	// (chained or runt buffers); RX descriptors the card completed with a
	// length of 0 or beyond the buffer (dropped); TX frames refused because
	// their pool is not in the card's DMA memory.
	RxAllocFail, TxRejected, RxBadLen, TxForeign uint64
}

// Stats reads the counters. The card's wrap at 2^32.
func (d *Device) Stats() Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	var c [reg.NumCounters]uint32
	for i := range c {
		c[i] = d.regs.Read32(reg.CounterBase + uint32(4*i))
	}
	return Stats{
		TxFrames: c[0], TxAcked: c[1], TxFailed: c[2], TxRetries: c[3],
		RxFrames: c[4], RxNoBuf: c[5], RxMICErr: c[6], RxReplay: c[7],
		RxFiltered: c[8], RxNoKey: c[9], RxDecrypted: c[10], TxCrypto: c[11],
		RxAllocFail: d.rx.allocFail.Load(), TxRejected: d.tx.rejected.Load(), RxBadLen: d.rx.badLen.Load(),
		TxForeign: d.tx.foreign.Load(),
	}
}
