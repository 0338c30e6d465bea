package wlantest

import (
	"bytes"
	"slices"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
)

// KeyCache is a fake hardware key cache: up to Slots keys of the Suites it
// supports, applied "in the radio" on transmit and receive. Received
// frames it decrypts keep their cipher header and lose the MIC, with
// RxInfo.Decrypted set — the contract net80211 expects of a card. It does
// no replay checking: that stays in software.
type KeyCache struct {
	Slots  int
	Suites []uint32
	keys   map[int]*hwEntry
	// Encrypted and Decrypted count frames the "hardware" processed.
	Encrypted, Decrypted int
}

type hwEntry struct {
	group bool
	id    uint8
	peer  []byte
	key   *net80211.Key
}

// SetKey implements net80211.KeyCache.
func (c *KeyCache) SetKey(h *net80211.HWKey) (int, error) {
	if !c.Supports(h.Suite) || len(c.keys) >= c.Slots {
		return -1, net80211.ErrNotSupported
	}
	if c.keys == nil {
		c.keys = make(map[int]*hwEntry)
	}
	k, err := net80211.NewKey(net80211.DefaultCiphers()[ie.Suite(h.Suite)], h.KeyID, h.TK, net80211.RoleSupplicant, net80211.KeyXmit|net80211.KeyRecv)
	if err != nil {
		return -1, err
	}
	slot := 0
	for c.keys[slot] != nil {
		slot++
	}
	c.keys[slot] = &hwEntry{group: h.Group, id: h.KeyID, peer: bytes.Clone(h.Peer), key: k}
	return slot, nil
}

// DeleteKey implements net80211.KeyCache.
func (c *KeyCache) DeleteKey(slot int) error {
	delete(c.keys, slot)
	return nil
}

// Supports implements net80211.KeyCache.
func (c *KeyCache) Supports(suite uint32) bool { return slices.Contains(c.Suites, suite) }

// Used returns the number of occupied slots.
func (c *KeyCache) Used() int { return len(c.keys) }

// encrypt completes a frame the layer sent with a key slot: the cipher
// header with the PN is in place; add ciphertext and MIC.
func (c *KeyCache) encrypt(b []byte, slot int) []byte {
	e := c.keys[slot]
	f, err := frame.Parse(b)
	if e == nil || err != nil {
		return b
	}
	hl := f.HeaderLen()
	ch := e.key.Cipher.HeaderLen()
	h := b[hl:]
	pn := uint64(h[0]) | uint64(h[1])<<8 | uint64(h[4])<<16 | uint64(h[5])<<24 | uint64(h[6])<<32 | uint64(h[7])<<40
	plain := append(append(make([]byte, 0, len(b)+32), b[:hl]...), b[hl+ch:]...)
	e.key.TxPN = pn - 1
	out, err := e.key.Cipher.Encap(e.key, plain, hl)
	if err != nil {
		return b
	}
	c.Encrypted++
	return out
}

// decrypt processes a received protected frame if a slot matches.
func (c *KeyCache) decrypt(b []byte, rx *net80211.RxInfo) []byte {
	f, err := frame.Parse(b)
	if err != nil || !f.Protected() {
		return b
	}
	id := net80211.FrameKeyID(f)
	group := f.Addr1()[0]&1 != 0
	for slot, e := range c.keys {
		if e.group != group || (group && int(e.id) != id) || (!group && !bytes.Equal(e.peer, f.Addr2())) {
			continue
		}
		hl := f.HeaderLen()
		ch := e.key.Cipher.HeaderLen()
		if len(b) < hl+ch {
			return b
		}
		saved := bytes.Clone(b[:hl+ch])
		e.key.SetRxPN(0)
		out, err := e.key.Cipher.Decap(e.key, bytes.Clone(b), hl, false)
		if err != nil {
			return b // the layer sees the frame undecrypted and fails it in software
		}
		res := append(saved, out[hl:]...)
		frame.Frame(res).SetFC(frame.Frame(res).FC() | frame.FlagProtected)
		rx.Decrypted = true
		rx.HWSlot = slot + 1
		c.Decrypted++
		return res
	}
	return b
}

// HWRadio is a Radio with a KeyCache; it implements net80211.KeyCacheRadio.
type HWRadio struct {
	*Radio
	Cache *KeyCache
}

// KeyCache implements net80211.KeyCacheRadio.
func (r HWRadio) KeyCache() net80211.KeyCache { return r.Cache }

// Transmit encrypts frames sent with a key slot, then sends them.
func (r HWRadio) Transmit(b []byte, info *net80211.TxInfo) error {
	if info.KeySlot >= 0 {
		b = r.Cache.encrypt(b, info.KeySlot)
	}
	return r.Radio.Transmit(b, info)
}

// AttachKeyCache makes the radio run received frames through c.
func (r *Radio) AttachKeyCache(c *KeyCache) { r.cache = c }
