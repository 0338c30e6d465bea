package net80211_test

import (
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/radiotap"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
)

// mcsRadio is the test radio transmitting HT MCS 0-7 (net80211.MCSRadio).
type mcsRadio struct{ htRadio }

func (mcsRadio) TxMCS() uint8 { return 0xff }

// htRateBench is a WMM+HT association whose radio sends MCS 0-7, with
// rate control rc, recording the rate of every frame we send and the
// radiotap MCS index of every frame we tap as sent.
type htRateBench struct {
	*bench
	sent    []net80211.Rate // rates of our transmissions (lost ones included)
	tapMCS  int             // tapped TX frames with the radiotap MCS field
	tapBad  int             // tapped frames radiotap cannot parse
	loseAbv int             // transmissions above this MCS are lost (-1: none)
}

func newHTRateBench(t *testing.T, rc net80211.RateCtl, mcs bool) *htRateBench {
	hb := &htRateBench{loseAbv: -1}
	tap := func(p []byte) {
		f, _, err := radiotap.Parse(p)
		if err != nil {
			hb.tapBad++
			return
		}
		if f.Has(radiotap.BitTxFlags) && f.Has(radiotap.BitMCS) {
			hb.tapMCS++
		}
	}
	hb.bench = newBench(t, benchOpts{passphrase: "high throughput", apCfg: func(c *wlantest.APConfig) { c.QoS = true },
		comCfg: func(c *net80211.ComConfig) {
			r := htRadio{c.Radio.(*wlantest.Radio)}
			if mcs {
				c.Radio = mcsRadio{r}
			} else {
				c.Radio = r
			}
			c.Tap = tap
		},
		vapCfg: func(c *net80211.VapConfig) { c.RateCtl = rc }})
	hb.medium.Lose = func(from *wlantest.Radio, r net80211.Rate) bool {
		if from != hb.sta {
			return false
		}
		hb.sent = append(hb.sent, r)
		return hb.loseAbv >= 0 && r.IsMCS() && r.MCS() > hb.loseAbv
	}
	hb.connect("high throughput")
	return hb
}

// traffic sends n frames up, 10 ms apart in groups of 10, and returns the
// rates they went at.
func (b *htRateBench) traffic(n int) []net80211.Rate {
	from := len(b.sent)
	for i := range n {
		if err := b.vap.Output(ether(baPeer, staMAC, "rate control")); err != nil {
			b.t.Fatal(err)
		}
		b.medium.Run(100)
		if i%10 == 9 {
			b.step(10 * time.Millisecond)
		}
	}
	return b.sent[from:]
}

// TestHTRateControl: on an HT association with a radio that sends MCS
// 0-7, AMRR and Minstrel climb from the legacy rates into the MCSs up to
// MCS 7 on a clean channel, settle at or under the highest MCS that gets
// through when the higher ones are lost, and the tap marks those frames
// with the radiotap MCS field (tshark's radiotap.mcs.index); Status names
// the MCS. A radio that only receives HT stays at legacy rates.
func TestHTRateControl(t *testing.T) {
	for _, rc := range []net80211.RateCtl{net80211.AMRR{}, net80211.Minstrel{Seed: 3}} {
		t.Run(rc.Name(), func(t *testing.T) {
			b := newHTRateBench(t, rc, true)
			if !b.vap.Status().HT {
				t.Fatal("no HT association")
			}
			rates := b.traffic(600)
			last := rates[len(rates)-50:]
			top := 0
			for _, r := range last {
				if r == net80211.MCSRate(7) {
					top++
				}
			}
			if top < len(last)/2 {
				t.Fatalf("clean channel: %d of the last %d frames at MCS 7: %v", top, len(last), last)
			}
			if st := b.vap.Status(); st.TxRate != net80211.MCSRate(7) || st.TxRate.String() != "MCS 7 (65 Mb/s)" {
				t.Fatalf("status rate %v", st.TxRate)
			}
			if b.tapMCS < 100 || b.tapBad != 0 {
				t.Fatalf("tap: %d frames with the MCS field, %d unparsable", b.tapMCS, b.tapBad)
			}
			// MCS 4 and above now fail.
			b.loseAbv = 3
			rates = b.traffic(1500)
			last = rates[len(rates)-100:]
			within := 0
			for _, r := range last {
				if r.IsMCS() && r.MCS() <= 3 && r.MCS() >= 1 {
					within++
				}
			}
			if within < len(last)*8/10 {
				t.Fatalf("MCS 4-7 lost: %d of the last %d frames at MCS 1-3: %v", within, len(last), last)
			}
			b.loseAbv = -1
			b.pingPong("ht")
		})
	}
	t.Run("legacy-tx", func(t *testing.T) {
		b := newHTRateBench(t, net80211.AMRR{}, false)
		for _, r := range b.traffic(300) {
			if r.IsMCS() {
				t.Fatalf("a radio without MCSRadio sent at %v", r)
			}
		}
		if st := b.vap.Status(); st.TxRate != 108 || b.tapMCS != 0 {
			t.Fatalf("rate %v, %d tapped with MCS", st.TxRate, b.tapMCS)
		}
	})
}
