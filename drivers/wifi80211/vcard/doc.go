// Package vcard is the driver of the gopkt virtual 802.11 PCI card
// (docs/vcard.md): a softmac radio that transmits and receives whole 802.11
// frames through descriptor rings holding mbuf IOVAs, reports per-frame TX
// status for rate control, and offers a CCMP key cache.
//
// # Where to start
//
// Attach (or Driver, for a pci.Registry) takes a pci.Function (VFIO or a
// vcardsim model behind pcitest) and a Config with the shared mbuf.Pool.
// The data path is Transmit / Reap / Receive, in bursts; Wait sleeps on the
// interrupt (eventfd under VFIO). Control: SetChannel, SetTxPower, SetMAC,
// SetBSSID, SetRxFilter. KeyCache installs CCMP keys into the card; when it
// says ErrCacheFull or ErrCipher the caller keeps that key in software. The
// KeyCache is also a crypto.Engine (inline, priority 100, engine.go): in a
// crypto.Registry beside the software engine it wins CCMP-128, and
// Registry.NewSession falls through to software when its slots are full.
//
// This is the radio seam the net80211 layer drives: frames leave as
// 802.11 MPDUs with a TxInfo (rate, tries, key slot), come back as
// TxStatus (acked, attempts) for rate control, and arrive with RxInfo
// (rate, signal, frequency, decryption result).
//
// # What it does not do
//
// No fragmentation, no A-MPDU, no frames longer than one mbuf (2048 bytes);
// no WEP or TKIP in hardware (the card has none: software must do them).
//
// # Ownership and concurrency
//
// Transmit takes ownership of the buffers it accepts; Reap frees them back
// to their pool after the card is done. Only memory the card can reach
// gets near a descriptor: Attach refuses a Config.Pool not from the
// function's DMA allocator (mbuf.Pool.From), and Transmit stops at a buffer
// from such a pool, leaving it with the caller (Stats.TxForeign). Receive hands ownership of each
// returned buffer to the caller. Transmit and Reap belong to one goroutine,
// Receive to one goroutine (possibly another); control methods and the key
// cache are safe for concurrent use. Descriptor status words are read with
// atomic loads; a doorbell (TDT/RDT) write is an atomic store that orders the
// descriptor stores before it (hw/pci Regs).
//
// Close stops the card, frees every buffer the rings held, frees the ring
// memory and closes the function: with no frames outstanding in the caller,
// the pool is full afterwards.
package vcard
