// Package stack is the core of gopkt's in-process network stack, modelled on
// QNX io-pkt and the NetBSD stack: an interface layer that drivers and
// pseudo-devices plug into, an EtherType table that protocols register with,
// the routing table, the Ethernet hook points and the taps.
//
// # Where to start
//
// Build a Stack from explicit Options: the shared mbuf pool, the protocols
// (ipv4.New(ipv4.Options{Transports: []ipv4.Transport{udp.New(...)}})) and
// the cloners (tap.Cloner). Nothing is global; two stacks in one process are
// independent. lo0 (127.0.0.1/8) always exists. Then Attach ports (an e1000
// port, a link.Pair end — anything implementing hw/port.Port) or Create
// pseudo-interfaces by name ("tap0", "lo1"), and AddAddress. Example (in
// example_test.go, run by go test) is the whole thing in twenty lines: a
// pool, a stack with IPv4 and UDP, and a UDP echo over lo0.
//
// Layers, bottom up:
//
//	port.Port  RxBurst/TxBurst       (drivers, tap, link, loop)
//	Interface  Input / Output        counters, flags, MTU, taps, EtherIn/EtherOut hooks
//	EtherType table                  ipv4 registers 0x0800 and 0x0806 (ARP belongs to IPv4)
//	IP protocol table (in ipv4)      ICMP built in, UDP (TCP later) by number
//	sockets (udp.Conn)               net.PacketConn / net.Conn
//
// # Data path and concurrency
//
// Each attached interface has one receive goroutine per queue of its port
// (a port.MultiQueue port has several, any other one; unless
// IfOptions.NoPoller) that takes a burst from its queue and runs every frame
// to completion: Ethernet checks, hooks, the protocol handler, transport,
// socket queue — and any reply is transmitted from the same goroutine:
// frames sent during a burst collect per interface and reach each port in
// one TxBurst when the burst ends (one doorbell per burst; txq.go). No
// channel operation and no allocation per packet. Lookups on the data path
// (interfaces by index, addresses, routes, hooks, taps, the EtherType table)
// read immutable snapshots through atomic pointers; configuration changes
// copy and republish them. Transmission through one port queue is
// serialised by that transmit queue's mutex because TxBurst is
// single-producer; a frame's transmit queue is its flow's (the NIC's RSS
// hash in Meta.Hash, else a software hash of addresses and ports), and the
// counters exist per queue too (Interface.QueueCounters). Each queue pair
// has one mbuf cache for receive refills and transmit completions when the
// port takes it (port.CacheUser), so a flow answered on its own queue pair
// recycles buffers without the pool's lock (rxq.go).
//
// Send path: a transport asks the layer below for its packet
// (ipv4.NewPacket: room in front for the transport header plus ipv4.Reserve
// for IPv4 with options and the link header, checked against
// mbuf.Headroom), copies its payload in once, and each layer pushes its
// header into the headroom, so the packet is built once, in place, and the
// driver transmits that same buffer.
//
// Routed fast forwarding (fastfwd.go, NetBSD's ipflow): IPv4 and IPv6
// register a FastForwarder (HandleFastForward, from Attach), and Input
// offers it each frame unicast to the interface's MAC before the Ethernet
// input. A frame of a flow the protocol's cache knows comes back rewritten
// for its egress and is staged there: one TransmitBurst per egress and
// burst, frames kept in order around the ones the full path takes. The
// receive goroutine's staging arrays are the interface's, made once.
//
// # Link state and detaching
//
// Each interface follows its port's link (port.Port.LinkEvents; the stack
// is the one reader of that channel once the port is attached) on a small
// goroutine of its own (linkstate.go): Interface.Link reports it,
// Counters.LinkChanges counts changes, and while it is down Transmit drops
// and counts (OutLinkDown, within OutDrops) instead of queueing frames into
// a dead link. It is a bit in the flags word that Flags hides and SetFlags
// cannot change, so the transmit path pays no extra load for it.
// OnLinkChange registers what a program wants run on each down and up
// (the daemon: IPv6's LinkUp), called on that goroutine.
//
// Detach is safe from any goroutine, a handler running on the interface's
// own receive goroutine included: it waits only for an RxBurst or Wait in
// progress (the receive goroutine holds a mutex around those, never around
// handlers), so once it returns the receive path never touches the port
// again, and the caller may close it. Queued frames go out during Detach;
// later ones are dropped and counted. Close waits for every goroutine and
// must not be called from a handler.
//
// # Ownership
//
// Whoever holds an *mbuf.Buf owns it; passing it to Input, Output,
// Transmit, a handler or a transport hands it on, and every path that drops
// a packet frees it and counts the drop. Taps only read. Hooks follow pfil's
// verdicts. Tests end with the pool full (stacktest checks InUse()==0).
//
// A protocol that parks buffers (holds them until a remote peer or a
// reader acts) charges a quota of the pool's budget (Options.Budget,
// Stack.Budget; hw/mbuf doc.go "Budget"), so the pool keeps a reserve for
// receive refill whatever the network sends.
//
// # Extending
//
// New L3 protocols implement Protocol and call HandleEtherType from Attach;
// new pseudo-interfaces implement Cloner (stack/iface: tap, tun, vlan,
// bridge, gre, gif). Protocols that need to know about interfaces and
// addresses implement InterfaceObserver.
//
// # The L2 seam (l2.go)
//
// An L2 layer (the bridge for its members, the vlan trunk for a parent) sits
// in front of an interface's Ethernet input with SetLinkInput and gets
// whole receive bursts; it hands frames to interfaces with InputFrame and
// forwards with TransmitBurst, which sends a burst to the port in one
// TxBurst unless an Ethernet-out hook or a tap must see each frame. Ethernet
// input itself takes priority-tagged frames (802.1Q tag with VID 0) as
// untagged, and counts tags of other VIDs that no vlan took as unknown.
//
// What it does not do (yet): interface groups, and an io-pkt style manager
// process. Buffers a protocol frees on the receive goroutine (a consumed
// ACK, a dropped frame) still go to the pool, not the queue's cache: only
// the port's refills and completions use the cache.
package stack
