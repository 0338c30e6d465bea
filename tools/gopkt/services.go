package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/udp"
	"github.com/gopkt/gopkt/stack/wire"
)

// echoServer answers every datagram on its port with the same payload to
// the sender (the UDP echo service, RFC 862).
type echoServer struct {
	port             uint16
	c                *udp.Conn
	echoed, failures atomic.Uint64
}

func startEcho(u *udp.UDP, unspec netip.Addr, port uint16, wg *sync.WaitGroup) (*echoServer, error) {
	c, err := u.ListenPacket(netip.AddrPortFrom(unspec, port))
	if err != nil {
		return nil, err
	}
	e := &echoServer{port: port, c: c}
	wg.Add(1)
	go e.serve(wg)
	return e, nil
}

func (e *echoServer) serve(wg *sync.WaitGroup) {
	defer wg.Done()
	buf := make([]byte, udp.MaxPayload)
	for {
		n, from, err := e.c.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			e.failures.Add(1)
			continue
		}
		if _, err := e.c.WriteToUDPAddrPort(buf[:n], from); err != nil {
			e.failures.Add(1)
			continue
		}
		e.echoed.Add(1)
	}
}

func (e *echoServer) close() { _ = e.c.Close() }

// udpSink is one --udp-sink: sockets bound to a range of ports that
// nobody reads, so what arrives stays queued until the socket's limits or
// the budget's udp-rcvq quota refuse it (a slow reader, as far as the
// pool can tell; the refusals show in the status).
type udpSink struct {
	ports portRange
	conns []*udp.Conn
}

// startSink binds every port of r.
func startSink(u *udp.UDP, r portRange) (*udpSink, error) {
	s := &udpSink{ports: r}
	for p := int(r.First); p <= int(r.Last); p++ {
		c, err := u.ListenPacket(netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(p)))
		if err != nil {
			s.close()
			return nil, fmt.Errorf("port %d: %w", p, err)
		}
		s.conns = append(s.conns, c)
	}
	return s, nil
}

// close closes the sockets, which frees what they queued.
func (s *udpSink) close() {
	for _, c := range s.conns {
		_ = c.Close()
	}
}

// pingStats summarise one --ping run, as ping(8) prints them.
type pingStats struct {
	sent, received int
	min, max, sum  time.Duration
}

// runPing sends p.Count echo requests p.Interval apart, each waiting up to
// p.Timeout, and prints one line per reply in iputils ping's format, then
// the summary. It reports whether any reply came back.
func runPing(ctx context.Context, ip *ipv4.IPv4, ip6 *ipv6.IPv6, p pingArg, out io.Writer) bool {
	hdr := wire.IPv4MinHeaderLen + wire.ICMPv4HeaderLen
	if p.Dst.Is6() {
		hdr = wire.IPv6HeaderLen + wire.ICMPv6HeaderLen
	}
	fmt.Fprintf(out, "PING %v %d(%d) bytes of data.\n", p.Dst, p.Size, p.Size+hdr)
	var st pingStats
	t := time.NewTicker(p.Interval)
	defer t.Stop()
	var id uint16 // the session's identifier; icmp_seq counts from 1 on the wire too
	if p.Dst.Is6() {
		id = ip6.NewPingID()
	} else {
		id = ip.NewPingID()
	}
	for seq := 1; seq <= p.Count && ctx.Err() == nil; seq++ {
		if seq > 1 {
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			if ctx.Err() != nil {
				break
			}
		}
		st.sent++
		pctx, cancel := context.WithTimeout(ctx, p.Timeout)
		r, err := pingOnce(pctx, ip, ip6, p, id, uint16(seq))
		cancel()
		var pe *ipv4.PingError
		var pe6 *ipv6.PingError
		switch {
		case err == nil:
			st.received++
			st.sum += r.RTT
			if st.received == 1 || r.RTT < st.min {
				st.min = r.RTT
			}
			st.max = max(st.max, r.RTT)
			ttl := "ttl"
			if p.Dst.Is6() {
				ttl = "hlim"
			}
			fmt.Fprintf(out, "%d bytes from %v: icmp_seq=%d %s=%d time=%s ms\n",
				r.Size+wire.ICMPv4HeaderLen, r.From, seq, ttl, r.TTL, ms(r.RTT))
		case errors.As(err, &pe):
			what := "Destination Unreachable"
			if errors.Is(err, ipv4.ErrTimeExceeded) {
				what = "Time to live exceeded"
			}
			fmt.Fprintf(out, "From %v icmp_seq=%d %s (code %d)\n", pe.From, seq, what, pe.Code)
		case errors.As(err, &pe6):
			what := "Destination unreachable"
			if errors.Is(err, ipv6.ErrTimeExceeded) {
				what = "Time exceeded"
			}
			fmt.Fprintf(out, "From %v icmp_seq=%d %s (type %d code %d)\n", pe6.From, seq, what, pe6.Type, pe6.Code)
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
			fmt.Fprintf(out, "no reply from %v for icmp_seq=%d within %v\n", p.Dst, seq, p.Timeout)
		case ctx.Err() != nil:
			st.sent--
		default:
			fmt.Fprintf(out, "ping %v: icmp_seq=%d: %v\n", p.Dst, seq, err)
		}
	}
	loss := 0
	if st.sent > 0 {
		loss = 100 * (st.sent - st.received) / st.sent
	}
	fmt.Fprintf(out, "--- %v ping statistics ---\n%d packets transmitted, %d received, %d%% packet loss\n",
		p.Dst, st.sent, st.received, loss)
	if st.received > 0 {
		fmt.Fprintf(out, "rtt min/avg/max = %s/%s/%s ms\n", ms(st.min), ms(st.sum/time.Duration(st.received)), ms(st.max))
	}
	return st.received > 0
}

// pingOnce sends one echo request over the destination's family; the
// IPv6 reply is reported in IPv4's shape (TTL holds the hop limit).
func pingOnce(ctx context.Context, ip *ipv4.IPv4, ip6 *ipv6.IPv6, p pingArg, id, seq uint16) (ipv4.PingReply, error) {
	if !p.Dst.Is6() {
		return ip.Ping(ctx, p.Dst, ipv4.PingOptions{Size: p.Size, ID: id, Seq: seq})
	}
	r, err := ip6.Ping(ctx, p.Dst, ipv6.PingOptions{Size: p.Size, ID: id, Seq: seq})
	return ipv4.PingReply{From: r.From, Seq: r.Seq, Size: r.Size, TTL: r.HopLimit, RTT: r.RTT}, err
}

// ms formats a duration in milliseconds with three decimals, as ping does.
func ms(d time.Duration) string { return fmt.Sprintf("%.3f", float64(d)/float64(time.Millisecond)) }
