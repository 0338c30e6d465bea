// Command e1000-test drives e1000-family NICs (82540EM, 82544GC, 82545EM,
// 82574L) with gopkt's userspace driver, for bring-up, diagnosis and
// measurement.
//
//	e1000-test info     ADDR...              model, MAC, link, EEPROM checksum, offloads
//	e1000-test regs     ADDR                 named register dump
//	e1000-test eeprom   ADDR                 the 64 EEPROM words and their checksum
//	e1000-test selftest ADDR...              registers, EEPROM, interrupt, link
//	e1000-test pktgen   ADDR [--size 60] [--count N] [--rate PPS] [--dst MAC] [--duration D] [--vlan --vlan-tag TCI]
//	e1000-test rx       ADDR [--count N] [--duration D] [--expect N] [--verify-ip]
//	e1000-test fwd      ADDR0 ADDR1 [--duration D]
//	e1000-test offload  ADDR [--count N] [--mss 1400] [--dst MAC]   checksum-offload and TSO packets
//	e1000-test loop     ADDR0 ADDR1 [--count N] [--sizes mixed|N] [--jumbo] [--allow-loss]
//	e1000-test rss      ADDR --queues N [--flows N] [--duration D]   82576: each flow's hash and queue
//
// Common flags: --mode poll|interrupt|adaptive, --mtu, --rx-descs,
// --tx-descs, --rx-refill, --buffers, --vlan, --promisc, --itr,
// --cpuprofile FILE (a Go CPU profile of the command). pktgen, rx
// and fwd print one live line per second (packets per second and bit rate);
// every command ends with
// the pool check ("pool: N/N buffers free"), and fails if a buffer leaked.
// rx also reports frames per VLAN ID whose tag the NIC stripped (--vlan) and
// the 82574L's receive checksum verdicts.
// loop sends sequence-numbered frames with checksummed payloads from ADDR0 to
// ADDR1 and reports lost, corrupt, duplicated and reordered frames; its exit
// status is 0 only for a clean run (with --allow-loss: no corruption,
// duplication or reordering).
//
// # On a real machine
//
// The NIC must be bound to vfio-pci, with the IOMMU on (intel_iommu=on or
// amd_iommu=on) and some hugepages reserved:
//
//	echo 64 > /proc/sys/vm/nr_hugepages
//	vfio-bind bind 0000:03:00.0            # refuses an interface that is up with addresses
//	e1000-test selftest 0000:03:00.0
//	e1000-test pktgen 0000:03:00.0 --size 60 --duration 10s
//	vfio-bind unbind 0000:03:00.0          # back to the kernel's e1000/e1000e
//
// Two ports (loop, fwd) share one VFIO container, so one mbuf pool serves
// both and frames move between them without a copy.
//
// # In the VM lane
//
// internal/vmtest boots QEMU with emulated e1000/e1000e NICs on one hub;
// the scenarios in vm_test.go bind them with vfio-bind and run this command
// inside the guest (go test ./tools/e1000-test -run VM).
//
// # 82576 (igb) ports
//
// pktgen, rx, fwd and loop also run on 82576s (drivers/igb; every port of
// the command an 82576) with --queues N: one goroutine per queue pair, each
// with its own mbuf cache, GOMAXPROCS set to N while they poll; the live
// lines add each queue's rate and the end prints each queue's totals.
// pktgen --flows N sends UDP/IPv4 frames of N source ports round robin
// (so a receiver's RSS spreads them); fwd forwards queue i to queue i both
// ways, and its --tx-first frames carry --flows flows. bench/igb runs them
// against testpmd.
//
// rss (82576 only) receives on all N queues and prints each new flow once:
// the hash and RSS type the device wrote into the descriptor, the Toeplitz
// hash computed from the frame with the port's key (igb.FlowHash,
// datasheet §7.1.2.8), the queue the redirection table names and the queue
// it arrived on; it fails if any flow's device hash, type or queue differs.
// It stops after --flows distinct flows or --duration.
//
// # What it does not do
//
// One RX and one TX queue per e1000-family port (82576s: up to 8); no PTP;
// the statistics it prints are the driver's (see e1000.HWStats for the
// device's own counters).
package main
