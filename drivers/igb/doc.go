// Package igb is gopkt's userspace driver for the Intel 82576 (QEMU's igb
// model, QEMU 10 and later; vmtest.LaneBackports): several RX/TX queue pairs
// with their own rings on the shared mbuf pool, receive-side scaling, and
// MSI-X with one vector per queue pair. It sits in the drivers layer beside
// drivers/e1000: below it a pci.Function (VFIO, or a fake), above it a
// program or the stack (Device.RxBurst/TxBurst are queue 0, the single-queue
// port contract; Queue(i) gives the others; Device.Port is the hw/port view,
// a port.MultiQueue the stack runs one receive goroutine per queue on).
//
// # Why a sibling of drivers/e1000
//
// The 82576 keeps the 8254x's CTRL, STATUS, RCTL, TCTL, RAL/RAH, MTA and
// MDIC, but everything on the data path moved or changed (82576 datasheet
// chapters 7 and 8): queue registers sit at 0xC000/0xE000 + 0x40n with a
// per-queue SRRCTL and an RXDCTL/TXDCTL.ENABLE that must be set and polled;
// descriptors are the advanced formats (QEMU's model reads no legacy ones:
// the write-back carries RSS type, packet type and hash); interrupts are
// EICR/EIMS/EIAC with IVAR steering instead of ICR/IMS; RSS is MRQC, RSSRK
// and a 128-entry RETA. Sharing drivers/e1000's code would put a model
// switch in every ring and interrupt function, the feature ifs DESIGN.md
// asks us to avoid; DPDK likewise keeps em and igb in separate files over a
// shared base.
//
// # Where to start
//
//	pool, _ := mbuf.NewPool(dev.DMA(), mbuf.PoolOptions{Buffers: 4096})
//	d, err := igb.Attach(dev, igb.Config{Pool: pool, Queues: 4, Interrupts: true})
//	q := d.Queue(i)          // one goroutine per queue
//	n := q.RxBurst(bufs)     // bufs[:n] are the caller's; Meta.Hash/HashType set
//	m := q.TxBurst(bufs[:n]) // bufs[:m] are the queue's now
//	q.Wait(timeout)          // sleep on the queue's MSI-X vector
//
// device.go is Attach (reset, PHY auto-negotiation restart, link, RSS,
// queues, RCTL/TCTL) and Close; queue.go the rings and the data path
// (one queue pair wherever its register block sits: a PF queue, or a VF's);
// port.go the hw/port view (queues as port.Queue and CacheUser, link);
// desc.go the descriptor formats; rss.go the Toeplitz hash (checked against
// Microsoft's RSS verification vectors) and the redirection table; intr.go
// MSI-X; regs.go the register map; vf.go, vfregs.go and mailbox.go the
// virtual function.
//
// # Virtual functions (SR-IOV, §7.8)
//
// With SR-IOV enabled on the PF (Linux: echo N > .../sriov_numvfs, the PF
// kept by Linux's igb driver), each VF is a PCI function of its own
// (8086:10ca) that VFIO can take: AttachVF drives one. It is part of this
// package rather than a sibling because the VF's data path is the PF's: VF
// n owns queue pairs n and n+8 of the same shared pool of 16, and its BAR
// shows them at the 8254x alias offsets (0x2800/0x3800) with the same
// advanced descriptors, SRRCTL and RXDCTL/TXDCTL, so queue.go and desc.go
// serve both; only reset, addressing and interrupts differ (vf.go).
// AttachVF resets the VF (VTCTRL.RST), waits for the PF to be out of reset
// (RSTI), sends RESET over the mailbox and takes the MAC the PF assigned
// (ip link set PF vf N mac ...) or, on NACK, asks for VFConfig.MAC or a
// random locally administered one (SET_MAC_ADDR); then SET_LPE, queue
// pair 0, and optionally MSI-X (vector 0 the queue pair, vector 1 the
// mailbox). SetMulticast sends SET_MULTICAST (at most 30 hashes). The
// result is a Device with one queue: Port, RxBurst, TxBurst and Wait work
// as for a PF.
//
// A VF cannot: use its second queue pair or RSS; set promiscuous or
// all-multicast modes, VLAN filters or its link (the PF decides; Linux
// also checks the VF's source MAC, spoof checking); see the PF's resets or
// link changes while attached (PF control messages are skipped, not
// acted on: reattach after the PF resets); send jumbo frames. Under QEMU
// 10.0 its BARs work only below 4 GiB (internal/vmtest: QEMUArgs).
//
// # Interrupts
//
// Each queue pair's RX and TX causes go to its own MSI-X vector; EIAC
// auto-clears the vector's EICR bit when the message is sent (§7.3.4), so
// every later cause sends a new one and nothing needs re-arming; EIMS stays
// set and EIAM is not used. Queue.Wait reads the vector's eventfd (a
// counter: an interrupt that fires between RxBurst finding the ring empty
// and Wait is not lost, it makes the next Wait return at once). A Wait that
// times out with a frame already in the ring counts in QueueStats.IRQLate:
// a lost interrupt would show there (in the VM lane it stays in the single
// digits per run, interrupts that were in flight at the timeout). The
// "other" vector is programmed (link status) but not waited on: Port.Service
// polls STATUS. Queue.WaitRx is the NAPI-style alternative for a polling
// loop: the vector stays masked while the loop polls (no message per
// frame), and an empty poll clears the vector's cause, unmasks it, looks
// at the ring again, sleeps, and masks it again (e1000-test rx --mode
// adaptive; bench/igb's RX).
//
// # Initialisation
//
//  1. Bus mastering on; interrupts masked (IMC, EIMC); CTRL.RST, polled until
//     it clears; masked again and causes read (§4.3.1).
//  2. CTRL_EXT.DRV_LOAD; receive address 0 (loaded from the EEPROM at reset)
//     marked valid; the multicast table cleared.
//  3. CTRL.SLU and an auto-negotiation restart over MDIC: QEMU takes the
//     link down at reset and brings it up about 500 ms after the restart.
//  4. With more than one queue: RSSRK from Config.Key, RETA round robin over
//     the queues, RXCSUM.PCSD (the descriptor carries the hash; QEMU computes
//     it only then) and MRQC (RSS only, Config.Fields).
//  5. Per queue: ring base, length, head, tail; SRRCTL (2 KiB buffers,
//     advanced one-buffer descriptors, drop when empty); every receive slot
//     filled; RXDCTL/TXDCTL.ENABLE set and polled.
//  6. With Config.Interrupts: MSI-X vectors (queues + 1), GPIE, IVAR per
//     queue, IVAR_MISC for link, EIAC, EIMS; EITR 0.
//  7. TCTL, then RCTL (EN, BAM, SECRC).
//
// # Data path and hostile devices
//
// Every receive slot holds a buffer; the device owns [next, RDT) and the
// slot at RDT waits outside. A write-back is trusted only after checks:
// no EOP (frames never span buffers here), error bits, length 0 or beyond
// the 2 KiB buffer are counted per queue (QueueStats) and the buffer goes
// straight back to the device; a reserved RSS type becomes HashNone. A
// frame is handed out only when a fresh buffer replaces it, so an empty
// pool leaves frames in the ring (RxNoMbuf) instead of losing slots.
// Refilled slots go back in batches of a quarter of the ring, one RDT
// write each; a transmit burst costs one TDT write. Transmit uses advanced data descriptors with RS on each; completed
// buffers return to the queue's own cache. hostile_test.go drives the
// receive path with garbage write-backs (and a fuzz target); the pool
// is full after Close.
//
// # What it does not do (yet)
//
// No hardware offloads (checksum, TSO, VLAN insertion), no jumbo frames or
// chained buffers, no VMDq on the PF (SR-IOV is the PF driver's job: Linux's;
// this package drives the VFs), no per-queue
// hardware statistics (the counters are the driver's), no receive filters
// (promiscuous, multicast: port.Filter), no link-change interrupt (Port's
// link events come from Service polling STATUS, with ICR.LSC telling it of
// a flap between two looks). The 82576's other device IDs (fiber, serdes, quad port) are not
// in IDs because no emulator offers them to test against.
//
// # Ownership
//
// RxBurst and TxBurst of one queue may run on two goroutines; one queue's
// RxBurst must not run concurrently with itself (likewise TxBurst).
// Different queues are independent. Close must not run concurrently with
// any burst; it returns every buffer to the pool. The pci.Function stays
// the caller's.
package igb
