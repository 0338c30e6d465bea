package control

// The verbs of protocol version 1, with their argument and result types.
const (
	VerbInterfaces = "interfaces" // no args → []Interface
	VerbIfconfig   = "ifconfig"   // IfconfigRequest → Interface
	VerbRoutes     = "routes"     // no args → []Route
	VerbRouteAdd   = "route.add"  // RouteRequest → nothing
	VerbRouteDel   = "route.del"  // RouteRequest → nothing
	VerbNeighbours = "neighbours" // no args → []Neighbour
	VerbSockets    = "sockets"    // no args → []Socket
	VerbStats      = "stats"      // no args → Stats
	VerbDump       = "dump"       // DumpRequest → stream "pcap"
	VerbLog        = "log"        // LogRequest → []string
	VerbLogFollow  = "log.follow" // LogRequest → stream "text": the tail, then new lines
	VerbMount      = "mount"      // MountRequest → Interface
	VerbUmount     = "umount"     // UmountRequest → nothing
	VerbDrivers    = "drivers"    // no args → []Driver
)

// Interface is one interface of the stack.
type Interface struct {
	Name   string   `json:"name"`
	Index  int      `json:"index"`
	Driver string   `json:"driver,omitempty"` // the loader that made it ("e1000", "tap"), "" for built-ins
	Flags  []string `json:"flags"`            // "UP", "LOOPBACK", "NOARP", "PROMISC"
	MTU    int      `json:"mtu"`
	MAC    string   `json:"mac"`
	Link   string   `json:"link"`  // "up", "down", "unknown"
	Addrs  []string `json:"addrs"` // CIDR
	// Counters are the stack's per-interface counters (stack.Counters).
	Counters []Counter `json:"counters,omitempty"`
}

// IfconfigRequest changes one interface: Up or Down (at most one), then
// address additions and deletions (CIDR).
type IfconfigRequest struct {
	Iface   string   `json:"iface"`
	Up      bool     `json:"up,omitempty"`
	Down    bool     `json:"down,omitempty"`
	AddAddr []string `json:"add_addr,omitempty"`
	DelAddr []string `json:"del_addr,omitempty"`
}

// Route is one routing table entry.
type Route struct {
	Dest    string `json:"dest"`              // CIDR; 0.0.0.0/0 and ::/0 are the default routes
	Gateway string `json:"gateway,omitempty"` // "" on-link
	Iface   string `json:"iface"`
	Metric  int    `json:"metric"`
	Kind    string `json:"kind"` // "connected", "static", ...
}

// RouteRequest adds or deletes a static route, IPv4 or IPv6. Dest is CIDR
// or "default" (IPv4's; IPv6's is ::/0); a route needs a Gateway on a
// connected network, an Iface, or both (an IPv6 Gateway may name its
// interface as a zone: fe80::1%em0).
type RouteRequest struct {
	Dest    string `json:"dest"`
	Gateway string `json:"gateway,omitempty"`
	Iface   string `json:"iface,omitempty"`
}

// Neighbour is one neighbour cache entry (ARP for IPv4, neighbour
// discovery for IPv6).
type Neighbour struct {
	Proto  string `json:"proto"` // "arp" or "ndp"
	Addr   string `json:"addr"`
	MAC    string `json:"mac,omitempty"`
	Iface  string `json:"iface"`
	State  string `json:"state"`
	Queued int    `json:"queued"` // packets held while resolving
}

// Socket is one socket of the stack's transports (netstat).
type Socket struct {
	Proto  string `json:"proto"` // "udp", "tcp"
	Local  string `json:"local"`
	Remote string `json:"remote"` // "*:*" when unconnected
	State  string `json:"state,omitempty"`
	RecvQ  int    `json:"recv_q"` // bytes queued for the reader
	SendQ  int    `json:"send_q"` // bytes not yet acknowledged (TCP)
}

// Counter is one named counter value.
type Counter struct {
	Name  string `json:"name"`
	Value uint64 `json:"value"`
}

// Group is a set of counters of one kind for one object: Kind "port"
// (the driver's counters, hardware ones included) with the "iface"
// label, "interface" (the stack's), "queue", "protocol" with "proto",
// "quota" with "quota", "pool", "budget".
type Group struct {
	Kind     string            `json:"kind"`
	Labels   map[string]string `json:"labels,omitempty"`
	Counters []Counter         `json:"counters"`
}

// Stats is every counter the daemon keeps.
type Stats struct {
	Groups []Group `json:"groups"`
}

// DumpRequest starts a capture on an interface (both directions). Filter
// is tcpdump syntax; Count 0 streams until the client closes; Snaplen 0 is
// the default (262144).
type DumpRequest struct {
	Iface   string `json:"iface"`
	Filter  string `json:"filter,omitempty"`
	Count   int    `json:"count,omitempty"`
	Snaplen int    `json:"snaplen,omitempty"`
}

// LogRequest asks for the last Lines log lines (0: all kept); with
// VerbLogFollow, the lines that come after follow as a text stream.
type LogRequest struct {
	Lines int `json:"lines,omitempty"`
}

// MountRequest attaches a driver at run time: Driver is a loader name
// ("e1000", "tap"), Options its option string as after -d
// ("pci=0000:00:02.0,mtu=1500"), name= in it picks the interface name.
type MountRequest struct {
	Driver  string `json:"driver"`
	Options string `json:"options,omitempty"`
}

// UmountRequest detaches the interface a driver mounted (or loaded at
// start) and closes its device.
type UmountRequest struct {
	Iface string `json:"iface"`
}

// Driver is one row of the daemon's driver registry.
type Driver struct {
	Name  string `json:"name"`
	Usage string `json:"usage"`
}
