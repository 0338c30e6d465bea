package net80211

import (
	"sync"

	"github.com/gopkt/gopkt/clock"
	"github.com/gopkt/gopkt/crypto"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// ComConfig builds a Com. Radio is required; the rest has defaults.
type ComConfig struct {
	Radio   Radio
	Clock   clock.Clock // nil: clock.System()
	Ciphers Ciphers     // default DefaultCiphers()
	Tap     Tap         // optional: every frame in and out, radiotap-prefixed
	// Crypto, if set, is the offload registry CCMP and GCMP keys get
	// sessions from (best engine by capability and priority): an inline
	// engine (a card's key cache) makes the key a hardware key, a
	// lookaside engine (crypto/soft) runs the AEAD. Without it, keys use
	// the radio's KeyCache when it has one, else the primitives directly.
	Crypto *crypto.Registry
}

// Com is the radio side of the layer (NetBSD struct ieee80211com): one per
// card. It owns the radio, the clock, the cipher table and the optional
// hardware key cache, and hands received frames to its vaps.
//
// Locking: one mutex serialises everything under a Com (run to completion).
// Radio.Transmit is called with it held, so a radio must not call back into
// the Com from Transmit; it reports TX status and received frames later,
// from its own goroutine. EtherSink and Event callbacks run without it.
type Com struct {
	mu       sync.Mutex
	radio    Radio
	clock    clock.Clock
	ciphers  Ciphers
	keyCache KeyCache
	registry *crypto.Registry
	tap      Tap
	tapBuf   []byte
	freq     int
	vaps     []*Vap
	cookie   uint64
	pending  [txPendingSlots]txPending
	deferred []func()  // callbacks to run after the lock is released
	txInfo   TxInfo    // reused for every transmit (no allocation per frame)
	inBuf    *mbuf.Buf // the mbuf InputBuf is processing, until a Port takes it
	inBytes  []byte    // its bytes as given (to locate the Ethernet frame in it)
	rxb      rxBurst   // InputBurst's decryption batch
}

type txPending struct {
	cookie uint64
	vap    *Vap
	node   *Node
	rate   Rate
}

// NewCom checks cfg and returns a Com.
func NewCom(cfg ComConfig) (*Com, error) {
	if cfg.Radio == nil {
		return nil, opErr("new com", "", ErrNotSupported, "ComConfig.Radio is nil; pass the card driver's radio")
	}
	c := &Com{radio: cfg.Radio, clock: cfg.Clock, ciphers: cfg.Ciphers, tap: cfg.Tap, registry: cfg.Crypto}
	c.clock = clock.Or(c.clock)
	if c.ciphers == nil {
		c.ciphers = DefaultCiphers()
	}
	if kr, ok := cfg.Radio.(KeyCacheRadio); ok {
		c.keyCache = kr.KeyCache()
	}
	return c, nil
}

// Input hands one received frame (FCS removed) to the layer. The layer
// may rewrite b in place (decryption, Ethernet conversion); the caller
// keeps ownership and may reuse b after Input returns.
func (c *Com) Input(b []byte, rx *RxInfo) {
	c.mu.Lock()
	c.input(b, rx)
	c.unlock()
}

// input dispatches a received frame to the vaps; the lock is held.
func (c *Com) input(b []byte, rx *RxInfo) {
	c.tapFrame(b, rx, nil)
	c.dispatch(b, rx)
}

// dispatch is input after the tap (InputBurst taps every frame before its
// batch decrypts any, so the tap sees them as they came off the air).
func (c *Com) dispatch(b []byte, rx *RxInfo) {
	f, err := frame.Parse(b)
	if err != nil {
		for _, v := range c.vaps {
			v.stats.RxMalformed++
		}
		return
	}
	for _, v := range c.vaps {
		if len(c.vaps) == 1 || isGroup(f.Addr1()) || equalMAC(f.Addr1(), v.mac) || f.Type() == frame.TypeMgmt {
			v.input(f, rx)
		}
	}
}

// txPendingSlots is how many frames in flight keep their TX status's
// bookkeeping (cookie modulo this): the default card TX ring (256), so a
// flush of the frames held during a probe or a background visit
// (bgHeldFrames) cannot overwrite the entry of a frame still in the ring.
const txPendingSlots = 256

// TxDone reports the fate of a frame sent with the given cookie.
func (c *Com) TxDone(st *TxStatus) {
	c.mu.Lock()
	p := &c.pending[st.Cookie%uint64(len(c.pending))]
	if p.cookie == st.Cookie && p.vap != nil {
		v := p.vap
		if st.Acked {
			v.stats.TxAcked++
		} else {
			v.stats.TxNotAcked++
		}
		if n := p.node; n != nil {
			n.Stats.TxRetries += uint64(st.Retries)
			if !st.Acked {
				n.Stats.TxFailed++
			}
			if n.rate != nil {
				n.rate.Update(p.rate, st.Acked, int(st.Retries), c.clock.Now())
			}
		}
		node := p.node
		*p = txPending{}
		switch {
		case v.bg.leaving && st.Cookie == v.bg.nullCookie:
			v.bgTxDone(st.Acked, c.clock.Now())
		case v.roam.next != nil && st.Cookie == v.roam.deauthCookie:
			v.roamResume(c.clock.Now())
		case node != nil && node == v.bss && v.state == StateRun:
			v.monTxDone(st.Cookie, st.Acked, c.clock.Now())
		case node != nil && node == v.bss && (v.state == StateAuth || v.state == StateAssoc) && st.Cookie == v.stepCookie:
			v.stepTxDone(st.Acked, c.clock.Now())
		}
	}
	c.unlock()
}

// Tick runs timers: scan dwell, authentication and association timeouts,
// the handshake timeout, beacon loss, countermeasure expiry, node and scan
// cache ageing. Call it every 10-100 ms (tests call it after advancing a
// fake clock).
func (c *Com) Tick() {
	c.mu.Lock()
	now := c.clock.Now()
	for _, v := range c.vaps {
		v.tick(now)
	}
	c.unlock()
}

// unlock releases the lock and runs deferred callbacks.
func (c *Com) unlock() {
	d := c.deferred
	c.deferred = nil
	c.mu.Unlock()
	for _, fn := range d {
		fn()
	}
}

// later queues fn to run after the lock is released.
func (c *Com) later(fn func()) { c.deferred = append(c.deferred, fn) }

// transmit hands a frame to the radio with a fresh cookie.
func (c *Com) transmit(v *Vap, b []byte, n *Node, rate Rate, keySlot int) error {
	c.cookie++
	info := &c.txInfo
	*info = TxInfo{Rate: rate, Retries: 7, KeySlot: keySlot, Cookie: c.cookie}
	if isGroup(frame.Frame(b).Addr1()) {
		info.NoAck = true
	} else {
		c.pending[c.cookie%uint64(len(c.pending))] = txPending{cookie: c.cookie, vap: v, node: n, rate: rate}
	}
	c.tapFrame(b, nil, info)
	if err := c.radio.Transmit(b, info); err != nil {
		v.stats.TxErrors++
		return err
	}
	v.stats.TxFrames++
	return nil
}

// setChannel tunes the radio if needed.
func (c *Com) setChannel(freq int) error {
	if c.freq == freq {
		return nil
	}
	if err := c.radio.SetChannel(freq); err != nil {
		return err
	}
	c.freq = freq
	return nil
}

func isGroup(a []byte) bool { return len(a) == 6 && a[0]&1 != 0 }

func equalMAC(a, b []byte) bool { return len(a) == 6 && len(b) == 6 && [6]byte(a) == [6]byte(b) }
