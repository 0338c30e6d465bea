package tcp

// Sequence number arithmetic modulo 2^32 (RFC 9293 §3.4: "it is essential
// to remember that the actual sequence number space is finite … all
// arithmetic dealing with sequence numbers must be performed modulo 2**32").

// seqLT reports a < b in sequence space.
func seqLT(a, b uint32) bool { return int32(a-b) < 0 }

// seqLEQ reports a ≤ b in sequence space.
func seqLEQ(a, b uint32) bool { return int32(a-b) <= 0 }

// seqGT reports a > b in sequence space.
func seqGT(a, b uint32) bool { return int32(a-b) > 0 }

// seqGEQ reports a ≥ b in sequence space.
func seqGEQ(a, b uint32) bool { return int32(a-b) >= 0 }

// seqMax returns the later of a and b.
func seqMax(a, b uint32) uint32 {
	if seqGT(a, b) {
		return a
	}
	return b
}

// seqMin returns the earlier of a and b.
func seqMin(a, b uint32) uint32 {
	if seqLT(a, b) {
		return a
	}
	return b
}

// inWindow reports start ≤ s < start+size.
func inWindow(s, start, size uint32) bool { return s-start < size }
