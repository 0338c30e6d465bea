package socks

import (
	"context"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"
)

// PacketConn is the upstream datagram socket of a UDP association: the
// daemon's stack UDP socket (*udp.Conn), or a *net.UDPConn in tests.
type PacketConn interface {
	ReadFromUDPAddrPort(p []byte) (int, netip.AddrPort, error)
	WriteToUDPAddrPort(p []byte, to netip.AddrPort) (int, error)
	Close() error
}

// associate runs a UDP ASSOCIATE (§7): a relay socket on the control
// connection's local address takes the client's datagrams (header, data),
// sends the data upstream to the header's destination, and returns what
// comes back with a header naming its source. Datagrams from any address
// but the client's (its IP, and once seen its port) are dropped, and so
// are fragments (FRAG ≠ 0: §7 lets a server drop them). The association
// ends when the control connection closes.
func (s *Server) associate(ctx context.Context, c net.Conn, req Request) {
	ip := netip.MustParseAddr("127.0.0.1")
	if a, ok := c.LocalAddr().(*net.TCPAddr); ok {
		ip = a.AddrPort().Addr().Unmap()
	}
	relay, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
	if err != nil {
		_, _ = c.Write(AppendReply(nil, RepGeneralFailure, netip.AddrPort{}))
		s.log().Info("socks: relay socket", "err", err)
		return
	}
	defer relay.Close()
	up, err := s.ListenPacket(ctx)
	if err != nil {
		_, _ = c.Write(AppendReply(nil, replyFor(err), netip.AddrPort{}))
		s.log().Info("socks: upstream UDP socket", "err", err)
		return
	}
	defer up.Close()
	if _, err := c.Write(AppendReply(nil, RepSucceeded, relay.LocalAddr().(*net.UDPAddr).AddrPort())); err != nil {
		return
	}
	_ = c.SetDeadline(time.Time{})
	var peerIP netip.Addr // the client's IP; loopback when it came over a Unix socket
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		peerIP = a.AddrPort().Addr().Unmap()
	}
	var mu sync.Mutex
	client := netip.AddrPort{} // learned from the first datagram (or the request's hint)
	if req.Port != 0 && req.Addr.IsValid() && !req.Addr.IsUnspecified() {
		client = netip.AddrPortFrom(req.Addr.Unmap(), req.Port)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // client → upstream
		defer wg.Done()
		buf := make([]byte, 65535)
		for {
			n, from, err := relay.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
			if peerIP.IsValid() && from.Addr() != peerIP || !peerIP.IsValid() && !from.Addr().IsLoopback() {
				continue
			}
			mu.Lock()
			if !client.IsValid() {
				client = from
			}
			ok := client == from
			mu.Unlock()
			if !ok {
				continue
			}
			h, err := ParseUDPHeader(buf[:n])
			if err != nil || h.Frag != 0 {
				continue
			}
			dst := h.Addr
			if h.Host != "" {
				a, err := netip.ParseAddr(h.Host)
				if err != nil && s.Resolve != nil {
					a, err = s.Resolve(ctx, h.Host)
				}
				if err != nil {
					continue
				}
				dst = a
			}
			_, _ = up.WriteToUDPAddrPort(buf[h.Len:n], netip.AddrPortFrom(dst.Unmap(), h.Port))
		}
	}()
	go func() { // upstream → client
		defer wg.Done()
		buf := make([]byte, 65535+32)
		const room = 3 + 1 + 16 + 2 // the largest header goes in front
		for {
			n, from, err := up.ReadFromUDPAddrPort(buf[room:])
			if err != nil {
				return
			}
			mu.Lock()
			to := client
			mu.Unlock()
			if !to.IsValid() {
				continue
			}
			hdr := AppendUDPHeader(buf[:0:room], from)
			start := room - len(hdr)
			copy(buf[start:], hdr)
			_, _ = relay.WriteToUDPAddrPort(buf[start:room+n], to)
		}
	}()
	s.log().Debug("socks: udp associate", "peer", c.RemoteAddr(), "relay", relay.LocalAddr())
	_, _ = io.Copy(io.Discard, c) // until the client closes the control connection
	relay.Close()
	up.Close()
	wg.Wait()
}
