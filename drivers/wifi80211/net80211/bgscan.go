package net80211

import (
	"slices"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
)

// The background scan: while connected, every RoamConfig.BgScan the vap
// visits one other channel for RoamConfig.BgDwell — a directed Probe
// Request for the SSID, and whatever beacons and probe responses arrive —
// so that the scan cache holds every AP of the ESS with a recent signal
// (the candidates of roam.go). As NetBSD's background scan does
// (ieee80211_scan_sw.c: ieee80211_sta_pwrsave before leaving the BSS
// channel), the AP is told we doze first: a Null Data frame with the
// Power Management bit set (802.11-2016 9.2.4.1.7, 11.2.3.2), so it
// buffers our frames, and another with the bit clear when we are back,
// which makes it send them (11.2.3.6). The vap leaves only once the
// radio reported the first Null sent (a STA changes its power management
// mode after the frame exchange that announces it completed, 11.2.3.2;
// the card transmits from its ring after the register write that tunes
// it, so a frame still queued would go out on the other channel), and
// bgDrain after that, for the frames the AP sent before it took the Null
// in (seen in the VM lane: about one per visit lost without it). Frames
// the stack sends from then until we are back wait in a small queue
// (bgHeld) and go out on return. Visits run every period while another
// AP of the ESS is known (heard in the scan that joined us, or later); with
// a lone AP, one period in loneVisitEvery: there is nothing to keep fresh,
// but an AP of the ESS that appears later must be found some time, or the
// lone AP's loss costs a full scan and a stronger newcomer is never used
// (wpa_supplicant's bgscan "simple" likewise keeps a long interval rather
// than none). Visits alternate between the channels where other APs of
// the ESS were heard and the next channel of the full list (to find new
// ones).

// loneVisitEvery: with no other AP of the ESS known, one background
// period in this many has a visit (10 s at --bgscan 1s; 40 ms off channel
// in 10 s). The full channel list is walked one channel a visit.
const loneVisitEvery = 10

// bgHeldFrames and bgHeldBytes bound the queue of Ethernet frames held
// while off channel or while a probe of the AP awaits its TX status (up to
// probeStatusWait): frames are kept back to back in one buffer of
// bgHeldBytes, made the first time. What Linux gets from stopping its
// queues and letting the qdisc hold the traffic. On a loaded host a probe's
// TX status took 100-320 ms and a visit longer than its 40 ms: with room
// for 16 frames, 10 ms pings lost 17 of 1000 in the VM lane. 128 frames is
// over a second of such pings, half the card's TX ring when flushed.
const (
	bgHeldFrames = 128
	bgHeldBytes  = 256 << 10
)

// bgState is the background scan's bookkeeping.
type bgState struct {
	next deadline // next visit
	back deadline // end of the current visit
	// leaving: the Null with the PM bit is queued (cookie nullCookie);
	// its TX status takes us to freq, or leaveDL passing cancels.
	leaving    bool
	nullCookie uint64
	leaveDL    deadline
	drainDL    deadline // the Null was sent: leave when this passes
	freq       int
	away       bool
	leftAt     time.Time
	visit      int
	lone       int // periods without a visit while no other AP of the ESS is known
	essIdx     int
	allIdx     int
	held       []byte // bgHeldBytes, made once: the held frames back to back
	heldEnd    [bgHeldFrames]int32
	nHeld      int
}

// bgTick runs the background scan's timers; it reports whether the vap
// is off channel (the other RUN timers wait).
func (v *Vap) bgTick(now time.Time) bool {
	if v.cfg.Roam.BgScan <= 0 || v.bss == nil {
		return false
	}
	if v.bg.away {
		if v.bg.back.expired(now) {
			v.bgReturn(now)
			return false
		}
		return true
	}
	if v.bg.leaving {
		if v.bg.drainDL.expired(now) {
			v.bgLeave(now)
			return v.bg.away
		}
		if v.bg.leaveDL.expired(now) {
			// No TX status for the Null: stay, and make sure the AP
			// does not think we doze.
			v.bgCancel(now)
		}
		return false
	}
	if !v.portOpen || v.scan.active || v.pmf.query.active || v.roam.pending || v.mon.active || v.mon.txFails > 0 {
		v.bg.next.clear()
		return false
	}
	if v.bg.next.t.IsZero() {
		v.bg.next.set(now, v.cfg.Roam.BgScan)
		return false
	}
	if !v.bg.next.expired(now) {
		return false
	}
	freq := 0
	switch {
	case v.essKnown():
		freq = v.bgChannel()
	case v.bg.lone+1 >= loneVisitEvery:
		v.bg.lone = 0
		freq = v.bgChannel()
	default:
		v.bg.lone++
	}
	if freq == 0 {
		v.bg.next.set(now, v.cfg.Roam.BgScan)
		return false
	}
	v.bg.leaving, v.bg.freq = true, freq
	v.sendNull(true)
	v.bg.nullCookie = v.com.cookie
	v.bg.leaveDL.set(now, bgLeaveWait)
	return false
}

// bgLeaveWait bounds the wait for the Null's TX status; bgDrain is the
// time on channel after it.
const (
	bgLeaveWait = 100 * time.Millisecond
	bgDrain     = 20 * time.Millisecond
)

// essKnown reports whether the scan cache holds another AP of the ESS.
func (v *Vap) essKnown() bool {
	for _, e := range v.cache.entries {
		if string(e.SSID) == string(v.ssid) && !equalMAC(e.BSSID, v.bss.MAC) {
			return true
		}
	}
	return false
}

// bgTxDone takes the TX status of the Null that announces a visit: sent,
// the vap leaves bgDrain later; not acknowledged, the visit is off.
func (v *Vap) bgTxDone(acked bool, now time.Time) {
	if !acked {
		v.bgCancel(now)
		return
	}
	v.bg.leaveDL.clear()
	v.bg.drainDL.set(now, bgDrain)
}

// bgLeave tunes away and probes.
func (v *Vap) bgLeave(now time.Time) {
	v.bg.leaving = false
	v.bg.leaveDL.clear()
	v.bg.drainDL.clear()
	if err := v.com.setChannel(v.bg.freq); err != nil {
		v.bgCancel(now)
		return
	}
	v.bg.away, v.bg.leftAt = true, now
	v.stats.BgScans++
	v.sendProbeReqSSID(v.ssid)
	v.bg.back.set(now, v.cfg.Roam.BgDwell)
}

// bgCancel gives a visit up before leaving: awake again, held frames
// sent, the next visit a period later.
func (v *Vap) bgCancel(now time.Time) {
	v.bg.leaving = false
	v.bg.leaveDL.clear()
	v.bg.drainDL.clear()
	v.stats.BgCancelled++
	v.sendNull(false)
	v.bgFlush()
	v.bg.next.set(now, v.cfg.Roam.BgScan)
}

// bgFlush sends the frames held during a visit.
func (v *Vap) bgFlush() {
	var from int32
	for i := range v.bg.nHeld {
		eth := v.bg.held[from:v.bg.heldEnd[i]]
		from = v.bg.heldEnd[i]
		if v.portOpen && v.bss != nil {
			_ = v.sendData(eth[0:6], uint16(eth[12])<<8|uint16(eth[13]), eth[EtherHeaderLen:])
		}
	}
	v.bg.nHeld = 0
}

// bgReturn ends a visit: back on the AP's channel, awake, the held frames
// sent, the beacon-loss deadline moved by the time away, and the roam
// decision made on what the visit heard.
func (v *Vap) bgReturn(now time.Time) {
	start := v.bg.leftAt
	v.bg.away = false
	v.bg.back.clear()
	_ = v.com.setChannel(v.bss.FreqMHz)
	v.beaconShift(now.Sub(start))
	if !v.mon.probeDL.t.IsZero() {
		v.mon.probeDL.t = v.mon.probeDL.t.Add(now.Sub(start))
	}
	v.stats.BgOffChannel += uint64(now.Sub(start).Microseconds())
	v.sendNull(false)
	v.bgFlush()
	v.bg.next.set(now, v.cfg.Roam.BgScan)
	v.roamDecide(start, now)
}

// bgReset forgets a visit (the association ended): held frames are
// dropped and counted.
func (v *Vap) bgReset() {
	v.stats.TxDropped += uint64(v.bg.nHeld)
	v.bg.nHeld = 0
	v.bg.away, v.bg.leaving = false, false
	v.bg.back.clear()
	v.bg.leaveDL.clear()
	v.bg.drainDL.clear()
	v.bg.next.clear()
}

// bgHold keeps an Ethernet frame the stack sends while off channel; false
// when the queue is full (the caller drops it).
func (v *Vap) bgHold(eth []byte) bool {
	if v.bg.held == nil {
		v.bg.held = make([]byte, bgHeldBytes)
	}
	var used int32
	if v.bg.nHeld > 0 {
		used = v.bg.heldEnd[v.bg.nHeld-1]
	}
	if v.bg.nHeld == bgHeldFrames || len(eth) > bgHeldBytes-int(used) {
		return false
	}
	v.bg.heldEnd[v.bg.nHeld] = used + int32(copy(v.bg.held[used:], eth))
	v.bg.nHeld++
	v.stats.BgHeld++
	return true
}

// bgChannel picks the next channel to visit: odd visits a channel where
// another AP of the ESS was heard, even ones (or when there is none) the
// next channel of the scan list; never the AP's own.
func (v *Vap) bgChannel() int {
	v.bg.visit++
	own := v.bss.FreqMHz
	if v.bg.visit%2 == 1 {
		var ess []int
		for _, e := range v.cache.entries {
			if string(e.SSID) == string(v.ssid) && e.FreqMHz != own && e.FreqMHz != 0 && !slices.Contains(ess, e.FreqMHz) {
				ess = append(ess, e.FreqMHz)
			}
		}
		if len(ess) > 0 {
			slices.Sort(ess)
			v.bg.essIdx = (v.bg.essIdx + 1) % len(ess)
			return ess[v.bg.essIdx]
		}
	}
	all := v.cfg.Scan.Channels
	if len(all) == 0 {
		all = v.com.radio.Channels()
	}
	for range all {
		v.bg.allIdx = (v.bg.allIdx + 1) % len(all)
		if all[v.bg.allIdx] != own {
			return all[v.bg.allIdx]
		}
	}
	return 0
}

// sendNull sends a Null Data frame to the AP (no body, so never
// protected) with the Power Management bit set (pm: we doze) or clear.
func (v *Vap) sendNull(pm bool) {
	flags := frame.FlagToDS
	if pm {
		flags |= frame.FlagPwrMgt
	}
	h := frame.HeaderFields{FC: frame.MakeFC(frame.TypeData, frame.SubNull, flags),
		Addr1: v.bss.MAC, Addr2: v.mac, Addr3: v.bss.MAC, SeqCtl: frame.SeqCtlOf(v.bss.nextSeq(), 0)}
	b := frame.AppendHeader(v.txBuf[:0], &h)
	v.txBuf = b[:0]
	v.stats.TxNull++
	_ = v.com.transmit(v, b, v.bss, v.mgmtRate(), -1)
}
