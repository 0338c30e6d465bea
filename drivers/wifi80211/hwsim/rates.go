package hwsim

// hwsimRates is mac80211_hwsim's bitrate table in 100 kb/s units
// (hwsim_rates[] in mac80211_hwsim.c): the 2.4 GHz band uses all twelve, the
// 5 GHz band starts at the first OFDM rate (index 4).
var hwsimRates = [...]int{10, 20, 55, 110, 60, 90, 120, 180, 240, 360, 480, 540}

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
// band of freq: the highest table rate not above it.
func rateIndex(rate, freq int) uint32 {
	off := bandOffset(freq)
	best := 0
	for i := off; i < len(hwsimRates); i++ {
		if hwsimRates[i]/5 <= rate && hwsimRates[i] >= hwsimRates[off+best] {
			best = i - off
		}
	}
	return uint32(best)
}
