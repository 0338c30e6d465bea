package e1000

import (
	"fmt"
	"time"
)

// EEPROM access. The MAC address is in words 0-2 (little-endian byte pairs) on
// every model (SDM §5.6.1 table 5-2; 82574 datasheet §6.1 table 6-1 lists the
// same three words, while the rest of the 82574 NVM map — init control words,
// PXE words — is laid out differently). The checksum rule is the same: words
// 0x00-0x3F sum to 0xBABA (SDM §5.6.22, 82574 §6.1.2.8).
//
// 82540EM/82545EM and 82574L read words through EERD (SDM §13.4.4, 82574
// §10.2.2.5; the DONE bit and address field moved on the 82574). The 82544GC
// has no EERD: the driver bit-bangs the Microwire interface through EECD
// (SDM §5.3.1, §13.4.3).

const eepromPoll = 10 * time.Millisecond

// ReadEEPROM reads word addr.
func (d *Device) ReadEEPROM(addr int) (uint16, error) {
	if addr < 0 || addr >= eepromWords {
		return 0, fmt.Errorf("%w: word %#x outside 0..%#x", ErrEEPROM, addr, eepromWords-1)
	}
	if d.model.Gen == Gen82544 {
		return d.readMicrowire(addr)
	}
	start, done, shift := uint32(eerdStart), uint32(eerdDone8254x), uint(eerdAddr8254x)
	if d.model.Gen == Gen82574 {
		done, shift = eerdDone82574, eerdAddr82574
	}
	d.regs.Write32(regEERD, start|uint32(addr)<<shift)
	deadline := time.Now().Add(eepromPoll)
	for {
		v := d.regs.Read32(regEERD)
		if v&done != 0 {
			return uint16(v >> eerdDataShift), nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%w: EERD DONE not set for word %#x after %v", ErrEEPROM, addr, eepromPoll)
		}
	}
}

// readMicrowire reads one word with the Microwire READ opcode (110b), a 6-bit
// address, then 16 data bits MSB first, clocking SK for each bit (SDM §5.3.1).
func (d *Device) readMicrowire(addr int) (uint16, error) {
	eecd := d.regs.Read32(regEECD)
	if eecd&eecdPRES == 0 {
		return 0, fmt.Errorf("%w: EECD reports no EEPROM present", ErrEEPROM)
	}
	// Request the interface and wait for the grant (SDM §13.4.3: EE_REQ/EE_GNT).
	d.regs.Write32(regEECD, eecd|eecdREQ)
	deadline := time.Now().Add(eepromPoll)
	for d.regs.Read32(regEECD)&eecdGNT == 0 {
		if time.Now().After(deadline) {
			d.regs.Write32(regEECD, eecd&^eecdREQ)
			return 0, fmt.Errorf("%w: EECD grant not given", ErrEEPROM)
		}
	}
	base := (eecd | eecdREQ) &^ (eecdSK | eecdCS | eecdDI)
	d.regs.Write32(regEECD, base|eecdCS)
	cs := base | eecdCS
	out := func(bit uint32) {
		v := cs
		if bit != 0 {
			v |= eecdDI
		}
		d.regs.Write32(regEECD, v)
		d.regs.Write32(regEECD, v|eecdSK)
		d.regs.Write32(regEECD, v)
	}
	// Opcode 110b, then A5..A0.
	for _, b := range []uint32{1, 1, 0} {
		out(b)
	}
	for i := 5; i >= 0; i-- {
		out(uint32(addr>>i) & 1)
	}
	var w uint16
	for i := 0; i < 16; i++ {
		d.regs.Write32(regEECD, cs|eecdSK)
		v := d.regs.Read32(regEECD)
		d.regs.Write32(regEECD, cs)
		w <<= 1
		if v&eecdDO != 0 {
			w |= 1
		}
	}
	// Deselect and release the interface.
	d.regs.Write32(regEECD, base)
	d.regs.Write32(regEECD, base&^eecdREQ)
	return w, nil
}

// EEPROM reads all 64 words.
func (d *Device) EEPROM() ([eepromWords]uint16, error) {
	var words [eepromWords]uint16
	for i := range words {
		w, err := d.ReadEEPROM(i)
		if err != nil {
			return words, d.opErr("eeprom", err, "the EEPROM interface did not answer; reset the device (unbind and bind again)")
		}
		words[i] = w
	}
	return words, nil
}

// EEPROMSum returns the sum of words 0x00-0x3F; it is 0xBABA on a valid image.
func EEPROMSum(words [eepromWords]uint16) uint16 {
	var s uint16
	for _, w := range words {
		s += w
	}
	return s
}

// CheckEEPROM reads the image and verifies its checksum.
func (d *Device) CheckEEPROM() error {
	words, err := d.EEPROM()
	if err != nil {
		return err
	}
	if s := EEPROMSum(words); s != eepromSum {
		return d.opErr("eeprom", fmt.Errorf("%w: words sum to %#04x, want %#04x", ErrEEPROMSum, s, eepromSum),
			"the EEPROM image is corrupt; the MAC address may be wrong")
	}
	return nil
}

// macFromEEPROM reads the permanent address from words 0-2.
func (d *Device) macFromEEPROM() ([6]byte, error) {
	var mac [6]byte
	for i := 0; i < 3; i++ {
		w, err := d.ReadEEPROM(i)
		if err != nil {
			return mac, err
		}
		mac[2*i], mac[2*i+1] = byte(w), byte(w>>8)
	}
	return mac, nil
}
