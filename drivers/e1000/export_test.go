package e1000

// Test-only access for FuzzRxWriteBack, which reuses one attached device
// for every input of a fuzz worker and must prove that nothing an input
// leaves in the receive ring reaches the next one.

// RxRingState is the software state of the receive ring.
type RxRingState struct {
	Next, Tail   uint32 // oldest device-owned slot, first driver-owned slot (RDT)
	Size         int
	AssemblySegs int  // segments of the frame in assembly
	Discarding   bool // dropping segments until EOP
	// Clean is false when a device-owned slot's descriptor does not hold
	// that slot's buffer with a clear length and status, or a
	// driver-owned slot's descriptor is not all zero.
	Clean bool
}

// RxRing reports the receive ring's state.
func (d *Device) RxRing() RxRingState {
	q := &d.rx
	s := RxRingState{Next: q.next, Tail: q.tail, Size: len(q.ring), Discarding: q.discard, Clean: true}
	for b := q.head; b != nil; b = b.Next() {
		s.AssemblySegs++
	}
	if q.head != nil && s.AssemblySegs != q.segs {
		s.Clean = false
	}
	owned := make([]bool, len(q.ring))
	for i := q.next; i != q.tail; i = (i + 1) & q.mask {
		owned[i] = true
		desc := &q.ring[i]
		if b := q.bufs[i]; b == nil || desc.addr != b.RoomIOVA() || desc.loadLen() != 0 || desc.loadStat() != 0 {
			s.Clean = false
		}
	}
	for i := range q.ring {
		if !owned[i] && q.ring[i] != (rxDesc{}) {
			s.Clean = false
		}
	}
	return s
}

// ResetRxRing puts the receive ring back where Attach left it: the frame in
// assembly dropped, every buffer returned (through the queue's own cache,
// flushed to the pool), the descriptors zeroed, then a full refill from
// slot 0 and the RDT write. Nothing may be in flight: the test's device
// model does not receive.
func (d *Device) ResetRxRing() {
	q := &d.rx
	q.release()
	q.discard = false
	clear(q.ring)
	q.refill()
}
