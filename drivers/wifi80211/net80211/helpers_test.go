package net80211

import (
	"testing"

	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
)

func ieSetFor(t *testing.T, ssid string, ch uint8) ie.Set {
	t.Helper()
	b := ie.AppendSSID(nil, []byte(ssid))
	b = ie.AppendRates(b, []ie.Rate{0x82, 0x84, 12, 24})
	b = ie.AppendDS(b, ch)
	s, err := ie.ParseSet(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
