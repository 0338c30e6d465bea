package net80211

import (
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
		old.Wipe()
	}
	n.PTK = k
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

// offload puts k into the radio's key cache when it has one that supports
// the cipher; otherwise (or when the cache is full) the key stays in
// software. The per-key KeyHW flag records the choice.
func (v *Vap) offload(k *Key, suite ie.Suite, group bool, rsc uint64) {
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

func (v *Vap) unload(k *Key) {
	if k.Flags&KeyHW != 0 && v.com.keyCache != nil {
		_ = v.com.keyCache.DeleteKey(k.HWSlot)
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
}
