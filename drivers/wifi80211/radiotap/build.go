package radiotap

import "encoding/binary"

// Len returns the header length Append writes for f.
func (f *Fields) Len() int {
	off := 8
	for bit := 0; bit < len(fieldSpec); bit++ {
		if f.Has(bit) {
			off = align(off, int(fieldSpec[bit].align)) + int(fieldSpec[bit].size)
		}
	}
	return off
}

// Append appends a radiotap header for the fields marked in f.Present (one
// present word, radiotap namespace only) and returns dst. Callers append the
// 802.11 frame after it; set FlagFCS in Flags only if they also append an FCS.
func Append(dst []byte, f *Fields) []byte {
	start := len(dst)
	n := f.Len()
	for range n {
		dst = append(dst, 0)
	}
	h := dst[start:]
	le := binary.LittleEndian
	le.PutUint16(h[2:], uint16(n))
	present := f.Present & (1<<len(fieldSpec) - 1)
	le.PutUint32(h[4:], present)
	off := 8
	for bit := 0; bit < len(fieldSpec); bit++ {
		if present&(1<<bit) == 0 {
			continue
		}
		sp := fieldSpec[bit]
		off = align(off, int(sp.align))
		f.encode(bit, h[off:off+int(sp.size)])
		off += int(sp.size)
	}
	return dst
}

func (f *Fields) encode(bit int, d []byte) {
	le := binary.LittleEndian
	switch bit {
	case BitTSFT:
		le.PutUint64(d, f.TSFT)
	case BitFlags:
		d[0] = f.Flags
	case BitRate:
		d[0] = f.Rate
	case BitChannel:
		le.PutUint16(d, f.ChannelFreq)
		le.PutUint16(d[2:], f.ChannelFlags)
	case BitFHSS:
		d[0], d[1] = f.FHSS[0], f.FHSS[1]
	case BitSignalDBm:
		d[0] = byte(f.SignalDBm)
	case BitNoiseDBm:
		d[0] = byte(f.NoiseDBm)
	case BitLockQuality:
		le.PutUint16(d, f.LockQuality)
	case BitTxAttenuation:
		le.PutUint16(d, f.TxAtten)
	case BitTxAttenDB:
		le.PutUint16(d, f.TxAttenDB)
	case BitTxPowerDBm:
		d[0] = byte(f.TxPowerDBm)
	case BitAntenna:
		d[0] = f.Antenna
	case BitSignalDB:
		d[0] = f.SignalDB
	case BitNoiseDB:
		d[0] = f.NoiseDB
	case BitRxFlags:
		le.PutUint16(d, f.RxFlags)
	case BitTxFlags:
		le.PutUint16(d, f.TxFlags)
	case BitRTSRetries:
		d[0] = f.RTSRetries
	case BitDataRetries:
		d[0] = f.DataRetries
	case BitXChannel:
		le.PutUint32(d, f.XChannel.Flags)
		le.PutUint16(d[4:], f.XChannel.Freq)
		d[6], d[7] = f.XChannel.Channel, f.XChannel.MaxPower
	case BitMCS:
		d[0], d[1], d[2] = f.MCS.Known, f.MCS.Flags, f.MCS.Index
	case BitAMPDU:
		le.PutUint32(d, f.AMPDU.Reference)
		le.PutUint16(d[4:], f.AMPDU.Flags)
		d[6] = f.AMPDU.DelimCRC
	case BitVHT:
		le.PutUint16(d, f.VHT.Known)
		d[2], d[3] = f.VHT.Flags, f.VHT.Bandwidth
		copy(d[4:8], f.VHT.MCSNSS[:])
		d[8], d[9] = f.VHT.Coding, f.VHT.GroupID
		le.PutUint16(d[10:], f.VHT.PartialAID)
	case BitTimestamp, BitHE, BitHEMU, BitHEMUOther:
		copy(d, f.Raw[rawIndex(bit)][:])
	case BitZeroLenPSDU:
		d[0] = f.ZeroLenPSDU
	case BitLSIG:
		le.PutUint16(d, f.LSIG[0])
		le.PutUint16(d[2:], f.LSIG[1])
	}
}

// FreqToChannel converts a centre frequency in MHz to an IEEE channel number
// (2.4 GHz, 5 GHz and 6 GHz bands, 802.11-2016 clauses 17.3.8.4.2, 19.3.15);
// 0 when the frequency is in none of them.
func FreqToChannel(mhz int) int {
	switch {
	case mhz == 2484:
		return 14
	case mhz >= 2412 && mhz <= 2472:
		return (mhz - 2407) / 5
	case mhz >= 5000 && mhz <= 5925:
		return (mhz - 5000) / 5
	case mhz >= 5955 && mhz <= 7115:
		return (mhz - 5950) / 5
	}
	return 0
}

// ChannelToFreq converts a 2.4 GHz (1-14) or 5 GHz (32-177) channel number to MHz, 0 if neither.
func ChannelToFreq(ch int) int {
	switch {
	case ch == 14:
		return 2484
	case ch >= 1 && ch <= 13:
		return 2407 + 5*ch
	case ch >= 32 && ch <= 177:
		return 5000 + 5*ch
	}
	return 0
}
