package net80211

import (
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
)

// michaelFailure applies the TKIP countermeasures of 802.11-2016 12.5.2.4:
// every Michael MIC failure is reported to the AP with an EAPOL-Key
// Michael MIC Failure Report (Request + Error bits, 12.7.2); a second
// failure within 60 s of the previous one deauthenticates (reason 14,
// "MIC failure") and blocks association for 60 s.
func (v *Vap) michaelFailure(k *Key, now time.Time) {
	v.stats.MICFailures++
	v.emit(Event{Kind: EventMICFailure})
	if v.sup.state == supDone {
		v.sup.sendMICFailureReport(v, k.Flags&KeyGroup == 0)
	}
	if !v.micFailAt.IsZero() && now.Sub(v.micFailAt) < micFailureWindow {
		v.stats.Countermeas++
		v.micFailAt = time.Time{}
		v.blocked = now.Add(countermeasureFor)
		v.emit(Event{Kind: EventCountermeasures, Reason: frame.ReasonMICFailure})
		v.teardown(frame.ReasonMICFailure, true)
		v.newState(StateInit)
		return
	}
	v.micFailAt = now
}

// Blocked reports until when TKIP countermeasures block association
// (zero when they do not).
func (v *Vap) Blocked() time.Time {
	v.com.mu.Lock()
	defer v.com.unlock()
	return v.blocked
}
