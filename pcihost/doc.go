// Package pcihost is the host's PCI functions as Linux shows them to an
// operator: discovery from sysfs, names from pci.ids, the network
// interfaces on each function, and binding to vfio-pci and back. It is
// operator tooling above the drivers (tools/vfio-bind is a thin CLI over
// it); drivers and the stack never import it, so they do not link pci.ids
// parsing or netlink (the import-graph test in internal/layers keeps it so).
//
// Files, by concern:
//
//   - discover.go (+ discover_names.go, discover_net.go): Discovery lists
//     devices from sysfs with u-root's pci package, names from pci.ids through
//     ghw's pcidb (never fetched from the network), the current driver, the
//     IOMMU group and its other members, and each network interface's state
//     (up, addresses, routes) from netlink dumps.
//   - bind.go, bind_state.go, bind_users.go: Binder moves devices to
//     vfio-pci and back with driver_override, refuses interfaces in use
//     unless forced, refuses to unbind a device a process holds open
//     through VFIO, rolls back on failure and remembers the previous
//     driver in a state file.
//   - discover_errors.go: sentinels and *OpError, whose messages say what to
//     do.
//
// What it does not do: open devices (package vfio does), or change IOMMU
// or hugepage settings.
package pcihost
