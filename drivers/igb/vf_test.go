package igb

import (
	"errors"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/hw/pci/pcitest"
)

// pfModel is the PF side of an 82576 VF's mailbox as Linux's igb driver
// plays it, plus just enough VF registers for AttachVF (queue enables that
// stick, link up). A REQ is read and answered at once: PFACK, then the
// reply in VMBMEM and PFSTS. PFSTS, PFACK and RSTD clear on read, as on the
// device.
type pfModel struct {
	regs     map[uint32]uint32
	mbx      uint32 // V2PMAILBOX
	assigned [6]byte
	silent   bool     // never answer
	chatty   bool     // send a PF control message before each reply
	pending  []uint32 // reply to deliver once the control message is read
	got      [][]uint32
	mac      [6]byte
	lpe      uint32
	hashes   []uint16
	resets   int
}

func (m *pfModel) Read32(off uint32) uint32 {
	switch off {
	case vfSTATUS:
		return statusLU | statusFD
	case vfMailbox:
		v := m.mbx
		m.mbx &^= mbxR2C
		return v
	}
	return m.regs[off]
}

func (m *pfModel) Write32(off, v uint32) {
	switch off {
	case vfCTRL:
		if v&ctrlRST != 0 {
			m.resets++
		}
		return
	case vfMailbox:
		if v&mbxVFU != 0 {
			m.mbx |= mbxVFU
		} else {
			m.mbx &^= mbxVFU
		}
		if v&mbxREQ != 0 && !m.silent {
			m.answer()
		}
		if v&mbxACK != 0 && len(m.pending) > 0 { // the control message was read
			m.reply(m.pending)
			m.pending = nil
		}
		return
	}
	m.regs[off] = v
}

func (m *pfModel) word(i int) uint32 { return m.regs[vfMBMem+uint32(4*i)] }

func (m *pfModel) reply(msg []uint32) {
	for i, w := range msg {
		m.regs[vfMBMem+uint32(4*i)] = w
	}
	m.mbx |= mbxPFSTS
}

// answer reads the VF's message (PFACK) and replies.
func (m *pfModel) answer() {
	w0 := m.word(0)
	m.got = append(m.got, []uint32{w0, m.word(1), m.word(2)})
	m.mbx |= mbxPFACK
	var r []uint32
	switch w0 & msgTypeMask {
	case msgReset:
		if m.assigned == [6]byte{} {
			r = []uint32{msgReset | msgNACK}
		} else {
			w1, w2 := macWords(m.assigned)
			r = []uint32{msgReset | msgACK | msgCTS, w1, w2}
			m.mac = m.assigned
		}
	case msgSetMAC:
		if m.assigned != [6]byte{} {
			r = []uint32{msgSetMAC | msgNACK | msgCTS}
		} else {
			m.mac = wordsMAC(m.word(1), m.word(2))
			r = []uint32{msgSetMAC | msgACK | msgCTS}
		}
	case msgSetLPE:
		m.lpe = m.word(1)
		r = []uint32{msgSetLPE | msgACK | msgCTS}
	case msgSetMulticast:
		n := int(w0>>msgInfoShift) & 0xff
		m.hashes = nil
		for i := range n {
			m.hashes = append(m.hashes, uint16(m.word(1+i/2)>>(16*(i%2))))
		}
		r = []uint32{msgSetMulticast | msgACK | msgCTS}
	default:
		r = []uint32{w0 | msgNACK}
	}
	if m.chatty {
		m.reply([]uint32{msgPFControl | msgCTS})
		m.pending = r
		return
	}
	m.reply(r)
}

func newVF(t *testing.T, m *pfModel) (*pcitest.Function, *mbuf.Pool) {
	t.Helper()
	m.regs = map[uint32]uint32{}
	f := pcitest.New(pcitest.Config{ID: VFIDs()[0], BARs: [6]uint32{0x4000}, Hooks: [6]pci.RegHook{m},
		IRQs: map[pci.IRQKind]int{pci.MSIX: vfVectors}})
	p, err := mbuf.NewPool(f.DMA(), mbuf.PoolOptions{Buffers: 256})
	if err != nil {
		t.Fatal(err)
	}
	return f, p
}

// The PF assigned a MAC: the VF takes it from the RESET reply, tells the PF
// its largest frame, runs its queue, and returns every buffer at Close.
func TestAttachVFAssignedMAC(t *testing.T) {
	m := &pfModel{assigned: [6]byte{0x52, 0x54, 0, 0x12, 0x34, 0x20}}
	f, pool := newVF(t, m)
	d, err := AttachVF(f, VFConfig{Pool: pool, RxRing: 64, TxRing: 64, Interrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.MAC() != m.assigned || !d.IsVF() || d.Queues() != 1 {
		t.Errorf("MAC %x VF %v queues %d, want %x, a VF, 1 queue", d.MAC(), d.IsVF(), d.Queues(), m.assigned)
	}
	if m.lpe != MaxMTU+22 {
		t.Errorf("SET_LPE %d, want %d", m.lpe, MaxMTU+22)
	}
	if m.resets != 1 || len(m.got) != 2 || m.got[0][0] != msgReset {
		t.Errorf("resets %d, messages %x: want one reset, then RESET and SET_LPE", m.resets, m.got)
	}
	if m.regs[vfRxBlock+regRXDCTL-regRDBAL]&xdctlEnable == 0 || m.regs[vfTxBlock+regTXDCTL-regTDBAL]&xdctlEnable == 0 {
		t.Error("the VF's queue pair was not enabled at its alias registers")
	}
	if err := d.SetMulticast([][6]byte{{0x01, 0, 0x5e, 0, 0, 0xfb}, {0x33, 0x33, 0, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if len(m.hashes) != 2 || m.hashes[0] != mtaHash([6]byte{0x01, 0, 0x5e, 0, 0, 0xfb}) || m.hashes[1] != mtaHash([6]byte{0x33, 0x33, 0, 0, 0, 1}) {
		t.Errorf("multicast hashes %x", m.hashes)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if m.resets != 2 {
		t.Errorf("Close did not reset the VF (%d resets)", m.resets)
	}
	if pool.InUse() != 0 {
		t.Errorf("%d buffers in use after Close", pool.InUse())
	}
}

// No MAC from the PF (NACK to RESET): the VF asks for the configured one,
// or a random locally administered unicast one; a PF control message that
// arrives before a reply is skipped.
func TestAttachVFChoosesMAC(t *testing.T) {
	want := [6]byte{0x02, 0, 0x5e, 0, 0, 1}
	m := &pfModel{chatty: true}
	f, pool := newVF(t, m)
	d, err := AttachVF(f, VFConfig{Pool: pool, RxRing: 64, TxRing: 64, MAC: want})
	if err != nil {
		t.Fatal(err)
	}
	if d.MAC() != want || m.mac != want {
		t.Errorf("MAC %x, PF has %x, want %x", d.MAC(), m.mac, want)
	}
	if n := d.MailboxStats().Unsolicited.Load(); n != 3 {
		t.Errorf("%d PF control messages skipped, want 3 (one before each reply)", n)
	}
	d.Close()

	m = &pfModel{}
	f, pool = newVF(t, m)
	d, err = AttachVF(f, VFConfig{Pool: pool, RxRing: 64, TxRing: 64})
	if err != nil {
		t.Fatal(err)
	}
	if mac := d.MAC(); mac[0]&1 != 0 || mac[0]&2 == 0 || mac != m.mac {
		t.Errorf("random MAC %x (PF has %x): want a locally administered unicast address the PF accepted", mac, m.mac)
	}
	d.Close()
	if pool.InUse() != 0 {
		t.Errorf("%d buffers in use after Close", pool.InUse())
	}
}

// A MAC the PF did not assign is refused with a fix; a silent PF is a
// mailbox timeout; a PF is not a VF.
func TestAttachVFErrors(t *testing.T) {
	m := &pfModel{assigned: [6]byte{0x52, 0x54, 0, 0x12, 0x34, 0x20}}
	f, pool := newVF(t, m)
	if _, err := AttachVF(f, VFConfig{Pool: pool, MAC: [6]byte{2, 0, 0, 0, 0, 1}}); !errors.Is(err, ErrConfig) {
		t.Errorf("MAC against the PF's: %v, want ErrConfig", err)
	}
	if pool.InUse() != 0 {
		t.Errorf("%d buffers in use after a failed attach", pool.InUse())
	}

	m = &pfModel{silent: true}
	f, pool = newVF(t, m)
	start := time.Now()
	if _, err := AttachVF(f, VFConfig{Pool: pool, MailboxTimeout: 50 * time.Millisecond}); !errors.Is(err, ErrMailbox) {
		t.Errorf("silent PF: %v, want ErrMailbox", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("a silent PF took %v to give up on", time.Since(start))
	}

	pf := pcitest.New(pcitest.Config{ID: IDs()[0], BARs: [6]uint32{0x4000}})
	p, _ := mbuf.NewPool(pf.DMA(), mbuf.PoolOptions{Buffers: 64})
	if _, err := AttachVF(pf, VFConfig{Pool: p}); !errors.Is(err, ErrNotIGB) {
		t.Errorf("AttachVF on a PF: %v, want ErrNotIGB", err)
	}
}
