package wlantest

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"io"
	"net"
	"time"

	"github.com/gopkt/gopkt/clock"
	"github.com/gopkt/gopkt/crypto/prf"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
)

// APConfig describes the test network.
type APConfig struct {
	SSID       []byte
	Passphrase string   // empty: open network
	Pairwise   ie.Suite // default CCMP-128
	Group      ie.Suite // default = Pairwise
	// OfferPairwise, when set, is the RSN element's pairwise cipher list;
	// Pairwise must be in it (the one the AP keys a station with).
	OfferPairwise  []ie.Suite
	BeaconInterval uint16 // TU, default 100
	Clock          clock.Clock
	Rand           io.Reader     // default crypto/rand
	ACL            *net80211.ACL // stations admitted
	// RSNOverride, if set, replaces the RSN element the AP puts in
	// message 3 (to test the downgrade check).
	RSNOverride []byte
	// GTKOverride, if set, is the GTK (e.g. all zeros).
	GTKOverride []byte
	// MangleM3, if set, rewrites every message 3 after its MIC was set
	// (a corrupted or truncated frame on the air).
	MangleM3 func(m3 []byte) []byte
	// QoS makes the AP a WMM AP with HT: its Beacons carry HT
	// Capabilities and the WMM Parameter element, and a station that asks
	// for WMM gets QoS Data frames with TID AP.DataTID.
	QoS bool
	// PMF: 1 offers management frame protection (MFPC), 2 requires it
	// (MFPR): the IGTK goes in message 3, robust frames are protected.
	PMF int
	// GroupMgmt is the group management cipher with PMF (BIP-CMAC-128,
	// BIP-GMAC-128, BIP-GMAC-256, BIP-CMAC-256); 0 means BIP-CMAC-128,
	// left out of the RSN element as its default.
	GroupMgmt ie.Suite
	// SAE: 1 offers WPA3-Personal only (AKM 8), 2 a transition network
	// (AKM 2 and 8). The SAE password is Passphrase; set PMF as well.
	SAE int
	// PSKSHA256: 1 offers AKM 6 (PSK with the SHA-256 KDF, hostapd's
	// WPA-PSK-SHA256) instead of AKM 2, 2 both. Not with SAE.
	PSKSHA256 int
	// SAEH2E: the AP does hash-to-element only (RSNXE bit, status 126),
	// as hostapd's sae_pwe=1; otherwise hunting-and-pecking only.
	SAEH2E bool
	// SAETokens: every SAE commit must carry the AP's anti-clogging token
	// (hostapd's sae_anti_clogging_threshold=0).
	SAETokens bool
	// SAEGroups: the finite cyclic groups the AP accepts (hostapd's
	// sae_groups); a Commit in another gets status 77. Default 19.
	SAEGroups []uint16
}

// APStats counts what the AP saw.
type APStats struct {
	AuthReqs, AssocReqs int
	// ReassocReqs: of AssocReqs, Reassociation Requests, the last one
	// naming LastCurrentAP; NullRx: Null Data frames from the station;
	// PSBuffered: data frames held while it dozed.
	ReassocReqs          int
	LastCurrentAP        net.HardwareAddr
	NullRx, PSBuffered   int
	M2, M4, GroupM2      int
	BadMIC               int
	MICFailureReports    int
	DataRx               int
	DecryptErrors        int
	DeauthRx, ProbeReqs  int
	LastDeauthReason     uint16
	LastMICFailurePairwk bool
	// StaWMM and StaHT: the station's Association Request carried the
	// WMM Information element and HT Capabilities (StaHTCaps).
	StaWMM, StaHT bool
	StaHTCaps     ie.HTCaps
	// QoSDataRx counts QoS Data frames from the station, LastTID the TID
	// of the latest one; ADDBAResponses and LastADDBAStatus what the
	// station answered SendADDBA with.
	QoSDataRx, ADDBAResponses int
	LastTID                   uint8
	LastADDBAStatus           uint16
	LastADDBAParams           uint16 // the response's Block Ack Parameter Set (bit 0: A-MSDU supported)
	// SAE: commits and confirms from the station, tokens requested,
	// confirms that did not verify (wrong password); StaRSNX: the
	// Association Request carried an RSN Extension element.
	SAECommits, SAEConfirms, SAETokenReqs, SAEBadConfirms int
	// SAEGroupRefusals: Commits answered with status 77.
	SAEGroupRefusals int
	// StaAKM: the AKM of the station's last Association Request.
	StaAKM ie.Suite
	// SAEBadTokens: Commits dropped for a used or unknown token;
	// SAEIgnoredConfirms: Confirms ignored (send-confirm not above the
	// last, or before a commit), as hostapd ignores them.
	SAEBadTokens, SAEIgnoredConfirms int
	StaRSNX                          bool
	StaMFPR                          bool // the station's RSN element requires PMF
	// PMKSAHits: associations on a cached SAE PMKSA (Open System and a
	// PMKID we hold); PMKSARefusals: PMKIDs we did not hold (status 53).
	PMKSAHits, PMKSARefusals int
}

// AP is a small access point with a WPA2-PSK authenticator.
type AP struct {
	cfg    APConfig
	radio  *Radio
	bssid  net.HardwareAddr
	pmk    [32]byte
	rsnIE  []byte
	gtk    []byte
	gtkID  uint8
	gkey   *net80211.Key
	seq    uint16
	qosSeq [16]uint16 // per TID, for QoS Data
	sta    *apSTA
	ts     uint64
	lastBc time.Time
	// Beaconing: false stops beacons (beacon-loss tests).
	Beaconing bool
	// Received holds the Ethernet frames the station sent.
	Received [][]byte
	// DataTID is the TID of QoS Data frames to a WMM station.
	DataTID uint8
	// OfferAMSDU sets "A-MSDU Supported" in SendADDBA's requests.
	OfferAMSDU bool
	// PMF counts protected management traffic; SAQueryAnswers makes the
	// AP answer the station's SA Queries (default true).
	PMF            PMFStats
	SAQueryAnswers bool
	igtk           []byte
	bip            *net80211.BIP
	// pmksa holds the PMK of each completed SAE exchange by PMKID;
	// ForgetPMKSA empties it.
	pmksa map[[16]byte][32]byte
	// saeToken is the anti-clogging token handed out and not yet used
	// (nil: none); saeTokens counts tokens handed out.
	saeToken  []byte
	saeTokens int
	ipn       uint64
	Stats     APStats
}

// NewAP creates an AP on radio r.
func NewAP(r *Radio, cfg APConfig) (*AP, error) {
	if cfg.Pairwise == 0 {
		cfg.Pairwise = ie.CipherCCMP128
	}
	if cfg.Group == 0 {
		cfg.Group = cfg.Pairwise
	}
	if cfg.BeaconInterval == 0 {
		cfg.BeaconInterval = 100
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	a := &AP{cfg: cfg, radio: r, bssid: r.MAC(), Beaconing: true, gtkID: 1, SAQueryAnswers: true}
	if cfg.Passphrase != "" {
		pmk, err := prf.PSK(cfg.Passphrase, cfg.SSID)
		if err != nil {
			return nil, err
		}
		a.pmk = pmk
		rsn := ie.RSN{Version: 1, Group: cfg.Group, Pairwise: []ie.Suite{cfg.Pairwise}, AKM: []ie.Suite{ie.AKMPSK}, HasCaps: true}
		if cfg.OfferPairwise != nil {
			rsn.Pairwise = cfg.OfferPairwise
		}
		switch cfg.SAE {
		case 1:
			rsn.AKM = []ie.Suite{ie.AKMSAE}
		case 2:
			rsn.AKM = []ie.Suite{ie.AKMPSK, ie.AKMSAE}
		}
		switch cfg.PSKSHA256 {
		case 1:
			rsn.AKM = []ie.Suite{ie.AKMPSKSHA256}
		case 2:
			rsn.AKM = []ie.Suite{ie.AKMPSK, ie.AKMPSKSHA256}
		}
		switch cfg.PMF {
		case 1:
			rsn.Capabilities |= ie.RSNCapMFPC
		case 2:
			rsn.Capabilities |= ie.RSNCapMFPC | ie.RSNCapMFPR
		}
		if cfg.PMF != 0 {
			mgmt := cfg.GroupMgmt
			if mgmt == 0 {
				mgmt = ie.CipherBIPCMAC
			} else {
				rsn.GroupMgmt = mgmt
			}
			a.igtk = make([]byte, net80211.BIPKeyLen(mgmt))
			if _, err := io.ReadFull(cfg.Rand, a.igtk); err != nil {
				return nil, err
			}
			b, err := net80211.NewBIP(mgmt, 4, a.igtk)
			if err != nil {
				return nil, err
			}
			a.bip, a.ipn = b, 1
		}
		a.rsnIE = ie.AppendRSN(nil, &rsn)
		if err := a.newGTK(); err != nil {
			return nil, err
		}
	}
	r.Handler = a.input
	return a, nil
}

// BSSID returns the AP's address.
func (a *AP) BSSID() net.HardwareAddr { return a.bssid }

// Associated reports whether a station is associated, and its port state.
func (a *AP) Associated() (assoc, authorized bool) {
	if a.sta == nil {
		return false, false
	}
	return a.sta.assoc, a.sta.authorized
}

// Tick sends a beacon when the interval has passed.
func (a *AP) Tick() {
	now := a.cfg.Clock.Now()
	if !a.Beaconing || now.Sub(a.lastBc) < time.Duration(a.cfg.BeaconInterval)*1024*time.Microsecond {
		return
	}
	a.lastBc = now
	a.sendBeacon(frame.SubBeacon, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
}

func (a *AP) header(t frame.Type, sub uint8, flags frame.FrameControl, da, a3 []byte) []byte {
	a.seq = (a.seq + 1) & 0xfff
	h := frame.HeaderFields{FC: frame.MakeFC(t, sub, flags), Addr1: da, Addr2: a.bssid, Addr3: a3, SeqCtl: frame.SeqCtlOf(a.seq, 0)}
	return frame.AppendHeader(make([]byte, 0, 2600), &h)
}

func (a *AP) tx(b []byte) {
	_ = a.radio.Transmit(b, &net80211.TxInfo{Rate: 2, NoAck: b[4]&1 != 0})
}

func (a *AP) sendBeacon(sub uint8, da []byte) {
	b := a.header(frame.TypeMgmt, sub, 0, da, a.bssid)
	a.ts += 102400
	capab := uint16(frame.CapESS | frame.CapShortSlot)
	if a.cfg.Passphrase != "" {
		capab |= frame.CapPrivacy
	}
	b = binary.LittleEndian.AppendUint64(b, a.ts)
	b = binary.LittleEndian.AppendUint16(b, a.cfg.BeaconInterval)
	b = binary.LittleEndian.AppendUint16(b, capab)
	b = ie.AppendSSID(b, a.cfg.SSID)
	b = ie.AppendRates(b, []ie.Rate{0x82, 0x84, 0x8b, 0x96, 12, 18, 24, 36, 48, 72, 96, 108})
	ch := channelOf(a.radio.Freq())
	b = ie.AppendDS(b, uint8(ch))
	if sub == frame.SubBeacon {
		b = ie.AppendTIM(b, &ie.TIM{DTIMPeriod: 1})
	}
	b = append(b, a.rsnIE...)
	if a.cfg.SAE != 0 && a.cfg.SAEH2E {
		b = append(b, ie.IDRSNX, 1, 1<<ie.RSNXCapSAEH2E)
	}
	if a.cfg.QoS {
		b = appendQoSElements(b)
	}
	a.tx(b)
}

// appendQoSElements appends HT Capabilities (20 MHz, MCS 0-7) and a WMM
// Parameter element with the default EDCA set (WMM 1.2 table 13).
func appendQoSElements(b []byte) []byte {
	h := ie.HTCaps{Info: ie.HTCapSMPSMask | ie.HTCapSGI20}
	h.MCS[0] = 0xff
	b = ie.AppendHTCaps(b, &h)
	return ie.AppendVendor(b, &ie.Vendor{OUI: ie.OUIMicrosoft, Type: ie.VendorTypeWMM, Data: []byte{ie.WMMSubtypeParam, 1, 0x01, 0,
		0x03, 0xa4, 0x00, 0x00, 0x27, 0xa4, 0x00, 0x00, 0x42, 0x43, 0x5e, 0x00, 0x62, 0x32, 0x2f, 0x00}})
}

// SendADDBA offers the station a Block Ack agreement for tid (ADDBA
// Request, IEEE 802.11-2016 9.6.5.2); the answer lands in Stats.
func (a *AP) SendADDBA(tid uint8) {
	if a.sta == nil {
		return
	}
	b := a.header(frame.TypeMgmt, frame.SubAction, 0, a.sta.mac, a.bssid)
	params := uint16(1<<1 | uint16(tid)<<2 | 64<<6) // immediate BA, tid, 64 buffers
	if a.OfferAMSDU {
		params |= 1 // A-MSDU supported (9.4.1.14)
	}
	ssc := ((a.qosSeq[tid&0xf] + 1) & 0xfff) << 4 // the TID's next sequence number
	b = append(b, frame.CategoryBlockAck, 0, 9, byte(params), byte(params>>8), 0, 0, byte(ssc), byte(ssc>>8))
	a.tx(b)
}

func channelOf(freq int) int {
	if freq == 2484 {
		return 14
	}
	return (freq - 2407) / 5
}

// Deauth sends a Deauthentication (or, with disassoc, a Disassociation)
// to the station and forgets it.
func (a *AP) Deauth(reason uint16, disassoc bool) {
	if a.sta == nil {
		return
	}
	sub := uint8(frame.SubDeauth)
	if disassoc {
		sub = frame.SubDisassoc
	}
	b := a.header(frame.TypeMgmt, sub, 0, a.sta.mac, a.bssid)
	b = binary.LittleEndian.AppendUint16(b, reason)
	a.tx(b)
	if disassoc {
		a.sta.assoc, a.sta.authorized, a.sta.key = false, false, nil
	} else {
		a.sta = nil
	}
}

// Inject transmits raw bytes from the AP's radio.
func (a *AP) Inject(b []byte) { a.tx(append([]byte(nil), b...)) }

// input handles frames from the medium.
func (a *AP) input(b []byte, rx *net80211.RxInfo) {
	f, err := frame.Parse(b)
	if err != nil || (!equal(f.Addr1(), a.bssid) && f.Addr1()[0]&1 == 0) {
		return
	}
	if s := a.sta; s != nil && s.assoc && equal(f.Addr2(), s.mac) && f.Type() != frame.TypeCtrl {
		a.powerSave(s, f.FC()&frame.FlagPwrMgt != 0)
	}
	switch f.Type() {
	case frame.TypeMgmt:
		a.mgmt(f)
	case frame.TypeData:
		if f.Subtype() == frame.SubNull {
			a.Stats.NullRx++
			return
		}
		a.data(f)
	}
}

// powerSave follows the station's Power Management bit: frames buffered
// while it dozed go out when it wakes.
func (a *AP) powerSave(s *apSTA, dozing bool) {
	if s.dozing == dozing {
		return
	}
	s.dozing = dozing
	if dozing {
		return
	}
	q := s.psq
	s.psq = nil
	for _, b := range q {
		a.tx(b)
	}
}

func equal(a, b []byte) bool { return len(a) == 6 && len(b) == 6 && [6]byte(a) == [6]byte(b) }

func (a *AP) mgmt(f frame.Frame) {
	if f.Protected() {
		if f = a.unprotect(f); f == nil {
			return
		}
		if f.Subtype() == frame.SubDeauth {
			a.PMF.DeauthProtectedRx++
		}
	} else if a.pmfOn() && equal(f.Addr2(), a.sta.mac) && (f.Subtype() == frame.SubDeauth || f.Subtype() == frame.SubDisassoc || f.Subtype() == frame.SubAction) {
		return // robust frames from a PMF station must be protected
	}
	switch f.Subtype() {
	case frame.SubProbeReq:
		a.Stats.ProbeReqs++
		set, err := ie.ParseSet(f.Body())
		if err != nil || (len(set.SSID) > 0 && string(set.SSID) != string(a.cfg.SSID)) {
			return
		}
		a.sendBeacon(frame.SubProbeResp, f.Addr2())
	case frame.SubAuth:
		a.Stats.AuthReqs++
		au, err := frame.ParseAuth(f.Body())
		if err == nil && au.Algorithm() == frame.AuthSAE && a.cfg.SAE != 0 {
			a.saeAuth(f, au)
			return
		}
		if err != nil || au.Seq() != 1 {
			return
		}
		status := uint16(frame.StatusSuccess)
		if au.Algorithm() != frame.AuthOpen {
			status = frame.StatusAlgUnsupported
		}
		if status == frame.StatusSuccess {
			a.sta = &apSTA{mac: append(net.HardwareAddr(nil), f.Addr2()...)}
		}
		b := a.header(frame.TypeMgmt, frame.SubAuth, 0, f.Addr2(), a.bssid)
		b = append(b, 0, 0, 2, 0, byte(status), byte(status>>8))
		a.tx(b)
	case frame.SubAssocReq, frame.SubReassocReq:
		a.Stats.AssocReqs++
		if f.Subtype() == frame.SubReassocReq {
			a.Stats.ReassocReqs++
			if r, err := frame.ParseAssocReq(f.Body(), true); err == nil {
				a.Stats.LastCurrentAP = append(net.HardwareAddr(nil), r.CurrentAP()...)
			}
		}
		a.assoc(f)
	case frame.SubAction:
		if act, err := frame.ParseAction(f.Body()); err == nil && act.Category() == frame.CategorySAQuery {
			a.pmfAction(act)
		}
		if act, err := frame.ParseAction(f.Body()); err == nil && act.Category() == frame.CategoryBlockAck && act.ActionCode() == 1 && len(act.Payload()) >= 7 {
			a.Stats.ADDBAResponses++
			a.Stats.LastADDBAStatus = binary.LittleEndian.Uint16(act.Payload()[1:])
			a.Stats.LastADDBAParams = binary.LittleEndian.Uint16(act.Payload()[3:])
		}
	case frame.SubDeauth, frame.SubDisassoc:
		a.Stats.DeauthRx++
		if r, err := frame.ParseReason(f.Body()); err == nil {
			a.Stats.LastDeauthReason = r.Code()
		}
		if a.sta != nil && equal(a.sta.mac, f.Addr2()) {
			a.sta = nil
		}
	}
}

func (a *AP) assoc(f frame.Frame) {
	req, err := frame.ParseAssocReq(f.Body(), f.Subtype() == frame.SubReassocReq)
	status := uint16(frame.StatusSuccess)
	var set ie.Set
	if err == nil {
		set, err = ie.ParseSet(req.Elements())
	}
	switch {
	case err != nil || a.sta == nil || !equal(a.sta.mac, f.Addr2()):
		status = frame.StatusUnspecified
	case !a.cfg.ACL.Check(f.Addr2()):
		status = frame.StatusRefusedUnspecified
	case string(set.SSID) != string(a.cfg.SSID):
		status = frame.StatusUnspecified
	case a.cfg.Passphrase != "" && (set.RSN == nil || !set.RSN.HasPairwise(a.cfg.Pairwise) || len(set.RSN.AKM) != 1):
		status = frame.StatusInvalidRSNIE
	case a.cfg.Passphrase != "" && set.RSN.AKM[0] == ie.AKMSAE && a.cfg.SAE != 0 && a.sta.sae.x == nil && !a.pmksaHit(set.RSN.PMKIDs):
		status = 53 // INVALID_PMKID: Open System without a PMKSA we hold (9.4.1.9)
	case a.cfg.Passphrase != "" && set.RSN.AKM[0] == ie.AKMSAE && (a.cfg.SAE == 0 || !a.sta.saeDone):
		status = frame.StatusInvalidRSNIE // SAE named without an SAE authentication
	case a.cfg.Passphrase != "" && set.RSN.AKM[0] == ie.AKMPSK && (a.cfg.SAE == 1 || a.cfg.PSKSHA256 == 1):
		status = frame.StatusInvalidRSNIE
	case a.cfg.Passphrase != "" && set.RSN.AKM[0] == ie.AKMPSKSHA256 && a.cfg.PSKSHA256 == 0:
		status = frame.StatusInvalidRSNIE
	case a.cfg.Passphrase != "" && set.RSN.AKM[0] != ie.AKMSAE && set.RSN.AKM[0] != ie.AKMPSK && set.RSN.AKM[0] != ie.AKMPSKSHA256:
		status = frame.StatusInvalidRSNIE
	case a.cfg.PMF == 2 && set.RSN.Capabilities&ie.RSNCapMFPC == 0:
		status = 31 // robust management frame policy violation (9.4.1.9)
	case a.cfg.PMF != 0 && set.RSN.Capabilities&ie.RSNCapMFPC != 0 && set.RSN.GroupMgmt != a.cfg.GroupMgmt && !(set.RSN.GroupMgmt == ie.CipherBIPCMAC && a.cfg.GroupMgmt == 0):
		status = 46 // cipher suite rejected per policy (9.4.1.9): hostapd refuses another group management cipher so
	}
	sub := uint8(frame.SubAssocResp)
	if f.Subtype() == frame.SubReassocReq {
		sub = frame.SubReassocResp
	}
	b := a.header(frame.TypeMgmt, sub, 0, f.Addr2(), a.bssid)
	b = append(b, make([]byte, frame.AssocRespFixedLen)...)
	frame.AssocResp(b[len(b)-frame.AssocRespFixedLen:]).Encode(&frame.AssocRespFields{Capability: frame.CapESS, Status: status, AID: 1})
	b = ie.AppendRates(b, []ie.Rate{0x82, 0x84, 0x8b, 0x96, 12, 18, 24, 36, 48, 72, 96, 108})
	qos := status == frame.StatusSuccess && a.cfg.QoS && set.WMM != nil
	if qos {
		b = appendQoSElements(b)
	}
	a.tx(b)
	if status != frame.StatusSuccess {
		return
	}
	a.sta.qos = qos
	a.Stats.StaWMM, a.Stats.StaHT = set.WMM != nil, set.HTCaps != nil
	if set.HTCaps != nil {
		a.Stats.StaHTCaps = *set.HTCaps
	}
	a.sta.assoc, a.sta.aid = true, 1
	a.sta.staRSN = set.RSNRaw
	a.sta.useSAE = set.RSN != nil && set.RSN.AKM[0] == ie.AKMSAE
	a.sta.sha256 = set.RSN != nil && set.RSN.AKM[0] == ie.AKMPSKSHA256
	a.Stats.StaAKM = 0
	if set.RSN != nil {
		a.Stats.StaAKM = set.RSN.AKM[0]
	}
	if set.RSNX != nil {
		// Message 2 repeats the RSNXE after the RSN element.
		a.sta.staRSN = append(append(append([]byte(nil), set.RSNRaw...), ie.IDRSNX, byte(len(set.RSNX))), set.RSNX...)
	}
	a.Stats.StaRSNX = set.RSNX != nil
	a.Stats.StaMFPR = set.RSN != nil && set.RSN.Capabilities&ie.RSNCapMFPR != 0
	a.PMF.StaMFPC = set.RSN != nil && set.RSN.Capabilities&ie.RSNCapMFPC != 0
	if a.cfg.Passphrase == "" {
		a.sta.authorized = true
		return
	}
	a.sta.key, a.sta.authorized = nil, false
	a.startHandshake()
}

// data handles a data frame from the station.
func (a *AP) data(f frame.Frame) {
	s := a.sta
	if s == nil || !s.assoc || !equal(f.Addr2(), s.mac) || f.FC()&frame.FlagToDS == 0 {
		return
	}
	b := []byte(f)
	hdrLen := f.HeaderLen()
	qos, tid := f.FC().IsQoSData(), f.TID() // before Decap moves the header
	var key *net80211.Key
	if f.Protected() {
		key = s.key
		if key == nil {
			a.Stats.DecryptErrors++
			return
		}
		var err error
		if b, err = key.Cipher.Decap(key, b, hdrLen, false); err != nil {
			a.Stats.DecryptErrors++
			return
		}
		df := frame.Frame(b)
		if key.Cipher.MICLen() > 0 {
			body, err := key.Cipher.DeMIC(key, df.DA(), df.SA(), df.TID(), df.FC().IsQoSData(), b[hdrLen:])
			if err != nil {
				a.Stats.DecryptErrors++
				return
			}
			b = b[:hdrLen+len(body)]
		}
	}
	if qos {
		a.Stats.QoSDataRx++
		a.Stats.LastTID = tid
	}
	body := b[hdrLen:]
	if len(body) >= 8 && binary.BigEndian.Uint16(body[6:]) == 0x888e {
		a.eapolInput(body[8:])
		return
	}
	if !s.authorized {
		return
	}
	eth, err := net80211.ToEther(b, hdrLen)
	if err != nil {
		return
	}
	a.Stats.DataRx++
	a.Received = append(a.Received, append([]byte(nil), eth...))
}

// SendEther sends an Ethernet frame to the station (unicast, pairwise key)
// or, for a group DA, to everyone under the GTK.
func (a *AP) SendEther(eth []byte) error {
	return a.sendData(eth[0:6], eth[6:12], binary.BigEndian.Uint16(eth[12:]), eth[14:], false)
}

// SendEtherBadMIC sends like SendEther but corrupts the TKIP Michael MIC
// (the ICV stays valid, so only the MSDU MIC fails).
func (a *AP) SendEtherBadMIC(eth []byte) error {
	return a.sendData(eth[0:6], eth[6:12], binary.BigEndian.Uint16(eth[12:]), eth[14:], true)
}

func (a *AP) sendData(da, sa []byte, etherType uint16, payload []byte, badMIC bool) error {
	group := da[0]&1 != 0
	if a.sta == nil && !group {
		return net80211.ErrState
	}
	var b []byte
	tid := uint8(0)
	if !group && a.sta.qos {
		tid = a.DataTID
		// QoS Data is numbered per TID (IEEE 802.11-2016 10.3.2.11.2).
		a.qosSeq[tid&0xf] = (a.qosSeq[tid&0xf] + 1) & 0xfff
		h := frame.HeaderFields{FC: frame.MakeFC(frame.TypeData, frame.SubQoSData, frame.FlagFromDS), Addr1: da, Addr2: a.bssid, Addr3: sa,
			SeqCtl: frame.SeqCtlOf(a.qosSeq[tid&0xf], 0), QoS: uint16(tid)}
		b = frame.AppendHeader(make([]byte, 0, 2600), &h)
	} else {
		b = a.header(frame.TypeData, frame.SubData, frame.FlagFromDS, da, sa)
	}
	hdrLen := len(b)
	b = net80211.AppendLLC(b, etherType)
	b = append(b, payload...)
	key := a.gkey
	if !group {
		key = a.sta.key
	}
	if key == nil && a.cfg.Passphrase != "" && etherType != 0x888e {
		return net80211.ErrNoKey
	}
	if key != nil {
		body, err := key.Cipher.EnMIC(key, da, sa, tid, b[hdrLen:])
		if err != nil {
			return err
		}
		if badMIC && key.Cipher.MICLen() > 0 {
			body[len(body)-1] ^= 0x5a
		}
		b = b[:hdrLen+len(body)]
		if b, err = key.Cipher.Encap(key, b, hdrLen); err != nil {
			return err
		}
	}
	if !group && a.sta.dozing {
		a.Stats.PSBuffered++
		a.sta.psq = append(a.sta.psq, b)
		return nil
	}
	a.tx(b)
	return nil
}

// SendAMSDU sends the Ethernet frames eths (each to the station or a group)
// to the station as one A-MSDU (IEEE 802.11-2020 9.3.2.2.2: per MSDU a
// subframe of DA, SA, length, LLC/SNAP and payload, padded to 4 octets
// but for the last) in a QoS Data frame of TID DataTID, Address 3 the
// BSSID (table 9-30), under the pairwise key: the whole A-MSDU is one
// MPDU to the cipher. mangle, when not nil, may rewrite the body before
// it is protected (malformed subframes, an injected LLC/SNAP DA). The
// station must be a WMM station.
func (a *AP) SendAMSDU(eths [][]byte, mangle func(body []byte) []byte) error {
	if a.sta == nil || !a.sta.qos {
		return net80211.ErrState
	}
	tid := a.DataTID
	a.qosSeq[tid&0xf] = (a.qosSeq[tid&0xf] + 1) & 0xfff
	h := frame.HeaderFields{FC: frame.MakeFC(frame.TypeData, frame.SubQoSData, frame.FlagFromDS), Addr1: a.sta.mac, Addr2: a.bssid, Addr3: a.bssid,
		SeqCtl: frame.SeqCtlOf(a.qosSeq[tid&0xf], 0), QoS: uint16(tid) | frame.QoSAMSDU}
	b := frame.AppendHeader(make([]byte, 0, 8192), &h)
	hdrLen := len(b)
	for i, e := range eths {
		if i > 0 {
			for (len(b)-hdrLen)%4 != 0 {
				b = append(b, 0)
			}
		}
		b = append(b, e[0:12]...)
		b = binary.BigEndian.AppendUint16(b, uint16(net80211.LLCLen+len(e)-14))
		b = net80211.AppendLLC(b, binary.BigEndian.Uint16(e[12:]))
		b = append(b, e[14:]...)
	}
	if mangle != nil {
		b = append(b[:hdrLen], mangle(bytes.Clone(b[hdrLen:]))...)
	}
	if key := a.sta.key; key != nil {
		body, err := key.Cipher.EnMIC(key, a.sta.mac, a.bssid, tid, b[hdrLen:])
		if err != nil {
			return err
		}
		b = b[:hdrLen+len(body)]
		if b, err = key.Cipher.Encap(key, b, hdrLen); err != nil {
			return err
		}
	} else if a.cfg.Passphrase != "" {
		return net80211.ErrNoKey
	}
	a.tx(b)
	return nil
}

// Radio returns the AP's radio (tests detach it to switch the AP off).
func (a *AP) Radio() *Radio { return a.radio }
