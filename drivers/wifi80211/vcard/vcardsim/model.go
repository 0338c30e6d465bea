package vcardsim

import (
	"net"
	"sync"

	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/air"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/internal/reg"
	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/hw/pci/pcitest"
)

// Config describes one card.
type Config struct {
	// Addr is the PCI address (default "0000:00:05.0").
	Addr string
	// MAC is the permanent station address MACL/MACH reset to. Required.
	MAC net.HardwareAddr
	// Noise is reported in RX descriptors (default -95 dBm).
	Noise int8
	// INTx offers only a legacy interrupt line instead of one MSI-X vector.
	INTx bool
}

// Model is one virtual card. Its registers are reached through Function's
// BAR0; its air side is Receive (air.Station) and the Medium set with
// SetMedium.
type Model struct {
	f     *pcitest.Function
	space *dma.Space
	cfg   Config
	perm  [6]byte

	mu       sync.Mutex
	ctrl     uint32
	status   uint32
	icr, imr uint32
	mac      [6]byte
	bssid    [6]byte
	freq     uint32
	txpower  int8
	rxfilter uint32
	tx, rx   ring
	cnt      [reg.NumCounters]uint32
	keys     [reg.NumKeySlots]slot
	stage    stage
	seq      uint16
	gen      uint64 // bumped by reset: in-flight TX work of an older gen is discarded
	medium   air.Medium
	rxbuf    []byte // decryption scratch, used under mu
	hostile  Hostile

	kick chan struct{}
	quit chan struct{}
	done chan struct{}
}

// ring is a descriptor ring's registers.
type ring struct {
	bal, bah uint32
	n        uint32
	head     uint32
	tail     uint32
	dirty    bool // base or length changed since the ring was last enabled
}

func (r *ring) base() uint64 { return uint64(r.bah)<<32 | uint64(r.bal) }

var _ air.Station = (*Model)(nil)

// New builds a card and the pcitest.Function it sits behind, and starts its
// transmit engine. Close stops it.
func New(cfg Config) *Model {
	if cfg.Addr == "" {
		cfg.Addr = "0000:00:05.0"
	}
	if cfg.Noise == 0 {
		cfg.Noise = -95
	}
	m := &Model{
		cfg:   cfg,
		rxbuf: make([]byte, 4096),
		kick:  make(chan struct{}, 1),
		quit:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	copy(m.perm[:], cfg.MAC)
	irqs := map[pci.IRQKind]int{pci.INTx: 1}
	if !cfg.INTx {
		irqs[pci.MSIX] = 1
	}
	m.f = pcitest.New(pcitest.Config{
		Addr:        cfg.Addr,
		ID:          pci.ID{Vendor: reg.VendorID, Device: reg.DeviceID},
		SubsystemID: pci.ID{Vendor: reg.SubVendorID, Device: reg.SubDeviceID},
		Class:       reg.Class,
		BARs:        [6]uint32{reg.BAR0Size},
		Hooks:       [6]pci.RegHook{(*regHook)(m)},
		IRQs:        irqs,
		Reset:       func() error { m.reset(); return nil },
	})
	m.space = m.f.Space()
	m.mu.Lock()
	m.resetLocked()
	m.mu.Unlock()
	go m.txLoop()
	return m
}

// Function is the PCI function the driver attaches to.
func (m *Model) Function() *pcitest.Function { return m.f }

// SetMedium connects the card's transmitter to a medium.
func (m *Model) SetMedium(md air.Medium) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.medium = md
}

// Close stops the transmit engine. The Function is closed by its owner (the
// driver, on detach).
func (m *Model) Close() {
	select {
	case <-m.quit:
	default:
		close(m.quit)
	}
	<-m.done
}

// Addr implements air.Station: the current station address.
func (m *Model) Addr() net.HardwareAddr {
	m.mu.Lock()
	defer m.mu.Unlock()
	return net.HardwareAddr(append([]byte(nil), m.mac[:]...))
}

// Freq implements air.Station.
func (m *Model) Freq() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int(m.freq)
}

// Counter returns counter register off (reg.TXFRAMES...), for tests.
func (m *Model) Counter(off uint32) uint32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cnt[(off-reg.CounterBase)/4]
}

func (m *Model) count(off uint32) { m.cnt[(off-reg.CounterBase)/4]++ }

func (m *Model) reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.resetLocked()
}

// resetLocked puts every register at its reset value (§2.1 CTRL.RST).
func (m *Model) resetLocked() {
	m.ctrl, m.icr, m.imr = 0, 0, 0
	m.status = reg.StatusREADY
	m.mac = m.perm
	m.bssid = [6]byte{}
	m.freq, m.txpower, m.rxfilter = 0, 0, 0
	m.tx, m.rx = ring{}, ring{}
	m.cnt = [reg.NumCounters]uint32{}
	m.keys = [reg.NumKeySlots]slot{}
	m.stage = stage{loaded: -1}
	m.seq = 0
	m.gen++
}

// cause latches interrupt causes and signals the vector when an unmasked one
// is set (§5).
func (m *Model) cause(bits uint32) {
	m.icr |= bits
	if bits&m.imr != 0 {
		m.f.Raise(0)
	}
}

// dmaFault records an address that did not translate.
func (m *Model) dmaFault() {
	m.status |= reg.StatusDMAERR
	m.cause(reg.IntDMAERR)
}

// regHook is the BAR0 register file.
type regHook Model

func mac2regs(a [6]byte) (lo, hi uint32) {
	return uint32(a[0]) | uint32(a[1])<<8 | uint32(a[2])<<16 | uint32(a[3])<<24, uint32(a[4]) | uint32(a[5])<<8
}

func setMACLo(a *[6]byte, v uint32) {
	a[0], a[1], a[2], a[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}
func setMACHi(a *[6]byte, v uint32) { a[4], a[5] = byte(v), byte(v>>8) }

// Read32 implements pci.RegHook.
func (h *regHook) Read32(off uint32) uint32 {
	m := (*Model)(h)
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case off >= reg.CounterBase && off < reg.CounterBase+4*reg.NumCounters:
		return m.cnt[(off-reg.CounterBase)/4]
	case off >= reg.KEYSLOTS && off <= reg.RSCH:
		return m.keyRead(off)
	}
	switch off {
	case reg.ID:
		return reg.IDMagic
	case reg.VERSION:
		return reg.Version
	case reg.CTRL:
		return m.ctrl
	case reg.STATUS:
		return m.status
	case reg.ICR:
		return m.icr
	case reg.IMR:
		return m.imr
	case reg.MACL:
		lo, _ := mac2regs(m.mac)
		return lo
	case reg.MACH:
		_, hi := mac2regs(m.mac)
		return hi
	case reg.BSSIDL:
		lo, _ := mac2regs(m.bssid)
		return lo
	case reg.BSSIDH:
		_, hi := mac2regs(m.bssid)
		return hi
	case reg.FREQ:
		return m.freq
	case reg.TXPOWER:
		return uint32(uint8(m.txpower))
	case reg.RXFILTER:
		return m.rxfilter
	case reg.TDBAL:
		return m.tx.bal
	case reg.TDBAH:
		return m.tx.bah
	case reg.TDLEN:
		return m.tx.n
	case reg.TDH:
		return m.tx.head
	case reg.TDT:
		return m.tx.tail
	case reg.RDBAL:
		return m.rx.bal
	case reg.RDBAH:
		return m.rx.bah
	case reg.RDLEN:
		return m.rx.n
	case reg.RDH:
		return m.rx.head
	case reg.RDT:
		return m.rx.tail
	}
	return 0
}

// Write32 implements pci.RegHook.
func (h *regHook) Write32(off uint32, v uint32) {
	m := (*Model)(h)
	m.mu.Lock()
	defer m.mu.Unlock()
	if off >= reg.KEYSEL && off <= reg.RSCH {
		m.keyWrite(off, v)
		return
	}
	switch off {
	case reg.CTRL:
		m.writeCtrl(v)
	case reg.ICR:
		m.icr &^= v
	case reg.IMR:
		m.imr = v & (reg.IntRXDONE | reg.IntTXDONE | reg.IntRXNOBUF | reg.IntDMAERR)
		if m.icr&m.imr != 0 {
			m.f.Raise(0)
		}
	case reg.MACL:
		setMACLo(&m.mac, v)
	case reg.MACH:
		setMACHi(&m.mac, v)
	case reg.BSSIDL:
		setMACLo(&m.bssid, v)
	case reg.BSSIDH:
		setMACHi(&m.bssid, v)
	case reg.FREQ:
		m.freq = v & 0xffff
	case reg.TXPOWER:
		p := int8(v)
		m.txpower = max(-10, min(30, p))
	case reg.RXFILTER:
		m.rxfilter = v & (reg.FilterPROMISC | reg.FilterBEACON | reg.FilterBCAST)
	case reg.TDBAL:
		m.tx.bal, m.tx.dirty = v&^15, true
	case reg.TDBAH:
		m.tx.bah, m.tx.dirty = v, true
	case reg.TDLEN:
		m.tx.n, m.tx.dirty = v, true
	case reg.TDT:
		if m.tx.n != 0 {
			m.tx.tail = v % m.tx.n
		}
		m.kickTX()
	case reg.RDBAL:
		m.rx.bal, m.rx.dirty = v&^15, true
	case reg.RDBAH:
		m.rx.bah, m.rx.dirty = v, true
	case reg.RDLEN:
		m.rx.n, m.rx.dirty = v, true
	case reg.RDT:
		if m.rx.n != 0 {
			m.rx.tail = v % m.rx.n
		}
	}
}

func validRing(n uint32) bool { return n >= reg.MinRing && n <= reg.MaxRing && n&(n-1) == 0 }

func (m *Model) writeCtrl(v uint32) {
	if v&reg.CtrlRST != 0 {
		m.resetLocked()
		return
	}
	m.ctrl = v & (reg.CtrlTXEN | reg.CtrlRXEN | reg.CtrlPASSBAD | reg.CtrlKEEPIV)
	m.status &^= reg.StatusTXON | reg.StatusRXON
	if m.ctrl&reg.CtrlTXEN != 0 {
		if m.tx.dirty {
			m.tx.head, m.tx.tail, m.tx.dirty = 0, 0, false
		}
		if validRing(m.tx.n) {
			m.status |= reg.StatusTXON
		}
		m.kickTX()
	}
	if m.ctrl&reg.CtrlRXEN != 0 {
		if m.rx.dirty {
			m.rx.head, m.rx.tail, m.rx.dirty = 0, 0, false
		}
		if validRing(m.rx.n) {
			m.status |= reg.StatusRXON
		}
	}
}

func (m *Model) kickTX() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}
