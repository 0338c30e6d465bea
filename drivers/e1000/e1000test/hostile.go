package e1000test

// Hostile selects deliberate misbehaviour, to test that the driver distrusts
// what a device writes. Every action is counted in Counts.Hostile.
type Hostile struct {
	// BogusLengthEvery writes a length of 0xFFFF (beyond any buffer) into
	// every Nth RX descriptor written back (0: never).
	BogusLengthEvery int
	// ZeroLengthEvery writes a zero length into every Nth descriptor.
	ZeroLengthEvery int
	// RogueDD sets DD on the descriptor at RDT (one the driver has not
	// given to the device) after every frame.
	RogueDD bool
	// ErrorEvery sets the RX data error bit (RXE) on every Nth frame.
	ErrorEvery int
	// NoEOPEvery clears EOP on every Nth frame's last descriptor, so the
	// next frame appears glued to it (an endless chain).
	NoEOPEvery int
	// StallTX ignores TDT writes: nothing is sent and no DD comes back.
	StallTX bool
}

// SetHostile changes the hostile modes.
func (p *Port) SetHostile(h Hostile) {
	p.bus.mu.Lock()
	defer p.bus.mu.Unlock()
	p.hostile = h
	p.hostDescs, p.hostFrames = 0, 0
	if !h.StallTX {
		p.transmit()
	}
}

// hostileRx mangles one RX write-back. Callers hold the bus lock.
func (p *Port) hostileRx(st, errs uint8, ln uint16, last bool) (uint8, uint8, uint16) {
	h := &p.hostile
	p.hostDescs++
	n := p.hostDescs
	if h.BogusLengthEvery > 0 && n%uint64(h.BogusLengthEvery) == 0 {
		ln = 0xFFFF
		p.counts.Hostile++
	}
	if h.ZeroLengthEvery > 0 && n%uint64(h.ZeroLengthEvery) == 0 {
		ln = 0
		p.counts.Hostile++
	}
	if last {
		p.hostFrames++
		f := p.hostFrames
		if h.ErrorEvery > 0 && f%uint64(h.ErrorEvery) == 0 {
			errs |= rxeRXE
			p.counts.Hostile++
		}
		if h.NoEOPEvery > 0 && f%uint64(h.NoEOPEvery) == 0 {
			st &^= rxEOP
			p.counts.Hostile++
		}
	}
	return st, errs, ln
}

// hostileRogue writes DD into the descriptor at RDT, which the driver owns.
func (p *Port) hostileRogue() {
	if !p.hostile.RogueDD {
		return
	}
	n := p.reg[rRDLEN/4] / 16
	t := p.reg[rRDT/4]
	if n == 0 || t >= n {
		return
	}
	base := uint64(p.reg[rRDBAH/4])<<32 | uint64(p.reg[rRDBAL/4]&^0xf)
	if d, ok := p.bus.space.Lookup(base+uint64(t)*16, 16); ok {
		d[12] |= rxDD | rxEOP
		p.counts.Hostile++
	}
}
