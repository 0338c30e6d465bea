package igb

import (
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/pci"
)

// An 82576 virtual function (SR-IOV, 82576 datasheet §7.8): a PCI function
// of its own (8086:10ca) with one queue pair of the PF's shared pool of 16
// (VF n has queues n and n+8; the driver uses the first), three MSI-X
// vectors, and no say over the MAC filters, RCTL or link: the PF's driver
// (Linux igb) owns those and the VF asks it through the mailbox. The data
// path is the PF's (queue.go: the same advanced descriptors, SRRCTL and
// RXDCTL/TXDCTL, at the VF's alias offsets), so a VF is a Device with one
// queue and a mailbox.

// VFIDs returns the PCI IDs AttachVF binds: the 82576 VF (QEMU's igbvf).
func VFIDs() []pci.ID { return []pci.ID{{Vendor: 0x8086, Device: 0x10ca}} }

// VFConfig configures AttachVF.
type VFConfig struct {
	// Pool supplies every receive buffer; it must live in f's DMA memory.
	Pool *mbuf.Pool
	// RxRing and TxRing are descriptors: a power of two from 8 to 4096
	// (default 512).
	RxRing, TxRing int
	// MAC is the address to ask the PF for when the PF assigned none (all
	// zero: a random locally administered one). When the PF assigned one
	// (Linux: ip link set PF vf N mac ...) the VF uses the PF's, and a
	// different MAC here is an error.
	MAC [6]byte
	// Interrupts enables MSI-X (vector 0 for the queue pair) for Queue.Wait.
	Interrupts bool
	// MailboxTimeout bounds each wait on the PF (default 5 s: the PF answers
	// from its interrupt handler, which a loaded guest runs late).
	MailboxTimeout time.Duration
}

// vfState is what a Device that is a VF has beyond a PF's.
type vfState struct {
	mbx      mailbox
	assigned bool // the PF assigned the MAC (reset ACK)
}

// AttachVF resets the VF through the PF (VTCTRL.RST, then the mailbox's
// RESET message), takes or sets its MAC address, tells the PF the largest
// frame (SET_LPE), and brings up queue pair 0. The PF must be up: its
// driver answers the mailbox and owns RCTL/TCTL and the link.
func AttachVF(f pci.Function, cfg VFConfig) (*Device, error) {
	pcfg := Config{Pool: cfg.Pool, Queues: 1, RxRing: cfg.RxRing, TxRing: cfg.TxRing, Interrupts: cfg.Interrupts}
	if err := pcfg.setDefaults(); err != nil {
		return nil, &OpError{Op: "attach VF", Addr: f.Addr(), Err: err}
	}
	if cfg.MailboxTimeout <= 0 {
		cfg.MailboxTimeout = 5 * time.Second
	}
	if !cfg.Pool.From(f.DMA()) {
		return nil, &OpError{Op: "attach VF", Addr: f.Addr(), Err: ErrConfig, Fix: "make VFConfig.Pool with mbuf.NewPool on the function's DMA memory (f.DMA()): the device can reach no other buffers"}
	}
	if id := f.ID(); id != VFIDs()[0] {
		return nil, &OpError{Op: "attach VF", Addr: f.Addr(), Err: ErrNotIGB, Fix: fmt.Sprintf("device %v is not an 82576 VF (8086:10ca); a PF is attached with Attach", id)}
	}
	regs, err := f.BAR(0)
	if err != nil {
		return nil, &OpError{Op: "attach VF", Addr: f.Addr(), Err: err}
	}
	d := &Device{f: f, regs: regs, cfg: pcfg, vf: &vfState{mbx: mailbox{regs: regs, timeout: cfg.MailboxTimeout}}}
	if err := d.enableBusMaster(); err != nil {
		return nil, d.opErr("attach VF", err, "")
	}
	if err := d.resetVF(); err != nil {
		return nil, err
	}
	if err := d.vfAddress(cfg.MAC); err != nil {
		d.vfQuiesce()
		return nil, err
	}
	// The largest frame the VF accepts (the PF writes it into the pool's
	// VMOLR.RLPML): 1500 bytes of payload, header, one VLAN tag and FCS.
	if err := d.vf.mbx.call([]uint32{msgSetLPE, MaxMTU + 14 + 4 + 4}, make([]uint32, 1)); err != nil {
		d.vfQuiesce()
		return nil, d.opErr("set LPE", err, "")
	}
	q, rg, err := setupQueue(ringSpec{regs: regs, dma: f.DMA(), pool: pcfg.Pool, idx: 0, blk: vfQueueRegs(),
		rx: pcfg.RxRing, tx: pcfg.TxRing, opErr: d.opErr})
	if rg.Mem != nil {
		d.rings = append(d.rings, rg)
	}
	if q != nil {
		d.queues = append(d.queues, q)
	}
	if err == nil && cfg.Interrupts {
		err = d.setupVFMSIX()
	}
	if err != nil {
		d.teardown()
		return nil, err
	}
	return d, nil
}

// resetVF resets the VF's side of the device (VTCTRL.RST: the device
// stops its queues and tells the PF, which forgets the VF's filters), waits
// until the PF is out of reset itself (RSTI clear), and sends RESET. The
// PF answers with its verdict and the MAC address it assigned, if any.
func (d *Device) resetVF() error {
	r := d.regs
	m := &d.vf.mbx
	r.Write32(vfEIMC, 1<<vfVectors-1)
	r.Write32(vfCTRL, ctrlRST)
	time.Sleep(10 * time.Millisecond)
	if err := m.poll("the PF to leave reset (RSTI)", func() bool { return m.read()&mbxRSTI == 0 }); err != nil {
		return d.opErr("reset VF", err, "the PF is in reset: bring its interface up (ip link set PF up)")
	}
	m.take(mbxRSTD)
	m.sticky &^= mbxPFSTS // nothing before our RESET is an answer to it
	reply := make([]uint32, 3)
	err := m.call([]uint32{msgReset}, reply)
	switch {
	case err == nil:
		d.mac = wordsMAC(reply[1], reply[2])
		d.vf.assigned = d.mac != [6]byte{}
	case errors.Is(err, ErrRefused) && reply[0]&msgTypeMask == msgReset:
		// NACK: the reset is done but the PF assigned no MAC (Linux's
		// default since 4.x): the VF picks one and asks for it.
	default:
		return d.opErr("reset VF", err, fmt.Sprintf("the PF's driver must be loaded and its interface up (Linux igb answers VF mailbox messages); VTSTATUS %#08x", r.Read32(vfSTATUS)))
	}
	return nil
}

// vfAddress settles the MAC: the PF's if it assigned one (want must be zero
// or equal), else want or a random locally administered address, set
// through SET_MAC_ADDR.
func (d *Device) vfAddress(want [6]byte) error {
	if d.vf.assigned {
		if want != [6]byte{} && want != d.mac {
			return d.opErr("set MAC", ErrConfig, fmt.Sprintf("the PF assigned this VF %s; leave the MAC out, or change it on the PF (ip link set PF vf N mac ...)", macString(d.mac)))
		}
		return nil
	}
	if want == [6]byte{} {
		if _, err := rand.Read(want[:]); err != nil {
			return d.opErr("set MAC", err, "")
		}
		want[0] = want[0]&^1 | 2 // unicast, locally administered
	}
	if want[0]&1 != 0 {
		return d.opErr("set MAC", ErrConfig, fmt.Sprintf("%s is a multicast address", macString(want)))
	}
	w1, w2 := macWords(want)
	if err := d.vf.mbx.call([]uint32{msgSetMAC, w1, w2}, make([]uint32, 1)); err != nil {
		return d.opErr("set MAC", err, "the PF refuses a MAC it did not assign when one is set for the VF (ip link show PF)")
	}
	d.mac = want
	return nil
}

// SetMulticast asks the PF to accept the group addresses (at most 30; the
// PF sets their hash bits in its shared multicast table). VF only.
func (d *Device) SetMulticast(addrs [][6]byte) error {
	if d.vf == nil {
		return d.opErr("set multicast", ErrConfig, "only a VF asks its PF; a PF has no receive filters in this driver yet")
	}
	if len(addrs) > maxMulticast {
		return d.opErr("set multicast", ErrConfig, fmt.Sprintf("%d addresses, the mailbox carries %d", len(addrs), maxMulticast))
	}
	msg := make([]uint32, 1+(len(addrs)+1)/2)
	msg[0] = msgSetMulticast | uint32(len(addrs))<<msgInfoShift
	for i, a := range addrs {
		msg[1+i/2] |= uint32(mtaHash(a)) << (16 * (i % 2))
	}
	if err := d.vf.mbx.call(msg, make([]uint32, 1)); err != nil {
		return d.opErr("set multicast", err, "")
	}
	return nil
}

// setupVFMSIX enables the VF's MSI-X vectors: vector 0 for queue pair 0's
// RX and TX causes, vector 1 for the mailbox; both auto-clear (VTEIAC) and
// are unmasked.
func (d *Device) setupVFMSIX() error {
	irqs, err := d.f.EnableIRQs(pci.MSIX, 2)
	if err != nil {
		return d.opErr("msix", err, "the VF needs 2 MSI-X vectors")
	}
	r := d.regs
	d.queues[0].irq, d.queues[0].irqBit = irqs[0], 1
	d.otherIRQ = irqs[1]
	r.Write32(vfIVAR0, ivarValid|uint32(ivarValid)<<8) // RX and TX of queue 0 on vector 0
	r.Write32(vfIVARMisc, ivarValid|1)
	r.Write32(vfEITR0, 0)
	r.Write32(vfEIAC, 0x3)
	r.Write32(vfEIMS, 0x3)
	return nil
}

// vfQuiesce stops the VF's DMA: queues off and VTCTRL.RST, which also tells
// the PF the VF went away.
func (d *Device) vfQuiesce() {
	r := d.regs
	r.Write32(vfEIMC, 1<<vfVectors-1)
	for _, q := range d.queues {
		q.stop()
	}
	r.Write32(vfCTRL, ctrlRST)
}

// IsVF reports whether the device is a virtual function (AttachVF).
func (d *Device) IsVF() bool { return d.vf != nil }

// MailboxStats returns the VF's mailbox counters (nil for a PF).
func (d *Device) MailboxStats() *MailboxStats {
	if d.vf == nil {
		return nil
	}
	return &d.vf.mbx.stats
}

func macString(m [6]byte) string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}
