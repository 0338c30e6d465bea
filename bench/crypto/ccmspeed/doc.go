// Command ccmspeed measures gopkt's AES-CCM throughput the way
// "openssl speed" does: bytes processed per second of CPU time consumed by
// the measuring thread, not per second of wall-clock time. On a shared
// machine the two differ a lot; counting CPU time on both sides keeps the
// comparison with the peers fair when other processes compete for the cores.
//
// Modes (CCMP-128 shape: 16-byte key, 13-byte nonce, 22-byte AAD, 8-byte
// MIC, in place):
//
//	do-seal, do-open        one frame per crypto.Do on a soft-engine session: what net80211 does per frame
//	batch-seal, batch-open  soft.Engine Submit+Poll of 32 frames (four-lane CCM): the batched offload path
//	seal, open              crypto/ccm Seal/Open directly (no engine), for reference
//
// Usage: ccmspeed -mode MODE [-bytes 1500] [-seconds 2]
// Output, one line, in openssl speed -mr style: +F:<mode>:<bytes/s>.
package main
