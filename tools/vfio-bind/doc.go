// Command vfio-bind lists PCI functions with their drivers, IOMMU groups and
// network interfaces, and moves them to vfio-pci and back, so that gopkt's
// drivers can open them through VFIO.
//
//	vfio-bind list [--all] [--json]
//	vfio-bind bind [--force] [--driver vfio-pci] ADDR...
//	vfio-bind unbind [--to DRIVER|none] ADDR...
//
// list's VFIO column names the interfaces gopkt can open a function bound
// to vfio-pci through: iommufd (when /dev/iommu and the device's
// /dev/vfio/devices/vfioN are usable) and group; the JSON says why iommufd
// is not available (iommufd_unavailable).
//
// Global flags: --sysfs (default /sys), --state (default
// /var/lib/gopkt/bind.json), --module-root (for modprobe -d), --pci-ids.
//
// bind loads vfio-pci when it is not registered, then per device writes
// driver_override, unbinds the current driver and asks drivers_probe; it
// checks every device before touching any, refuses a device whose network
// interface is up with addresses or routes unless --force (naming the
// interface, addresses and routes), and puts devices back on their drivers
// when a step fails. unbind gives a device back to the driver it had before
// bind, remembered in the state file across runs, or to --to DRIVER.
//
// The work is done by hw/pci (Discovery and Binder); this command is the flag
// parsing and the table. It does not bind whole IOMMU groups: it warns when a
// group keeps members on host drivers, and the vfio package reports a group
// that is not viable.
//
// Exit status: 0 success, 1 an operation failed (the message says what to
// do), 2 a usage error.
package main
