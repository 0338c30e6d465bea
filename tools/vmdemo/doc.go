// Command vmdemo is gopkt's main job without hardware: it boots a QEMU guest
// (TCG, q35 with an Intel vIOMMU) whose emulated NICs are an e1000 (82540EM)
// and an e1000e (82574L) on one hub, and inside it
//
//  1. lists the PCI NICs with vfio-bind (driver, IOMMU group, interface);
//  2. binds both to vfio-pci with vfio-bind;
//  3. runs vfio-probe on them through real VFIO: registers, the MAC from the
//     EEPROM, a frame transmitted from DMA memory through the IOMMU, and
//     interrupts through eventfds (INTx on the e1000, MSI-X on the e1000e);
//  4. runs e1000-test selftest on each port with our e1000 driver, then a
//     loop of sequence-numbered frames from one port to the other;
//  5. gives both NICs back to their Linux drivers with vfio-bind unbind.
//  6. runs the gopkt daemon (tools/gopkt) on the e1000 through VFIO as
//     198.18.0.2/24, with the guest's Linux on the e1000e as 198.18.0.1/24:
//     Linux pings it with 3000-byte packets, it pings Linux; over TCP,
//     Linux's wget downloads 4 MB from gopkt's --http server and Go's
//     net/http client over gopkt's stack (gopktctl get) downloads them
//     from Linux's busybox httpd, SHA-256 compared; and it exits with its
//     mbuf pool full.
//
// The guest's console is printed as it runs; the exit status is 0 when every
// step passed. QEMU's filter-dump writes what each NIC put on the wire to
// pcap files in the artifacts directory (-o), readable with tshark -r.
// Without -o the artifacts go to a temporary directory that a passing run
// removes and a failing run keeps (its path is printed).
//
// Usage:
//
//	go run ./tools/vmdemo [-o DIR] [--timeout 10m]
//
// It needs qemu-system-x86, busybox-static, cpio and kmod (scripts/setup.sh
// installs them) and downloads Debian's kernel package into a cache once.
package main
