// Command vfio-probe opens e1000-family NICs through package vfio and proves
// the whole VFIO path on each: it reads CTRL, STATUS, the receive address and
// the EEPROM MAC; transmits one 60-byte frame from a descriptor ring in DMA
// memory (TDH advances, DD is written back: the NIC read and wrote our memory
// through the IOMMU); and receives interrupts through eventfds (INTx with
// unmask on the 82540EM, MSI-X with IVAR routing on the 82574L).
//
// Usage:
//
//	vfio-probe [flags] ADDR...
//
// All devices share one VFIO container. Output is "key: value" lines per
// device (blank line between devices), or one JSON document with --json. The
// exit status is 1 when any device fails; its last line is then "error: ...".
//
// What it does not do: receive (RX needs RCTL and a receive ring; the
// e1000 driver does that), link management, or any model outside the table
// in probe.go (82540EM, 82545EM, 82574L).
package main
