package e1000

import (
	"fmt"
	"time"

	"github.com/gopkt/gopkt/hw/port"
)

// Link set-up and status. The internal copper PHY auto-negotiates; the MAC
// follows it when CTRL.ASDE and CTRL.SLU are set (SDM §14.5.2 "Copper PHY
// link set-up": set SLU, let ASDE resolve the speed, do not force speed or
// duplex). STATUS.LU/FD/SPEED report the result (SDM §13.4.2); the device
// raises ICR.LSC when it changes (SDM §13.4.17).

const mdicPoll = 10 * time.Millisecond

// ReadPHY reads PHY register reg through MDIC (SDM §13.4.7).
func (d *Device) ReadPHY(reg int) (uint16, error) {
	v, err := d.mdic(mdicOpRead | uint32(reg&0x1f)<<mdicRegShift | phyAddr<<mdicPHYShift)
	return uint16(v), err
}

// WritePHY writes PHY register reg through MDIC.
func (d *Device) WritePHY(reg int, val uint16) error {
	_, err := d.mdic(mdicOpWrite | uint32(reg&0x1f)<<mdicRegShift | phyAddr<<mdicPHYShift | uint32(val))
	return err
}

func (d *Device) mdic(cmd uint32) (uint32, error) {
	d.regs.Write32(regMDIC, cmd)
	deadline := time.Now().Add(mdicPoll)
	for {
		v := d.regs.Read32(regMDIC)
		if v&mdicError != 0 {
			return 0, fmt.Errorf("%w: MDIC %#08x reported an error", ErrPHY, cmd)
		}
		if v&mdicReady != 0 {
			return v & 0xffff, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%w: MDIC %#08x not ready after %v", ErrPHY, cmd, mdicPoll)
		}
	}
}

// setupLink programs CTRL for auto-negotiated copper (SDM §14.5.2) and
// restarts auto-negotiation on the PHY if it is not already enabled.
func (d *Device) setupLink() {
	ctrl := d.regs.Read32(regCTRL)
	ctrl |= ctrlSLU | ctrlASDE
	ctrl &^= ctrlLRST | ctrlILOS | ctrlFRCSPD | ctrlFRCDPLX | ctrlPHYRST | ctrlRFCE | ctrlTFCE | ctrlRST | ctrlGIOMD
	if d.cfg.VLAN {
		ctrl |= ctrlVME
	} else {
		ctrl &^= ctrlVME
	}
	d.regs.Write32(regCTRL, ctrl)
	// Flow control off: no PAUSE frames sent or honoured (SDM §14.5.5).
	d.regs.Write32(regFCAL, 0)
	d.regs.Write32(regFCAH, 0)
	d.regs.Write32(regFCT, 0)
	d.regs.Write32(regFCTTV, 0)
	if bmcr, err := d.ReadPHY(phyCTRL); err == nil && bmcr&phyCtrlANEnable == 0 {
		if err := d.WritePHY(phyCTRL, bmcr|phyCtrlANEnable|phyCtrlANRestart); err != nil {
			d.log.Warn("e1000: cannot restart auto-negotiation", "err", err)
		}
	}
}

// readLink decodes STATUS (SDM §13.4.2 table 13-5).
func (d *Device) readLink() port.LinkState {
	st := d.regs.Read32(regSTATUS)
	if st&statusLU == 0 {
		return port.LinkState{}
	}
	speed := [4]int{10, 100, 1000, 1000}[(st&statusSpeedMask)>>statusSpeedShift]
	return port.LinkState{Up: true, SpeedMbps: speed, FullDuplex: st&statusFD != 0}
}

// updateLink reads STATUS and publishes a change. Callers hold d.mu.
func (d *Device) updateLink() { d.updateLinkLSC(false) }

// updateLinkLSC is updateLink told whether ICR.LSC was latched (SDM
// §13.4.17: "set when the link status changes"): with LSC and STATUS as
// before, the link went down and came back between two looks, a flap that
// is counted (two changes) and published again rather than lost.
func (d *Device) updateLinkLSC(lsc bool) {
	if d.closed {
		return // the registers are gone and LinkEvents is closed
	}
	l := d.readLink()
	if l == d.link {
		if !lsc || !l.Up {
			return
		}
		d.hw.LinkChanges += 2
		d.log.Info("e1000: link went down and came back between two looks: " + l.String())
	} else {
		d.link = l
		d.hw.LinkChanges++
		d.log.Info("e1000: link " + l.String())
	}
	// Latest state wins: drop an unread older state, then send.
	select {
	case <-d.linkCh:
	default:
	}
	select {
	case d.linkCh <- l:
	default:
	}
}

// WaitLink waits up to timeout for the link to come up.
func (d *Device) WaitLink(timeout time.Duration) (port.LinkState, error) {
	deadline := time.Now().Add(timeout)
	for {
		d.mu.Lock()
		d.updateLink()
		l := d.link
		d.mu.Unlock()
		if l.Up {
			return l, nil
		}
		if time.Now().After(deadline) {
			return l, d.opErr("link", ErrLinkDown, "check the cable (or QEMU's set_link) and the link partner")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
