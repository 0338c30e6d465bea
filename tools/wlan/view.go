package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/hwsim"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
)

// scanRow is one line of `wlan scan`.
type scanRow struct {
	BSSID    string `json:"bssid"`
	SSID     string `json:"ssid"`
	Channel  int    `json:"channel"`
	FreqMHz  int    `json:"freq_mhz"`
	Signal   int    `json:"signal_dbm"`
	Security string `json:"security"`
	// Hidden: the beacon carries an empty or zeroed SSID (IEEE
	// 802.11-2016 11.1.3.1); the table shows <hidden>.
	Hidden bool `json:"hidden,omitempty"`
}

// hiddenSSID reports an SSID element of length 0 or of only zero octets,
// the two ways an AP hides its network's name.
func hiddenSSID(ssid []byte) bool {
	for _, c := range ssid {
		if c != 0 {
			return false
		}
	}
	return true
}

func scanRows(es []net80211.ScanEntry) []scanRow {
	rows := make([]scanRow, 0, len(es))
	for i := range es {
		e := &es[i]
		r := scanRow{BSSID: e.BSSID.String(), SSID: string(e.SSID), Channel: channelOf(e.FreqMHz),
			FreqMHz: e.FreqMHz, Signal: int(e.SignalDBm), Security: e.Security()}
		if hiddenSSID(e.SSID) {
			r.SSID, r.Hidden = "", true
		}
		rows = append(rows, r)
	}
	return rows
}

// channelOf maps a centre frequency to its IEEE channel number (IEEE
// 802.11-2016 19.3.15.2 and 21.3.14.2); 0 when it is neither band.
func channelOf(mhz int) int {
	switch {
	case mhz == 2484:
		return 14
	case mhz >= 2412 && mhz <= 2472:
		return (mhz - 2407) / 5
	case mhz >= 5000 && mhz <= 5900:
		return (mhz - 5000) / 5
	}
	return 0
}

func printScan(w io.Writer, rows []scanRow, asJSON bool) error {
	if asJSON {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(rows)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BSSID\tSSID\tCHANNEL\tSIGNAL\tSECURITY")
	for _, r := range rows {
		ssid := r.SSID
		if r.Hidden {
			ssid = "<hidden>"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d dBm\t%s\n", r.BSSID, ssid, r.Channel, r.Signal, r.Security)
	}
	return tw.Flush()
}

// statusView is `wlan status`.
type statusView struct {
	State    string  `json:"state"`
	PortOpen bool    `json:"port_open"`
	SSID     string  `json:"ssid"`
	BSSID    string  `json:"bssid"`
	Channel  int     `json:"channel"`
	FreqMHz  int     `json:"freq_mhz"`
	Signal   int     `json:"signal_dbm"`
	RateMbps float64 `json:"rate_mbps"`
	MCS      int     `json:"mcs"` // HT MCS of the current TX rate, -1 for a legacy rate
	Pairwise string  `json:"pairwise_cipher"`
	// Security is the key management: open, WPA2-PSK, WPA3-SAE (with the
	// password element derivation); SAE counts the exchange's frames.
	Security string   `json:"security"`
	SAE      saeView  `json:"sae"`
	Roam     roamView `json:"roam"`
	QoS      bool     `json:"wmm"` // QoS data (WMM) negotiated
	HT       bool     `json:"ht"`  // HT capabilities exchanged
	PMF      bool     `json:"pmf"` // management frames protected (802.11w)
	// Action frames handled (Block Ack, SA Query).
	Actions uint64    `json:"actions_handled"`
	AMSDU   amsduView `json:"amsdu"`
	// Block Ack agreements (net80211 reorder.go): accepted, declined,
	// ended; MPDUs held for reordering, holes given up on after the
	// reorder timeout, MPDUs dropped as older than the window.
	BA baView `json:"block_ack"`
	// PMF: the group management cipher; counters: unprotected robust
	// frames dropped, group frames whose BIP check passed and failed, SA
	// Queries answered, ours confirmed, ours unanswered.
	GroupMgmt       string `json:"group_mgmt_cipher,omitempty"`
	MgmtUnprotected uint64 `json:"mgmt_unprotected_dropped"`
	BIPVerified     uint64 `json:"bip_verified"`
	BIPErrors       uint64 `json:"bip_errors"`
	SAQueryAnswered uint64 `json:"sa_query_answered"`
	SAQueryOK       uint64 `json:"sa_query_confirmed"`
	SAQueryTimeouts uint64 `json:"sa_query_timeouts"`
	Group           string `json:"group_cipher"`
	// Crypto says where the pairwise key's cipher runs (--crypto) and,
	// for the software engine, its batches and operations.
	Crypto cryptoView `json:"crypto"`
	// UDPSink counts what reached connect --udp-sink's port.
	UDPSink *udpSinkView `json:"udp_sink,omitempty"`
	// Counters of the vap and of the card.
	RxDelivered uint64 `json:"rx_delivered"`
	RxReplay    uint64 `json:"rx_replay"`
	RxDecryptEr uint64 `json:"rx_decrypt_errors"`
	EAPOLRx     uint64 `json:"eapol_rx"`
	EAPOLBadMIC uint64 `json:"eapol_bad_mic"`
	EAPOLReplay uint64 `json:"eapol_replay"`
	EAPOLDrop   uint64 `json:"eapol_dropped"`
	KeyReinst   uint64 `json:"key_reinstall_refused"`
	TxFrames    uint32 `json:"tx_frames"`
	TxAcked     uint32 `json:"tx_acked"`
	TxRetries   uint32 `json:"tx_retries"`
	RxFrames    uint32 `json:"rx_frames"`
	HWEncrypted uint32 `json:"hw_encrypted"`
	HWDecrypted uint32 `json:"hw_decrypted"`
	// Drops, one field per place a frame can be lost on its way between
	// the medium and the stack (see drops()).
	Drops dropsView `json:"drops"`
	// RefusedByOtherRadios: our frames a kernel radio would not take
	// (it was idle, or on another channel): not lost by us, so not a drop.
	// Scanning other channels while the AP's radio listens on one makes
	// most of them.
	RefusedByOtherRadios uint64 `json:"refused_by_other_radios"`
	// The stack interface, when connect runs with --addr or --dhcp.
	Interface string   `json:"interface,omitempty"`
	Addresses []string `json:"addresses,omitempty"`
	// With --slaac: the IPv6 addresses with their state, the default
	// routers learned from advertisements, and the neighbour cache.
	IPv6        []addr6View  `json:"ipv6,omitempty"`
	Routers6    []string     `json:"routers6,omitempty"`
	Neighbours6 []neigh6View `json:"neighbours6,omitempty"`
}

// dropsView counts lost frames by where they were lost: the medium (kernel
// frames nobody acknowledged, failed netlink sends), the card (RX ring full, TX given up after retries, RX refills
// the pool could not serve, frames the driver refused), the vap (RX
// duplicates, replays, decryption failures, unprotected or keyless frames,
// data before the port opened; TX drops and radio errors) and the stack
// port's RX queue.
type dropsView struct {
	MediumUnacked  uint64 `json:"medium_unacked"`
	MediumSendErr  uint64 `json:"medium_send_errors"`
	MediumOverruns uint64 `json:"medium_overruns"`
	// TX statuses the kernel refused (it got one before it queued the
	// frame) and we sent again, those still refused after every retry,
	// and replies to our requests lost in an overrun.
	MediumStatusRetried uint64 `json:"medium_status_retried"`
	MediumStatusLost    uint64 `json:"medium_status_lost"`
	MediumRepliesLost   uint64 `json:"medium_replies_lost"`
	// MediumLost: kernel frames lost on purpose (--drop-sae-confirms).
	MediumLost uint64 `json:"medium_lost_on_request"`
	// MediumHeld: kernel frames delivered after the next one on purpose
	// (--reorder-data).
	MediumHeld uint64 `json:"medium_swapped_on_request"`
	// MediumForged: forged copies the medium gave us (--forge-bip).
	MediumForged    uint64 `json:"medium_forged_on_request"`
	CardRxNoBuf     uint32 `json:"card_rx_no_buffer"`
	CardTxFailed    uint32 `json:"card_tx_failed"`
	CardRxAllocFail uint64 `json:"card_rx_alloc_failed"`
	CardTxRejected  uint64 `json:"card_tx_rejected"`
	CardTxForeign   uint64 `json:"card_tx_foreign"`
	CardRxBadLen    uint64 `json:"card_rx_bad_length"`
	CardRxMICErr    uint32 `json:"card_rx_mic_errors"`
	CardRxReplay    uint32 `json:"card_rx_replays"`
	VapRxDup        uint64 `json:"vap_rx_duplicate"`
	VapRxReplay     uint64 `json:"vap_rx_replay"`
	VapRxDecrypt    uint64 `json:"vap_rx_decrypt_errors"`
	VapRxUnprot     uint64 `json:"vap_rx_unprotected"`
	VapRxNoKey      uint64 `json:"vap_rx_no_key"`
	VapRxStaleKey   uint64 `json:"vap_rx_stale_key"`
	VapRxPortClosed uint64 `json:"vap_rx_port_closed"`
	VapTxDropped    uint64 `json:"vap_tx_dropped"`
	VapTxErrors     uint64 `json:"vap_tx_errors"`
	VapTxNotAcked   uint64 `json:"vap_tx_not_acked"`
	// Our own group-addressed frames the AP relayed back (SA = us).
	VapRxOwnGroup uint64 `json:"vap_rx_own_group"`
	PortRxDropped uint64 `json:"port_rx_dropped"`
	PortTxDropped uint64 `json:"port_tx_dropped"`
	// Flow counts frames in and out of each stage, so that a loss no drop
	// counter names still shows where the numbers stop adding up.
	Flow flowView `json:"flow"`
	// The stack, when connect runs one: echo requests in and replies out,
	// and the IPv4 and ARP drops; with --slaac the IPv6 ones.
	Stack  *stackView  `json:"stack,omitempty"`
	Stack6 *stack6View `json:"stack6,omitempty"`
}

// flowView is the frame count at each stage, towards us (rx) and from us (tx).
type flowView struct {
	MediumKernelFrames uint64 `json:"medium_kernel_frames"` // from kernel radios
	MediumToStations   uint64 `json:"medium_to_stations"`   // handed to our cards
	MediumInjected     uint64 `json:"medium_injected"`      // our frames into kernel radios
	CardRxFrames       uint32 `json:"card_rx_frames"`       // written into the RX ring
	CardRxDecrypted    uint32 `json:"card_rx_decrypted"`
	CardTxFrames       uint32 `json:"card_tx_frames"`
	CardTxAcked        uint32 `json:"card_tx_acked"`
	VapRxDelivered     uint64 `json:"vap_rx_delivered"` // data frames to the port
	VapRxGroup         uint64 `json:"vap_rx_group"`     // of which group-addressed (broadcast, multicast)
	VapTxGroup         uint64 `json:"vap_tx_group"`     // group-addressed frames we sent to the AP (ToDS)
	PortRxPackets      uint64 `json:"port_rx_packets"`  // frames the stack took
	PortTxPackets      uint64 `json:"port_tx_packets"`  // frames the stack sent
}

// stackView is the stack's side of `wlan status`.
type stackView struct {
	IPIn, IPInDiscards, IPOutDiscards, IPOutNoBuffers, IPOutNoRoutes uint64
	ICMPInEchos, ICMPOutEchoReps, ICMPInEchoReps                     uint64
	ARPQueueDrops, ARPResolveFailed, ARPOutRequests, ARPInReplies    uint64
	ARPInRequests, ARPOutReplies, ARPInErrors                        uint64
	IfInDropped, IfOutDropped                                        uint64
}

func makeStackView(st ipv4.Stats, c stack.Counters) *stackView {
	return &stackView{IPIn: st.InReceives, IPInDiscards: st.InDiscards, IPOutDiscards: st.OutDiscards,
		IPOutNoBuffers: st.OutNoBuffers, IPOutNoRoutes: st.OutNoRoutes,
		ICMPInEchos: st.ICMPInEchos, ICMPOutEchoReps: st.ICMPOutEchoReps, ICMPInEchoReps: st.ICMPInEchoReps,
		ARPQueueDrops: st.ARPQueueDrops, ARPResolveFailed: st.ARPResolveFailed, ARPOutRequests: st.ARPOutRequests,
		ARPInReplies: st.ARPInReplies, ARPInRequests: st.ARPInRequests, ARPOutReplies: st.ARPOutReplies, ARPInErrors: st.ARPInErrors,
		IfInDropped: c.InDrops, IfOutDropped: c.OutDrops}
}

func makeDrops(s net80211.Status, c vcard.Stats, m hwsim.Stats, p port.Stats) dropsView {
	return dropsView{MediumUnacked: m.Unacked, MediumSendErr: m.SendErr, MediumOverruns: m.Overruns,
		MediumStatusRetried: m.StatusRetried, MediumStatusLost: m.StatusLost, MediumRepliesLost: m.RepliesLost, MediumLost: m.Lost, MediumHeld: m.Held, MediumForged: m.Forged,
		CardRxNoBuf: c.RxNoBuf, CardTxFailed: c.TxFailed, CardRxAllocFail: c.RxAllocFail, CardTxRejected: c.TxRejected, CardTxForeign: c.TxForeign, CardRxBadLen: c.RxBadLen,
		VapRxDup: s.Stats.RxDup, VapRxReplay: s.Stats.RxReplay, VapRxDecrypt: s.Stats.RxDecryptErr,
		VapRxUnprot: s.Stats.RxUnprotected, VapRxNoKey: s.Stats.RxNoKey, VapRxStaleKey: s.Stats.RxStaleKey,
		VapRxPortClosed: s.Stats.RxPortClosed, VapTxDropped: s.Stats.TxDropped, VapTxErrors: s.Stats.TxErrors,
		VapTxNotAcked: s.Stats.TxNotAcked, PortRxDropped: p.RxDropped, PortTxDropped: p.TxDropped, VapRxOwnGroup: s.Stats.RxOwnGroup,
		CardRxMICErr: c.RxMICErr, CardRxReplay: c.RxReplay,
		Flow: flowView{MediumKernelFrames: m.KernelFrames, MediumToStations: m.ToStations, MediumInjected: m.Injected,
			CardRxFrames: c.RxFrames, CardRxDecrypted: c.RxDecrypted, CardTxFrames: c.TxFrames, CardTxAcked: c.TxAcked,
			VapRxDelivered: s.Stats.RxDelivered, VapRxGroup: s.Stats.RxGroup, VapTxGroup: s.Stats.TxGroup, PortRxPackets: p.RxPackets, PortTxPackets: p.TxPackets}}
}

// saeView counts the SAE exchange: commits and confirms sent (of them,
// repeated when the AP did not answer in time), exchanges started over,
// anti-clogging token requests followed, AP frames discarded and AP
// confirms that failed; rejoins on a cached PMKSA and cached PMKSAs the AP
// no longer had.
type saeView struct {
	Commits      uint64 `json:"commits_sent"`
	Confirms     uint64 `json:"confirms_sent"`
	Retransmits  uint64 `json:"retransmitted"`
	Restarts     uint64 `json:"new_exchanges"`
	Tokens       uint64 `json:"tokens"`
	PMKSAUsed    uint64 `json:"pmksa_used"`
	PMKSARefused uint64 `json:"pmksa_refused"`
	Dropped      uint64 `json:"dropped"`
	BadConfirm   uint64 `json:"bad_confirm"`
	// GroupsRefused: our Commits the AP refused for their group (status
	// 77), each followed by the next of --sae-groups.
	GroupsRefused uint64 `json:"groups_refused"`
}

// roamView is roaming within the ESS: the last move (from, to, why, how
// long from its start to the port open on the new AP), moves (of them for
// a stronger AP), beacon losses, Tick gaps that moved the beacon-loss
// deadline, background scan visits, time off channel and frames held
// meanwhile.
type roamView struct {
	LastFrom    string  `json:"last_from,omitempty"`
	LastTo      string  `json:"last_to,omitempty"`
	LastReason  string  `json:"last_reason,omitempty"`
	LastTookSec float64 `json:"last_took_s"` // 0: under way or not completed
	Roams       uint64  `json:"roams"`
	ForSignal   uint64  `json:"roams_for_signal"`
	BeaconLoss  uint64  `json:"beacon_losses"`
	Stalls      uint64  `json:"stalls"`
	LateMs      int64   `json:"beacon_loss_allowance_ms"`
	BgScans     uint64  `json:"bgscan_visits"`
	OffChanSec  float64 `json:"bgscan_off_channel_s"`
	Held        uint64  `json:"bgscan_frames_held"`
	// The connection monitor's Null Data probes to the AP.
	ProbeSent     uint64 `json:"probes_sent"`
	ProbeAcked    uint64 `json:"probes_acked"`
	ProbeUnacked  uint64 `json:"probes_unacked"`
	ProbeNoStatus uint64 `json:"probes_no_status"`
	ProbeTxFail   uint64 `json:"probe_rounds_tx_failures"`
	ProbeLosses   uint64 `json:"losses_by_probe"`
}

type cryptoView struct {
	Where        string `json:"where"`
	Batches      uint64 `json:"batches"`
	Ops          uint64 `json:"ops"`
	AuthFailures uint64 `json:"auth_failures"`
}

// amsduView counts A-MSDUs (net80211 amsdu.go): received, MSDUs
// delivered from them, dropped whole (malformed, the LLC/SNAP-DA
// injection, under WEP/TKIP, fragmented) and subframes dropped alone.
type amsduView struct {
	Received   uint64 `json:"received"`
	MSDUs      uint64 `json:"msdus_delivered"`
	Malformed  uint64 `json:"malformed_dropped"`
	Injection  uint64 `json:"injection_dropped"`
	OldCipher  uint64 `json:"wep_tkip_dropped"`
	Fragmented uint64 `json:"fragmented_dropped"`
	Subframes  uint64 `json:"subframes_dropped"`
}

type baView struct {
	Accepted uint64 `json:"accepted"`
	Declined uint64 `json:"declined"`
	Ended    uint64 `json:"ended"`
	Held     uint64 `json:"held_for_reordering"`
	Timeouts uint64 `json:"reorder_timeouts"`
	Old      uint64 `json:"old_dropped"`
	BARs     uint64 `json:"block_ack_requests"`
}

func makeStatus(s net80211.Status, c vcard.Stats) statusView {
	v := statusView{State: s.State.String(), PortOpen: s.PortOpen, SSID: string(s.SSID), FreqMHz: s.FreqMHz,
		Channel: channelOf(s.FreqMHz), Signal: int(s.SignalDBm), RateMbps: s.TxRate.Mbps(), Pairwise: s.Pairwise, Group: s.Group, QoS: s.QoS, HT: s.HT, PMF: s.PMF,
		Actions: s.Stats.RxAction, MgmtUnprotected: s.Stats.RxMgmtUnprotected, BIPErrors: s.Stats.RxBIPError, BIPVerified: s.Stats.RxBIPVerified, GroupMgmt: s.GroupMgmt, SAQueryAnswered: s.Stats.SAQueryAnswered,
		SAQueryOK: s.Stats.SAQueryConfirmed, SAQueryTimeouts: s.Stats.SAQueryTimeouts,
		RxDelivered: s.Stats.RxDelivered, RxReplay: s.Stats.RxReplay, RxDecryptEr: s.Stats.RxDecryptErr,
		EAPOLRx: s.Stats.EAPOLRx, EAPOLBadMIC: s.Stats.EAPOLBadMIC, EAPOLReplay: s.Stats.EAPOLReplay,
		EAPOLDrop: s.Stats.EAPOLDropped + s.Stats.EAPOLMalformed, KeyReinst: s.Stats.KeyReinstall,
		TxFrames: c.TxFrames, TxAcked: c.TxAcked, TxRetries: c.TxRetries, RxFrames: c.RxFrames,
		HWEncrypted: c.TxCrypto, HWDecrypted: c.RxDecrypted}
	if s.BSSID != nil {
		v.BSSID = s.BSSID.String()
	}
	v.Security = s.Security
	v.MCS = -1
	if s.TxRate.IsMCS() {
		v.MCS = s.TxRate.MCS()
	}
	v.AMSDU = amsduView{Received: s.Stats.RxAMSDU, MSDUs: s.Stats.RxAMSDUMSDUs, Malformed: s.Stats.RxAMSDUShort, Injection: s.Stats.RxAMSDUInjection,
		OldCipher: s.Stats.RxAMSDUCipher, Fragmented: s.Stats.RxAMSDUFragment, Subframes: s.Stats.RxAMSDUSubNotForUs + s.Stats.RxAMSDUSubEAPOL}
	v.BA = baView{Accepted: s.Stats.BAAccepted, Declined: s.Stats.BADeclined, Ended: s.Stats.BAEnded, Held: s.Stats.RxReorderHeld,
		Timeouts: s.Stats.RxReorderTimeouts, Old: s.Stats.RxReorderOld, BARs: s.Stats.RxBlockAckReq}
	v.Roam = roamView{Roams: s.Stats.Roams, ForSignal: s.Stats.RoamsSignal, BeaconLoss: s.Stats.BeaconLoss, Stalls: s.Stats.Stalls, LateMs: s.BeaconLate.Milliseconds(),
		BgScans: s.Stats.BgScans, OffChanSec: float64(s.Stats.BgOffChannel) / 1e6, Held: s.Stats.BgHeld,
		ProbeSent: s.Stats.ProbeSent, ProbeAcked: s.Stats.ProbeAcked, ProbeUnacked: s.Stats.ProbeUnacked, ProbeNoStatus: s.Stats.ProbeNoStatus,
		ProbeTxFail: s.Stats.ProbeTxFail, ProbeLosses: s.Stats.ProbeLosses}
	if r := s.LastRoam; r != nil {
		v.Roam.LastFrom, v.Roam.LastTo, v.Roam.LastReason, v.Roam.LastTookSec = r.From.String(), r.To.String(), r.Reason, r.Took.Seconds()
	}
	v.SAE = saeView{Commits: s.Stats.SAECommits, Confirms: s.Stats.SAEConfirms, Tokens: s.Stats.SAETokens, Dropped: s.Stats.SAEDropped, BadConfirm: s.Stats.SAEBadConfirm,
		Retransmits: s.Stats.SAERetransmits, Restarts: s.Stats.SAERestarts,
		PMKSAUsed: s.Stats.PMKSAUsed, PMKSARefused: s.Stats.PMKSARefused, GroupsRefused: s.Stats.SAEGroupsRefused}
	return v
}

func printStatus(w io.Writer, v statusView, asJSON bool) error {
	if asJSON {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(v)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintf(tw, "state:\t%s (port %s)\n", v.State, map[bool]string{true: "open", false: "closed"}[v.PortOpen])
	fmt.Fprintf(tw, "ssid:\t%s\n", v.SSID)
	fmt.Fprintf(tw, "bssid:\t%s\n", v.BSSID)
	fmt.Fprintf(tw, "channel:\t%d (%d MHz)\n", v.Channel, v.FreqMHz)
	fmt.Fprintf(tw, "signal:\t%d dBm\n", v.Signal)
	if v.MCS >= 0 {
		fmt.Fprintf(tw, "rate:\t%g Mb/s (HT MCS %d)\n", v.RateMbps, v.MCS)
	} else {
		fmt.Fprintf(tw, "rate:\t%g Mb/s\n", v.RateMbps)
	}
	switch {
	case v.HT:
		a := v.AMSDU
		fmt.Fprintf(tw, "qos:\tWMM (QoS data), HT; %d A-MSDUs received (%d MSDUs delivered; dropped: %d malformed, %d injection, %d WEP/TKIP, %d fragmented; %d subframes)\n",
			a.Received, a.MSDUs, a.Malformed, a.Injection, a.OldCipher, a.Fragmented, a.Subframes)
		fmt.Fprintf(tw, "block ack:\t%d agreements (%d declined, %d ended); %d MPDUs held for reordering, %d holes given up, %d too old, %d BlockAckReqs\n",
			v.BA.Accepted, v.BA.Declined, v.BA.Ended, v.BA.Held, v.BA.Timeouts, v.BA.Old, v.BA.BARs)
	case v.QoS:
		fmt.Fprintf(tw, "qos:\tWMM (QoS data); %d block ack offers declined, %d A-MSDUs received (%d MSDUs delivered)\n", v.BA.Declined, v.AMSDU.Received, v.AMSDU.MSDUs)
	default:
		fmt.Fprintf(tw, "qos:\tnone (legacy data frames)\n")
	}
	switch {
	case strings.HasPrefix(v.Security, "WPA3-SAE"):
		groups := ""
		if v.SAE.GroupsRefused > 0 {
			groups = fmt.Sprintf(", %d groups refused (status 77)", v.SAE.GroupsRefused)
		}
		fmt.Fprintf(tw, "security:\t%s; %d commits, %d confirms sent (%d repeated, %d new exchanges), %d anti-clogging tokens%s, %d dropped; PMKSA cache %d used, %d refused\n",
			v.Security, v.SAE.Commits, v.SAE.Confirms, v.SAE.Retransmits, v.SAE.Restarts, v.SAE.Tokens, groups, v.SAE.Dropped, v.SAE.PMKSAUsed, v.SAE.PMKSARefused)
	case v.Security != "":
		fmt.Fprintf(tw, "security:\t%s\n", v.Security)
	}
	r := v.Roam
	last := "none"
	switch {
	case r.LastTo != "" && r.LastTookSec > 0:
		last = fmt.Sprintf("from %s to %s (%s) in %.3f s", r.LastFrom, r.LastTo, r.LastReason, r.LastTookSec)
	case r.LastTo != "":
		last = fmt.Sprintf("from %s to %s (%s), not completed", r.LastFrom, r.LastTo, r.LastReason)
	}
	fmt.Fprintf(tw, "roam:\tlast %s; %d roams (%d for a stronger AP), %d beacon losses, %d stalls (beacon loss waits %d ms more); background scan %d visits, %.3f s off channel, %d frames held\n",
		last, r.Roams, r.ForSignal, r.BeaconLoss, r.Stalls, r.LateMs, r.BgScans, r.OffChanSec, r.Held)
	fmt.Fprintf(tw, "probes:\t%d sent to the AP, %d acknowledged, %d not, %d without status; %d rounds after unacknowledged frames, %d losses declared by them\n",
		r.ProbeSent, r.ProbeAcked, r.ProbeUnacked, r.ProbeNoStatus, r.ProbeTxFail, r.ProbeLosses)
	if v.Pairwise == "" && v.Group == "" {
		fmt.Fprintf(tw, "cipher:\tnone (open network)\n")
	} else {
		fmt.Fprintf(tw, "cipher:\t%s pairwise, %s group\n", v.Pairwise, v.Group)
		if v.Crypto.Batches > 0 || strings.HasPrefix(v.Crypto.Where, "software engine") {
			fmt.Fprintf(tw, "crypto:\t%s: %d frames in %d batches, %d failed their MIC\n", v.Crypto.Where, v.Crypto.Ops, v.Crypto.Batches, v.Crypto.AuthFailures)
		} else if v.Crypto.Where != "" {
			fmt.Fprintf(tw, "crypto:\t%s\n", v.Crypto.Where)
		}
	}
	if v.PMF {
		fmt.Fprintf(tw, "pmf:\ton (%s); %d unprotected dropped, %d group frames verified, %d BIP errors; SA Query: %d answered, %d of ours confirmed, %d timed out\n",
			v.GroupMgmt, v.MgmtUnprotected, v.BIPVerified, v.BIPErrors, v.SAQueryAnswered, v.SAQueryOK, v.SAQueryTimeouts)
	} else {
		fmt.Fprintf(tw, "pmf:\toff\n")
	}
	fmt.Fprintf(tw, "tx:\t%d frames, %d acked, %d retries, %d encrypted by the card\n", v.TxFrames, v.TxAcked, v.TxRetries, v.HWEncrypted)
	fmt.Fprintf(tw, "eapol:\t%d received, %d bad MIC, %d replayed, %d dropped, %d reinstalls refused\n", v.EAPOLRx, v.EAPOLBadMIC, v.EAPOLReplay, v.EAPOLDrop, v.KeyReinst)
	if v.Interface != "" && len(v.Addresses) > 0 {
		fmt.Fprintf(tw, "ip:\t%s %s\n", v.Interface, strings.Join(v.Addresses, " "))
		if u := v.UDPSink; u != nil {
			fmt.Fprintf(tw, "udp sink:\tport %d: %d datagrams, %d bytes\n", u.Port, u.Datagrams, u.Bytes)
		}
	}
	printIPv6(func(f string, a ...any) { fmt.Fprintf(tw, f, a...) }, v)
	fmt.Fprintf(tw, "rx:\t%d frames, %d delivered, %d decrypted by the card, %d replays, %d decrypt errors\n", v.RxFrames, v.RxDelivered, v.HWDecrypted, v.RxReplay, v.RxDecryptEr)
	d := v.Drops
	fmt.Fprintf(tw, "refused:\t%d of our frames by other radios (idle or on another channel; not drops)\n", v.RefusedByOtherRadios)
	fmt.Fprintf(tw, "drops:\tmedium %d unacked, %d send errors, %d overruns, %d lost on request (%d swapped), %d forged, tx status %d retried %d lost, %d replies lost; card %d rx no buffer, %d rx MIC errors, %d rx replays, %d tx failed, %d rx alloc, %d tx rejected, %d tx foreign, %d rx bad length\n",
		d.MediumUnacked, d.MediumSendErr, d.MediumOverruns, d.MediumLost, d.MediumHeld, d.MediumForged, d.MediumStatusRetried, d.MediumStatusLost, d.MediumRepliesLost, d.CardRxNoBuf, d.CardRxMICErr, d.CardRxReplay, d.CardTxFailed, d.CardRxAllocFail, d.CardTxRejected, d.CardTxForeign, d.CardRxBadLen)
	fmt.Fprintf(tw, "\tvap rx %d duplicate, %d replay, %d decrypt, %d unprotected, %d no key, %d stale key, %d port closed; tx %d dropped, %d errors, %d not acked; port rx %d queue full, tx %d dropped\n",
		d.VapRxDup, d.VapRxReplay, d.VapRxDecrypt, d.VapRxUnprot, d.VapRxNoKey, d.VapRxStaleKey, d.VapRxPortClosed, d.VapTxDropped, d.VapTxErrors, d.VapTxNotAcked, d.PortRxDropped, d.PortTxDropped)
	f := d.Flow
	fmt.Fprintf(tw, "flow:\trx medium %d kernel frames, %d to our cards; card %d into the ring, %d decrypted; vap %d delivered; port %d to the stack\n",
		f.MediumKernelFrames, f.MediumToStations, f.CardRxFrames, f.CardRxDecrypted, f.VapRxDelivered, f.PortRxPackets)
	fmt.Fprintf(tw, "\ttx port %d from the stack; card %d sent, %d acked; medium %d into kernel radios\n",
		f.PortTxPackets, f.CardTxFrames, f.CardTxAcked, f.MediumInjected)
	fmt.Fprintf(tw, "mcast:\trx %d group frames delivered, %d of our own relayed back by the AP (dropped); tx %d group frames to the AP\n",
		f.VapRxGroup, d.VapRxOwnGroup, f.VapTxGroup)
	if k := d.Stack; k != nil {
		fmt.Fprintf(tw, "stack:\tip in %d, in discards %d, out discards %d, no buffers %d, no route %d; icmp echo requests in %d, replies out %d, replies in %d\n",
			k.IPIn, k.IPInDiscards, k.IPOutDiscards, k.IPOutNoBuffers, k.IPOutNoRoutes, k.ICMPInEchos, k.ICMPOutEchoReps, k.ICMPInEchoReps)
		fmt.Fprintf(tw, "\tarp queue drops %d, unresolved %d, requests out %d, replies in %d, requests in %d, replies out %d, errors %d; interface in dropped %d, out dropped %d\n",
			k.ARPQueueDrops, k.ARPResolveFailed, k.ARPOutRequests, k.ARPInReplies, k.ARPInRequests, k.ARPOutReplies, k.ARPInErrors, k.IfInDropped, k.IfOutDropped)
	}
	printStack6(func(f string, a ...any) { fmt.Fprintf(tw, f, a...) }, d.Stack6)
	return tw.Flush()
}

// progress is the line connect prints for an event ("" for none).
func progress(e net80211.Event) string {
	switch e.Kind {
	case net80211.EventScanning:
		return "scanning"
	case net80211.EventAuthenticating:
		if strings.HasPrefix(e.Security, "WPA3") {
			return "authenticating with " + e.BSSID + " (" + e.Security + ")"
		}
		return "authenticating with " + e.BSSID
	case net80211.EventAssociating:
		return "associating"
	case net80211.EventHandshake:
		return "handshake"
	case net80211.EventConnected:
		return fmt.Sprintf("connected to %q (%s)", e.SSID, e.BSSID)
	case net80211.EventRekeyed:
		return "rekeyed"
	case net80211.EventDisconnected:
		return fmt.Sprintf("disconnected (reason %d)", e.Reason)
	case net80211.EventBeaconLoss:
		if e.Detail != "" {
			return "beacon lost (" + e.Detail + "): reconnecting"
		}
		return "beacon lost: reconnecting"
	case net80211.EventRoaming:
		return "roaming to " + e.BSSID + " " + e.Detail
	case net80211.EventMICFailure:
		return "Michael MIC failure"
	case net80211.EventCountermeasures:
		return "TKIP countermeasures: blocked for 60 s"
	case net80211.EventAuthRetry:
		if e.Err != nil {
			return "retrying: " + e.Err.Error()
		}
		return "retrying authentication"
	}
	return "" // EventFailed is connect's error message, on stderr
}

// printPing prints ping(8)'s summary lines.
func printPing(w io.Writer, v pingView) {
	loss := 100 * (v.Sent - v.Received) / max(v.Sent, 1)
	fmt.Fprintf(w, "--- %s ping statistics ---\n%d packets transmitted, %d received, %d%% packet loss\n", v.Dst, v.Sent, v.Received, loss)
	if v.Received > 0 {
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		fmt.Fprintf(w, "rtt min/avg/max = %.3f/%.3f/%.3f ms\n", ms(v.Min), ms(v.Avg), ms(v.Max))
	}
	if v.FirstErr != "" {
		fmt.Fprintf(w, "first error: %s\n", v.FirstErr)
	}
}
