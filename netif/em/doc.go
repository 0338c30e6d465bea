// Package em attaches drivers/e1000 devices to the stack as interfaces
// (named after NetBSD's wm/em drivers). It is glue above both the driver
// and the stack (netif: drivers made into stack interfaces), so the stack
// sees drivers only through hw/port. There is no adapter layer: an
// e1000.Device is a hw/port.Port (and port.Waiter, so the receive goroutine
// sleeps on the device's interrupt eventfd between bursts), and the stack
// drives it exactly as it drives tap and the in-memory link. Attach is the
// one step from a PCI function to a running interface: it attaches the
// driver with the stack's mbuf pool (which must live in the function's DMA
// memory) and registers the interface, then starts the device's
// housekeeping goroutine (e1000.Device.Service every ServiceInterval: link
// state, which the stack follows through the port's link events; 64-bit
// counter accumulation; TX hang detection and recovery), so every attached
// device gets it whoever attached it. Detach reverses all three (draining
// the TX ring before the device is closed), and is
// safe from any goroutine, a handler on the interface's own receive
// goroutine included.
//
// The tests run the stack over two e1000 device models on one in-process
// hub (drivers/e1000/e1000test): ping with fragmentation and UDP echo, the
// same checks the VM lane repeats over QEMU's emulated e1000 through VFIO.
//
// What it does not do: bind devices to vfio-pci (tools/vfio-bind does), or
// pick checksum offloads (the stack computes checksums in software).
package em
