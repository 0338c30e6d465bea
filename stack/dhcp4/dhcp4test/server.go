package dhcp4test

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/dhcp4"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/wire"
)

// Action is what the server does with a request (ServerConfig.Policy).
type Action uint8

// Actions.
const (
	Answer Action = iota // what RFC 2131 §4.3 says
	Ignore               // no reply (loss)
	Refuse               // DHCPNAK to a DHCPREQUEST
)

// ServerConfig configures a Server.
type ServerConfig struct {
	// Interface is the server's interface; it needs an address (the
	// server identifier) so that clients can unicast to it.
	Interface *stack.Interface
	// First and Last bound the address pool; Bits is the subnet mask
	// length sent in option 1.
	First, Last netip.Addr
	Bits        int
	Routers     []netip.Addr
	DNS         []netip.Addr
	// Lease is option 51; T1 and T2 (options 58, 59) are sent when set.
	Lease, T1, T2 time.Duration
	// Policy, if set, decides per request.
	Policy func(t dhcp4.MessageType, m dhcp4.Message) Action
}

// Request is one message the server received, with its delivery.
type Request struct {
	Type     dhcp4.MessageType
	XID      uint32
	Secs     uint16
	CIAddr   wire.Addr4
	Params   dhcp4.Params
	SrcIP    wire.Addr4
	DstIP    wire.Addr4
	DstMAC   wire.MAC
	ClientID []byte
	Raw      []byte // the message bytes
}

// Server is a small in-process DHCP server (RFC 2131 §4.3) on a stack
// interface, for tests: it leases one address per client hardware address
// from a range, answers the way busybox udhcpd does (broadcast unless the
// client has an address), and records every request.
type Server struct {
	cfg  ServerConfig
	id   wire.Addr4
	name string

	// Requests receives every request the server saw (it drops them when
	// nobody reads and 256 are waiting).
	Requests chan Request

	mu       sync.Mutex
	leases   map[wire.MAC]wire.Addr4
	next     wire.Addr4
	declined map[wire.Addr4]bool
	ipid     atomic.Uint32
}

// NewServer installs the server's hook on cfg.Interface's stack. Close
// removes it.
func NewServer(cfg ServerConfig) (*Server, error) {
	addrs := cfg.Interface.Addresses()
	if len(addrs) == 0 {
		return nil, &dhcp4.OpError{Op: "test server", Interface: cfg.Interface.Name(), Err: dhcp4.ErrMissingField, Fix: "give the server interface an address"}
	}
	s := &Server{cfg: cfg, id: addrs[0].Addr().As4(), name: "dhcp4test/" + cfg.Interface.Name(),
		Requests: make(chan Request, 256), leases: map[wire.MAC]wire.Addr4{}, next: cfg.First.As4(),
		declined: map[wire.Addr4]bool{}}
	if err := cfg.Interface.Stack().EtherIn().Add(s.name, 0, s.hook); err != nil {
		return nil, err
	}
	return s, nil
}

// Close removes the server's hook.
func (s *Server) Close() error { return s.cfg.Interface.Stack().EtherIn().Remove(s.name) }

// ID is the server identifier.
func (s *Server) ID() netip.Addr { return netip.AddrFrom4(s.id) }

// Leased returns the address leased to mac, if any.
func (s *Server) Leased(mac wire.MAC) (netip.Addr, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.leases[mac]
	return netip.AddrFrom4(a), ok
}

// Send transmits a raw frame on the server's interface (tests inject
// malformed replies with it).
func (s *Server) Send(frame []byte) {
	b, err := s.cfg.Interface.Stack().Pool().Get()
	if err != nil {
		return
	}
	d, err := b.Append(len(frame))
	if err != nil {
		b.Free()
		return
	}
	copy(d, frame)
	s.cfg.Interface.Transmit(b)
}

// Reply builds a reply frame from the server to the client of req, as the
// server would send it, with the options in opts (an encoded area ending in
// End) and yiaddr. bcast forces a broadcast (RFC 2131 §4.3.2: DHCPNAK
// without a relay).
func (s *Server) Reply(req dhcp4.Message, yiaddr wire.Addr4, opts []byte, bcast bool) []byte {
	f := dhcp4.MessageFields{Op: dhcp4.BootReply, HType: req.HType(), HLen: req.HLen(), XID: req.XID(),
		Flags: req.Flags(), CIAddr: req.CIAddr(), YIAddr: yiaddr, GIAddr: req.GIAddr(), Options: opts}
	copy(f.CHAddr[:], req.CHAddr())
	ff := dhcp4.FrameFields{Src: s.cfg.Interface.MAC(), Dst: wire.BroadcastMAC(), SrcIP: s.id, DstIP: wire.Addr4{255, 255, 255, 255},
		SrcPort: dhcp4.ServerPort, DstPort: dhcp4.ClientPort, IPID: uint16(s.ipid.Add(1))}
	// busybox udhcpd's send_packet_to_client: unicast only to a client
	// with ciaddr and no BROADCAST flag.
	if !bcast && req.CIAddr() != (wire.Addr4{}) && req.Flags()&dhcp4.FlagBroadcast == 0 {
		ff.Dst, ff.DstIP = req.MAC(), req.CIAddr()
	}
	out := make([]byte, 14+20+8+f.Len())
	n, err := dhcp4.EncodeFrame(out, &ff, &f)
	if err != nil {
		return nil
	}
	return out[:n]
}

func (s *Server) hook(_ pfil.Dir, ifindex int, b *mbuf.Buf) pfil.Verdict {
	if ifindex != s.cfg.Interface.Index() {
		return pfil.Pass
	}
	e, err := wire.NewEthernet(b.Bytes())
	if err != nil || e.Type() != wire.EtherTypeIPv4 {
		return pfil.Pass
	}
	ip, err := wire.NewIPv4(e.Payload())
	if err != nil || ip.Protocol() != wire.IPProtocolUDP || !ip.ChecksumValid() {
		return pfil.Pass
	}
	u, err := wire.NewUDP(ip.Payload())
	if err != nil || u.DstPort() != dhcp4.ServerPort {
		return pfil.Pass
	}
	if !u.ChecksumValid(ip.Src(), ip.Dst()) {
		return pfil.Drop
	}
	raw := append([]byte(nil), u.Payload()...)
	req := Request{SrcIP: ip.Src(), DstIP: ip.Dst(), DstMAC: e.Dst(), Raw: raw}
	b.Free()
	m, err := dhcp4.NewMessage(raw)
	if err != nil || m.Op() != dhcp4.BootRequest {
		return pfil.Consumed
	}
	p, err := m.Params()
	if err != nil {
		return pfil.Consumed
	}
	req.Type, req.XID, req.Secs, req.CIAddr, req.Params = p.Type, m.XID(), m.Secs(), m.CIAddr(), p
	_ = m.Walk(func(o dhcp4.Option) {
		if o.Code == dhcp4.OptClientID {
			req.ClientID = append([]byte(nil), o.Data...)
		}
	})
	select {
	case s.Requests <- req:
	default:
	}
	act := Answer
	if s.cfg.Policy != nil {
		act = s.cfg.Policy(p.Type, m)
	}
	if act != Ignore {
		s.serve(m, &p, act)
	}
	return pfil.Consumed
}

// serve answers per RFC 2131 §4.3.
func (s *Server) serve(m dhcp4.Message, p *dhcp4.Params, act Action) {
	mac := m.MAC()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch p.Type {
	case dhcp4.Discover:
		a, ok := s.leases[mac]
		if !ok {
			if a, ok = s.allocate(); !ok {
				return
			}
			s.leases[mac] = a
		}
		s.Send(s.Reply(m, a, s.options(dhcp4.Offer), false))
	case dhcp4.Request:
		if p.Has(dhcp4.OptServerID) && p.ServerID != s.id {
			return // the client took another server's offer
		}
		want := p.RequestedIP
		if !p.Has(dhcp4.OptRequestedIP) {
			want = m.CIAddr()
		}
		a, ok := s.leases[mac]
		if act == Refuse || !ok || a != want {
			w := dhcp4.NewOptionWriter(make([]byte, 64))
			w.Add(dhcp4.OptMessageType, byte(dhcp4.Nak))
			w.AddAddr(dhcp4.OptServerID, s.id)
			w.Add(dhcp4.OptMessage, []byte("address not leased to you")...)
			opts, _ := w.End()
			s.Send(s.Reply(m, wire.Addr4{}, opts, true))
			return
		}
		s.Send(s.Reply(m, a, s.options(dhcp4.Ack), false))
	case dhcp4.Release:
		if a, ok := s.leases[mac]; ok && a == m.CIAddr() {
			delete(s.leases, mac)
		}
	case dhcp4.Decline:
		s.declined[p.RequestedIP] = true
		delete(s.leases, mac)
	}
}

// allocate returns the next free address of the range (s.mu held).
func (s *Server) allocate() (wire.Addr4, bool) {
	last := s.cfg.Last.As4()
	for a := netip.AddrFrom4(s.next); a.Compare(netip.AddrFrom4(last)) <= 0; a = a.Next() {
		v := a.As4()
		taken := s.declined[v]
		for _, l := range s.leases {
			taken = taken || l == v
		}
		if !taken {
			s.next = a.Next().As4()
			return v, true
		}
	}
	return wire.Addr4{}, false
}

func (s *Server) options(t dhcp4.MessageType) []byte {
	w := dhcp4.NewOptionWriter(make([]byte, 312))
	w.Add(dhcp4.OptMessageType, byte(t))
	w.AddAddr(dhcp4.OptServerID, s.id)
	w.AddUint32(dhcp4.OptLeaseTime, uint32(s.cfg.Lease/time.Second))
	if s.cfg.T1 > 0 {
		w.AddUint32(dhcp4.OptRenewalTime, uint32(s.cfg.T1/time.Second))
	}
	if s.cfg.T2 > 0 {
		w.AddUint32(dhcp4.OptRebindingTime, uint32(s.cfg.T2/time.Second))
	}
	var m wire.Addr4
	for i := 0; i < s.cfg.Bits; i++ {
		m[i/8] |= 0x80 >> (i % 8)
	}
	w.AddAddr(dhcp4.OptSubnetMask, m)
	var list []byte
	for _, r := range s.cfg.Routers {
		a := r.As4()
		list = append(list, a[:]...)
	}
	if len(list) > 0 {
		w.Add(dhcp4.OptRouter, list...)
	}
	list = list[:0]
	for _, r := range s.cfg.DNS {
		a := r.As4()
		list = append(list, a[:]...)
	}
	if len(list) > 0 {
		w.Add(dhcp4.OptDNS, list...)
	}
	opts, _ := w.End()
	return opts
}
