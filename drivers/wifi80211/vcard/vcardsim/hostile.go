package vcardsim

// Hostile makes the model misbehave the way a broken or malicious card
// could, so tests can check that the driver distrusts what a device writes
// into its descriptors. The zero value is an honest card.
type Hostile struct {
	// BadRxLen makes every completed RX descriptor report RxLen as the
	// frame length instead of the real one (0, or beyond the buffer the
	// driver gave: the driver must drop the frame and count it).
	BadRxLen bool
	RxLen    uint16
}

// SetHostile switches misbehaviour on (or off with Hostile{}).
func (m *Model) SetHostile(h Hostile) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hostile = h
}
