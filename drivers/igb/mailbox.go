package igb

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/hw/pci"
)

// The PF/VF mailbox (82576 datasheet §7.8.2, "PF to VF communication"),
// seen from the VF: 16 words of shared message memory (VMBMEM) and one
// control register (V2PMAILBOX). A side writes its "buffer taken" bit (VFU
// for the VF) and reads it back to own the memory, writes the message,
// then sets REQ; the other side reads it and acknowledges (PFACK for the
// VF). Replies come the other way: PFSTS says the PF wrote a message, the
// VF takes the buffer, reads, and sets ACK. PFSTS, PFACK and RSTD clear
// when the register is read, so every read keeps what it saw until the
// bit is consumed (the "sticky" bits below), or a lock check would eat a
// reply.
//
// The messages are the ones Linux's igb PF driver answers (its
// e1000_mbx.h): word 0 holds the type in bits 15:0, a small argument in
// 23:16 (MSGINFO), and the PF's verdict in 31:29 (ACK, NACK, CTS: clear to
// send, the VF has completed its reset handshake). The driver sends
// RESET (reply: ACK and the MAC address the PF assigned, or NACK when it
// assigned none), SET_MAC_ADDR, SET_MULTICAST (up to 30 12-bit hash values)
// and SET_LPE (the largest frame the VF accepts).

// V2PMAILBOX bits.
const (
	mbxREQ   = 1 << 0 // VF → PF: a message is in VMBMEM
	mbxACK   = 1 << 1 // VF → PF: the PF's message was read
	mbxVFU   = 1 << 2 // buffer taken by the VF
	mbxPFU   = 1 << 3 // buffer taken by the PF (read only)
	mbxPFSTS = 1 << 4 // PF → VF: a message is in VMBMEM (read to clear)
	mbxPFACK = 1 << 5 // PF → VF: the VF's message was read (read to clear)
	mbxRSTI  = 1 << 6 // the PF is resetting (read only)
	mbxRSTD  = 1 << 7 // the PF finished a reset (read to clear)
	mbxR2C   = mbxPFSTS | mbxPFACK | mbxRSTD

	mbxWords = 16
)

// Message word 0.
const (
	msgReset        = 0x01
	msgSetMAC       = 0x02
	msgSetMulticast = 0x03
	msgSetLPE       = 0x05
	msgPFControl    = 0x0100 // PF → VF, unsolicited: the PF reset or its link changed

	msgTypeMask  = 0xffff
	msgInfoShift = 16
	msgCTS       = 1 << 29
	msgNACK      = 1 << 30
	msgACK       = 1 << 31

	// maxMulticast is the most hash values SET_MULTICAST carries.
	maxMulticast = 30
)

// Errors of the mailbox.
var (
	// ErrMailbox: the PF did not take or answer a message in time (is its
	// Linux interface up?).
	ErrMailbox = errors.New("igb: the PF did not answer on the mailbox")
	// ErrRefused: the PF answered NACK.
	ErrRefused = errors.New("igb: the PF refused the request")
)

// MailboxStats are the VF mailbox's counters.
type MailboxStats struct {
	Sent, Received atomic.Uint64 // messages written to and read from the PF
	Refused        atomic.Uint64 // replies with NACK
	Timeouts       atomic.Uint64 // waits for the PF that ran out
	Unsolicited    atomic.Uint64 // PF control messages read while waiting for a reply
}

// mailbox is the VF side of the PF/VF mailbox. It is not safe for
// concurrent use: the VF serialises calls.
type mailbox struct {
	regs    pci.Regs
	sticky  uint32        // read-to-clear bits seen and not consumed yet
	timeout time.Duration // for each wait on the PF
	stats   MailboxStats
}

// read returns V2PMAILBOX with the sticky bits seen before.
func (m *mailbox) read() uint32 {
	v := m.regs.Read32(vfMailbox)
	m.sticky |= v & mbxR2C
	return v | m.sticky
}

// take reports whether bit (PFSTS, PFACK or RSTD) is set, and consumes it.
func (m *mailbox) take(bit uint32) bool {
	if m.read()&bit == 0 {
		return false
	}
	m.sticky &^= bit
	return true
}

// poll waits until cond holds or the timeout passes.
func (m *mailbox) poll(what string, cond func() bool) error {
	deadline := time.Now().Add(m.timeout)
	for !cond() {
		if time.Now().After(deadline) {
			m.stats.Timeouts.Add(1)
			return fmt.Errorf("%w (waiting %v for %s; V2PMAILBOX %#02x)", ErrMailbox, m.timeout, what, m.read())
		}
		time.Sleep(200 * time.Microsecond)
	}
	return nil
}

// lock takes the message buffer: VFU written and read back (the device
// refuses it while the PF holds PFU).
func (m *mailbox) lock() error {
	return m.poll("the message buffer (PFU)", func() bool {
		m.regs.Write32(vfMailbox, mbxVFU)
		return m.read()&mbxVFU != 0
	})
}

// send writes msg, raises REQ (which also releases the buffer) and waits
// for the PF's acknowledgement.
func (m *mailbox) send(msg []uint32) error {
	if len(msg) == 0 || len(msg) > mbxWords {
		return fmt.Errorf("%w: a message of %d words", ErrConfig, len(msg))
	}
	if err := m.lock(); err != nil {
		return err
	}
	m.sticky &^= mbxPFACK // an old acknowledgement is not this message's
	for i, w := range msg {
		m.regs.Write32(vfMBMem+uint32(4*i), w)
	}
	m.regs.Write32(vfMailbox, mbxREQ)
	m.stats.Sent.Add(1)
	return m.poll("the PF to read the request (PFACK)", func() bool { return m.take(mbxPFACK) })
}

// recv waits for a message from the PF, reads len(buf) words of it and
// acknowledges it.
func (m *mailbox) recv(buf []uint32) error {
	if err := m.poll("the PF's reply (PFSTS)", func() bool { return m.take(mbxPFSTS) }); err != nil {
		return err
	}
	if err := m.lock(); err != nil {
		return err
	}
	for i := range buf {
		buf[i] = m.regs.Read32(vfMBMem + uint32(4*i))
	}
	m.regs.Write32(vfMailbox, mbxACK) // read; the buffer is released
	m.stats.Received.Add(1)
	return nil
}

// call sends req and returns the PF's reply to it in reply (reply[0] is
// word 0 with the verdict). PF control messages that arrive first are
// read and skipped. A NACK is ErrRefused.
func (m *mailbox) call(req, reply []uint32) error {
	if err := m.send(req); err != nil {
		return err
	}
	for {
		if err := m.recv(reply); err != nil {
			return err
		}
		if reply[0]&msgTypeMask == req[0]&msgTypeMask {
			break
		}
		m.stats.Unsolicited.Add(1) // a PF control message (or stale): not our reply
	}
	if reply[0]&msgNACK != 0 || reply[0]&msgACK == 0 {
		m.stats.Refused.Add(1)
		return fmt.Errorf("%w (message %#x, reply %#08x)", ErrRefused, req[0]&msgTypeMask, reply[0])
	}
	return nil
}

// macWords packs a MAC address as the mailbox carries it: the six bytes in
// order from word 1's low byte (little-endian words).
func macWords(mac [6]byte) (uint32, uint32) {
	return uint32(mac[0]) | uint32(mac[1])<<8 | uint32(mac[2])<<16 | uint32(mac[3])<<24,
		uint32(mac[4]) | uint32(mac[5])<<8
}

func wordsMAC(w1, w2 uint32) [6]byte {
	return [6]byte{byte(w1), byte(w1 >> 8), byte(w1 >> 16), byte(w1 >> 24), byte(w2), byte(w2 >> 8)}
}

// mtaHash is the 12-bit multicast table index of a group address with the
// default filter type (RCTL.MO = 00: bits 47:36 of the address, the MTA
// lookup the PF's table uses): what SET_MULTICAST carries.
func mtaHash(a [6]byte) uint16 {
	return (uint16(a[4])>>4 | uint16(a[5])<<4) & 0xfff
}
