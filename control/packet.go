package control

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"
)

// VerbUDP opens a UDP socket of the daemon's stack (UDPRequest →
// UDPResult); the control connection then carries its datagrams both
// ways, each as one frame (AppendDatagram): to the daemon with the
// destination, from it with the source. Client.ListenPacket and
// Client.DialUDP return it as a *PacketConn.
const VerbUDP = "udp"

// UDPRequest asks for a UDP socket bound to Local (an IP literal and
// port; empty: every address, a free port) and, when Remote is set,
// connected to Remote (only its datagrams are received; frames to the
// daemon may carry any address, the socket sends to Remote). Errors asks
// the daemon to pass on the errors its socket reports (error frames,
// AppendSocketError): a connected socket's ICMP errors, as a kernel
// socket returns them from its next read. A client that predates error
// frames does not ask and gets none, so the protocol's version stays 1;
// a daemon that predates them refuses the field as unknown (code
// "bad-request"): use a client of the daemon's release.
type UDPRequest struct {
	Local  string `json:"local,omitempty"`
	Remote string `json:"remote,omitempty"`
	Errors bool   `json:"errors,omitempty"`
}

// UDPResult is the socket's two ends as the daemon's stack sees them
// (Remote empty when not connected).
type UDPResult struct {
	Local  string `json:"local"`
	Remote string `json:"remote,omitempty"`
}

// MaxDatagram is the largest payload a frame carries (a UDP length field's
// maximum; the stack refuses what does not fit its MTU and fragments).
const MaxDatagram = 65535

// A datagram frame on a VerbUDP connection:
//
//	0      4          5        5+A    7+A
//	+------+----------+--------+------+---------+
//	| len  | A (4|16) | addr   | port | payload |
//	+------+----------+--------+------+---------+
//
// len (32 bits, big-endian) counts every byte after itself; addr is the
// IPv4 or IPv6 address (A bytes; IPv4-mapped IPv6 addresses travel and
// arrive as IPv4), port big-endian. Zones do not travel.
//
// An error frame, from the daemon only and only when UDPRequest.Errors
// asked for it, has A = 0 and no address, port or payload, but the
// socket's error as a Linux errno:
//
//	0      4   5       9
//	+------+---+-------+
//	| len  | 0 | errno |
//	+------+---+-------+
const frameHdr = 4

// errFrameLen is an error frame's len field.
const errFrameLen = 1 + 4

// ErrFrame is a malformed datagram frame: the peer broke the protocol, and
// the connection cannot be resynchronized.
var ErrFrame = errors.New("malformed datagram frame")

// ErrSocketClosed is what a PacketConn's reads and writes return once the
// daemon closed its socket (udp unloaded, the daemon stopping).
var ErrSocketClosed = errors.New("the daemon closed the socket (protocol unloaded or daemon stopping)")

// AppendDatagram appends the frame of payload with addr (the destination
// to the daemon, the source from it) to dst.
func AppendDatagram(dst []byte, addr netip.AddrPort, payload []byte) []byte {
	a := addr.Addr().Unmap()
	raw := a.AsSlice()
	n := 1 + len(raw) + 2 + len(payload)
	dst = binary.BigEndian.AppendUint32(dst, uint32(n))
	dst = append(dst, byte(len(raw)))
	dst = append(dst, raw...)
	dst = binary.BigEndian.AppendUint16(dst, addr.Port())
	return append(dst, payload...)
}

// AppendSocketError appends the error frame of errno to dst: what the
// daemon's socket reported (ECONNREFUSED after an ICMP port unreachable,
// EHOSTUNREACH, ENETUNREACH).
func AppendSocketError(dst []byte, errno syscall.Errno) []byte {
	dst = binary.BigEndian.AppendUint32(dst, errFrameLen)
	dst = append(dst, 0)
	return binary.BigEndian.AppendUint32(dst, uint32(errno))
}

// DatagramReader reads frames from a stream. A read error (a deadline)
// in the middle of a frame keeps what was read, so the next Next goes on
// where it stopped and the stream stays in step.
type DatagramReader struct {
	r    io.Reader
	buf  []byte
	have int
}

// NewDatagramReader reads frames from r (buffer it: a frame takes a few
// reads).
func NewDatagramReader(r io.Reader) *DatagramReader {
	return &DatagramReader{r: r, buf: make([]byte, frameHdr+1+16+2+MaxDatagram)}
}

// Next returns the next frame's address and payload; the payload is valid
// until the next call. Errors: the reader's (io.EOF between frames,
// io.ErrUnexpectedEOF inside one), ErrFrame, or for an error frame the
// syscall.Errno it carries (the stream stays in step: call Next again).
func (d *DatagramReader) Next() (netip.AddrPort, []byte, error) {
	need := frameHdr
	for {
		if d.have >= frameHdr {
			n := int(binary.BigEndian.Uint32(d.buf))
			if (n < 1+4+2 && n != errFrameLen) || n > 1+16+2+MaxDatagram {
				return netip.AddrPort{}, nil, ErrFrame
			}
			need = frameHdr + n
		}
		if d.have == need && need > frameHdr {
			break
		}
		m, err := d.r.Read(d.buf[d.have:need])
		d.have += m
		if err != nil && d.have < need {
			if err == io.EOF && d.have > 0 {
				err = io.ErrUnexpectedEOF
			}
			return netip.AddrPort{}, nil, err
		}
	}
	f := d.buf[frameHdr:d.have]
	d.have = 0
	alen := int(f[0])
	if alen == 0 && len(f) == errFrameLen {
		return netip.AddrPort{}, nil, syscall.Errno(binary.BigEndian.Uint32(f[1:]))
	}
	if (alen != 4 && alen != 16) || len(f) < 1+alen+2 {
		return netip.AddrPort{}, nil, ErrFrame
	}
	a, _ := netip.AddrFromSlice(f[1 : 1+alen])
	a = a.Unmap() // as AppendDatagram sends them
	port := binary.BigEndian.Uint16(f[1+alen:])
	return netip.AddrPortFrom(a, port), f[1+alen+2:], nil
}

// ListenPacket opens a UDP socket on local ("0.0.0.0:5353", "[::]:0",
// empty for every address and a free port) in the daemon's stack and
// returns it as a net.PacketConn. ctx bounds the set-up only.
func (c *Client) ListenPacket(ctx context.Context, local string) (*PacketConn, error) {
	return c.openUDP(ctx, UDPRequest{Local: local, Errors: true})
}

// DialUDP opens a UDP socket of the daemon's stack connected to remote
// ("198.18.0.1:53"): Write sends to it, Read returns what it sends.
func (c *Client) DialUDP(ctx context.Context, remote string) (*PacketConn, error) {
	return c.openUDP(ctx, UDPRequest{Remote: remote, Errors: true})
}

func (c *Client) openUDP(ctx context.Context, req UDPRequest) (*PacketConn, error) {
	resp, br, conn, err := c.call(ctx, VerbUDP, req)
	if err != nil {
		return nil, err
	}
	var r UDPResult
	uc, err := c.openPipe(ctx, VerbUDP, resp, conn, &r)
	if err != nil {
		return nil, err
	}
	p := &PacketConn{uc: uc, dr: NewDatagramReader(br)}
	if ap, err := netip.ParseAddrPort(r.Local); err == nil {
		p.local = net.UDPAddrFromAddrPort(ap)
	}
	if ap, err := netip.ParseAddrPort(r.Remote); err == nil {
		p.remote = ap
		p.raddr = net.UDPAddrFromAddrPort(ap)
	}
	return p, nil
}

// PacketConn is a UDP socket of the daemon's stack carried over the
// control socket. Datagram boundaries and addresses survive the trip;
// a datagram larger than a read's buffer is truncated to it, as a UDP
// socket's is. Deadlines are the control connection's; a deadline that
// ends a write in the middle of a frame leaves the rest to go out first
// with the next write, so the stream stays in step. Datagrams the daemon
// cannot send (no route, no neighbour) are lost as on the way, and the
// daemon's socket drops what arrives while its queue is full (its
// receive limits), as a kernel socket does. A connected socket's ICMP
// errors come back as a kernel socket's do: the next read returns the
// errno (errors.Is(err, syscall.ECONNREFUSED) after a port unreachable),
// and the read after it goes on. Safe for concurrent use.
type PacketConn struct {
	uc     *net.UnixConn
	local  *net.UDPAddr
	remote netip.AddrPort // valid when connected (DialUDP)
	raddr  *net.UDPAddr

	rmu sync.Mutex
	dr  *DatagramReader

	wmu   sync.Mutex
	wbuf  []byte
	wpend []byte
}

var (
	_ net.PacketConn = (*PacketConn)(nil)
	_ net.Conn       = (*PacketConn)(nil)
)

func (p *PacketConn) opErr(op string, addr net.Addr, err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) {
		err = oe.Err // the Unix connection's: net.ErrClosed, a deadline
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		err = ErrSocketClosed
	}
	if addr == nil {
		return &net.OpError{Op: op, Net: "udp", Source: p.local, Err: err}
	}
	return &net.OpError{Op: op, Net: "udp", Source: p.local, Addr: addr, Err: err}
}

// ReadFromUDPAddrPort reads the next datagram into b and returns its
// length (at most len(b)) and source.
func (p *PacketConn) ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error) {
	p.rmu.Lock()
	defer p.rmu.Unlock()
	from, payload, err := p.dr.Next()
	if err != nil {
		return 0, netip.AddrPort{}, p.opErr("read", p.raddrOrNil(), err)
	}
	return copy(b, payload), from, nil
}

// ReadFrom implements net.PacketConn.
func (p *PacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, from, err := p.ReadFromUDPAddrPort(b)
	if err != nil {
		return 0, nil, err
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}

// Read implements net.Conn: the next datagram's payload.
func (p *PacketConn) Read(b []byte) (int, error) {
	n, _, err := p.ReadFromUDPAddrPort(b)
	return n, err
}

// WriteToUDPAddrPort sends b to addr. A connected socket sends to its
// remote only (another addr is an error, as for Go's connected UDPConn).
func (p *PacketConn) WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	ua := net.UDPAddrFromAddrPort(addr)
	switch {
	case p.remote.IsValid() && addr != p.remote:
		return 0, p.opErr("write", ua, syscall.EISCONN)
	case !addr.IsValid() || addr.Port() == 0:
		return 0, p.opErr("write", ua, syscall.EDESTADDRREQ)
	case len(b) > MaxDatagram:
		return 0, p.opErr("write", ua, syscall.EMSGSIZE)
	}
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if len(p.wpend) > 0 {
		n, err := p.uc.Write(p.wpend)
		p.wpend = p.wpend[n:]
		if err != nil {
			return 0, p.opErr("write", ua, err)
		}
	}
	p.wbuf = AppendDatagram(p.wbuf[:0], addr, b)
	n, err := p.uc.Write(p.wbuf)
	if err != nil {
		if n > 0 {
			p.wpend = append(p.wpend[:0], p.wbuf[n:]...)
		}
		return 0, p.opErr("write", ua, err)
	}
	return len(b), nil
}

// WriteTo implements net.PacketConn (addr a *net.UDPAddr).
func (p *PacketConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, p.opErr("write", addr, syscall.EINVAL)
	}
	return p.WriteToUDPAddrPort(b, ua.AddrPort())
}

// Write implements net.Conn: sends b to the connected remote.
func (p *PacketConn) Write(b []byte) (int, error) {
	if !p.remote.IsValid() {
		return 0, p.opErr("write", nil, syscall.EDESTADDRREQ)
	}
	return p.WriteToUDPAddrPort(b, p.remote)
}

// Close closes the socket in the daemon too.
func (p *PacketConn) Close() error {
	if err := p.uc.Close(); err != nil {
		return p.opErr("close", p.raddrOrNil(), err)
	}
	return nil
}

// LocalAddr is the socket's address in the daemon's stack.
func (p *PacketConn) LocalAddr() net.Addr { return p.local }

// RemoteAddr is the connected remote, nil for ListenPacket's socket.
func (p *PacketConn) RemoteAddr() net.Addr { return p.raddrOrNil() }

func (p *PacketConn) raddrOrNil() net.Addr {
	if p.raddr == nil {
		return nil
	}
	return p.raddr
}

// SetDeadline implements net.Conn (the control connection's deadlines).
func (p *PacketConn) SetDeadline(t time.Time) error { return p.uc.SetDeadline(t) }

// SetReadDeadline implements net.Conn.
func (p *PacketConn) SetReadDeadline(t time.Time) error { return p.uc.SetReadDeadline(t) }

// SetWriteDeadline implements net.Conn.
func (p *PacketConn) SetWriteDeadline(t time.Time) error { return p.uc.SetWriteDeadline(t) }
