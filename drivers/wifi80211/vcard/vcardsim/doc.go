// Package vcardsim is the device model of the gopkt virtual 802.11 card
// (docs/vcard.md): a pci.RegHook behind BAR0 of a pcitest.Function, so the
// driver in package vcard reaches it through exactly the PCI, DMA and
// interrupt paths it uses under VFIO.
//
// Where to start: New returns a Model and its Function; hand the Function to
// the driver, the Model to an air.Medium (air.Local in tests, hwsim.Medium in
// the VM) with Join, and SetMedium so the model can transmit.
//
// The model reads descriptors and buffers by IOVA through the function's
// dma.Space, as an IOMMU-translated device would; an address that does not
// translate sets STATUS.DMAERR and the DMAERR cause. It transmits from its
// own goroutine (started by New, stopped by Close) so a doorbell write never
// runs the air in the driver's goroutine, and receives in the goroutine of
// whoever calls Receive (the medium).
//
// The key cache implements CCMP-128 (IEEE 802.11-2016 12.5.3) in
// ccmp.go with crypto/ccm; WEP and TKIP are not implemented, and KEYCAPS
// says so.
//
// What it does not do: no timing (frames take no air time), no rate
// adaptation of its own (it sends at the descriptor's rate), no power save,
// no A-MPDU, no fragmentation.
//
// Ownership and coherence: descriptor status words are written with atomic
// 32-bit stores after the rest of the descriptor and the buffer, as the
// driver expects of a DMA-coherent device; the model never keeps a reference
// to DMA memory beyond one descriptor's processing.
package vcardsim
