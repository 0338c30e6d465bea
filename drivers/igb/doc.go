// Package igb is the start of gopkt's driver for the Intel 82576 (QEMU's
// igb model, QEMU 10 and later): multiple receive and transmit queues,
// receive-side scaling, MSI-X and SR-IOV. It sits in the drivers layer beside
// drivers/e1000.
package igb
