// Package soft is the software crypto engine: every crypto.Algorithm
// (CCMP-128/256, GCMP-128/256, WEP-40/104, TKIP, Michael, BIP-CMAC-128/256),
// lookaside, synchronous, registered through the same crypto.Registry as a
// card's key cache.
//
// API summary:
//
//	e := soft.New(soft.Options{})          // Name "soft", Priority 0, MaxBatch 64, QueueDepth 256
//	reg.Register(e)
//	s, err := e.NewSession(crypto.CCMP128, tk)
//	crypto.Do(s, op)                       // one op, no queue
//	n := e.Submit(ops); m := e.Poll(done)  // a batch per Submit
//
// Where to start: engine.go (queue, statistics), sessions.go (one session
// type per algorithm family, mapping Op fields onto the primitives),
// batch.go (how a batch is scheduled).
//
// Execution: Submit runs the accepted ops on the caller's goroutine, then
// parks them in the completion ring, in submission order; nothing runs in
// the background. CCMP ops of a batch are processed four at a time
// (ccm.SealQuad/OpenQuad) and the remainder two at a time (SealPair), see
// batch.go; that is why a batch is about 2.7 times faster than the same ops
// through Do. Op field layouts are documented on the crypto.Algorithm
// constants. GCMP requires Tag to directly follow Data in memory (the
// standard library writes the tag there); CCMP takes a detached tag.
//
// Ownership: buffers stay the caller's; the engine keeps pointers to
// submitted ops only until Poll returns them. Sessions copy keys and wipe
// their copies on Close (GCMP and BIP keys sit inside the standard
// library's AES, which cannot be wiped); Close must not race with ops on
// the same session. Ops passed to Submit must be non-nil.
//
// What it does not do: replay checks, nonce construction, Michael
// countermeasures (all in drivers/wifi80211), or work on other goroutines.
package soft
