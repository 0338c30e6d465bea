// Package softmac joins the vcard driver to the net80211 layer: Radio
// implements net80211.Radio and net80211.KeyCacheRadio on a vcard.Device,
// and Serve pumps received frames (Com.Input) and TX statuses (Com.TxDone,
// which feeds rate control) from the card into a net80211.Com.
//
// Where to start: New(dev, pool), net80211.NewCom with the Radio, then run
// Serve in one goroutine.
//
// Key cache: the layer writes the CCMP header itself (it owns the packet
// numbers), so hardware keys are used with the card's IVPRESENT transmit
// flag and KEEPIV receive mode: the card encrypts behind the host's header
// and, on receive, decrypts and strips only the MIC, leaving the header for
// the layer's replay check. Keys the card cannot take (cache full, TKIP,
// WEP, GCMP) make SetKey fail, and the layer keeps them in software.
//
// What it does not do: Transmit copies the frame into an mbuf (the layer's
// Radio contract lends the frame only for the call), so this seam is not
// zero copy; frames longer than one mbuf are refused.
//
// Concurrency: Transmit runs under the Com's lock, in whatever goroutine
// holds it; Serve never holds the transmit lock while calling into the Com.
package softmac
