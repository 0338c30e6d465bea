package net80211

import (
	"encoding/binary"

	"github.com/gopkt/gopkt/crypto"
	"github.com/gopkt/gopkt/crypto/ccm"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// The burst transmit path (Port.TxBurst). A burst of Ethernet frames from
// the stack becomes 802.11 data MPDUs in the mbufs they arrived in: the
// Ethernet header is pulled, the LLC/SNAP header, the CCMP/GCMP header and
// the MAC header are pushed into the headroom, and the MIC goes in the
// tailroom (IEEE 802.11-2016 12.5.3.3, figure 12-16: MAC header, CCMP
// header, data, MIC). Nothing is copied. Frames protected in software are
// then encrypted together through one crypto.DoBatch call on the key's
// offload session (the software engine runs CCMP four frames at a time),
// and transmitted in the order they came, which is the order of their
// packet numbers.
//
// A frame takes the copying path (Vap.Output) instead when it cannot be
// built in place: a shared or chained buffer, too little headroom or
// tailroom, or a key whose cipher is not CCMP/GCMP (TKIP's Michael MIC
// covers the MSDU and is computed over the copy). Staged frames are sent
// before such a frame, so the packet numbers still go out in order.

// txBurstMax is the most frames staged for one crypto batch.
const txBurstMax = 64

// txBurst is a Port's staging area, reused for every burst (no allocation
// per frame). It is used under the Com's mutex.
type txBurst struct {
	n     int
	key   *Key // the key every staged frame is protected with (nil: none)
	batch bool // the staged frames have ops to run as one batch
	bufs  [txBurstMax]*mbuf.Buf
	ether [txBurstMax]int // Ethernet frame length, for the port's counters
	ops   [txBurstMax]crypto.Op
	opp   [txBurstMax]*crypto.Op
	nonce [txBurstMax][ccm.NonceSize]byte
	aad   [txBurstMax][32]byte
}

// inPlaceKey reports whether frames under k can be built in place: no key,
// or CCMP/GCMP (in the card's key cache or in software).
func inPlaceKey(k *Key) bool {
	if k == nil {
		return true
	}
	_, ok := k.state.(*aeadState)
	return ok
}

// batchKey reports whether k's frames are encrypted in software through an
// offload session whose engine runs a batch synchronously.
func batchKey(k *Key) bool {
	if k == nil || k.Flags&KeyHW != 0 || k.session == nil {
		return false
	}
	_, ok := k.session.Engine().(crypto.BatchProcessor)
	return ok
}

// stage builds the Ethernet frame in b as a data MPDU in place and queues
// it. It returns false, with b untouched, when b cannot be built in place
// (the caller sends it through the copying path). c.mu is held.
func (p *Port) stage(b *mbuf.Buf, k *Key) bool {
	v := p.v
	n := v.bss
	t := &p.tx
	if !inPlaceKey(k) {
		return false
	}
	if t.n > 0 && t.key != k {
		p.flushTx()
	}
	eth := b.Bytes()
	etherType := binary.BigEndian.Uint16(eth[12:14])
	payload := eth[EtherHeaderLen:]
	h := frame.HeaderFields{FC: frame.MakeFC(frame.TypeData, frame.SubData, frame.FlagToDS),
		Addr1: n.MAC, Addr2: v.mac, Addr3: eth[0:6]}
	if n.QoS {
		h.FC = frame.MakeFC(frame.TypeData, frame.SubQoSData, frame.FlagToDS)
		h.QoS = uint16(userPriority(etherType, payload))
	}
	hdrLen := h.Len()
	sec, mic := 0, 0
	var st *aeadState
	if k != nil {
		st = k.state.(*aeadState)
		sec = pnHeaderLen
		if k.Flags&KeyHW == 0 {
			mic = st.micLen
		}
	}
	grow := hdrLen + sec + LLCLen - EtherHeaderLen
	if _, err := b.Push(0); err != nil || b.Headroom() < grow || b.Tailroom() < mic || LLCLen+len(payload) > 2304 {
		return false // shared, no room, or too long: the copying path decides
	}
	// From here b is ours to rewrite.
	if isGroup(eth[0:6]) {
		v.stats.TxGroup++
	}
	var da [6]byte
	copy(da[:], eth[0:6])
	h.Addr3 = da[:]
	if n.QoS {
		h.SeqCtl = frame.SeqCtlOf(n.nextSeqTID(uint8(h.QoS)), 0)
	} else {
		h.SeqCtl = frame.SeqCtlOf(n.nextSeq(), 0)
	}
	etherLen := b.Len()
	n.Stats.TxFrames++
	n.Stats.TxBytes += uint64(len(payload))
	_, _ = b.Pull(EtherHeaderLen)
	llc, _ := b.Push(LLCLen)
	AppendLLC(llc[:0], etherType)
	if sec > 0 {
		_, _ = b.Push(sec)
	}
	hdr, _ := b.Push(hdrLen)
	frame.Frame(hdr).Encode(&h)
	i := t.n
	t.bufs[i], t.ether[i], t.key = b, etherLen, k
	t.n++
	if k != nil {
		if mic > 0 {
			_, _ = b.Append(mic)
		}
		f := frame.Frame(b.Bytes())
		k.TxPN++
		pn := k.TxPN
		pnHeader(f[hdrLen:], pn, k.ID)
		f.SetFC(f.FC() | frame.FlagProtected)
		if mic > 0 {
			an, flags, _ := aadNonce(&t.aad[i], f)
			nonce := t.nonce[i][:st.nonce(&t.nonce[i], flags, f[10:16], pn)]
			end := len(f) - mic
			body := f[hdrLen+sec : end] // its capacity holds the MIC (Seal appends it)
			switch {
			case batchKey(k):
				t.ops[i] = crypto.Op{Session: k.session, Dir: crypto.Encrypt, Nonce: nonce, AAD: t.aad[i][:an],
					Data: body, Tag: f[end:]}
				t.opp[i] = &t.ops[i]
				t.batch = true
			case k.session != nil:
				op := &t.ops[i]
				*op = crypto.Op{Dir: crypto.Encrypt, Nonce: nonce, AAD: t.aad[i][:an], Data: body, Tag: f[end:]}
				_ = crypto.Do(k.session, op)
			default:
				st.aead.Seal(body[:0], nonce, body, t.aad[i][:an])
				t.ops[i].Status = nil
			}
		}
	}
	if t.n == txBurstMax {
		p.flushTx()
	}
	return true
}

// flushTx encrypts the staged frames as one batch (when their key runs in
// software), transmits them in order and frees them. c.mu is held.
func (p *Port) flushTx() {
	t := &p.tx
	if t.n == 0 {
		return
	}
	v := p.v
	k := t.key
	if t.batch {
		crypto.DoBatch(k.session.Engine(), t.opp[:t.n])
	}
	slot := -1
	if k != nil && k.Flags&KeyHW != 0 {
		slot = k.HWSlot
	}
	for i := range t.n {
		b := t.bufs[i]
		err := t.ops[i].Status
		switch {
		case err != nil:
			v.stats.TxDropped++
		case v.bss == nil:
			v.stats.TxDropped++
			err = ErrState
		default:
			if k != nil && k.Flags&KeyHW == 0 {
				k.Stats.Encrypted++
			}
			n := v.bss
			rate := v.mgmtRate()
			if n.rate != nil {
				rate = n.rate.Select(v.com.clock.Now())
			}
			err = v.com.transmit(v, b.Bytes(), n, rate, slot)
		}
		if err != nil {
			p.stats.TxDropped++
		} else {
			p.stats.TxPackets++
			p.stats.TxBytes += uint64(t.ether[i])
		}
		b.Free()
		t.bufs[i] = nil
		t.ops[i] = crypto.Op{}
		t.opp[i] = nil
	}
	t.n, t.key, t.batch = 0, nil, false
}
