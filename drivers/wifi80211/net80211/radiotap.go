package net80211

import "github.com/gopkt/gopkt/drivers/wifi80211/radiotap"

// setTapRate puts r in the Rate field (legacy) or the MCS field (HT:
// bandwidth 20 MHz, long guard interval and the index known; radiotap.org
// "MCS").
func setTapRate(f *radiotap.Fields, r Rate) {
	if !r.IsMCS() {
		f.Set(radiotap.BitRate)
		f.Rate = uint8(r)
		return
	}
	f.Set(radiotap.BitMCS)
	f.MCS = radiotap.MCS{Known: radiotap.MCSKnownBW | radiotap.MCSKnownIndex | radiotap.MCSKnownGI, Index: uint8(r.MCS())}
}

// tapFrame hands a radiotap-prefixed copy of b to the tap, if one is set:
// received frames carry rate (or HT MCS), signal and channel; sent frames rate and
// TX flags. The copy goes to a reused buffer, valid only during the call.
func (c *Com) tapFrame(b []byte, rx *RxInfo, tx *TxInfo) {
	if c.tap == nil {
		return
	}
	var f radiotap.Fields
	f.Set(radiotap.BitFlags)
	f.Set(radiotap.BitChannel)
	f.ChannelFreq = uint16(c.freq)
	if c.freq < 3000 {
		f.ChannelFlags = radiotap.Chan2GHz
	} else {
		f.ChannelFlags = radiotap.Chan5GHz
	}
	switch {
	case rx != nil:
		setTapRate(&f, rx.Rate)
		f.Set(radiotap.BitSignalDBm)
		f.SignalDBm = rx.SignalDBm
		if rx.FreqMHz != 0 {
			f.ChannelFreq = rx.FreqMHz
		}
	case tx != nil:
		setTapRate(&f, tx.Rate)
		f.Set(radiotap.BitTxFlags)
		if tx.NoAck {
			f.TxFlags = radiotap.TxNoAck
		}
	}
	c.tapBuf = radiotap.Append(c.tapBuf[:0], &f)
	c.tapBuf = append(c.tapBuf, b...)
	c.tap(c.tapBuf)
}
