package net80211

import "time"

// State is the STA state machine state (NetBSD enum ieee80211_state, the
// subset a station uses; 802.11-2016 11.3 "STA authentication and
// association").
type State uint8

// States.
const (
	StateInit  State = iota // idle: not connecting
	StateScan               // looking for the network
	StateAuth               // Open System authentication sent, waiting
	StateAssoc              // Association Request sent, waiting
	StateRun                // associated; with RSN, data flows once the 4-way handshake completes
)

var stateNames = [...]string{"INIT", "SCAN", "AUTH", "ASSOC", "RUN"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "?"
}

// EventKind says what happened.
type EventKind uint8

// Events reported to VapConfig.Events.
const (
	EventScanning EventKind = iota
	EventScanDone
	EventAuthenticating
	EventAssociating
	EventHandshake
	EventConnected // port open: data may flow
	EventRekeyed   // PTK or GTK replaced
	EventDisconnected
	EventBeaconLoss
	EventMICFailure
	EventCountermeasures
	EventFailed    // the connect attempt gave up; Err says why
	EventAuthRetry // authentication starts over (a stalled SAE exchange); Err says why
	EventRoaming   // moving to another AP of the ESS (BSSID); Detail says from where and why
)

var eventNames = [...]string{"scanning", "scan-done", "authenticating", "associating", "handshake",
	"connected", "rekeyed", "disconnected", "beacon-loss", "mic-failure", "countermeasures", "failed", "auth-retry", "roaming"}

func (k EventKind) String() string {
	if int(k) < len(eventNames) {
		return eventNames[k]
	}
	return "?"
}

// Event is a state change report for tools (wlan connect prints them).
type Event struct {
	Kind   EventKind
	BSSID  string
	SSID   string
	Reason uint16 // deauth/disassoc reason code
	Status uint16 // auth/assoc status code
	Err    error
	// Security: with EventAuthenticating and EventConnected, the key
	// management in use ("WPA2-PSK", "WPA3-SAE (hash-to-element)", ...).
	Security string
	// Detail: with EventRoaming, the AP we leave and why; with
	// EventBeaconLoss, how long the AP was silent.
	Detail string
}

// Timeouts and limits of the STA state machine; zero fields take the defaults.
type Timeouts struct {
	Auth              time.Duration // per Authentication attempt, default 300 ms
	Assoc             time.Duration // per Association attempt, default 300 ms
	Retries           int           // attempts per step, default 3
	Handshake         time.Duration // association to port open, default 3 s
	HandshakeAttempts int           // failed handshakes before giving up, default 2
	// BeaconMiss: beacon intervals without a beacon from the AP that
	// make a beacon loss, default 10 (NetBSD's net80211 counts 7,
	// IEEE80211_HWBMISS_DEFAULT in ieee80211_var.h, its software timer
	// running iv_bmissthreshold beacon intervals, ieee80211_swbmiss).
	BeaconMiss int
	// BeaconLost: beacon intervals without a beacon after which the
	// association is given up (and a scan starts) when no other AP of
	// the ESS is known to move to; default BeaconMiss. With a known one
	// the vap moves after BeaconMiss (roam.go): leaving a lone AP gains
	// nothing but a scan, leaving for a known one costs a reassociation.
	BeaconLost int
	// Stall: a gap between two Ticks longer than this is time the vap
	// could not hear (its host did not run it): the beacon-loss deadline
	// moves by the gap instead of counting beacons nobody listened for.
	// 0: off (tests that step a fake clock by whole seconds).
	Stall        time.Duration
	ScanAttempts int           // full scans without finding the SSID, default 3
	NodeIdle     time.Duration // node table ageing, default 60 s
	Rescan       time.Duration // pause between scans for a lost AP, default 1 s
}

func (t *Timeouts) defaults() {
	if t.Auth == 0 {
		t.Auth = 300 * time.Millisecond
	}
	if t.Assoc == 0 {
		t.Assoc = 300 * time.Millisecond
	}
	if t.Retries == 0 {
		t.Retries = 3
	}
	if t.Handshake == 0 {
		t.Handshake = 3 * time.Second
	}
	if t.HandshakeAttempts == 0 {
		t.HandshakeAttempts = 2
	}
	if t.BeaconMiss == 0 {
		t.BeaconMiss = 10
	}
	if t.ScanAttempts == 0 {
		t.ScanAttempts = 3
	}
	if t.NodeIdle == 0 {
		t.NodeIdle = 60 * time.Second
	}
	if t.Rescan == 0 {
		t.Rescan = time.Second
	}
}

// Michael countermeasures (802.11-2016 12.5.2.4): two MIC failures within
// 60 s stop TKIP for 60 s.
const (
	micFailureWindow  = 60 * time.Second
	countermeasureFor = 60 * time.Second
)
