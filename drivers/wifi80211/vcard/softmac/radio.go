package softmac

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// ErrFull means the card's TX ring had no room for the frame.
var ErrFull = errors.New("softmac: TX ring full")

// channels24 are the 2.4 GHz channels 1..13 (IEEE 802.11-2016 19.3.15.2).
var channels24 = [...]int{2412, 2417, 2422, 2427, 2432, 2437, 2442, 2447, 2452, 2457, 2462, 2467, 2472}

// Radio is a vcard.Device seen by net80211.
type Radio struct {
	d    *vcard.Device
	pool *mbuf.Pool

	mu      sync.Mutex // the TX ring: Transmit (under the Com lock) and Serve's Reap
	cache   *mbuf.Cache
	one     [1]*mbuf.Buf
	info    [1]vcard.TxInfo
	cookies []uint64 // net80211 cookies by ring position of our 32-bit cookie
	next    uint32
	st      []vcard.TxStatus
}

var (
	_ net80211.KeyCacheRadio = (*Radio)(nil)
	_ net80211.HTRadio       = (*Radio)(nil)
)

// New wraps an attached card. TX buffers come from pool. It switches the
// card to KEEPIV so hardware-decrypted frames keep their CCMP header.
func New(d *vcard.Device, pool *mbuf.Pool) *Radio {
	d.SetKeepIV(true)
	// Frames the card could not verify come up too: the layer counts them
	// and recovers those a rekey's retired pairwise key protects (the card
	// holds both keys under one key ID and tries one).
	d.SetPassBad(true)
	return &Radio{d: d, pool: pool, cache: pool.NewCache(32), cookies: make([]uint64, d.TxRingSize()),
		st: make([]vcard.TxStatus, 64)}
}

// MAC implements net80211.Radio.
func (r *Radio) MAC() net.HardwareAddr { return r.d.MAC() }

// SetChannel implements net80211.Radio.
func (r *Radio) SetChannel(freqMHz int) error { return r.d.SetChannel(freqMHz) }

// Channels implements net80211.Radio: the 2.4 GHz channels 1..13, a new
// slice on every call (the caller may keep or change it).
func (r *Radio) Channels() []int { return slices.Clone(channels24[:]) }

// HTCaps implements net80211.HTRadio: what the card receives (the card
// takes every frame the medium hands it, whatever its modulation).
// One spatial stream, MCS 0-7 at 20 MHz, long guard interval, SM power
// save disabled (IEEE 802.11-2016 9.4.2.56.2), 3839-octet A-MSDUs (the
// layer splits them; the card's 2048-octet receive buffers hold ones up
// to about 2000 octets) and 8 KiB A-MPDUs, no beamforming or antenna
// selection.
func (r *Radio) HTCaps() ie.HTCaps {
	h := ie.HTCaps{Info: ie.HTCapSMPSMask}
	h.MCS[0] = 0xff
	return h
}

// TxMCS implements net80211.MCSRadio: the card sends at the descriptor's
// rate, HT MCS 0-7 included (0x80|i, docs/vcard.md), and reports the TX
// status the medium gives, so rate control may use them.
func (r *Radio) TxMCS() uint8 { return 0xff }

// KeyCache implements net80211.KeyCacheRadio.
func (r *Radio) KeyCache() net80211.KeyCache { return keyCache{r.d.KeyCache()} }

// Transmit implements net80211.Radio: it copies frame into an mbuf and
// queues it with one doorbell write.
func (r *Radio) Transmit(frame []byte, info *net80211.TxInfo) error {
	if len(frame) > mbuf.DataRoom {
		return fmt.Errorf("softmac: %d-byte frame does not fit one %d-byte buffer: %w", len(frame), mbuf.DataRoom, net80211.ErrNotSupported)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cache.Alloc(r.one[:]) != 1 {
		return fmt.Errorf("softmac: %w", mbuf.ErrExhausted)
	}
	b := r.one[0]
	dst, _ := b.Append(len(frame))
	copy(dst, frame)
	c := r.next
	r.next++
	r.cookies[int(c)%len(r.cookies)] = info.Cookie
	r.info[0] = vcard.TxInfo{Rate: uint8(info.Rate), Tries: min(info.Retries+1, 15), Key: info.KeySlot,
		IVPresent: info.KeySlot >= 0, NoAck: info.NoAck, Cookie: c}
	if r.d.Transmit(r.one[:], r.info[:]) != 1 {
		r.cache.Free(r.one[:])
		return ErrFull
	}
	return nil
}

// reap collects TX statuses under the TX lock and translates them.
func (r *Radio) reap(out []net80211.TxStatus) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.d.Reap(r.st[:min(len(r.st), len(out))])
	for i, s := range r.st[:n] {
		out[i] = net80211.TxStatus{Cookie: r.cookies[int(s.Cookie)%len(r.cookies)], Acked: s.Acked,
			Retries: uint8(max(int(s.Attempts)-1, 0))}
	}
	return n
}

// Serve moves received frames and TX statuses into com until ctx ends,
// sleeping on the card's interrupt (or polling every millisecond in poll
// mode) and calling com.Tick every tick (0: never).
func (r *Radio) Serve(ctx context.Context, com *net80211.Com, tick time.Duration) error {
	var bufs [32]*mbuf.Buf
	var info [32]vcard.RxInfo
	var sts [32]net80211.TxStatus
	var rx [32]net80211.RxInfo
	lastTick := time.Now()
	for ctx.Err() == nil {
		icr, err := r.d.Wait(10 * time.Millisecond)
		if err != nil {
			return err
		}
		n := r.d.Receive(bufs[:], info[:])
		for i := range n {
			in := &info[i]
			rx[i] = net80211.RxInfo{Rate: net80211.Rate(in.Rate), SignalDBm: in.Signal, FreqMHz: in.Freq, Decrypted: in.Decrypted}
			if in.Decrypted {
				rx[i].HWSlot = in.Key + 1 // the vap drops frames of a key it replaced
			}
		}
		if n > 0 {
			// The Com takes the buffers: data frames reach the stack's
			// port in the mbuf the card wrote, and software-protected
			// ones are decrypted as one batch.
			com.InputBurst(bufs[:n], rx[:n])
		}
		m := r.reap(sts[:])
		for i := range m {
			com.TxDone(&sts[i])
		}
		if tick > 0 && time.Since(lastTick) >= tick {
			com.Tick()
			lastTick = time.Now()
		}
		if icr == 0 && n == 0 && m == 0 && r.d.IRQFd() < 0 {
			time.Sleep(time.Millisecond) // poll mode: do not spin
		}
	}
	return ctx.Err()
}

// Close frees the radio's buffer cache; call it after Serve returned and
// before detaching the card.
func (r *Radio) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cache.Flush()
}

// keyCache adapts vcard.KeyCache to net80211.KeyCache.
type keyCache struct{ kc *vcard.KeyCache }

func cipherOf(suite uint32) (vcard.Cipher, bool) {
	switch ie.Suite(suite) {
	case ie.CipherCCMP128:
		return vcard.CipherCCMP, true
	case ie.CipherTKIP:
		return vcard.CipherTKIP, true
	case ie.CipherWEP40:
		return vcard.CipherWEP40, true
	case ie.CipherWEP104:
		return vcard.CipherWEP104, true
	}
	return 0, false
}

func (k keyCache) Supports(suite uint32) bool {
	c, ok := cipherOf(suite)
	return ok && k.kc.Supports(c)
}

func (k keyCache) SetKey(h *net80211.HWKey) (int, error) {
	c, ok := cipherOf(h.Suite)
	if !ok || !h.Install {
		return -1, fmt.Errorf("softmac: suite %#08x install=%v: %w", h.Suite, h.Install, net80211.ErrNotSupported)
	}
	slot, err := k.kc.Install(vcard.Key{Cipher: c, Key: h.TK, Peer: h.Peer, Index: h.KeyID, Group: h.Group, TSC: h.TxPN, RSC: h.RxPN})
	if err != nil {
		return -1, errors.Join(net80211.ErrNotSupported, err)
	}
	return slot, nil
}

func (k keyCache) DeleteKey(slot int) error { return k.kc.Delete(slot) }
