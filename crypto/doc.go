// Package crypto is gopkt's crypto offload API, shaped like OpenBSD/NetBSD
// opencrypto and DPDK cryptodev: engines declare what they can do, sessions
// bind an algorithm to a key, operations travel in batches and come back as
// completions, and the choice of engine is explicit.
//
// API summary:
//
//	var reg crypto.Registry                          // explicit, no globals
//	reg.Register(soft.New(soft.Options{}))           // software, priority 0
//	reg.Register(keyCache)                           // a card's engine (Inline), priority >= 100
//	eng, err := reg.Select(crypto.CCMP128, 16, crypto.Needs{Mode: crypto.Lookaside})
//	sess, err := reg.NewSession(crypto.CCMP128, tk, crypto.Needs{}) // best engine, falls back
//	op := &crypto.Op{Session: sess, Dir: crypto.Encrypt, Nonce: n, AAD: aad, Data: body, Tag: mic}
//	err = crypto.Do(sess, op)                        // synchronous helper
//	k := eng.Submit(ops); n := eng.Poll(done)        // batched, no allocation per op
//	eng.Stats()                                      // ops, bytes, errors, auth failures
//
// # Layer
//
// Below drivers/wifi80211's ciphers (CCMP, GCMP, TKIP, WEP, BIP), which
// build nonces and AAD from frame headers, check replay counters and call
// this package to transform bytes. Primitives live in subpackages (ccm, gcm,
// rc4, wep, tkip, michael, cmac, keywrap, prf); crypto/soft turns them into
// an engine; crypto/cryptotest has a fake engine for tests.
//
// # The engine model
//
// Capabilities. An Engine lists Capability values: an Algorithm, the key
// sizes it accepts, its Mode and the largest batch one Submit takes. The
// list is data; nobody asks an engine "can you" at run time.
//
// Priority. Engines offering the same capability are ranked by Priority
// (hardware 100 and up, software 0), then by Name. Registry.Select and
// Registry.NewSession never look at registration order: a program that
// registers the software engine first still gets the card for CCMP when the
// card offers it. Registry.NewSession falls through to the next engine when
// the best one refuses a session (a key cache with no free slot).
//
// Inline versus lookaside. A lookaside engine (software, an accelerator)
// gets buffers through Submit and returns them through Poll. An inline
// engine (a Wi-Fi card's key cache) transforms frames on their way through
// the device: its session programs a key slot, and the cipher only marks
// frames for the card and leaves room for the header and MIC; Submit takes
// nothing and Do refuses. Callers that need bytes transformed in memory ask
// for Needs{Mode: Lookaside}.
//
// Sessions. A Session is an algorithm bound to a copy of a key on one
// engine: one per installed 802.11 key (pairwise or group). Software
// sessions are safe for concurrent use and may be submitted to any software
// engine; Close wipes the key.
//
// Operations. An Op names its session, direction, nonce, AAD, Data (changed
// in place) and Tag (written on Encrypt, checked on Decrypt). The caller
// owns every buffer until the op completes; nothing is copied. Each
// Algorithm constant documents its nonce, AAD and tag layout, and
// Algorithm.Params gives the sizes. A failed check completes with Status
// wrapping ErrAuth; a malformed op with ErrInvalidOp.
//
// Batches and completion. Submit takes up to MaxBatch ops and returns how
// many it accepted (the rest are the caller's to retry, as with a NIC's
// TxBurst); Poll returns completed ops, each with Status set. Submit/Poll
// are a queue pair: an engine is safe for concurrent use, but completions
// go to whoever polls, so a worker either owns its engine instance (cheap
// for software) or uses Do. Do runs one op on the caller's goroutine
// through the Processor interface that synchronous engines' sessions
// implement; DoBatch runs a whole batch there through the BatchProcessor
// interface of synchronous engines (the software engine), so a shared
// engine's completion queue is never involved (net80211's data path uses
// it, a burst of frames per call). No path allocates per op.
//
// Statistics. Every engine counts ops, bytes, errors, authentication
// failures, batches and open sessions; the software engine adds to its
// shared counters once per batch.
//
// # What it does not do
//
// No replay detection, nonce construction or key management: those are
// 802.11 state and belong to the wireless layer. No asynchronous software
// workers: the software engine completes a batch inside Submit (run to
// completion, as the rest of gopkt does); an asynchronous hardware engine
// fits the same interface.
//
// # Errors
//
// Sentinels (ErrAuth, ErrNotSupported, ErrNoEngine, ErrKeySize,
// ErrInvalidOp, ErrClosed, ErrDuplicate) for errors.Is, wrapped in *OpError
// with the engine, algorithm and a hint at API edges. The data path returns
// the bare ErrAuth for a bad MIC: an attacker's frame is expected, not
// exceptional, and must not cost an allocation.
package crypto
