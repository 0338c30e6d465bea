package net80211

import (
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
)

// RoamConfig tunes roaming within the ESS: the background scan that keeps
// the candidate list (the scan cache) fresh while connected, the
// signal-based decision and what counts as a known candidate when the AP
// is lost. Zero fields take the defaults; BgScan zero means no background
// scan (as wpa_supplicant without a bgscan= setting).
type RoamConfig struct {
	// BgScan is the period of background scan visits while connected:
	// each visit leaves the AP's channel for one other channel (bgscan.go).
	BgScan time.Duration
	// BgDwell is how long one visit stays off channel, default 40 ms
	// (a Probe Request and its answers; a beacon is heard only when one
	// falls in it).
	BgDwell time.Duration
	// Margin is how much stronger, in dB, another AP of the ESS must be
	// than the current one's averaged signal, in two visits in a row, for
	// a signal-based roam; default 8.
	Margin int
	// Hold is the least time on one AP before a signal-based roam (after
	// connecting or roaming), default 10 s: with Margin the hysteresis
	// that keeps two APs of similar signal from trading us back and forth.
	Hold time.Duration
	// Fresh: an AP of the ESS heard within Fresh is a known candidate,
	// joined at once (no scan) after a beacon loss or when the AP says it
	// leaves; default 30 s. Older entries lead to a scan first.
	Fresh time.Duration
}

func (c *RoamConfig) defaults() {
	if c.BgDwell == 0 {
		c.BgDwell = 40 * time.Millisecond
	}
	if c.Margin == 0 {
		c.Margin = 8
	}
	if c.Hold == 0 {
		c.Hold = 10 * time.Second
	}
	if c.Fresh == 0 {
		c.Fresh = 30 * time.Second
	}
}

// Why the vap moved to another AP of the ESS.
const (
	RoamBeaconLoss = "beacon loss"
	RoamLeaving    = "AP leaving"
	RoamSignal     = "stronger AP"
)

// RoamInfo describes the last move to another AP of the ESS (Status).
type RoamInfo struct {
	From, To net.HardwareAddr
	Reason   string        // RoamBeaconLoss (with how it was detected), RoamLeaving (with the reason code), RoamSignal (with both signals)
	At       time.Time     // when the move started (the loss was declared, the deauthentication arrived)
	Took     time.Duration // to the port open on the new AP; 0 while under way or when it did not complete
}

// roamState is the vap's roaming bookkeeping.
type roamState struct {
	last    RoamInfo
	pending bool      // last is under way: Took is set when the port opens
	since   time.Time // the port opened on the current AP (Hold counts from here)
	// cand is the AP that beat the current one by Margin at the last
	// background visit that heard it, hits how many such visits in a row.
	cand [6]byte
	hits int
	// reassocFrom: the join under way is a move within the ESS, so the
	// request is a Reassociation Request naming this AP (11.3.5.4).
	reassocFrom net.HardwareAddr
	// lastTick: the previous Tick, to notice time the vap could not hear
	// (Timeouts.Stall).
	lastTick time.Time
	// jitter: the longest Tick gap of the current and the previous
	// jitterSpan (jitterCur collects the current one since jitterAt).
	jitter, jitterCur time.Duration
	jitterAt          time.Time
	lastBeacon        time.Time // the last beacon from the AP we are on
	// next: a signal roam waiting for the TX status of the
	// Deauthentication to the old AP (cookie deauthCookie, at most
	// deauthWait) before it tunes to next's channel (roamResume).
	next         *ScanEntry
	nextPrev     net.HardwareAddr
	deauthCookie uint64
	deauthDL     deadline
}

// deauthWait bounds the wait for the old AP's Deauthentication to leave
// before a signal roam tunes away.
const deauthWait = 100 * time.Millisecond

// apHeard re-arms the beacon-loss deadlines on a data frame from the AP
// that decrypted and verified (or any, on an open network): the AP is
// alive even when its beacons are late, as mac80211's connection monitor
// counts the AP's data too (ieee80211_sta_reset_conn_monitor). Seen in
// the VM lane: a loaded guest kernel's softirq beacon timer skipped 500
// ms of beacons while the AP's data kept coming.
func (v *Vap) apHeard(now time.Time) {
	if v.state == StateRun && !v.beaconDL.t.IsZero() {
		v.armBeaconLoss(now, v.bssInfo.Interval)
	}
}

// lossDetail describes a beacon loss for EventBeaconLoss: how long since
// the AP's last beacon and since any frame from it, and the allowance.
func (v *Vap) lossDetail(now time.Time) string {
	ms := func(t time.Time) int64 {
		if t.IsZero() {
			return -1
		}
		return now.Sub(t).Milliseconds()
	}
	return fmt.Sprintf("no beacon for %d ms, nothing from the AP for %d ms; %d ms jitter allowance, %d stalls", ms(v.roam.lastBeacon), ms(v.bss.LastSeen), v.beaconLate().Milliseconds(), v.stats.Stalls)
}

// jitterSpan is how long a Tick gap counts toward the jitter allowance.
const jitterSpan = 5 * time.Second

// roamCandidate returns the strongest AP of the ESS heard within
// RoamConfig.Fresh other than exclude, or nil.
func (v *Vap) roamCandidate(now time.Time, exclude net.HardwareAddr) *ScanEntry {
	var best *ScanEntry
	for _, e := range v.cache.entries {
		if string(e.SSID) != string(v.ssid) || equalMAC(e.BSSID, exclude) || !v.cfg.ACL.Check(e.BSSID) || now.Sub(e.LastSeen) > v.cfg.Roam.Fresh || !e.LastSeen.After(e.lost) {
			continue
		}
		if best == nil || e.SignalDBm > best.SignalDBm || (e.SignalDBm == best.SignalDBm && slices.Compare(e.BSSID, best.BSSID) < 0) {
			best = e
		}
	}
	return best
}

// roamTo moves to e, another AP of the ESS, without scanning: the old
// association is dropped (told with a Deauthentication when deauthOld and
// the old AP still hears us), then Open System (or SAE, or a cached
// PMKSA) with e, a Reassociation Request naming the old AP (802.11-2016
// 9.3.3.7, 11.3.5.4) and the 4-way handshake. prev is the old AP.
func (v *Vap) roamTo(e *ScanEntry, prev net.HardwareAddr, why string, deauthOld bool, now time.Time) {
	prev = append(net.HardwareAddr(nil), prev...)
	entry := *e
	entry.BSSID = append(net.HardwareAddr(nil), e.BSSID...)
	entry.RSNRaw = append([]byte(nil), e.RSNRaw...)
	v.stats.Roams++
	v.roam.last = RoamInfo{From: prev, To: entry.BSSID, Reason: why, At: now}
	v.roam.pending = true
	v.roam.cand, v.roam.hits = [6]byte{}, 0
	v.emit(Event{Kind: EventRoaming, BSSID: entry.BSSID.String(), Detail: fmt.Sprintf("from %s (%s)", prev, why)})
	if old := v.cache.entries[[6]byte(prev)]; old != nil && !deauthOld {
		// The old AP went away (lost, or said it leaves): not a
		// candidate until it is heard again; still an AP of the ESS
		// the background scan looks for.
		old.lost = now
	}
	cookie := v.com.cookie
	v.teardown(frame.ReasonDeauthLeaving, deauthOld)
	if err := v.choosePolicy(&entry); err != nil {
		// Not joinable as configured: let a full scan pick.
		v.roam.pending = false
		v.newState(StateScan)
		v.scanFailures = 0
		_ = v.startScan(true)
		return
	}
	if v.com.cookie != cookie {
		// The Deauthentication is queued: the card sends from its
		// ring after the channel changes, so tune only once it left
		// (as bgscan.go waits for its Null): idle in StateScan, no
		// scan, until its TX status or deauthWait (roamResume).
		v.roam.next, v.roam.nextPrev, v.roam.deauthCookie = &entry, prev, v.com.cookie
		v.roam.deauthDL.set(now, deauthWait)
		v.newState(StateScan)
		return
	}
	v.join(&entry, now)
	v.roam.reassocFrom = prev
}

// roamResume joins the AP a signal roam waited to tune to.
func (v *Vap) roamResume(now time.Time) {
	e, prev := v.roam.next, v.roam.nextPrev
	v.roam.next, v.roam.nextPrev = nil, nil
	v.roam.deauthDL.clear()
	v.join(e, now)
	v.roam.reassocFrom = prev
}

// roamOpened is called when the port opens: a move under way is complete.
func (v *Vap) roamOpened(now time.Time) {
	v.roam.since = now
	if v.roam.pending {
		v.roam.pending = false
		v.roam.last.Took = max(now.Sub(v.roam.last.At), time.Nanosecond)
		v.stats.RoamTime += uint64(v.roam.last.Took.Microseconds())
	}
}

// roamDecide runs after a background visit: an AP of the ESS heard in it
// that beats the current AP's averaged signal by Margin, in two visits in
// a row, and Hold after the port opened, is where we go (the old AP told
// with a Deauthentication, reason 3).
func (v *Vap) roamDecide(visitStart, now time.Time) {
	if v.bss == nil || v.roam.pending || now.Sub(v.roam.since) < v.cfg.Roam.Hold {
		return
	}
	cur := int(v.bss.RSSI)
	if v.bss.AvgRSSI != 0 {
		cur = v.bss.AvgRSSI / 8
	}
	var best *ScanEntry
	heardCand := false
	for _, e := range v.cache.entries {
		if string(e.SSID) != string(v.ssid) || equalMAC(e.BSSID, v.bss.MAC) || !v.cfg.ACL.Check(e.BSSID) || e.LastSeen.Before(visitStart) {
			continue
		}
		if [6]byte(e.BSSID) == v.roam.cand {
			heardCand = true
		}
		if int(e.SignalDBm) < cur+v.cfg.Roam.Margin {
			continue
		}
		if best == nil || e.SignalDBm > best.SignalDBm {
			best = e
		}
	}
	if best == nil {
		if heardCand {
			v.roam.cand, v.roam.hits = [6]byte{}, 0 // heard again, no longer stronger
		}
		return
	}
	if [6]byte(best.BSSID) == v.roam.cand {
		v.roam.hits++
	} else {
		v.roam.cand, v.roam.hits = [6]byte(best.BSSID), 1
	}
	if v.roam.hits < 2 {
		return
	}
	v.stats.RoamsSignal++
	v.roamTo(best, v.bss.MAC, fmt.Sprintf("%s: %d dBm against %d dBm", RoamSignal, best.SignalDBm, cur), true, now)
}

// beaconShift moves the beacon-loss deadlines by d: time the vap could
// not hear the AP (off channel, or not run).
func (v *Vap) beaconShift(d time.Duration) {
	if !v.beaconDL.t.IsZero() {
		v.beaconDL.t = v.beaconDL.t.Add(d)
		v.beaconLostDL.t = v.beaconLostDL.t.Add(d)
	}
}

// stallCheck moves the beacon-loss deadline by the time since the last
// Tick when that exceeds Timeouts.Stall: the vap could not hear beacons
// while it did not run (a loaded host that did not schedule it), and the
// beacons it missed are not the AP's fault.
//
// A host that stalls one of our threads may stall another (the one that
// hears the air) without the Tick noticing; so with Stall set, the
// beacon-loss deadline also waits for the longest Tick gap of the last 5
// to 10 s, up to BeaconLost intervals (beaconLate): an allowance for the
// scheduling jitter seen lately, as TCP's RTO adds the RTT variation (RFC
// 6298): a quiet host keeps its 10-20 ms, a loaded one widens the window
// by what it costs. In the VM lane a guest the host starved skipped the
// AP's beacons for 480-590 ms while our Ticks ran 100-300 ms late; a cap
// of one beacon interval there moved us off live APs.
func (v *Vap) stallCheck(now time.Time) {
	last := v.roam.lastTick
	v.roam.lastTick = now
	if v.cfg.Timeouts.Stall <= 0 || last.IsZero() {
		return
	}
	gap := now.Sub(last)
	r := &v.roam
	if now.Sub(r.jitterAt) >= jitterSpan {
		r.jitter, r.jitterCur, r.jitterAt = r.jitterCur, 0, now
	}
	r.jitterCur = max(r.jitterCur, gap)
	if gap > v.cfg.Timeouts.Stall && !v.beaconDL.t.IsZero() {
		v.beaconShift(gap)
		v.stats.Stalls++
	}
}

// beaconLate is the jitter allowance added to the beacon-loss deadlines
// (stallCheck); 0 without Timeouts.Stall.
func (v *Vap) beaconLate() time.Duration {
	if v.cfg.Timeouts.Stall <= 0 {
		return 0
	}
	tu := v.bssInfo.Interval
	if tu == 0 {
		tu = 100
	}
	lost := time.Duration(max(v.cfg.Timeouts.BeaconLost, v.cfg.Timeouts.BeaconMiss)) * time.Duration(tu) * 1024 * time.Microsecond
	return min(max(v.roam.jitter, v.roam.jitterCur), lost)
}
