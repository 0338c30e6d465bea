package stack

import (
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/wire"
)

// Flags are interface flags (the IFF_ set of NetBSD's if.h, trimmed).
type Flags uint32

// Interface flags.
const (
	FlagUp       Flags = 1 << iota // administratively up: frames are sent and received
	FlagLoopback                   // the loopback device
	FlagNoARP                      // IPv4 does not resolve with ARP here (the link address is fixed)
	FlagPromisc                    // accept unicast frames for other MACs
)

// flagLinkDown is the stack's copy of the port's link state, kept in the
// flags word so that Transmit tests "up and link up" with one atomic load.
// Flags hides it and SetFlags cannot change it; Link reports it.
const flagLinkDown Flags = 1 << 31

// publicFlags are the bits Flags reports and SetFlags may change.
const publicFlags = ^flagLinkDown

func (f Flags) String() string {
	var s []string
	for i, n := range []string{"UP", "LOOPBACK", "NOARP", "PROMISC"} {
		if f&(1<<i) != 0 {
			s = append(s, n)
		}
	}
	return "<" + strings.Join(s, ",") + ">"
}

// IfOptions configure an interface at Attach.
type IfOptions struct {
	// Flags to start with; FlagUp is always added.
	Flags Flags
	// NoPoller leaves the receive path to the caller, who calls Poll (tests
	// and benchmarks that want one goroutine to run everything).
	NoPoller bool
	// Burst is the receive burst size; 0 means 32.
	Burst int
	// Queues bounds the queue pairs the interface runs on a multi-queue
	// port (port.MultiQueue); 0 means every queue the port has (rxq.go).
	Queues int
	// NoCache leaves each port queue on its own mbuf caches instead of one
	// cache per queue pair shared with the stack (port.CacheUser, rxq.go).
	NoCache bool
}

// Counters are an interface's 64-bit statistics (RFC 2863 ifTable names in
// the comments).
type Counters struct {
	InPackets      uint64 // frames received (ifHCInUcastPkts + multicast + broadcast)
	InBytes        uint64 // ifHCInOctets
	InMulticast    uint64 // multicast and broadcast frames received
	InErrors       uint64 // malformed frames (ifInErrors)
	InDrops        uint64 // frames not for us, or dropped by a hook (ifInDiscards)
	InUnknownProto uint64 // EtherType with no handler (ifInUnknownProtos)
	OutPackets     uint64 // frames handed to the port (ifHCOutUcastPkts + ...)
	OutBytes       uint64 // ifHCOutOctets
	OutDrops       uint64 // frames the port did not take, or a hook dropped (ifOutDiscards)
	OutErrors      uint64 // frames that could not be built (no headroom)
	OutLinkDown    uint64 // frames dropped because the link was down or the interface detached (also in OutDrops)
	LinkChanges    uint64 // link state changes the port reported
}

type counters struct {
	inPackets, inBytes, inMulticast, inErrors, inDrops, inUnknownProto  atomic.Uint64
	outPackets, outBytes, outDrops, outErrors, outLinkDown, linkChanges atomic.Uint64
}

// Interface is one network interface: a port plus the stack's view of it
// (name, index, flags, MTU, addresses, counters, taps).
type Interface struct {
	s      *Stack
	name   string
	index  int
	port   port.Port
	mac    wire.MAC
	mtu    atomic.Int32
	flags  atomic.Uint32
	addrs  atomic.Pointer[[]netip.Prefix]
	taps   atomic.Pointer[[]Tap]
	l2     atomic.Pointer[linkInput] // an L2 layer that takes received bursts first (l2.go)
	c      counters
	cloned bool
	burst  int

	// One receive and one transmit queue per queue pair of the port
	// (rxq.go, txq.go); fixed at Attach.
	rxqs     []*rxQueue
	txqs     []*txQueue
	stopping atomic.Bool // Detach: the receive path stays off the port
	tapMu    sync.Mutex

	linkMu    sync.Mutex // serialises link updates; guards link
	link      port.LinkState
	linkQuit  chan struct{}
	linkTold  bool // the link state OnLinkChange functions last heard (watchLink only)
	detaching bool // under s.mu
}

func newInterface(s *Stack, name string, idx int, p port.Port, o IfOptions) *Interface {
	ifc := &Interface{s: s, name: name, index: idx, port: p, mac: wire.MAC(p.MAC()), burst: o.Burst}
	if ifc.burst <= 0 {
		ifc.burst = 32
	}
	ifc.newQueues(p, o)
	ifc.mtu.Store(int32(p.MTU()))
	ifc.flags.Store(uint32(o.Flags&publicFlags | FlagUp))
	ifc.link = p.Link()
	ifc.linkTold = ifc.link.Up
	if !ifc.link.Up {
		ifc.flags.Store(uint32(o.Flags&publicFlags | FlagUp | flagLinkDown))
	}
	ifc.linkQuit = make(chan struct{})
	ifc.addrs.Store(&[]netip.Prefix{})
	return ifc
}

// Name is the interface name ("tap0").
func (ifc *Interface) Name() string { return ifc.name }

// Index is the interface index (≥ 1; lo0 is 1).
func (ifc *Interface) Index() int { return ifc.index }

// Stack is the stack the interface belongs to.
func (ifc *Interface) Stack() *Stack { return ifc.s }

// Port is the driver port behind the interface.
func (ifc *Interface) Port() port.Port { return ifc.port }

// MAC is the interface's Ethernet address.
func (ifc *Interface) MAC() wire.MAC { return ifc.mac }

// MTU is the largest L3 packet the interface sends.
func (ifc *Interface) MTU() int { return int(ifc.mtu.Load()) }

// SetMTU changes the MTU (the port must accept it).
func (ifc *Interface) SetMTU(mtu int) error {
	if err := ifc.port.SetMTU(mtu); err != nil {
		return &OpError{Op: "set mtu", Interface: ifc.name, Err: err}
	}
	ifc.mtu.Store(int32(mtu))
	return nil
}

// Flags returns the interface flags.
func (ifc *Interface) Flags() Flags { return Flags(ifc.flags.Load()) & publicFlags }

// SetFlags sets the flags in set and clears those in clear.
func (ifc *Interface) SetFlags(set, clear Flags) {
	set, clear = set&publicFlags, clear&publicFlags
	for {
		old := ifc.flags.Load()
		if ifc.flags.CompareAndSwap(old, (old|uint32(set))&^uint32(clear)) {
			return
		}
	}
}

// Addresses returns the interface's IPv4 addresses with their prefix lengths.
func (ifc *Interface) Addresses() []netip.Prefix { return *ifc.addrs.Load() }

// HasAddress reports whether a is one of this interface's addresses. It
// takes no lock and does not allocate.
func (ifc *Interface) HasAddress(a wire.Addr4) bool {
	for _, p := range *ifc.addrs.Load() {
		if p.Addr().As4() == a {
			return true
		}
	}
	return false
}

// Counters returns a snapshot of the statistics.
func (ifc *Interface) Counters() Counters {
	c := &ifc.c
	return Counters{
		InPackets: c.inPackets.Load(), InBytes: c.inBytes.Load(), InMulticast: c.inMulticast.Load(),
		InErrors: c.inErrors.Load(), InDrops: c.inDrops.Load(), InUnknownProto: c.inUnknownProto.Load(),
		OutPackets: c.outPackets.Load(), OutBytes: c.outBytes.Load(), OutDrops: c.outDrops.Load(),
		OutErrors: c.outErrors.Load(), OutLinkDown: c.outLinkDown.Load(), LinkChanges: c.linkChanges.Load(),
	}
}

// Input runs a burst of received frames through the stack (run to
// completion) and takes ownership of them; bufs entries are cleared. Frames
// the burst sends are queued per interface and handed to each port in one
// TxBurst when the burst is done (txq.go). Frames of a flow a protocol
// fast-forwards skip the Ethernet and IP input (fastfwd.go).
func (ifc *Interface) Input(bufs []*mbuf.Buf) { ifc.inputQueue(ifc.rxqs[0], bufs) }

// inputQueue is Input for a burst of receive queue rq (its fast-forwarding
// stage).
func (ifc *Interface) inputQueue(rq *rxQueue, bufs []*mbuf.Buf) {
	s := ifc.s
	s.rxActive.Add(1)
	if h := ifc.l2.Load(); h != nil {
		h.h.LinkInput(ifc, bufs) // bridge member, vlan parent (l2.go)
	} else if len(s.fast) != 0 {
		ifc.inputFast(&rq.fast, bufs) // routed fast forwarding (fastfwd.go)
	} else {
		for i, b := range bufs {
			bufs[i] = nil
			ifc.input(b)
		}
	}
	s.rxActive.Add(-1)
	s.flushPending()
}

func (ifc *Interface) input(b *mbuf.Buf) {
	c := &ifc.c
	c.inPackets.Add(1)
	c.inBytes.Add(uint64(b.PktLen()))
	b.Meta.Port = uint16(ifc.index)
	b.Meta.Flags &^= mbuf.FlagOutbound | mbuf.FlagBroadcast | mbuf.FlagMulticast
	if t := ifc.taps.Load(); t != nil {
		deliverTaps(*t, b)
	}
	fl := ifc.Flags()
	eh, err := wire.NewEthernet(b.Bytes())
	if err != nil || fl&FlagUp == 0 {
		if err != nil {
			c.inErrors.Add(1)
		} else {
			c.inDrops.Add(1)
		}
		b.Free()
		return
	}
	// IEEE 802.3 clause 3.2.3: accept our address, broadcast and multicast.
	if dst := eh.Dst(); dst != ifc.mac {
		switch {
		case dst.IsBroadcast():
			b.Meta.Flags |= mbuf.FlagBroadcast
			c.inMulticast.Add(1)
		case dst.IsMulticast():
			b.Meta.Flags |= mbuf.FlagMulticast
			c.inMulticast.Add(1)
		case fl&FlagPromisc == 0:
			c.inDrops.Add(1)
			b.Free()
			return
		}
	}
	if ifc.s.etherIn.Active() {
		switch ifc.s.etherIn.Run(pfil.In, ifc.index, b) {
		case pfil.Drop:
			c.inDrops.Add(1)
			b.Free()
			return
		case pfil.Consumed:
			return
		case pfil.Modified:
			if eh, err = wire.NewEthernet(b.Bytes()); err != nil {
				c.inErrors.Add(1)
				b.Free()
				return
			}
		}
	}
	et := eh.Type()
	if et == wire.EtherTypeVLAN || b.Meta.Flags&mbuf.FlagVLAN != 0 {
		// Priority-tagged frames (VID 0) are the untagged interface's
		// (l2.go); other tags reach here only with no vlan to take them.
		if b, et, err = untagPriority(b); err != nil {
			c.inUnknownProto.Add(1)
			if b != nil {
				b.Free()
			}
			return
		}
	}
	h := ifc.s.etherHandler(et)
	if h == nil {
		// A tag the port stripped with no VLAN interface to take it, or a
		// type nobody registered.
		c.inUnknownProto.Add(1)
		b.Free()
		return
	}
	_, _ = b.Pull(wire.EthernetHeaderLen)
	h.HandleEther(ifc, b)
}

// LinkHeaderLen is the room a packet needs in front of its L3 header to be
// sent on this interface (Ethernet; 802.1Q tagging is the port's offload).
func (ifc *Interface) LinkHeaderLen() int { return wire.EthernetHeaderLen }

// Output prepends an Ethernet header (to dst, of type et) to b, which starts
// at the L3 header, and sends it. It takes ownership of b; failures are
// counted, not returned.
func (ifc *Interface) Output(b *mbuf.Buf, dst wire.MAC, et wire.EtherType) {
	h, err := b.Push(wire.EthernetHeaderLen)
	if err != nil {
		ifc.c.outErrors.Add(1)
		b.Free()
		return
	}
	e := wire.Ethernet(h)
	e.SetDst(dst)
	e.SetSrc(ifc.mac)
	e.SetType(et)
	ifc.Transmit(b)
}

// Transmit sends a complete frame: Ethernet-out hooks, taps, then the port
// (through the transmit queue, txq.go). It takes ownership of b. An
// interface that is down, or whose link is down, drops the frame and
// counts it (OutDrops; OutLinkDown for the link) instead of queueing it
// into a dead link.
func (ifc *Interface) Transmit(b *mbuf.Buf) {
	c := &ifc.c
	if fl := Flags(ifc.flags.Load()); fl&(FlagUp|flagLinkDown) != FlagUp && !ifc.txAllowed(fl) {
		c.outDrops.Add(1)
		b.Free()
		return
	}
	b.Meta.Port = uint16(ifc.index)
	b.Meta.Flags |= mbuf.FlagOutbound
	if ifc.s.etherOut.Active() {
		switch ifc.s.etherOut.Run(pfil.Out, ifc.index, b) {
		case pfil.Drop:
			c.outDrops.Add(1)
			b.Free()
			return
		case pfil.Consumed:
			return
		}
	}
	if t := ifc.taps.Load(); t != nil {
		deliverTaps(*t, b)
	}
	ifc.enqueue(b)
}
