package net80211

import (
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/sae"
)

// VapConfig builds a station vap.
type VapConfig struct {
	MAC      net.HardwareAddr // default: the radio's address
	Sink     EtherSink        // where received data goes as Ethernet frames
	RateCtl  RateCtl          // default AMRR{}
	Events   func(Event)      // optional progress reports (called without locks)
	ACL      *ACL             // optional: BSSIDs this STA may join
	Rand     io.Reader        // nonces; default crypto/rand
	Scan     ScanConfig
	Timeouts Timeouts
	Roam     RoamConfig // background scan and roaming within the ESS (roam.go, bgscan.go)
	Rates    []Rate     // rates we support; default the 802.11g set
	// SAEGroups are the finite cyclic groups SAE tries, in order, each
	// after the AP refused the one before with status 77 (802.11-2020
	// 12.4.8.6.4); default 19, 20, 21 (P-256, P-384, P-521), as
	// wpa_supplicant's sae_groups.
	SAEGroups []uint16
}

// Vap is a virtual interface on a Com (NetBSD struct ieee80211vap); this
// layer implements station mode. Create it with Com.NewVap.
type Vap struct {
	com *Com
	// rxSpare keeps a protected frame's bytes while it is tried under the
	// current pairwise key, so it can be tried again under the retired
	// one (recvData).
	rxSpare [2400]byte
	mac     net.HardwareAddr
	cfg     VapConfig
	stats   VapStats

	state   State
	nodes   NodeTable
	bss     *Node
	bssInfo ScanEntry // what the scan saw of the BSS we join (RSN element, rates, channel)
	cache   ScanCache
	scan    scanner

	// connection intent
	ssid     []byte
	pmk      [32]byte // PMK of the association: the PSK, or SAE's
	psk      [32]byte // from the passphrase or given (WPA2-PSK)
	secure   bool
	password string   // for SAE; empty when given a PSK
	akm      ie.Suite // chosen AKM: PSK or SAE
	sae      saeState
	ourRSNX  []byte // our RSN Extension element (H2E), nil otherwise
	rsn      ie.RSN // our RSN element's fields (ourRSN without a PMKID)
	// pmksa caches the PMK of each SAE exchange by BSSID (12.6.10.2,
	// 12.4.5.4): a rejoin within pmksaLifetime authenticates with Open
	// System and names the PMKID in the Association Request instead of
	// running SAE again (pmksaTry); a refusal falls back to SAE.
	pmksa    map[[6]byte]pmksaEntry
	pmksaTry bool
	pairwise ie.Suite
	group    ie.Suite
	ourRSN   []byte
	// m3Drops counts EAPOL-Key frames dropped before a first handshake
	// completed (waiting for message 1 or 3) since Connect (m3Why: the
	// last reason), so that a failed handshake tells a message 3 that
	// never came from one refused.
	m3Drops int
	m3Why   string

	timer         deadline // auth/assoc step timeout
	stepCookie    uint64   // the step's last Authentication or Association Request (stepTxDone)
	retries       int
	beaconDL      deadline // Timeouts.BeaconMiss: move to a known AP of the ESS
	beaconLostDL  deadline // Timeouts.BeaconLost: leave the AP even with nowhere to go
	handshakeDL   deadline
	hsFailures    int
	scanFailures  int
	portOpen      bool
	everConnected bool     // reached RUN with the port open since Connect
	rescanDL      deadline // next scan while waiting for a vanished AP

	pmf       pmfState
	gtk       [4]*Key
	txGroup   int
	sup       supplicant
	micFailAt time.Time
	blocked   time.Time // countermeasures: no association before this

	roam roamState
	bg   bgState
	mon  monState // the connection monitor (monitor.go)

	txBuf []byte
	port  *Port // when attached, received data goes to its RX queue
}

// NewVap creates a station vap.
func (c *Com) NewVap(cfg VapConfig) (*Vap, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cfg.MAC == nil {
		cfg.MAC = c.radio.MAC()
	}
	if len(cfg.MAC) != 6 {
		return nil, opErr("new vap", "", ErrNotSupported, "MAC must be 6 octets, got %d", len(cfg.MAC))
	}
	if cfg.RateCtl == nil {
		cfg.RateCtl = AMRR{}
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if len(cfg.SAEGroups) == 0 {
		cfg.SAEGroups = sae.Groups()
	}
	for _, g := range cfg.SAEGroups {
		if !sae.Supported(g) {
			return nil, opErr("new vap", "", ErrNotSupported, "SAE group %d: only 19, 20 and 21 (NIST P-256, P-384, P-521)", g)
		}
	}
	if len(cfg.Rates) == 0 {
		cfg.Rates = []Rate{2, 4, 11, 22, 12, 18, 24, 36, 48, 72, 96, 108}
	}
	cfg.Timeouts.defaults()
	cfg.Scan.defaults()
	cfg.Roam.defaults()
	v := &Vap{com: c, mac: append(net.HardwareAddr(nil), cfg.MAC...), cfg: cfg, txBuf: make([]byte, 0, 2560)}
	v.cache.MaxAge = cfg.Scan.MaxAge
	c.vaps = append(c.vaps, v)
	return v, nil
}

// MAC returns the vap's address.
func (v *Vap) MAC() net.HardwareAddr { return v.mac }

// Status is a snapshot for `wlan status`.
type Status struct {
	State     State
	PortOpen  bool
	BSSID     net.HardwareAddr
	SSID      []byte
	FreqMHz   int
	SignalDBm int8
	TxRate    Rate
	Pairwise  string
	// PairwiseOffload says where the pairwise key's cipher runs: "radio"
	// (the card's key cache), "engine NAME" (a lookaside session of the
	// crypto offload API; CCMP and GCMP go through it a burst at a time),
	// or "software" (the layer's own primitives).
	PairwiseOffload string
	Group           string
	Stats           VapStats
	Node            NodeStats
	QoS, HT         bool // the association negotiated WMM (QoS data) and HT
	PMF             bool // management frames protected (802.11w) on this association
	// GroupMgmt names the group management cipher ("BIP-CMAC-128",
	// "BIP-GMAC-256", ...) when PMF is on.
	GroupMgmt string
	// Security names the key management of the association: "open",
	// "WPA2-PSK", "WPA3-SAE (hunting-and-pecking)", "WPA3-SAE
	// (hash-to-element)"; empty while not associated.
	Security string
	// LastRoam is the last move to another AP of the ESS (nil: none since
	// the vap was made).
	LastRoam *RoamInfo
	// BeaconLate is the scheduling-jitter allowance the beacon-loss
	// deadline waits for beyond its beacon intervals (Timeouts.Stall).
	BeaconLate time.Duration
}

// Status returns the current state and counters.
func (v *Vap) Status() Status {
	v.com.mu.Lock()
	defer v.com.unlock()
	s := Status{State: v.state, PortOpen: v.portOpen, Stats: v.stats, SSID: append([]byte(nil), v.ssid...)}
	if v.bss != nil {
		s.BSSID = append(net.HardwareAddr(nil), v.bss.MAC...)
		s.FreqMHz, s.SignalDBm, s.Node = v.bss.FreqMHz, v.bss.RSSI, v.bss.Stats
		s.QoS, s.HT = v.bss.QoS, v.bss.HT
		s.PMF = v.pmfActive()
		if s.PMF {
			s.GroupMgmt = v.pmf.suite.String()
		}
		s.Security = v.security()
		if v.bss.rate != nil {
			s.TxRate = v.bss.rate.Select(v.com.clock.Now())
		}
		if v.bss.PTK != nil {
			k := v.bss.PTK
			s.Pairwise = k.Cipher.Name()
			switch {
			case k.Flags&KeyHW != 0:
				s.PairwiseOffload = "radio"
			case k.session != nil:
				s.PairwiseOffload = "engine " + k.session.Engine().Name()
			default:
				s.PairwiseOffload = "software"
			}
		}
	}
	if k := v.gtk[v.txGroup]; k != nil {
		s.Group = k.Cipher.Name()
	}
	s.BeaconLate = v.beaconLate()
	if v.roam.last.To != nil {
		r := v.roam.last
		s.LastRoam = &r
	}
	return s
}

// Stats returns a copy of the counters.
func (v *Vap) Stats() VapStats {
	v.com.mu.Lock()
	defer v.com.unlock()
	return v.stats
}

// GroupKey returns the group key in slot id (for tests and status), or nil.
func (v *Vap) GroupKey(id int) *Key {
	v.com.mu.Lock()
	defer v.com.unlock()
	if id < 0 || id > 3 {
		return nil
	}
	return v.gtk[id]
}

// PairwiseKey returns the installed PTK's key (for tests and status), or nil.
func (v *Vap) PairwiseKey() *Key {
	v.com.mu.Lock()
	defer v.com.unlock()
	if v.bss == nil {
		return nil
	}
	return v.bss.PTK
}

// emit queues an event for delivery after the lock is released.
func (v *Vap) emit(e Event) {
	if v.cfg.Events == nil {
		return
	}
	if e.SSID == "" {
		e.SSID = string(v.ssid)
	}
	if e.BSSID == "" && v.bss != nil {
		e.BSSID = v.bss.MAC.String()
	}
	fn := v.cfg.Events
	v.com.later(func() { fn(e) })
}

func (v *Vap) newState(s State) { v.state = s }

// saeGroup is the SAE group of the join: the one in use, or the first we
// will try.
func (v *Vap) saeGroup() uint16 {
	if v.sae.group != 0 {
		return v.sae.group
	}
	return v.cfg.SAEGroups[0]
}

// security describes the chosen key management for Status.
func (v *Vap) security() string {
	switch {
	case !v.secure:
		return "open"
	case v.akm == ie.AKMSAE:
		how := "hunting-and-pecking"
		if v.sae.h2e {
			how = "hash-to-element"
		}
		if g := v.saeGroup(); g != sae.Group19 {
			how += fmt.Sprintf(", group %d", g)
		}
		return "WPA3-SAE (" + how + ")"
	case v.akm == ie.AKMPSKSHA256:
		return "WPA2-PSK-SHA256"
	}
	return "WPA2-PSK"
}
