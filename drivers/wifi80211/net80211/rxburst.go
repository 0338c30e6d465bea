package net80211

import (
	"github.com/gopkt/gopkt/crypto"
	"github.com/gopkt/gopkt/crypto/ccm"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// The burst receive path (Com.InputBurst). Before any frame of a burst is
// processed, the data frames protected by a software CCMP/GCMP key on an
// offload session are decrypted together, in place, through one
// crypto.DoBatch call (the software engine runs CCMP four frames at a
// time). Each frame then goes through the ordinary input path, which finds
// it already decrypted: the order of IEEE 802.11-2016 12.5.3.4.4 and
// NetBSD's ccmp_decap is kept where it matters, since the replay counter
// is checked and advanced only there, after the duplicate check and Block
// Ack reordering, exactly as for a frame the card's key cache decrypted
// (RxInfo.Decrypted). A frame that failed its MIC in the batch is dropped
// there as a decryption error.
//
// Frames left to the ordinary path: anything not a protected data frame
// from the BSS of a running vap, frames whose key is in the card or has
// no batch-capable session, frames the radio decrypted, frames with a bad
// cipher header or an old packet number (the ordinary path counts them),
// and, while a pairwise rekey is unconfirmed, frames under the new key
// (one that fails is tried under the retired key, which needs the
// ciphertext intact: recvMPDU).

// rxBurstMax is the most frames decrypted in one batch.
const rxBurstMax = 64

// rxBurst is the Com's scratch for InputBurst (c.mu).
type rxBurst struct {
	ops   [rxBurstMax]crypto.Op
	opp   [rxBurstMax]*crypto.Op
	nonce [rxBurstMax][ccm.NonceSize]byte
	aad   [rxBurstMax][32]byte
}

// InputBurst is InputBuf for a burst of received frames (rx[i] describes
// bufs[i]): the Com takes ownership of every buffer. Software-protected
// data frames are decrypted as one batch first (rxburst.go).
func (c *Com) InputBurst(bufs []*mbuf.Buf, rx []RxInfo) {
	c.mu.Lock()
	for i, b := range bufs {
		c.tapFrame(b.Bytes(), &rx[i], nil) // as received, before decryption
	}
	for off := 0; off < len(bufs); off += rxBurstMax {
		end := min(off+rxBurstMax, len(bufs))
		c.predecrypt(bufs[off:end], rx[off:end])
	}
	for i, b := range bufs {
		if b.Next() != nil {
			b.Free()
			continue
		}
		c.inBuf, c.inBytes = b, b.Bytes()
		c.dispatch(c.inBytes, &rx[i])
		if c.inBuf != nil {
			c.inBuf.Free()
			c.inBuf, c.inBytes = nil, nil
		}
	}
	c.unlock()
}

// predecrypt decrypts the batchable frames of bufs in place as one batch
// and marks them in rx (pre, preErr). c.mu is held.
func (c *Com) predecrypt(bufs []*mbuf.Buf, rx []RxInfo) {
	t := &c.rxb
	var eng crypto.Engine
	n := 0
	for i, m := range bufs {
		rx[i].pre, rx[i].preErr = nil, nil
		if m.Next() != nil || rx[i].Decrypted {
			continue
		}
		b := m.Bytes()
		k, hdrLen := c.batchRxKey(b)
		if k == nil {
			continue
		}
		if e := k.session.Engine(); eng == nil {
			eng = e
		} else if e != eng {
			continue // one engine per batch; the rest go frame by frame
		}
		st := k.state.(*aeadState)
		f := frame.Frame(b)
		h := b[hdrLen:]
		an, flags, ridx := aadNonce(&t.aad[n], f)
		pn := pnFromHeader(h)
		if pn <= k.RxPN[ridx] {
			continue // a replay: the ordinary path counts it
		}
		nonce := t.nonce[n][:st.nonce(&t.nonce[n], flags, f[10:16], pn)]
		ct := b[hdrLen+pnHeaderLen:]
		t.ops[n] = crypto.Op{Session: k.session, Dir: crypto.Decrypt, Nonce: nonce, AAD: t.aad[n][:an],
			Data: ct[:len(ct)-st.micLen], Tag: ct[len(ct)-st.micLen:], User: &rx[i]}
		t.opp[n] = &t.ops[n]
		rx[i].pre = k
		n++
	}
	if n == 0 {
		return
	}
	crypto.DoBatch(eng, t.opp[:n])
	for i := range n {
		op := t.opp[i]
		op.User.(*RxInfo).preErr = op.Status
		t.ops[i] = crypto.Op{}
		t.opp[i] = nil
	}
}

// batchRxKey returns the key a received frame would be decrypted with, and
// its MAC header length, when the frame can go in a decryption batch.
func (c *Com) batchRxKey(b []byte) (*Key, int) {
	f, err := frame.Parse(b)
	if err != nil || f.Type() != frame.TypeData || !f.Protected() || f.FC().Subtype()&4 != 0 {
		return nil, 0
	}
	fc := f.FC()
	if fc&(frame.FlagToDS|frame.FlagFromDS) != frame.FlagFromDS {
		return nil, 0
	}
	for _, v := range c.vaps {
		n := v.bss
		if v.state != StateRun || n == nil || !equalMAC(f.Addr2(), n.MAC) ||
			(!equalMAC(f.Addr1(), v.mac) && !isGroup(f.Addr1())) {
			continue
		}
		k := v.rxKey(f)
		if !batchKey(k) {
			return nil, 0
		}
		st, ok := k.state.(*aeadState)
		if !ok {
			return nil, 0
		}
		if k == n.PTK && n.retiredPTK != nil && !n.ptkConfirmed {
			return nil, 0 // may need the retired key: keep the ciphertext
		}
		hdrLen := f.HeaderLen()
		if len(b) < hdrLen+pnHeaderLen+st.micLen || checkHeader(k, b[hdrLen:], true) != nil {
			return nil, 0
		}
		return k, hdrLen
	}
	return nil, 0
}

// predecrypted finishes a frame decrypted by InputBurst's batch under key:
// it returns the frame with the MIC removed, ready for the cipher's Decap
// as a frame the radio decrypted (replay check, counter update, header
// removal), or ok false when the frame must be dropped (counted).
func (v *Vap) predecrypted(n *Node, key *Key, b []byte, rx *RxInfo) ([]byte, bool) {
	if rx.pre != key {
		// The key changed between the batch and this frame (a rekey
		// while it was held for reordering): its plaintext belongs to a
		// key no longer in use.
		v.stats.RxStaleKey++
		return nil, false
	}
	if rx.preErr != nil {
		key.Stats.DecryptErrs++
		v.countDecapError(n, ErrDecrypt)
		return nil, false
	}
	return b[:len(b)-key.state.(*aeadState).micLen], true
}
