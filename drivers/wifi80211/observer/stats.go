package observer

import (
	"fmt"
	"io"
)

// Reason says why a data frame was not decrypted.
type Reason uint8

// Reasons.
const (
	ReasonNone       Reason = iota
	ReasonNotInfra          // IBSS or WDS (4-address) frame: only AP-station traffic is followed
	ReasonOtherBSS          // another network than Config.BSSID
	ReasonWEP               // WEP-protected (ExtIV clear): no WEP keys are taken
	ReasonNoPTK             // no verified 4-way handshake of this AP and station seen yet
	ReasonNoGTK             // group-addressed, and no group key of that index seen yet
	ReasonFragment          // a fragment: not reassembled
	ReasonRetransmit        // the same packet number again: a retransmission, skipped
	ReasonHeader            // cipher header truncated, wrong ExtIV or key index
	ReasonDecrypt           // the CCMP/GCMP MIC or TKIP ICV did not verify
	ReasonMichael           // the TKIP Michael MIC did not verify
	numReasons
)

var reasonNames = [numReasons]string{
	ReasonNone:       "none",
	ReasonNotInfra:   "IBSS/WDS (not followed)",
	ReasonOtherBSS:   "other BSSID",
	ReasonWEP:        "WEP (no key)",
	ReasonNoPTK:      "no PTK (no handshake)",
	ReasonNoGTK:      "no GTK for the key index",
	ReasonFragment:   "fragment",
	ReasonRetransmit: "retransmission",
	ReasonHeader:     "bad cipher header",
	ReasonDecrypt:    "MIC/ICV mismatch",
	ReasonMichael:    "Michael MIC failure",
}

func (r Reason) String() string {
	if r < numReasons {
		return reasonNames[r]
	}
	return fmt.Sprintf("reason %d", uint8(r))
}

// Stats counts what the observer saw. Data counts data frames with a body
// between an AP and a station or not; Plain, WEP and WPA split them by
// protection (as airdecap-ng's summary does; WPA is every ExtIV frame:
// TKIP, CCMP, GCMP); Decrypted counts the WPA frames decrypted, of them
// DecryptedGroup the group-addressed ones; Dropped the others by reason.
type Stats struct {
	Frames         uint64 // MAC frames given to Frame
	Malformed      uint64 // frames too short for their MAC header, or not version 0
	Data           uint64
	Plain          uint64
	WEP            uint64
	WPA            uint64
	Decrypted      uint64
	DecryptedGroup uint64
	Dropped        [numReasons]uint64

	EAPOLKey          uint64 // EAPOL-Key frames followed
	EAPOLMalformed    uint64 // EAPOL-Key frames unparsable, sent the wrong way, or with bad key data
	EAPOLBadMIC       uint64 // message 3 or group message 1 failing the MIC under the pair's PTK
	Handshakes        uint64 // PTKs derived (message 2's MIC verified)
	HandshakeNoKey    uint64 // message 2 that no given secret verifies: wrong passphrase or PMK
	GroupKeys         uint64 // distinct GTKs installed
	CipherUnsupported uint64 // handshakes or keys for a cipher not in Config.Ciphers
}

// Pairwise returns the unicast frames decrypted (airdecap-ng's "decrypted
// WPA packets": it does not decrypt group-addressed frames).
func (s *Stats) Pairwise() uint64 { return s.Decrypted - s.DecryptedGroup }

// Write prints the summary, airdecap-ng's lines first.
func (s *Stats) Write(w io.Writer) error {
	var drops uint64
	for _, d := range s.Dropped[1:] {
		drops += d
	}
	_, err := fmt.Fprintf(w, "frames read               %8d\n"+
		"data frames               %8d\n"+
		"  plaintext               %8d\n"+
		"  WEP                     %8d\n"+
		"  WPA (TKIP/CCMP/GCMP)    %8d\n"+
		"decrypted                 %8d  (%d unicast, %d group)\n"+
		"not decrypted             %8d\n",
		s.Frames, s.Data, s.Plain, s.WEP, s.WPA, s.Decrypted, s.Pairwise(), s.DecryptedGroup, drops)
	if err != nil {
		return err
	}
	for r := ReasonNotInfra; r < numReasons; r++ {
		if s.Dropped[r] != 0 {
			if _, err := fmt.Fprintf(w, "  %-24s%8d\n", r.String(), s.Dropped[r]); err != nil {
				return err
			}
		}
	}
	_, err = fmt.Fprintf(w, "handshakes                %8d  (PTKs derived; %d EAPOL-Key frames)\n"+
		"group keys                %8d\n", s.Handshakes, s.EAPOLKey, s.GroupKeys)
	if err != nil {
		return err
	}
	for _, x := range []struct {
		n    uint64
		what string
	}{
		{s.HandshakeNoKey, "message 2 verified by no key given (wrong passphrase, PSK or PMK?)"},
		{s.EAPOLBadMIC, "EAPOL-Key frames failing their MIC"},
		{s.EAPOLMalformed, "EAPOL-Key frames malformed"},
		{s.CipherUnsupported, "keys of an unsupported cipher"},
		{s.Malformed, "frames malformed (MAC header)"},
	} {
		if x.n != 0 {
			if _, err := fmt.Fprintf(w, "%-26s%8d  %s\n", "", x.n, x.what); err != nil {
				return err
			}
		}
	}
	return nil
}
