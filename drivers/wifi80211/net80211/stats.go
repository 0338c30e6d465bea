package net80211

// VapStats counts what a vap received, sent and dropped. Every dropped
// frame lands in exactly one counter.
type VapStats struct {
	RxFrames       uint64
	RxMalformed    uint64 // frame or element parse failure
	RxNotForUs     uint64 // wrong receiver or BSSID
	RxCtrl         uint64 // control frames (not acted on)
	RxDup          uint64
	RxUnprotected  uint64 // clear data frame while a key is required
	RxNoKey        uint64
	RxDecryptErr   uint64
	RxReplay       uint64
	RxStaleKey     uint64 // decrypted by the radio under a key replaced since, and not the one just retired: dropped
	RxRetiredKey   uint64 // decrypted under the pairwise key the last rekey retired: replay-checked against it
	RxBadCipherHdr uint64
	RxMICFailure   uint64
	RxFragDropped  uint64
	RxTooLong      uint64
	RxPortClosed   uint64 // data before the 4-way handshake completed
	RxDelivered    uint64
	RxACLDenied    uint64
	// A-MSDUs (amsdu.go, 802.11-2020 9.3.2.2.2): received (every one,
	// dropped or not), and the MSDUs they delivered. Dropped whole: a
	// subframe past the end or missing its padding; a subframe DA equal to
	// an LLC/SNAP header (the A-MSDU injection of FragAttacks,
	// CVE-2020-24588); under WEP or TKIP; fragmented. Dropped alone:
	// subframes for another DA, EAPOL in a subframe. (In the clear while
	// keys are in place: RxUnprotected; our own relayed group MSDUs:
	// RxOwnGroup; port closed: RxPortClosed.)
	RxAMSDU, RxAMSDUMSDUs               uint64
	RxAMSDUShort, RxAMSDUInjection      uint64
	RxAMSDUCipher, RxAMSDUFragment      uint64
	RxAMSDUSubNotForUs, RxAMSDUSubEAPOL uint64
	RxAction                            uint64 // Action frames handled (Block Ack agreements, SA Query)
	// Block Ack agreements as recipient (reorder.go, 802.11-2016
	// 10.24.7.6): agreements accepted, declined and ended; BlockAckReqs
	// handled; MPDUs held ahead of a hole (not drops: they go up later)
	// and holes given up on after ReorderTimeout. Dropped: MPDUs older
	// than the window, duplicates of a held one, too long for a slot,
	// still held when the association ended.
	BAAccepted, BADeclined, BAEnded  uint64
	RxBlockAckReq                    uint64
	RxReorderHeld, RxReorderTimeouts uint64
	RxReorderOld, RxReorderDup       uint64
	RxReorderTooLong, RxReorderLost  uint64
	// Group-addressed data (broadcast, and multicast such as IPv6's
	// all-nodes and solicited-node groups): frames from the AP delivered
	// (under the group key on a protected network), our own group frames
	// the AP relayed back to the BSS (SA = us, dropped: a host must not
	// hear its own DAD solicitation, RFC 4862 §5.4.3), and group MSDUs we
	// sent (to the AP with ToDS, under the pairwise key).
	RxGroup    uint64
	RxOwnGroup uint64
	TxGroup    uint64
	// Protected management frames (pmf.go).
	RxMgmtUnprotected uint64 // unprotected robust frames to us while PMF is on
	RxBIPError        uint64 // group-addressed robust frames without a valid MME
	RxBIPVerified     uint64 // group-addressed robust frames whose MME verified
	RxMgmtReplay      uint64 // MME IPN not above the last one
	SAQueryAnswered   uint64 // SA Query Requests from the AP answered
	SAQueryConfirmed  uint64 // our SA Queries the AP answered
	SAQueryTimeouts   uint64 // our SA Queries unanswered: association ended
	RoamScans         uint64 // scans started at once because the AP said it was leaving and no other AP of the ESS was known
	// Roaming within the ESS (roam.go, bgscan.go): moves to another AP
	// without a scan (after a beacon loss, the AP leaving, or a stronger
	// AP), of them signal-based; the total time from the move's start to
	// the port open on the new AP (µs); Tick gaps longer than
	// Timeouts.Stall (the beacon-loss deadline moved by them); background
	// visits, the time spent off channel (µs), frames the stack sent
	// meanwhile that waited for our return, and Null Data frames sent
	// (power management around the visits).
	Roams, RoamsSignal uint64
	RoamTime           uint64
	Stalls             uint64
	BgScans            uint64
	BgOffChannel       uint64
	BgHeld             uint64
	BgCancelled        uint64 // visits given up: the Null announcing them was not acknowledged (or no status came)
	TxNull             uint64
	TxReassoc          uint64 // Reassociation Requests sent (moves within the ESS)
	// The connection monitor (monitor.go): Null Data probes sent to the
	// AP, acknowledged, not acknowledged, and abandoned without a TX
	// status; rounds started by frames to the AP going unacknowledged;
	// beacon losses declared because no probe of a round was
	// acknowledged.
	ProbeSent, ProbeAcked, ProbeUnacked, ProbeNoStatus uint64
	ProbeTxFail, ProbeLosses                           uint64

	SAECommits    uint64 // SAE Commit messages sent (retransmissions included)
	SAEConfirms   uint64 // SAE Confirm messages sent
	SAETokens     uint64 // anti-clogging token requests followed
	SAEDropped    uint64 // SAE frames discarded: malformed, invalid commit, unexpected
	SAEBadConfirm uint64 // AP Confirms that did not verify
	// SAEGroupsRefused: our Commits the AP refused with status 77
	// (unsupported group), each followed by the next configured group.
	SAEGroupsRefused uint64
	// SAERetransmits: Commits and Confirms sent again when t0 fired
	// (802.11-2020 12.4.8.6.4, 12.4.8.6.5); SAERestarts: exchanges
	// started over with a fresh commit after one stalled.
	SAERetransmits uint64
	SAERestarts    uint64
	PMKSAUsed      uint64 // associations on a cached SAE PMK (no SAE exchange)
	PMKSARefused   uint64 // cached PMKSAs the AP no longer had: SAE again

	EAPOLRx        uint64
	EAPOLMalformed uint64 // unparseable EAPOL-Key or key data
	EAPOLBadMIC    uint64
	EAPOLReplay    uint64 // Key Replay Counter not above the last one
	EAPOLDropped   uint64 // well-formed but unexpected (state, flags, nonce)
	KeyReinstall   uint64 // installs refused because the key was already in use
	KeyRefused     uint64 // all-zero or invalid keys refused

	TxFrames    uint64
	TxDropped   uint64 // not associated, port closed, no room
	TxErrors    uint64 // radio refused the frame
	TxMgmt      uint64
	TxEAPOL     uint64
	TxAcked     uint64
	TxNotAcked  uint64
	BeaconsSeen uint64
	BeaconLoss  uint64
	MICFailures uint64
	Countermeas uint64
}
