// Package cryptotest has fakes for the crypto offload API.
//
// API summary:
//
//	e := cryptotest.KeyCache("card", 100, 4, crypto.CCMP128, crypto.TKIP) // Inline, 4 key slots
//	reg.Register(e)
//	s, _ := e.NewSession(crypto.CCMP128, tk)  // *cryptotest.Session{Slot, Key}
//
// Engine stands in for a card's key cache (an Inline engine) or, with
// Lookaside capabilities, an accelerator: tests set its capabilities,
// priority and number of key slots, and check selection, fallback when the
// slots run out, and key programming. It never transforms data (Submit
// accepts nothing), so tests that need bytes changed use crypto/soft.
package cryptotest
