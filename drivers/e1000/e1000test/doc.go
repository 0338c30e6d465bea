// Package e1000test is an in-process model of the e1000 family (82540EM,
// 82544GC, 82545EM, 82574L) for testing drivers/e1000 without hardware.
//
// A Bus is a shared in-process IOMMU plus DMA memory (like a VFIO container
// holding several devices) and a hub: every frame a port on the bus
// transmits is offered to every other port on it, as QEMU's -netdev hubport
// does. NewPort builds a pcitest function whose BAR 0 is the model's
// register file (a pci.RegHook); the model reads and writes descriptor rings
// and buffers through the bus's dma.Space, exactly where the device would DMA.
//
// Start with NewBus and NewPort; hand Port.Function() to e1000.Attach.
//
// What it models: registers the driver uses, with the datasheet's side effects
// (CTRL.RST, ICR read-to-clear, IMS/IMC, RDT/TDT doorbells, clear-on-read
// statistics); the EEPROM through EERD (both layouts) and the Microwire EECD
// interface; the PHY through MDIC; legacy RX and TX descriptors, TCP/IP
// context and data descriptors with IP/TCP/UDP checksum insertion and TCP
// segmentation (SDM §3.3.5-3.3.7, §3.5); VLAN insertion and stripping;
// receive filters (RAL/RAH, MTA, BAM, UPE, MPE); jumbo frames across 2048-byte
// buffers; receive checksum verification on the 82574L; interrupts through
// pcitest's Raise; link up/down with LSC. Frames that find no RX descriptor
// wait in a bounded per-port queue (as in QEMU) and are delivered when the
// driver writes RDT; beyond that they count as missed (MPC, RNBC, ICR.RXO).
//
// Hostile modes (Hostile) make the model misbehave on purpose: bogus lengths,
// DD written onto descriptors the driver did not give, frame error bits,
// endless frames without EOP, and a stalled transmitter.
//
// What it does not model: timing (ITR, delay timers), flow control, the
// packet-split and extended descriptor formats, RSS, wake-up, the I/O BAR.
//
// Ownership: the model never allocates per frame; its frame queue and TX
// assembly buffers are preallocated, so driver benchmarks on it measure the
// driver's allocations.
package e1000test
