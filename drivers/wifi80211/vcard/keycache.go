package vcard

import (
	"fmt"
	"net"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/internal/reg"
)

// Cipher is a key-cache cipher number (docs/vcard.md §7).
type Cipher uint8

// Ciphers.
const (
	CipherWEP40  Cipher = reg.CipherWEP40
	CipherWEP104 Cipher = reg.CipherWEP104
	CipherTKIP   Cipher = reg.CipherTKIP
	CipherCCMP   Cipher = reg.CipherCCMP
)

func (c Cipher) String() string {
	switch c {
	case CipherWEP40:
		return "WEP-40"
	case CipherWEP104:
		return "WEP-104"
	case CipherTKIP:
		return "TKIP"
	case CipherCCMP:
		return "CCMP-128"
	}
	return fmt.Sprintf("Cipher(%d)", int(c))
}

// Key is a key to install in the card.
type Key struct {
	Cipher Cipher
	Key    []byte // 16 bytes for CCMP-128
	// Peer is the transmitter address of frames decrypted with the key: the
	// AP's address for both the pairwise key and group keys on a station.
	Peer  net.HardwareAddr
	Index uint8 // key ID 0..3
	// Group: a group key, used for every group-addressed frame with its
	// key ID whatever the transmitter (Peer may then be nil).
	Group bool
	// TSC is the last packet number used on transmit (the next is TSC+1).
	TSC uint64
	// RSC is the last packet number received, for every TID (the RSC of an
	// EAPOL-Key group key message; 0 for a new pairwise key).
	RSC uint64
}

// KeyCache is the card's hardware key table. It is an inline crypto engine:
// frames are encrypted as the card transmits them and decrypted as it
// receives them. Install fails with ErrCacheFull or ErrCipher when the card
// cannot take a key, and the caller then keeps that key in software.
type KeyCache struct {
	d        *Device
	used     []bool
	caps     uint32
	sessions uint64 // open crypto sessions (engine.go), under d.mu
}

// KeyCache returns the card's key cache.
func (d *Device) KeyCache() *KeyCache { return &d.keys }

// Slots is the number of slots.
func (k *KeyCache) Slots() int { return len(k.used) }

// Supports reports whether the card implements c.
func (k *KeyCache) Supports(c Cipher) bool { return k.caps&(1<<c) != 0 }

// Free is the number of empty slots.
func (k *KeyCache) Free() int {
	k.d.mu.Lock()
	defer k.d.mu.Unlock()
	n := 0
	for _, u := range k.used {
		if !u {
			n++
		}
	}
	return n
}

// Install writes key into a free slot and returns the slot.
func (k *KeyCache) Install(key Key) (int, error) {
	d := k.d
	if !k.Supports(key.Cipher) {
		return -1, d.opErr("key install", fmt.Errorf("%w: %v", ErrCipher, key.Cipher), "keep this key in the software engine")
	}
	if key.Cipher == CipherCCMP && len(key.Key) != 16 {
		return -1, d.opErr("key install", fmt.Errorf("%w: %d-byte CCMP key", ErrKey, len(key.Key)), "CCMP-128 keys are 16 bytes")
	}
	if key.Group && key.Peer == nil {
		key.Peer = make([]byte, 6)
	}
	if len(key.Peer) != 6 || key.Index > 3 {
		return -1, d.opErr("key install", fmt.Errorf("%w: peer %v index %d", ErrKey, key.Peer, key.Index), "give the transmitter's 6-byte address and a key ID 0..3")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return -1, d.opErr("key install", ErrClosed, "")
	}
	slot := -1
	for i, u := range k.used {
		if !u {
			slot = i
			break
		}
	}
	if slot < 0 {
		return -1, d.opErr("key install", ErrCacheFull, "keep this key in the software engine")
	}
	g := d.regs
	g.Write32(reg.KEYSEL, uint32(slot))
	for i := 0; i < 4; i++ {
		b := key.Key[4*i:]
		g.Write32(reg.KEY0+uint32(4*i), uint32(b[0])|uint32(b[1])<<8|uint32(b[2])<<16|uint32(b[3])<<24)
	}
	g.Write32(reg.KEYCIPHER, uint32(key.Cipher))
	p := key.Peer
	g.Write32(reg.KEYMACL, uint32(p[0])|uint32(p[1])<<8|uint32(p[2])<<16|uint32(p[3])<<24)
	g.Write32(reg.KEYMACH, uint32(p[4])|uint32(p[5])<<8)
	idx := uint32(key.Index)
	if key.Group {
		idx |= reg.KeyIdxGROUP
	}
	g.Write32(reg.KEYIDX, idx)
	g.Write32(reg.TSCL, uint32(key.TSC))
	g.Write32(reg.TSCH, uint32(key.TSC>>32)&0xffff)
	g.Write32(reg.RSCSEL, 0)
	g.Write32(reg.RSCL, uint32(key.RSC))
	g.Write32(reg.RSCH, uint32(key.RSC>>32)&0xffff)
	g.Write32(reg.KEYCMD, reg.KeyCmdWRITE)
	for i := 0; i < 4; i++ { // the key bytes do not stay in the staging window
		g.Write32(reg.KEY0+uint32(4*i), 0)
	}
	if g.Read32(reg.KEYCMD)&reg.KeyCmdFAILED != 0 {
		return -1, d.opErr("key install", ErrCommand, "the card refused the key; keep it in software")
	}
	k.used[slot] = true
	return slot, nil
}

// Delete clears a slot. Frames already queued may name it (a supplicant
// sends message 4 with the old pairwise key and replaces the key right
// after), so it first waits for the card to finish the TX ring as it
// stands, for as long as the card makes progress (a wall-clock bound of
// 100 ms lost message 4, and with it the association, when a loaded machine
// starved the card), giving up only after 1 s without progress.
func (k *KeyCache) Delete(slot int) error {
	d := k.d
	if !d.drainTx(time.Second) {
		d.log.Warn("vcard: TX ring stalled for 1 s before a key slot was cleared: the card refuses frames still naming it (TX status NoKey)", "addr", d.f.Addr(), "slot", slot)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if slot < 0 || slot >= len(k.used) || !k.used[slot] {
		return d.opErr("key delete", fmt.Errorf("%w: slot %d is not installed", ErrKey, slot), "")
	}
	d.regs.Write32(reg.KEYSEL, uint32(slot))
	d.regs.Write32(reg.KEYCMD, reg.KeyCmdCLEAR)
	k.used[slot] = false
	return nil
}

// Counters returns a slot's transmit PN and the receive PN of index tid
// (0..15, or 16 for management frames).
func (k *KeyCache) Counters(slot, tid int) (tsc, rsc uint64, err error) {
	d := k.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if slot < 0 || slot >= len(k.used) || !k.used[slot] || tid < 0 || tid >= reg.NumRSC {
		return 0, 0, d.opErr("key counters", fmt.Errorf("%w: slot %d tid %d", ErrKey, slot, tid), "")
	}
	g := d.regs
	g.Write32(reg.KEYSEL, uint32(slot))
	g.Write32(reg.RSCSEL, uint32(tid))
	g.Write32(reg.KEYCMD, reg.KeyCmdREAD)
	tsc = uint64(g.Read32(reg.TSCH))<<32 | uint64(g.Read32(reg.TSCL))
	rsc = uint64(g.Read32(reg.RSCH))<<32 | uint64(g.Read32(reg.RSCL))
	return tsc, rsc, nil
}
