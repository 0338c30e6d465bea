package udp

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/network"
	"github.com/gopkt/gopkt/stack/wire"
)

// Errors callers branch on (wrapped in *net.OpError by the sockets).
var (
	ErrAddrInUse    = errors.New("udp: address already in use")
	ErrNoPorts      = errors.New("udp: no free ephemeral port")
	ErrNotConnected = errors.New("udp: destination address required (socket not connected)")
	ErrTooBig       = errors.New("udp: datagram larger than 65507 bytes")
	ErrBadAddress   = errors.New("udp: address of the wrong family for this socket, or no network layer for it")
)

// MaxPayload is the largest UDP payload over IPv4: 65535 - 20 - 8.
const MaxPayload = 0xffff - wire.IPv4MinHeaderLen - wire.UDPHeaderLen

// Options configure UDP.
type Options struct {
	// Queue is the receive queue limit of each socket in mbufs (a
	// datagram takes one per segment: one up to 2048 bytes, more when
	// reassembled); 0 means 256. The queue grows to it on demand. Datagrams arriving at a full queue are
	// dropped and counted (RcvbufErrors, by reason).
	Queue int
	// ReadBuffer is the receive queue of each socket in payload bytes
	// (SO_RCVBUF; Conn.SetReadBuffer changes one socket); 0 means 256 KiB.
	// A datagram always fits an empty queue.
	ReadBuffer int
	// Buffers bounds the mbufs queued on every socket together: the
	// "udp-rcvq" quota of the stack's mbuf budget. 0 means half of what
	// the budget lets consumers park (IPv4's neighbour hold queues and
	// reassembly have a quarter each, so by default no class can take
	// another's share).
	Buffers int
	// NoChecksum sends datagrams with checksum 0 (RFC 768 allows it over
	// IPv4); received checksums are still verified when present.
	NoChecksum bool
}

// Stats are the UDP counters (RFC 4113 udpHC* names). RcvbufErrors counts
// every datagram a socket could not queue; the Rcvbuf* fields split it by
// reason: the socket's queue in mbufs (Options.Queue) or in bytes
// (ReadBuffer), the quota of all sockets (Options.Buffers), the pool
// budget, or a socket closing.
type Stats struct {
	InDatagrams, NoPorts, InErrors, InCsumErrors, RcvbufErrors, OutDatagrams uint64

	RcvbufSocketBuffers, RcvbufSocketBytes, RcvbufQuota, RcvbufBudget, RcvbufClosed uint64
}

// UDP is the UDP protocol of one stack (RFC 768): it demultiplexes by port
// to sockets and builds datagrams in place.
type UDP struct {
	o   Options
	ip  *ipv4.IPv4
	ip6 *ipv6.IPv6

	net4, net6 network.Layer // the sending side of ip and ip6

	mu       sync.Mutex // bind and unbind
	ports    portTable  // read without mu
	next     uint16     // next ephemeral port to try
	unloaded bool       // Unload ran: no more binds

	q *mbuf.Quota // the "udp-rcvq" quota, charged while datagrams wait for their reader

	inDatagrams, noPorts, inErrors, inCsumErrors, rcvbufErrors, outDatagrams atomic.Uint64
	rcvbufSockBufs, rcvbufSockBytes, rcvbufClosed                            atomic.Uint64
}

// New returns UDP to pass in ipv4.Options.Transports.
func New(o Options) *UDP {
	if o.Queue <= 0 {
		o.Queue = 256
	}
	if o.ReadBuffer <= 0 {
		o.ReadBuffer = 256 << 10
	}
	// RFC 6056 §3.3.1: start the ephemeral search at a random port, so
	// port numbers do not give away the socket history.
	first := ephemeralFirst + rand.N(uint16(ephemeralLast-ephemeralFirst+1))
	return &UDP{o: o, next: first}
}

// Ephemeral port range (RFC 6335 §6: 49152-65535).
const (
	ephemeralFirst = 49152
	ephemeralLast  = 65535
)

// Protocol implements ipv4.Transport.
func (u *UDP) Protocol() wire.IPProtocol { return wire.IPProtocolUDP }

// Attach implements ipv4.Transport.
func (u *UDP) Attach(ip *ipv4.IPv4) error {
	if u.ip != nil {
		return fmt.Errorf("udp: already attached")
	}
	u.ip, u.net4 = ip, ip.Network()
	u.takeQuota(ip.Stack().Budget())
	return nil
}

// takeQuota registers the "udp-rcvq" quota with the stack's budget once,
// whichever network layer attaches first.
func (u *UDP) takeQuota(b *mbuf.Budget) {
	if u.q != nil {
		return
	}
	if u.o.Buffers <= 0 {
		u.o.Buffers = max(1, b.Limit()/2)
	}
	u.q = b.NewQuota("udp-rcvq", u.o.Buffers)
}

// Options returns the options in effect (defaults filled in).
func (u *UDP) Options() Options { return u.o }

// Quota is the quota every socket's receive queue charges (nil before
// Attach).
func (u *UDP) Quota() *mbuf.Quota { return u.q }

// Stats returns the counters.
func (u *UDP) Stats() Stats {
	q := u.q.Stats()
	return Stats{InDatagrams: u.inDatagrams.Load(), NoPorts: u.noPorts.Load(), InErrors: u.inErrors.Load(),
		InCsumErrors: u.inCsumErrors.Load(), RcvbufErrors: u.rcvbufErrors.Load(), OutDatagrams: u.outDatagrams.Load(),
		RcvbufSocketBuffers: u.rcvbufSockBufs.Load(), RcvbufSocketBytes: u.rcvbufSockBytes.Load(),
		RcvbufQuota: q.RefusedQuota, RcvbufBudget: q.RefusedBudget, RcvbufClosed: u.rcvbufClosed.Load()}
}

// Input implements ipv4.Transport: validate (RFC 768 length and checksum,
// RFC 1122 §4.1.3.4) and queue on the socket bound to the destination port.
func (u *UDP) Input(b *mbuf.Buf, m ipv4.Meta) bool {
	d := b.Bytes()
	if len(d) < wire.UDPHeaderLen {
		u.inErrors.Add(1)
		b.Free()
		return true
	}
	h := wire.UDP(d[:wire.UDPHeaderLen])
	n := int(h.Length())
	if n < wire.UDPHeaderLen || n > b.PktLen() {
		u.inErrors.Add(1)
		b.Free()
		return true
	}
	if cs := h.Checksum(); cs != 0 && b.Meta.Flags&mbuf.FlagL4CsumOK == 0 {
		if b.PktLen() > n {
			b.Truncate(n)
		}
		if b.Meta.Flags&mbuf.FlagL4CsumBad != 0 || b.Checksum(wire.PseudoHeaderChecksum(wire.IPProtocolUDP, m.Src, m.Dst, uint16(n))) != 0xffff {
			u.inCsumErrors.Add(1)
			u.inErrors.Add(1)
			b.Free()
			return true
		}
	} else if b.PktLen() > n {
		b.Truncate(n)
	}
	c := u.ports.get(h.DstPort())
	src := netip.AddrPortFrom(netip.AddrFrom4(m.Src), h.SrcPort())
	if c != nil && c.dualStack() {
		src = netip.AddrPortFrom(netip.AddrFrom16(src.Addr().As16()), src.Port())
	}
	if c == nil || !c.accepts(netip.AddrFrom4(m.Dst), src) {
		u.noPorts.Add(1)
		return false // IPv4 answers with port unreachable
	}
	_, _ = b.Pull(wire.UDPHeaderLen)
	u.inDatagrams.Add(1)
	var dst netip.Addr
	if !m.Broadcast {
		dst = netip.AddrFrom4(m.Dst)
	}
	c.enqueue(b, src, dst)
	return true
}

// bind claims local's port for c (0 picks an ephemeral port).
func (u *UDP) bind(c *Conn, local netip.AddrPort) (netip.AddrPort, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.unloaded {
		return local, net.ErrClosed
	}
	p := local.Port()
	if p == 0 {
		for range ephemeralLast - ephemeralFirst + 1 {
			cand := u.next
			u.next++
			if u.next == 0 {
				u.next = ephemeralFirst
			}
			if u.ports.get(cand) == nil {
				p = cand
				break
			}
		}
		if p == 0 {
			return local, ErrNoPorts
		}
	} else if u.ports.get(p) != nil {
		return local, ErrAddrInUse
	}
	c.local = netip.AddrPortFrom(local.Addr(), p) // before c is visible to Input
	u.ports.set(p, c)
	return c.local, nil
}

func (u *UDP) unbind(port uint16, c *Conn) {
	u.mu.Lock()
	if u.ports.get(port) == c {
		u.ports.set(port, nil)
	}
	u.mu.Unlock()
}

// HandleICMPError implements ipv4.ErrorHandler: an ICMP error quoting one of
// our datagrams is reported to the connected socket that sent it, mapped to
// the errno Linux uses (icmp_err_convert): port and protocol unreachable
// are ECONNREFUSED, net unreachable ENETUNREACH, host unreachable and time
// exceeded EHOSTUNREACH (RFC 1122 §4.1.3.3).
func (u *UDP) HandleICMPError(typ wire.ICMPv4Type, code uint8, quote wire.IPv4) {
	var err error
	switch {
	case typ == wire.ICMPv4DestUnreach && (code == wire.ICMPv4PortUnreachable || code == wire.ICMPv4ProtoUnreachable):
		err = syscall.ECONNREFUSED
	case typ == wire.ICMPv4DestUnreach && code == wire.ICMPv4NetUnreachable:
		err = syscall.ENETUNREACH
	case typ == wire.ICMPv4DestUnreach && code == wire.ICMPv4HostUnreachable, typ == wire.ICMPv4TimeExceeded:
		err = syscall.EHOSTUNREACH
	default:
		return
	}
	h := wire.UDP(quote[quote.HeaderLen():])
	c := u.ports.get(h.SrcPort())
	if c == nil || !c.remote.IsValid() || c.remote != netip.AddrPortFrom(quote.DstAddr(), h.DstPort()) {
		return
	}
	c.icmpError(err)
}
