package e1000test

// EEPROM model: a 64-word image (SDM §5.6: MAC in words 0-2, checksum word
// 0x3F makes the sum 0xBABA), read through EERD (8254x layout: START bit 0,
// DONE bit 4, address 15:8; 82574 layout: DONE bit 1, address 15:2; data
// 31:16) or bit-banged through EECD as a Microwire part (SDM §5.3.1).

func (p *Port) buildEEPROM() {
	m := p.opts.MAC
	p.eeprom[0] = uint16(m[0]) | uint16(m[1])<<8
	p.eeprom[1] = uint16(m[2]) | uint16(m[3])<<8
	p.eeprom[2] = uint16(m[4]) | uint16(m[5])<<8
	p.eeprom[0x0A] = 0x4408 // init control 1 (arbitrary but fixed)
	p.eeprom[0x0B] = 0x001E // subsystem ID
	p.eeprom[0x0D] = p.id.Device
	p.eeprom[0x0E] = 0x8086
	var sum uint16
	for _, w := range p.eeprom[:0x3F] {
		sum += w
	}
	p.eeprom[0x3F] = 0xBABA - sum
	if p.opts.BadEEPROMSum {
		p.eeprom[0x3F]++
	}
}

// EEPROMWords returns the image (for tests).
func (p *Port) EEPROMWords() [64]uint16 { return p.eeprom }

func (p *Port) eerdWrite(v uint32) {
	if p.gen == 0 {
		return // no EERD on the 82544
	}
	if v&1 == 0 {
		p.reg[rEERD/4] = v
		return
	}
	var addr uint32
	var done uint32
	if p.gen == 2 {
		addr, done = (v>>2)&0x3fff, 1<<1
	} else {
		addr, done = (v>>8)&0xff, 1<<4
	}
	data := uint32(0)
	if addr < 64 {
		data = uint32(p.eeprom[addr])
	}
	p.reg[rEERD/4] = v&0xffff | done | data<<16
}

// microwire is the EECD bit-bang state.
type microwire struct {
	old     uint32
	in      uint32 // bits shifted in
	nin     int
	reading bool
	addr    uint32
	nout    int // data bits shifted out
}

func (p *Port) eecdRead() uint32 {
	v := p.ee.old&(eecdSK|eecdCS|eecdDI|eecdREQ) | eecdPRES
	if p.ee.old&eecdREQ != 0 {
		v |= eecdGNT
	}
	if p.ee.reading && p.ee.nout < 16 {
		if p.eeprom[p.ee.addr&63]>>(15-p.ee.nout)&1 != 0 {
			v |= eecdDO
		}
	} else {
		v |= eecdDO // idle: DO is pulled high
	}
	return v
}

func (p *Port) eecdWrite(v uint32) {
	old := p.ee.old
	p.ee.old = v
	if v&eecdCS == 0 {
		p.ee = microwire{old: v}
		return
	}
	if old&eecdCS == 0 { // chip select rising: new command
		p.ee = microwire{old: v}
		return
	}
	rising := v&eecdSK != 0 && old&eecdSK == 0
	falling := v&eecdSK == 0 && old&eecdSK != 0
	switch {
	case rising && !p.ee.reading:
		p.ee.in <<= 1
		if v&eecdDI != 0 {
			p.ee.in |= 1
		}
		p.ee.nin++
		if p.ee.nin == 9 { // 3 opcode bits (start 1, op 10) + 6 address bits
			if p.ee.in>>6 == 0b110 {
				p.ee.reading = true
				p.ee.addr = p.ee.in & 0x3f
			}
		}
	case falling && p.ee.reading && p.ee.nin > 9:
		p.ee.nout++
		if p.ee.nout == 16 { // sequential read continues with the next word
			p.ee.nout = 0
			p.ee.addr++
		}
	case rising && p.ee.reading:
		p.ee.nin++
	}
}
