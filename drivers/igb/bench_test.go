package igb

import (
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
)

// BenchmarkRxTx receives 64-byte frames from the in-process model and sends
// each back on the same queue, a burst of 32 per op: the driver's data path
// must not allocate. The model's register hook dominates the time, so this
// measures allocations, not the device's speed.
func BenchmarkRxTx(b *testing.B) {
	m := &hostileModel{regs: map[uint32]uint32{}, cycle: true,
		wbs: [][descSize]byte{wb(uint32(HashUDPIPv4), 0x1234, rxStatEOP, 64)}}
	d, pool := attachModel(b, m, m, 2048, Config{Queues: 1, RxRing: 256, TxRing: 256})
	defer pool.Close()
	defer d.Close()
	q := d.Queue(0)
	bufs := make([]*mbuf.Buf, 32)
	// The model never completes transmissions: mark them done as a device
	// would, so the ring keeps moving.
	b.ReportAllocs()
	for b.Loop() {
		n := q.RxBurst(bufs)
		for i := range q.tx {
			q.tx[i].olinfo |= txStaDD
		}
		if m := q.TxBurst(bufs[:n]); m < n {
			pool.Free(bufs[m:n])
		}
	}
}
