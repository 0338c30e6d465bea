package vcardsim

import (
	"github.com/gopkt/gopkt/crypto/ccm"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/air"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/internal/reg"
)

// slot is one key-cache entry (docs/vcard.md §7).
type slot struct {
	cipher uint32
	mac    [6]byte
	idx    uint8
	group  bool
	tsc    uint64             // last PN used on transmit
	rsc    [reg.NumRSC]uint64 // last PN accepted per TID (+ management)
	aead   *ccm.AEAD
}

// stage is the staging window of the key registers.
type stage struct {
	sel    uint32
	cmd    uint32
	key    [4]uint32
	cipher uint32
	macl   uint32
	mach   uint32
	idx    uint32
	tscl   uint32
	tsch   uint32
	rscsel uint32
	rscl   uint32
	rsch   uint32
	loaded int // slot the staging registers were READ from, -1 if none
}

func (m *Model) keyRead(off uint32) uint32 {
	s := &m.stage
	switch off {
	case reg.KEYSLOTS:
		return reg.NumKeySlots
	case reg.KEYCAPS:
		return 1 << reg.CipherCCMP
	case reg.KEYSEL:
		return s.sel
	case reg.KEYCMD:
		return s.cmd
	case reg.KEY0, reg.KEY0 + 4, reg.KEY0 + 8, reg.KEY0 + 12:
		return s.key[(off-reg.KEY0)/4]
	case reg.KEYCIPHER:
		return s.cipher
	case reg.KEYMACL:
		return s.macl
	case reg.KEYMACH:
		return s.mach
	case reg.KEYIDX:
		return s.idx
	case reg.TSCL:
		return s.tscl
	case reg.TSCH:
		return s.tsch
	case reg.RSCSEL:
		return s.rscsel
	case reg.RSCL:
		return s.rscl
	case reg.RSCH:
		return s.rsch
	}
	return 0
}

func (m *Model) keyWrite(off, v uint32) {
	s := &m.stage
	switch off {
	case reg.KEYSEL:
		s.sel = v
	case reg.KEYCMD:
		s.cmd = m.keyCommand(v)
	case reg.KEY0, reg.KEY0 + 4, reg.KEY0 + 8, reg.KEY0 + 12:
		s.key[(off-reg.KEY0)/4] = v
	case reg.KEYCIPHER:
		s.cipher = v
	case reg.KEYMACL:
		s.macl = v
	case reg.KEYMACH:
		s.mach = v & 0xffff
	case reg.KEYIDX:
		s.idx = v & (3 | reg.KeyIdxGROUP)
	case reg.TSCL:
		s.tscl = v
	case reg.TSCH:
		s.tsch = v & 0xffff
	case reg.RSCSEL:
		s.rscsel = v
		if s.loaded >= 0 && v < reg.NumRSC {
			rsc := m.keys[s.loaded].rsc[v]
			s.rscl, s.rsch = uint32(rsc), uint32(rsc>>32)&0xffff
		}
	case reg.RSCL:
		s.rscl = v
	case reg.RSCH:
		s.rsch = v & 0xffff
	}
}

// keyCommand runs a KEYCMD and returns the value KEYCMD reads afterwards.
func (m *Model) keyCommand(cmd uint32) uint32 {
	s := &m.stage
	if s.sel >= reg.NumKeySlots {
		return reg.KeyCmdFAILED
	}
	k := &m.keys[s.sel]
	switch cmd {
	case reg.KeyCmdCLEAR:
		*k = slot{}
		s.loaded = -1
		return 0
	case reg.KeyCmdREAD:
		s.key = [4]uint32{}
		s.cipher = k.cipher
		s.macl, s.mach = mac2regs(k.mac)
		s.idx = uint32(k.idx)
		if k.group {
			s.idx |= reg.KeyIdxGROUP
		}
		s.tscl, s.tsch = uint32(k.tsc), uint32(k.tsc>>32)&0xffff
		s.loaded = int(s.sel)
		if s.rscsel < reg.NumRSC {
			s.rscl, s.rsch = uint32(k.rsc[s.rscsel]), uint32(k.rsc[s.rscsel]>>32)&0xffff
		}
		return 0
	case reg.KeyCmdWRITE:
		if s.cipher == reg.CipherNone {
			*k = slot{}
			return 0
		}
		if s.cipher != reg.CipherCCMP {
			return reg.KeyCmdFAILED // §7: only CCMP-128 is implemented
		}
		var key [16]byte
		for i, w := range s.key {
			key[4*i], key[4*i+1], key[4*i+2], key[4*i+3] = byte(w), byte(w>>8), byte(w>>16), byte(w>>24)
		}
		a, err := ccm.New(key[:], ccmpMICLen)
		if err != nil {
			return reg.KeyCmdFAILED
		}
		*k = slot{cipher: s.cipher, idx: uint8(s.idx & 3), group: s.idx&reg.KeyIdxGROUP != 0, aead: a,
			tsc: uint64(s.tsch)<<32 | uint64(s.tscl)}
		setMACLo(&k.mac, s.macl)
		setMACHi(&k.mac, s.mach)
		rsc := uint64(s.rsch)<<32 | uint64(s.rscl)
		for i := range k.rsc {
			k.rsc[i] = rsc
		}
		return 0
	}
	return reg.KeyCmdFAILED
}

// findRxKey returns the slot for a protected frame to a1 from transmitter
// a2 with key index idx (§4.4), or nil.
func (m *Model) findRxKey(a1, a2 []byte, idx uint8) (*slot, int) {
	group := air.Group(a1)
	for i := range m.keys {
		k := &m.keys[i]
		if k.cipher != reg.CipherCCMP || k.idx != idx {
			continue
		}
		mac := string(k.mac[:]) == string(a2)
		if (group && (k.group || mac)) || (!group && !k.group && mac) {
			return k, i
		}
	}
	return nil, reg.NoKey
}

// encrypt builds the protected MPDU in dst, whose first hl bytes already
// hold the plaintext MAC header, from body with packet number pn (§3.4). It
// returns the MPDU length; dst must hold hl+len(body)+16 bytes.
func encrypt(dst, body []byte, hl int, k *slot, pn uint64) int {
	var nonce [13]byte
	var aad [30]byte
	dst[1] |= fcProtected >> 8
	n := ccmpParams(dst[:hl], pn, &nonce, &aad)
	putCCMPHeader(dst[hl:], pn, k.idx)
	out := dst[hl+ccmpHdrLen : hl+ccmpHdrLen+len(body)]
	tag := dst[hl+ccmpHdrLen+len(body) : hl+ccmpHdrLen+len(body)+ccmpMICLen]
	if err := k.aead.SealDetached(out, tag, nonce[:], body, aad[:n]); err != nil {
		return 0
	}
	return hl + ccmpHdrLen + len(body) + ccmpMICLen
}

// decrypt opens a protected MPDU into dst as the plaintext MPDU: MIC
// removed and, unless keepIV, the CCMP header too and Protected cleared. It
// returns the plaintext length, or 0 when the MIC does not verify.
func decrypt(dst, frame []byte, hl int, k *slot, pn uint64, keepIV bool) int {
	var nonce [13]byte
	var aad [30]byte
	n := ccmpParams(frame[:hl], pn, &nonce, &aad)
	ct := frame[hl+ccmpHdrLen:]
	off := hl
	if keepIV {
		off += ccmpHdrLen
	}
	body, err := k.aead.Open(dst[off:off], nonce[:], ct, aad[:n])
	if err != nil {
		return 0
	}
	copy(dst, frame[:off])
	if !keepIV {
		dst[1] &^= fcProtected >> 8
	}
	return off + len(body)
}
