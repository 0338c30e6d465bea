package net80211

import (
	"fmt"
	"time"
)

// The connection monitor: a dead AP is found by asking it, not by waiting.
//
// Counting missed beacons alone costs several beacon intervals, and on a
// loaded host more (a beacon late because nobody ran us looks like a
// missed one; roam.go's jitter allowance waits for that). As Linux
// mac80211 does (net/mac80211/mlme.c: ieee80211_mgd_probe_ap on beacon
// loss or a quiet connection, ieee80211_mgd_probe_ap_send sending a
// nullfunc frame when the driver reports TX status, max_nullfunc_tries 2,
// the connection lost when none is acknowledged), the vap sends the AP a
// Null Data frame (PM bit clear: we stay awake) when
//
//   - no beacon came one beacon interval and a half after the last (the
//     first missed beacon plus half an interval of allowance), or
//   - txFailProbe frames in a row to the AP were not acknowledged.
//
// Whether a frame is acknowledged is decided by the medium, not by how
// promptly our process runs: an individually addressed frame is answered
// with an Ack by its receiver, and a frame that gets none after the
// retry limit is given up (IEEE 802.11-2020 clause 10.3, DCF: the Ack
// procedure and "Recovery procedures and retransmit limits",
// dot11ShortRetryLimit; the card reports it in TxStatus after its
// Retries). The standard leaves detecting a lost AP to the implementation
// (it defines no beacon-loss count for a non-AP STA). So
// an acknowledged probe proves the AP alive however late its beacons are
// (a stalled guest, a busy AP): the beacon-loss deadlines re-arm and we
// wait for beacons. probeTries probes in a row without an Ack declare the
// loss at once: we move to the best known other AP of the ESS (roamTo),
// or with none known start a full scan (monLost).
//
// Cost of a dead AP, worst case, with interval I (102.4 ms at 100 TU) and
// Tick period P (20 ms in wlan): the first probe 1.5 I after the last
// beacon, at the next Tick (1.5 I + P = 174 ms), then two TX statuses in
// a row, each the card's whole retry series (1 + 7 attempts: on real air
// at 1 Mb/s with the backoff doubling, about 5-15 ms; in the VM lane the
// medium answers each attempt at once, and the status takes what the
// guest's scheduling makes it, 1-300 ms measured). So 1.5 I + P + 2 status
// latencies, about 180 ms on an idle host; earlier when our own traffic
// finds it first (3 frames unacknowledged: at a 10 ms ping interval about
// 30 ms after the death). A radio that never reports TX status leaves a
// probe abandoned after probeStatusWait (1 s, counted): the beacon-loss
// deadlines then decide as before (BeaconMiss intervals plus the jitter
// allowance); a status arriving later is still the probe's verdict. While
// a probe waits for its status, beaconDL waits for its verdict (sta.go).
// An AP whose radio acknowledges but which sends nothing (its daemon
// gone) costs silentIntervals (10 I, 1.02 s) plus the jitter allowance
// when another AP is known.

// probeTries: probes not acknowledged in a row that make the AP lost
// (mac80211's max_nullfunc_tries); txFailProbe: frames to the AP not
// acknowledged in a row that start a probe; probeStatusWait: how long a
// probe's TX status may take.
const (
	probeTries      = 2
	txFailProbe     = 3
	probeStatusWait = time.Second
)

// monState is the connection monitor's bookkeeping.
type monState struct {
	probeDL  deadline // no beacon for 1.5 intervals: probe
	active   bool     // a probe is out, waiting for its TX status
	cookie   uint64
	tries    int // probes of this round sent
	statusDL deadline
	txFails  int    // frames to the AP not acknowledged in a row
	why      string // what started the round
	// heard: the last beacon or verified frame from the AP (not an
	// acknowledged probe); acked: probes acknowledged since.
	heard time.Time
	acked int
}

// holding reports whether frames from the stack wait in the background
// scan's queue (bgHold) instead of going to the card: off channel, or a
// probe awaiting its TX status. Frames queued to an AP that may be gone
// cost the card its whole retry series each, and the probe's status
// waits behind them (in the VM lane 10 ms pings to a dead AP held the
// probe's status back by 380-470 ms).
func (v *Vap) holding() bool {
	return v.bg.away || v.bg.leaving || v.mon.active
}

// monFlush sends the frames held during a probe, unless a background
// visit still holds them.
func (v *Vap) monFlush() {
	if !v.bg.away && !v.bg.leaving {
		v.bgFlush()
	}
}

// monArm re-arms the probe deadline: a beacon, a verified frame from the
// AP or an acknowledged probe at now.
func (v *Vap) monArm(now time.Time, tu time.Duration) {
	v.mon.probeDL.set(now, tu+tu/2)
}

// silentIntervals: beacon intervals in which the AP sent us nothing
// (no beacon, no verified frame) after which we move to a known other AP
// of the ESS even though it acknowledges our probes. An Ack comes from
// the AP's radio, which answers while its daemon is gone (seen in the VM
// lane: hostapd stopped, its interface up, every probe acknowledged for
// 8 s); beacons late because a loaded host did not run the AP or us were
// seen up to about 600 ms late, well inside 10 intervals (1.02 s).
const silentIntervals = 10

// monSilent reports whether the AP sent nothing for silentIntervals
// beacon intervals plus late (the jitter allowance) while a probe of ours
// was acknowledged meanwhile.
func (v *Vap) monSilent(now time.Time, late time.Duration) bool {
	m := &v.mon
	return m.acked > 0 && !m.heard.IsZero() && now.Sub(m.heard) >= silentIntervals*v.beaconTU()+late
}

// monReset forgets the monitor's state (the association ended).
func (v *Vap) monReset() {
	v.mon = monState{}
}

// monTick starts a probe round when the probe deadline passed or frames
// went unacknowledged, and abandons a probe whose status never came. It
// runs in StateRun, on channel.
func (v *Vap) monTick(now time.Time) {
	m := &v.mon
	if m.active {
		if m.statusDL.expired(now) {
			v.stats.ProbeNoStatus++
			m.active = false
			m.statusDL.clear()
			v.monFlush()
			v.monArm(now, v.beaconTU()) // try again later; the deadlines decide
		}
		return
	}
	if v.bss == nil || v.bg.leaving || v.bg.away || v.roam.pending {
		return
	}
	switch {
	case m.txFails >= txFailProbe:
		m.why = fmt.Sprintf("%d frames unacknowledged", m.txFails)
		v.stats.ProbeTxFail++
	case m.probeDL.expired(now):
		m.why = fmt.Sprintf("no beacon for %d ms", now.Sub(v.roam.lastBeacon).Milliseconds())
		if v.roam.lastBeacon.IsZero() {
			m.why = "no beacon"
		}
	default:
		return
	}
	m.tries = 0
	m.txFails = 0
	v.monProbe(now)
}

// monProbe sends one probe of the round.
func (v *Vap) monProbe(now time.Time) {
	m := &v.mon
	m.tries++
	m.active = true
	v.stats.ProbeSent++
	v.sendNull(false)
	m.cookie = v.com.cookie
	m.statusDL.set(now, probeStatusWait)
}

// monTxDone takes a TX status of a frame to the AP (cookie): a probe's
// verdict, or one more (or an end to) unacknowledged frames in a row. It
// reports whether the status was a probe's.
func (v *Vap) monTxDone(cookie uint64, acked bool, now time.Time) bool {
	m := &v.mon
	if cookie != m.cookie || m.tries == 0 {
		if acked {
			m.txFails = 0
		} else {
			m.txFails++
		}
		return false
	}
	if !m.active {
		v.stats.ProbeNoStatus-- // late, not missing
	}
	m.active = false
	m.statusDL.clear()
	if acked {
		v.stats.ProbeAcked++
		m.acked++
		m.txFails = 0
		// Alive: wait for its beacons again (Timeouts.BeaconLost still
		// counts from the last one).
		tu := v.beaconTU()
		if !v.beaconDL.t.IsZero() {
			v.beaconDL.set(now, time.Duration(v.cfg.Timeouts.BeaconMiss)*tu)
		}
		v.monArm(now, tu)
		v.monFlush()
		return true
	}
	v.stats.ProbeUnacked++
	if m.tries < probeTries {
		v.monProbe(now)
		return true
	}
	v.monLost(now)
	return true
}

// monLost: the AP acknowledged none of the round's probes. It is gone for
// us: to the best known other AP of the ESS, or with none known to a
// full scan at once — Timeouts.BeaconLost's patience is for a silence
// that may be our own scheduling, which an unacknowledged probe rules
// out (mac80211 likewise disconnects when its nullfunc probes fail).
func (v *Vap) monLost(now time.Time) {
	why := fmt.Sprintf("%s, %d probes unacknowledged", v.mon.why, v.mon.tries)
	v.stats.BeaconLoss++
	v.stats.ProbeLosses++
	v.emit(Event{Kind: EventBeaconLoss, Detail: why + "; " + v.lossDetail(now)})
	if e := v.roamCandidate(now, v.bss.MAC); e != nil {
		v.roamTo(e, v.bss.MAC, RoamBeaconLoss+": "+why, false, now)
		return
	}
	v.lostScan()
}

// beaconTU is the AP's beacon interval.
func (v *Vap) beaconTU() time.Duration {
	tu := v.bssInfo.Interval
	if tu == 0 {
		tu = 100
	}
	return time.Duration(tu) * 1024 * time.Microsecond
}
