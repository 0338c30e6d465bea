package net80211

import (
	"net"
	"slices"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/radiotap"
)

// ScanConfig tunes scanning (802.11-2016 11.1.4: passive scanning listens
// for beacons on each channel; active scanning sends a Probe Request and
// waits for responses).
type ScanConfig struct {
	Channels     []int         // frequencies in MHz; default the radio's list
	Passive      bool          // listen only
	ActiveDwell  time.Duration // default 40 ms per channel
	PassiveDwell time.Duration // default 120 ms per channel (a beacon interval and some)
	MaxAge       time.Duration // scan cache entry lifetime, default 60 s
}

func (c *ScanConfig) defaults() {
	if c.ActiveDwell == 0 {
		c.ActiveDwell = 40 * time.Millisecond
	}
	if c.PassiveDwell == 0 {
		c.PassiveDwell = 120 * time.Millisecond
	}
	if c.MaxAge == 0 {
		c.MaxAge = 60 * time.Second
	}
}

// ScanEntry is what the scan cache knows of one BSS.
type ScanEntry struct {
	BSSID      net.HardwareAddr
	SSID       []byte
	FreqMHz    int
	Channel    int
	SignalDBm  int8
	Capability uint16
	Interval   uint16 // beacon interval in TU
	Rates      []Rate // ascending, basic bit stripped, selectors dropped
	RSN        *ie.RSN
	RSNRaw     []byte // the RSN element as received (compared with message 3)
	WPA        bool   // a WPA (pre-RSN) vendor element is present
	HT         bool   // HT Capabilities present (an 802.11n AP)
	WMM        bool   // WMM Parameter (or Information) element present
	SAEH2E     bool   // RSN Extension says SAE hash-to-element (hostapd sae_pwe=1/2)
	LastSeen   time.Time
	// lost: when the vap left this AP for a beacon loss or its leaving;
	// not a roam candidate until heard after that (roam.go).
	lost time.Time
}

// Security returns a short description: "open", "WEP", "WPA2-PSK", ...
func (e *ScanEntry) Security() string {
	switch {
	case e.RSN != nil && e.RSN.HasAKM(ie.AKMSAE) && e.RSN.HasAKM(ie.AKMPSK):
		return "WPA2/WPA3"
	case e.RSN != nil && e.RSN.HasAKM(ie.AKMSAE):
		return "WPA3-SAE"
	case e.RSN != nil && e.RSN.HasAKM(ie.AKMPSK):
		return "WPA2-PSK"
	case e.RSN != nil && e.RSN.HasAKM(ie.AKMPSKSHA256):
		return "WPA2-PSK-SHA256"
	case e.RSN != nil:
		return "WPA2-802.1X"
	case e.WPA:
		return "WPA"
	case e.Capability&frame.CapPrivacy != 0:
		return "WEP"
	}
	return "open"
}

// ScanCache keeps the BSSs heard recently (NetBSD ieee80211_scan_sta.c),
// keyed by BSSID; entries older than MaxAge are aged out.
type ScanCache struct {
	MaxAge  time.Duration
	entries map[[6]byte]*ScanEntry
}

// update records a Beacon or Probe Response. Element bytes are copied: the
// frame buffer belongs to the radio.
func (c *ScanCache) update(bssid net.HardwareAddr, freq int, signal int8, b frame.Beacon, set *ie.Set, now time.Time) *ScanEntry {
	if c.entries == nil {
		c.entries = make(map[[6]byte]*ScanEntry)
	}
	e := c.entries[[6]byte(bssid)]
	if e == nil {
		e = &ScanEntry{BSSID: append(net.HardwareAddr(nil), bssid...)}
		c.entries[[6]byte(bssid)] = e
	}
	// A hidden network beacons an empty or zeroed SSID; keep the name a
	// Probe Response told us.
	if len(set.SSID) > 0 && !allZero(set.SSID) {
		e.SSID = append(e.SSID[:0], set.SSID...)
	}
	e.FreqMHz, e.SignalDBm, e.LastSeen = freq, signal, now
	if set.Channel != 0 {
		e.Channel = int(set.Channel)
		if f := radiotap.ChannelToFreq(e.Channel); f != 0 {
			e.FreqMHz = f
		}
	} else {
		e.Channel = radiotap.FreqToChannel(freq)
	}
	e.Capability, e.Interval = b.Capability(), b.Interval()
	e.Rates = e.Rates[:0]
	for _, r := range set.Rates {
		if !r.IsSelector() {
			e.Rates = append(e.Rates, Rate(r&0x7f))
		}
	}
	slices.Sort(e.Rates)
	e.RSNRaw = append(e.RSNRaw[:0], set.RSNRaw...)
	e.RSN = nil
	if set.RSN != nil {
		r := *set.RSN
		e.RSN = &r
	}
	e.WPA = set.WPA != nil
	e.HT = set.HTCaps != nil
	e.WMM = set.WMM != nil
	e.SAEH2E = ie.RSNXHas(set.RSNX, ie.RSNXCapSAEH2E)
	return e
}

// AgeOut drops entries not heard from for MaxAge and returns how many.
func (c *ScanCache) AgeOut(now time.Time) int {
	n := 0
	for k, e := range c.entries {
		if now.Sub(e.LastSeen) > c.MaxAge {
			delete(c.entries, k)
			n++
		}
	}
	return n
}

// Entries returns copies of the entries, strongest signal first.
func (c *ScanCache) Entries() []ScanEntry {
	out := make([]ScanEntry, 0, len(c.entries))
	for _, e := range c.entries {
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b ScanEntry) int {
		if a.SignalDBm != b.SignalDBm {
			return int(b.SignalDBm) - int(a.SignalDBm)
		}
		return slices.Compare(a.BSSID, b.BSSID)
	})
	return out
}

// scanner walks the channel list.
type scanner struct {
	active bool
	// partial: only the channels where other APs of the ESS were last
	// heard (a roam); if it finds none a full scan follows. avoid: the
	// AP that just said it leaves, chosen only when no other answers.
	partial  bool
	avoid    [6]byte
	channels []int
	idx      int
	dwell    deadline
	forJoin  bool      // a connect is waiting for the result
	started  time.Time // entries older than this were not heard by this scan
}

// Scan starts a scan without connecting; results come from ScanResults.
func (v *Vap) Scan() error {
	v.com.mu.Lock()
	defer v.com.unlock()
	if v.state != StateInit {
		return opErr("scan", "", ErrState, "the vap is %s; leaving the channel would drop the link — read ScanResults (beacons heard while connected stay in the cache) or Disconnect first", v.state)
	}
	return v.startScan(false)
}

// Scanning reports whether a scan is in progress.
func (v *Vap) Scanning() bool {
	v.com.mu.Lock()
	defer v.com.unlock()
	return v.scan.active
}

// ScanResults returns the scan cache, strongest first.
func (v *Vap) ScanResults() []ScanEntry {
	v.com.mu.Lock()
	defer v.com.unlock()
	return v.cache.Entries()
}

func (v *Vap) startScan(forJoin bool) error {
	return v.startScanOn(forJoin, nil)
}

// startScanOn scans only chans when it is not empty (a roam's partial scan).
func (v *Vap) startScanOn(forJoin bool, only []int) error {
	chans := v.cfg.Scan.Channels
	if len(only) > 0 {
		chans = only
	}
	if len(chans) == 0 {
		chans = v.com.radio.Channels()
	}
	if len(chans) == 0 {
		return opErr("scan", "", ErrNotSupported, "the radio lists no channels; set ScanConfig.Channels")
	}
	v.scan = scanner{active: true, channels: chans, forJoin: forJoin, started: v.com.clock.Now(), partial: len(only) > 0}
	v.emit(Event{Kind: EventScanning})
	v.scanChannel(v.com.clock.Now())
	return nil
}

// scanChannel tunes to the current channel and, when active, probes.
func (v *Vap) scanChannel(now time.Time) {
	freq := v.scan.channels[v.scan.idx]
	if err := v.com.setChannel(freq); err != nil {
		v.scan.dwell.set(now, 0)
		return
	}
	if v.cfg.Scan.Passive {
		v.scan.dwell.set(now, v.cfg.Scan.PassiveDwell)
		return
	}
	v.sendProbeReq()
	dwell := v.cfg.Scan.ActiveDwell
	if v.scan.partial {
		// A roam's partial scan visits only the channels where other
		// APs of the ESS were heard: dwell long enough to hear a beacon
		// (the AP's answer to our probe can be late on a loaded AP);
		// hearing an AP of the ESS ends it at once (recvBeacon).
		dwell = max(dwell, roamDwell)
	}
	v.scan.dwell.set(now, dwell)
}

// roamDwell is a partial scan's least dwell per channel: two and a half
// beacon intervals of 100 TU.
const roamDwell = 256 * time.Millisecond

// scanTick advances the scan when the dwell time is over.
func (v *Vap) scanTick(now time.Time) {
	if !v.scan.active || !v.scan.dwell.expired(now) {
		return
	}
	v.scan.idx++
	if v.scan.idx < len(v.scan.channels) {
		v.scanChannel(now)
		return
	}
	v.scan.active = false
	v.cache.AgeOut(now)
	v.emit(Event{Kind: EventScanDone})
	if v.scan.forJoin {
		v.scanDone(now)
	}
}

// recvBeacon handles Beacon and Probe Response frames.
func (v *Vap) recvBeacon(f frame.Frame, rx *RxInfo, now time.Time) {
	b, err := frame.ParseBeacon(f.Body())
	if err != nil {
		v.stats.RxMalformed++
		return
	}
	set, err := ie.ParseSet(b.Elements())
	if err != nil {
		v.stats.RxMalformed++
		return
	}
	freq := int(rx.FreqMHz)
	if freq == 0 {
		freq = v.com.freq
	}
	bssid := f.Addr3()
	if v.bss != nil && equalMAC(bssid, v.bss.MAC) {
		v.bss.observe(rx.SignalDBm, now)
		if f.Subtype() == frame.SubBeacon {
			v.stats.BeaconsSeen++
			v.roam.lastBeacon = now
			if v.state == StateRun {
				v.armBeaconLoss(now, b.Interval())
			}
		}
	}
	// Beacons heard on an adjacent channel (DS element differs) are still
	// cached under their own channel.
	v.cache.update(bssid, freq, rx.SignalDBm, b, &set, now)
	if sc := &v.scan; sc.active && sc.partial && sc.forJoin && string(set.SSID) == string(v.ssid) && [6]byte(bssid) != sc.avoid && v.cfg.ACL.Check(bssid) {
		// A roam's partial scan found another AP of the ESS: stop
		// dwelling and join (scanDone at the next tick).
		sc.idx = len(sc.channels) - 1
		sc.dwell.set(now, 0)
	}
}

func (v *Vap) armBeaconLoss(now time.Time, intervalTU uint16) {
	if intervalTU == 0 {
		intervalTU = 100
	}
	tu := time.Duration(intervalTU) * 1024 * time.Microsecond
	v.beaconDL.set(now, time.Duration(v.cfg.Timeouts.BeaconMiss)*tu)
	v.beaconLostDL.set(now, time.Duration(max(v.cfg.Timeouts.BeaconLost, v.cfg.Timeouts.BeaconMiss))*tu)
	v.monArm(now, tu)
	v.mon.heard, v.mon.acked = now, 0
}
