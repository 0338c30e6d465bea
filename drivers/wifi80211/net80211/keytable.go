package net80211

import (
	"github.com/gopkt/gopkt/crypto"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
)

// installPairwise installs the PTK's temporal key for node n. Installing
// the key already in use is refused with ErrKeyReinstall and changes
// nothing — its packet numbers keep running (the KRACK fix: a retransmitted
// message 3 must not reset the nonce).
func (v *Vap) installPairwise(n *Node, suite ie.Suite, tk []byte) error {
	if n.PTK != nil && n.PTK.SameMaterial(tk) {
		v.stats.KeyReinstall++
		return ErrKeyReinstall
	}
	c, ok := v.com.ciphers[suite]
	if !ok {
		v.stats.KeyRefused++
		return opErr("install key", n.MAC.String(), ErrNotSupported, "cipher %v is not in the Com's cipher table", suite)
	}
	k, err := NewKey(c, 0, tk, RoleSupplicant, KeyXmit|KeyRecv)
	if err != nil {
		v.stats.KeyRefused++
		return err
	}
	k.Peer = n.MAC
	v.offload(k, suite, false, 0)
	if old := n.PTK; old != nil {
		v.unload(old)
		if n.retiredPTK != nil {
			n.retiredPTK.Wipe()
		}
		n.retiredPTK = old // until the next rekey: see recvData
	}
	n.PTK = k
	n.ptkConfirmed = false
	return nil
}

// installGroup installs a GTK in slot id with receive counter rsc. A GTK
// equal to one already installed in any slot is refused (ErrKeyReinstall),
// so a replayed or retransmitted group message cannot roll its counter back.
func (v *Vap) installGroup(id uint8, suite ie.Suite, gtk []byte, rsc uint64) error {
	for _, k := range v.gtk {
		if k != nil && k.SameMaterial(gtk) {
			v.stats.KeyReinstall++
			return ErrKeyReinstall
		}
	}
	c, ok := v.com.ciphers[suite]
	if !ok {
		v.stats.KeyRefused++
		return opErr("install key", "group", ErrNotSupported, "cipher %v is not in the Com's cipher table", suite)
	}
	k, err := NewKey(c, id&3, gtk, RoleSupplicant, KeyRecv|KeyGroup)
	if err != nil {
		v.stats.KeyRefused++
		return err
	}
	k.SetRxPN(rsc)
	v.offload(k, suite, true, rsc)
	if old := v.gtk[id&3]; old != nil {
		v.unload(old)
		old.Wipe()
	}
	v.gtk[id&3] = k
	v.txGroup = int(id & 3)
	return nil
}

// SlotSession is implemented by sessions of inline engines (a card's key
// cache registered in the crypto offload API) to say which key slot frames
// must name in TxInfo.KeySlot.
type SlotSession interface {
	Slot() int
}

// offloadAlgorithm maps the cipher suites that have an AEAD offload
// algorithm (the others always use their primitives).
func offloadAlgorithm(s ie.Suite) crypto.Algorithm {
	switch s {
	case ie.CipherCCMP128:
		return crypto.CCMP128
	case ie.CipherGCMP128:
		return crypto.GCMP128
	case ie.CipherGCMP256:
		return crypto.GCMP256
	}
	return 0
}

// offload chooses where k's crypto runs and records it in the per-key
// KeyHW flag. With a crypto.Registry: a session on the best engine for the
// algorithm — inline means hardware (KeyHW, slot from the session),
// lookaside means the cipher runs its AEAD through the session. Without
// one: the radio's key cache when it supports the cipher and has room.
// Anything else (cache full, cipher missing) keeps the key in software.
func (v *Vap) offload(k *Key, suite ie.Suite, group bool, rsc uint64) {
	if reg := v.com.registry; reg != nil {
		alg := offloadAlgorithm(suite)
		if alg == 0 {
			return
		}
		sess, err := reg.NewSession(alg, k.Material(), crypto.Needs{})
		if err != nil {
			return
		}
		if engineMode(sess, alg) == crypto.Inline {
			ss, ok := sess.(SlotSession)
			if ok {
				k.Flags |= KeyHW
				k.HWSlot = ss.Slot()
				k.session = sess
				return
			}
			// An inline session that cannot name its slot is useless to
			// the TX path: take the best lookaside engine instead.
			_ = sess.Close()
			if sess, err = reg.NewSession(alg, k.Material(), crypto.Needs{Mode: crypto.Lookaside}); err != nil {
				return
			}
		}
		k.session = sess
		return
	}
	kc := v.com.keyCache
	if kc == nil || !kc.Supports(uint32(suite)) {
		return
	}
	hk := HWKey{Suite: uint32(suite), KeyID: k.ID, Group: group, Peer: k.Peer, TK: k.Material(), RxPN: rsc, Install: true}
	if suite == ie.CipherTKIP {
		hk.TK = k.Material()[:16]
		hk.TxMICK, hk.RxMICK = k.txMIC[:], k.rxMIC[:]
	}
	slot, err := kc.SetKey(&hk)
	if err != nil {
		return
	}
	k.Flags |= KeyHW
	k.HWSlot = slot
}

// engineMode returns the mode the session's engine runs alg in.
func engineMode(s crypto.Session, alg crypto.Algorithm) crypto.Mode {
	for _, c := range s.Engine().Capabilities() {
		if c.Alg == alg {
			return c.Mode
		}
	}
	return crypto.Lookaside
}

func (v *Vap) unload(k *Key) {
	if k.Flags&KeyHW != 0 && k.session == nil && v.com.keyCache != nil {
		_ = v.com.keyCache.DeleteKey(k.HWSlot)
		k.Flags &^= KeyHW
		k.slotFreed = true
	}
}

// clearKeys removes every key of the vap.
func (v *Vap) clearKeys() {
	for i, k := range v.gtk {
		if k != nil {
			v.unload(k)
			k.Wipe()
			v.gtk[i] = nil
		}
	}
	if v.bss != nil && v.bss.PTK != nil {
		v.unload(v.bss.PTK)
		v.bss.PTK.Wipe()
		v.bss.PTK = nil
	}
	if v.bss != nil && v.bss.retiredPTK != nil {
		v.bss.retiredPTK.Wipe()
		v.bss.retiredPTK = nil
	}
}
