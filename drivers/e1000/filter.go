package e1000

import (
	"fmt"

	"github.com/gopkt/gopkt/hw/port"
)

// Receive address filtering (SDM §14.4 steps 1-2, §13.5.1-13.5.3): the unicast
// address in RAL0/RAH0 with the Address Valid bit, a 4096-bit multicast hash
// table (MTA), broadcast accept and promiscuous bits in RCTL.

const rahAV = 1 << 31 // RAH: address valid

// writeRAR programs receive address register 0.
func (d *Device) writeRAR(mac [6]byte) {
	d.regs.Write32(regRAL0, uint32(mac[0])|uint32(mac[1])<<8|uint32(mac[2])<<16|uint32(mac[3])<<24)
	d.regs.Write32(regRAH0, uint32(mac[4])|uint32(mac[5])<<8|rahAV)
}

// mtaHash is the multicast table index for addr with RCTL.MO = 00: bits 47:36
// of the address (SDM §13.5.1: "the 12 bits used are [47:36]" for MO 00).
func mtaHash(a [6]byte) uint32 {
	return (uint32(a[4])>>4 | uint32(a[5])<<4) & 0xfff
}

func (d *Device) writeMTA(addrs [][6]byte) {
	var tab [mtaEntries]uint32
	for _, a := range addrs {
		h := mtaHash(a)
		tab[h>>5] |= 1 << (h & 31)
	}
	for i, v := range tab {
		d.regs.Write32(regMTA+uint32(i)*4, v)
	}
}

// rctl computes the receive control word from the current filter and MTU.
// Callers hold d.mu.
func (d *Device) rctl() uint32 {
	v := uint32(rctlEN | rctlBAM | rctlSECRC | rctlBSIZE2048 | rctlRDMTSHalf)
	if d.MTU() > 1500 {
		v |= rctlLPE // SDM §13.4.22: accept frames up to 16384 bytes
	}
	if d.promisc {
		v |= rctlUPE | rctlMPE
	}
	if d.allMulti {
		v |= rctlMPE
	}
	return v
}

// SetPromisc implements port.Filter. Note that QEMU holds reception for about
// one second after any RCTL write.
func (d *Device) SetPromisc(on bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	if d.promisc != on {
		d.promisc = on
		d.regs.Write32(regRCTL, d.rctl())
	}
	return nil
}

// SetAllMulti implements port.Filter.
func (d *Device) SetAllMulti(on bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	if d.allMulti != on {
		d.allMulti = on
		d.regs.Write32(regRCTL, d.rctl())
	}
	return nil
}

// SetMulticast implements port.Filter.
func (d *Device) SetMulticast(addrs [][6]byte) error {
	for _, a := range addrs {
		if a[0]&1 == 0 {
			return fmt.Errorf("%w: %x is not a multicast address", ErrConfig, a)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	d.mcast = append(d.mcast[:0], addrs...)
	d.writeMTA(d.mcast)
	return nil
}

// SetMAC changes the unicast address.
func (d *Device) SetMAC(mac [6]byte) error {
	if mac[0]&1 != 0 {
		return fmt.Errorf("%w: %x is a multicast address", ErrConfig, mac)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	d.mac = mac
	d.writeRAR(mac)
	return nil
}

// SetMTU implements port.Port. Frames longer than 1522 bytes need RCTL.LPE;
// RX buffers stay 2048 bytes and long frames span descriptors (chains).
func (d *Device) SetMTU(mtu int) error {
	if mtu < MinMTU || mtu > MaxMTU {
		return fmt.Errorf("%w: %d outside %d..%d", port.ErrMTU, mtu, MinMTU, MaxMTU)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	old := d.MTU()
	d.mtu.Store(int32(mtu))
	d.rx.maxFrame.Store(int32(mtu + ethOverhead))
	if (old > 1500) != (mtu > 1500) {
		d.regs.Write32(regRCTL, d.rctl())
	}
	return nil
}
