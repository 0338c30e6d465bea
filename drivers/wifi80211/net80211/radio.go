package net80211

import (
	"net"
	"strconv"

	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
)

// Rate is a legacy rate in 500 kb/s units (2 = 1 Mb/s, 108 = 54 Mb/s), the
// unit of the Supported Rates element and radiotap's Rate field, or, with
// the high bit set, an HT MCS (MCSRate): 0x80|i is MCS i of one spatial
// stream at 20 MHz with the 800 ns guard interval (IEEE 802.11-2020
// 19.5, table 19-27). No legacy rate reaches 0x80 (54 Mb/s is 108), which
// in the Supported Rates element is the "basic" flag, removed before a
// rate gets here.
type Rate uint8

// rateHT marks an HT MCS in a Rate.
const rateHT Rate = 0x80

// MaxMCS is the highest MCS rate control uses: one spatial stream.
const MaxMCS = 7

// MCSRate returns the Rate for HT MCS i (0-7).
func MCSRate(i int) Rate { return rateHT | Rate(i&0x7f) }

// IsMCS reports an HT MCS.
func (r Rate) IsMCS() bool { return r&rateHT != 0 }

// MCS returns the MCS index of an HT rate (meaningless for a legacy one).
func (r Rate) MCS() int { return int(r &^ rateHT) }

// mcsKbps is the data rate of MCS 0-7, one stream, 20 MHz, 800 ns GI, in
// kb/s (IEEE 802.11-2020 table 19-27).
var mcsKbps = [MaxMCS + 1]int{6500, 13000, 19500, 26000, 39000, 52000, 58500, 65000}

// Kbps returns the data rate in kb/s (0 for an MCS beyond MaxMCS).
func (r Rate) Kbps() int {
	if r.IsMCS() {
		if r.MCS() > MaxMCS {
			return 0
		}
		return mcsKbps[r.MCS()]
	}
	return int(r) * 500
}

// Mbps returns the rate in Mb/s (fractional for 5.5 and some MCSs).
func (r Rate) Mbps() float64 { return float64(r.Kbps()) / 1000 }

// String names the rate: "54 Mb/s", "MCS 7 (65 Mb/s)".
func (r Rate) String() string {
	if r.IsMCS() {
		return "MCS " + strconv.Itoa(r.MCS()) + " (" + strconv.FormatFloat(r.Mbps(), 'g', -1, 64) + " Mb/s)"
	}
	return strconv.FormatFloat(r.Mbps(), 'g', -1, 64) + " Mb/s"
}

// TxInfo travels with a frame from the layer to the radio.
type TxInfo struct {
	Rate    Rate   // first-attempt rate chosen by rate control
	Retries uint8  // long retry limit for this frame
	NoAck   bool   // group-addressed or explicitly unacknowledged
	KeySlot int    // hardware key cache slot to encrypt with, -1 for none (already protected or clear)
	Cookie  uint64 // echoed in TxStatus so the layer can match the report
}

// RxInfo travels with a received frame from the radio to the layer.
type RxInfo struct {
	Rate      Rate
	SignalDBm int8
	FreqMHz   uint16
	// Decrypted means the radio's key cache decrypted the frame and checked
	// its MIC/ICV. The cipher header is still present (the layer checks
	// replay from it); the trailer (MIC/ICV) has been removed.
	Decrypted bool
	// HWSlot is 1 + the key cache slot that decrypted the frame (0: the
	// radio does not say). A frame the radio decrypted under a slot that
	// no longer holds the vap's key — the previous PTK, just before a
	// rekey replaced it — is dropped (VapStats.RxStaleKey) instead of
	// advancing the new key's replay counter with the old key's PN.
	HWSlot int

	// Set by Com.InputBurst for a frame its batch decrypted (rxburst.go):
	// the key, and the batch's verdict on the MIC.
	pre    *Key
	preErr error
}

// TxStatus reports what became of a transmitted frame.
type TxStatus struct {
	Cookie  uint64
	Acked   bool
	Retries uint8 // retransmissions used
}

// Radio is the softmac card seen from the layer (DESIGN.md §2 "Wireless").
// The driver calls Com.Input for every received frame (FCS removed) and
// Com.TxDone for every TX status. Transmit must not keep frame after it
// returns (copy it into a DMA buffer or send it synchronously).
type Radio interface {
	// MAC returns the radio's permanent address.
	MAC() net.HardwareAddr
	// Transmit queues one 802.11 frame.
	Transmit(frame []byte, info *TxInfo) error
	// SetChannel tunes to a centre frequency in MHz.
	SetChannel(freqMHz int) error
	// Channels lists the frequencies the radio supports, in scan order.
	Channels() []int
}

// HTRadio is a Radio that receives HT (802.11n) frames. The layer puts
// HTCaps in its Association Request when the AP is an HT AP, so that the
// capabilities announced are the card's own (IEEE 802.11-2016 9.4.2.56).
type HTRadio interface {
	Radio
	HTCaps() ie.HTCaps
}

// MCSRadio is an HTRadio that also transmits HT frames: TxMCS is the set
// of MCSs (bit i: MCS i, 0-7) it can send at, one spatial stream, 20 MHz,
// and whose TX status it reports like a legacy rate's. On an HT
// association with such a radio the rate control chooses among the MCSs
// both it and the AP (its HT Capabilities' Rx MCS bitmask) support, with
// the legacy rates under MCS 0 as the fallback (ratectl.go).
type MCSRadio interface {
	HTRadio
	TxMCS() uint8
}

// HWKey is what the layer hands a radio's key cache.
type HWKey struct {
	Suite   uint32 // ie.Suite value (CCMP-128, TKIP, ...)
	KeyID   uint8
	Group   bool
	Peer    net.HardwareAddr // nil for group keys
	TK      []byte
	TxMICK  []byte // TKIP only
	RxMICK  []byte // TKIP only
	RxPN    uint64 // initial receive counter (group keys from the Key RSC)
	TxPN    uint64
	Install bool // false: delete the slot
}

// KeyCache is the optional hardware crypto of a radio. A radio offers it
// by implementing KeyCacheRadio. SetKey returns the slot used; when the
// cache is full or lacks the cipher it returns ErrNotSupported and the layer
// keeps that key in software.
type KeyCache interface {
	SetKey(k *HWKey) (slot int, err error)
	DeleteKey(slot int) error
	Supports(suite uint32) bool
}

// KeyCacheRadio is a Radio with a key cache.
type KeyCacheRadio interface {
	Radio
	KeyCache() KeyCache
}

// EtherSink receives data frames converted to Ethernet II (DA, SA,
// EtherType, payload) for the stack. The slice is valid only during the
// call; the stack copies or parses it before returning.
type EtherSink interface {
	DeliverEther(frame []byte)
}

// EtherSinkFunc adapts a function to EtherSink.
type EtherSinkFunc func(frame []byte)

// DeliverEther calls f.
func (f EtherSinkFunc) DeliverEther(frame []byte) { f(frame) }

// Tap receives a copy of every frame the layer sends or receives, already
// prefixed with a radiotap header (link type 127), for pktdump and friends.
type Tap func(radiotapFrame []byte)
