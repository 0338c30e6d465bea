package vcard

import (
	"fmt"
	"net"

	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/internal/reg"
)

// RxFilter selects which frames not addressed to the card are delivered
// (§4.2).
type RxFilter uint32

// Filter bits.
const (
	FilterPromisc   RxFilter = reg.FilterPROMISC
	FilterBeacons   RxFilter = reg.FilterBEACON
	FilterBroadcast RxFilter = reg.FilterBCAST
)

// SetChannel tunes the radio to a centre frequency in MHz (2412..2484,
// 5170..5885), or 0 to turn it off.
func (d *Device) SetChannel(mhz int) error {
	if mhz != 0 && !(mhz >= 2412 && mhz <= 2484) && !(mhz >= 5170 && mhz <= 5885) {
		return d.opErr("channel", fmt.Errorf("%w: %d MHz", ErrChannel, mhz), "use a 2.4 GHz (2412-2484) or 5 GHz (5170-5885) channel frequency")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.regs.Write32(reg.FREQ, uint32(mhz))
	return nil
}

// Channel returns the tuned frequency in MHz (0: off).
func (d *Device) Channel() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return int(d.regs.Read32(reg.FREQ))
}

// SetTxPower sets the transmit power in dBm (the card clamps to -10..30).
func (d *Device) SetTxPower(dBm int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.regs.Write32(reg.TXPOWER, uint32(uint8(int8(max(-128, min(127, dBm))))))
}

// TxPower returns the transmit power in dBm as the card applied it.
func (d *Device) TxPower() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return int(int8(d.regs.Read32(reg.TXPOWER)))
}

func put6(d *Device, lo, hi uint32, a net.HardwareAddr) {
	d.regs.Write32(lo, uint32(a[0])|uint32(a[1])<<8|uint32(a[2])<<16|uint32(a[3])<<24)
	d.regs.Write32(hi, uint32(a[4])|uint32(a[5])<<8)
}

// SetMAC changes the station address.
func (d *Device) SetMAC(a net.HardwareAddr) error {
	if len(a) != 6 || a[0]&1 != 0 {
		return d.opErr("mac", fmt.Errorf("%w: %v", ErrConfig, a), "give a 6-byte unicast address")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	put6(d, reg.MACL, reg.MACH, a)
	d.mac = append(d.mac[:0], a...)
	return nil
}

// SetBSSID sets the BSSID the RX filter accepts group data frames from.
func (d *Device) SetBSSID(a net.HardwareAddr) error {
	if len(a) != 6 {
		return d.opErr("bssid", fmt.Errorf("%w: %v", ErrConfig, a), "give a 6-byte address")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	put6(d, reg.BSSIDL, reg.BSSIDH, a)
	return nil
}

// SetRxFilter sets the RX filter.
func (d *Device) SetRxFilter(f RxFilter) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.regs.Write32(reg.RXFILTER, uint32(f))
}

// SetPassBad makes the card deliver frames that failed the MIC or replay
// check, flagged in RxInfo (for MIC-failure countermeasures and monitors).
func (d *Device) SetPassBad(on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if on {
		d.regs.Set32(reg.CTRL, reg.CtrlPASSBAD)
	} else {
		d.regs.Clear32(reg.CTRL, reg.CtrlPASSBAD)
	}
}

// SetKeepIV makes decrypted frames keep their CCMP header and Protected bit
// (only the MIC is removed), for a layer that checks replay from the header
// itself (§2.1 KEEPIV).
func (d *Device) SetKeepIV(on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if on {
		d.regs.Set32(reg.CTRL, reg.CtrlKEEPIV)
	} else {
		d.regs.Clear32(reg.CTRL, reg.CtrlKEEPIV)
	}
}
