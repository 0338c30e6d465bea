package hwsim

// hwsimRates is mac80211_hwsim's bitrate table in 100 kb/s units
// (hwsim_rates[] in mac80211_hwsim.c): the 2.4 GHz band uses all twelve, the
// 5 GHz band starts at the first OFDM rate (index 4).
var hwsimRates = [...]int{10, 20, 55, 110, 60, 90, 120, 180, 240, 360, 480, 540}

// rateHT marks an HT MCS in a rate (0x80|i: MCS i, one stream, 20 MHz,
// long guard interval), as net80211.Rate and the vcard descriptors do.
const rateHT = 0x80

// mcsRates is HT MCS 0-7 (one stream, 20 MHz, 800 ns guard interval;
// IEEE 802.11-2020 table 19-27) in 500 kb/s units, rounded down.
var mcsRates = [8]int{13, 26, 39, 52, 78, 104, 117, 130}

// txRCMCS is MAC80211_HWSIM_TX_RC_MCS in struct hwsim_tx_rate_flag's
// flags: the rate index is an HT MCS, not an index into the bitrates.
const txRCMCS = 1 << 3

// kernelRate is the rate of a kernel frame from its HWSIM_ATTR_TX_INFO
// (the first struct hwsim_tx_rate) and HWSIM_ATTR_TX_INFO_FLAGS (the
// first struct hwsim_tx_rate_flag, packed: s8 idx, u16 flags), when the
// kernel sent it: an HT MCS as rateHT|MCS (net80211 knows the data rates
// of 0-7, one stream), else the legacy rate of the index in 500 kb/s units.
func kernelRate(txInfo, txFlags []byte, freq int) int {
	if len(txFlags) >= 3 && int8(txFlags[0]) >= 0 &&
		(uint16(txFlags[1])|uint16(txFlags[2])<<8)&txRCMCS != 0 {
		return rateHT | int(txFlags[0])
	}
	return rateOf(int8(txInfo[0]), freq)
}

func bandOffset(freq int) int {
	if freq >= 5000 {
		return 4
	}
	return 0
}

// rateOf converts a kernel rate index of the band of freq into 500 kb/s
// units; an index out of range gives the band's lowest rate.
func rateOf(idx int8, freq int) int {
	i := int(idx) + bandOffset(freq)
	if idx < 0 || i >= len(hwsimRates) {
		i = bandOffset(freq)
	}
	return hwsimRates[i] / 5
}

// rateIndex converts 500 kb/s units into the kernel's rate index for the
// band of freq: the highest table rate not above it. HWSIM_CMD_FRAME from
// the medium carries only that index (hwsim_cloned_frame_received_nl sets
// rate_idx and nothing of HT), so an HT MCS becomes the highest legacy
// rate not above its data rate: the kernel radio sees our HT frames as
// legacy ones.
func rateIndex(rate, freq int) uint32 {
	if rate&rateHT != 0 && rate&^rateHT < len(mcsRates) {
		rate = mcsRates[rate&^rateHT]
	}
	off := bandOffset(freq)
	best := 0
	for i := off; i < len(hwsimRates); i++ {
		if hwsimRates[i]/5 <= rate && hwsimRates[i] >= hwsimRates[off+best] {
			best = i - off
		}
	}
	return uint32(best)
}
