// Package e1000 is gopkt's userspace driver for the Intel e1000 family: the
// 82540EM, 82544GC and 82545EM (PCI/PCI-X, QEMU's e1000, e1000-82544gc and
// e1000-82545em) and the 82574L (PCIe, QEMU's e1000e). It sits in the
// drivers layer: below it a pci.Function (VFIO, or the in-process model in
// e1000test), above it the stack through port.Port.
//
// # Where to start
//
// Attach (device.go) and the initialisation sequence in init.go, then the
// data path: rx.go (RxBurst, refill) and tx.go (TxBurst, cleaning, offload
// contexts). Register and descriptor layouts are in regs.go and desc.go, the
// ID table in ids.go, EEPROM access in eeprom.go, PHY and link in link.go,
// address filters in filter.go, interrupts and the slow path (Service,
// hang detection) in intr.go, statistics in stats.go, the self-test in
// selftest.go.
//
//	pool, _ := mbuf.NewPool(container.Memory(), mbuf.PoolOptions{Buffers: 8192})
//	d, err := e1000.Attach(fn, e1000.Config{Pool: pool})
//	n := d.RxBurst(bufs)      // bufs[:n] are the caller's
//	m := d.TxBurst(bufs[:n])  // bufs[:m] are the driver's now
//	d.Service()               // every 100 ms to 1 s: link, counters, hang check
//
// # Initialisation (init.go), with the manual sections it follows
//
//  1. Bus mastering on (PCI 3.0 §6.2.2).
//  2. Interrupts masked (IMC), receiver and transmitter off, then CTRL.RST
//     (8254x SDM §14.3, §13.4.1; 82574 datasheet §4.6.1, with GIO master
//     disable first, §5.2.1.3); interrupts masked again and ICR cleared.
//  3. MAC address from EEPROM words 0-2 (SDM §5.6.1) into RAL0/RAH0 with AV;
//     other receive addresses, the multicast table and the VLAN filter
//     table cleared (SDM §14.4 steps 1-3). The EEPROM is read through EERD
//     (SDM §13.4.4; the 82574 layout of §10.2.2.5 moves DONE and the
//     address) or, on the 82544GC which has no EERD, by bit-banging the
//     Microwire interface in EECD (SDM §5.3.1). The checksum (words sum to
//     0xBABA, §5.6.22) is verified and reported.
//  4. Link: CTRL.SLU|ASDE, no forced speed or duplex, flow control off
//     (SDM §14.5.2, §14.5.5); auto-negotiation (re)started on the PHY over
//     MDIC (§13.4.7) if it was off.
//  5. Statistics read once to clear (SDM §14.6).
//  6. Receive unit (SDM §14.4): ring base, length, head and tail; no delay
//     timers; legacy descriptors (82574: RFCTL.EXSTEN off) with checksum
//     offload on the 82574; ring filled; RCTL last (EN, BAM, SECRC, 2048-byte
//     buffers, LPE above MTU 1500).
//  7. Transmit unit (SDM §14.5): ring registers, TIPG for copper, TXDCTL bit
//     22 on the 82574, TCTL (EN, PSP, CT, COLD).
//  8. Interrupts (SDM §13.4.18-13.4.20, 82574 §7.4): ITR, then, in interrupt
//     modes, one vector (INTx, or MSI-X vector 0 mapped by IVAR) and IMS.
//
// QEMU's CTRL.RST does not reset registers, so every register the driver
// relies on is written explicitly. QEMU also holds reception for about one
// second after each RCTL write; the driver writes RCTL only when a filter or
// the long-packet bit actually changes. QEMU's 8254x error counters (MPC,
// RNBC, ...) never clear on read; on QEMU's subsystem ID the driver counts
// their differences (stats.go). QEMU 7.2's e1000e carries out a TSO request
// as IP fragmentation when its backend lacks a virtio-net header (a hub);
// QEMU 8.1 segments properly, as the hardware does.
//
// # Data path
//
// Descriptors hold IOVAs of mbufs from the shared pool (zero copy both
// ways). RX refills in batches (a quarter of the ring by default),
// allocating straight into the ring's buffer slots, and writes RDT once per
// batch; TX writes TDT once per burst and sets Report Status every 32
// descriptors and on each burst's last packet; cleaning reads DD only on
// those RS descriptors and frees each completed run of the ring with one
// Cache.Free. Neither head register is read on the fast path: under
// emulation every register access is a trap. RxBurst and TxBurst allocate
// nothing. Under emulation (QEMU TCG) every guest instruction is translated,
// so the per-packet paths are written for instruction count: the common
// case (one segment, no offload, a valid length) runs in a tight loop with
// the ring state in locals and the rings indexed through the masked slot
// number (always below the ring size, a power of two) without per-packet
// bounds checks; everything else takes a separate path with every check.
//
// Buffers the device cannot reach never reach a descriptor: Attach refuses
// a Config.Pool whose memory is not from the function's DMA allocator
// (mbuf.Pool.From), and TxBurst drops and counts (TxForeign, within port
// TxDropped) a packet with a segment from such a pool. The fast path pays
// one pointer compare for it (Config.Pool, then the one other reachable
// pool it remembers).
//
// Device-written descriptors are distrusted: the buffer address is never
// taken from a descriptor, lengths are checked against the 2048-byte
// buffer, frames against the MTU, chains against a lost EOP (a short
// descriptor without EOP), and a DD bit on a descriptor the device does not
// own is detected at refill. Each case is counted (HWStats) and the frame
// dropped; RX error bits drop the frame too.
//
// # Ownership and concurrency
//
// RxBurst hands the returned buffers to the caller; TxBurst takes the
// buffers it accepted (a malformed request is accepted, freed and counted).
// One goroutine may call RxBurst (and Wait) while another calls TxBurst (and
// Drain); Service, Stats, the filters and the other control methods are
// safe from any goroutine. Service must run every 100 ms to 1 s for link
// changes, counter accumulation and hang recovery; netif/em runs it
// for the devices it attaches. Close quiesces and resets the device, returns
// every buffer the rings held to its pool, frees the descriptor memory and
// closes the pci.Function; the pool itself belongs to the caller.
//
// # What it does not do
//
// One RX and one TX queue (no RSS, no second 82574 queue); legacy RX
// descriptors only (no packet split, no extended status, so no RSS hash);
// no receive checksum verdicts on the 8254x models (QEMU does not emulate
// them); no flow control, wake-on-LAN, manageability, EEPROM writes, fibre
// or SerDes links, or 82541/82547/82571-and-later parts. TX hang recovery
// resets the transmit ring only, not the whole device. Interrupt modes use
// one vector; TX completion is always polled.
package e1000
