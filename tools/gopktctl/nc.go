package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/gopkt/gopkt/control"
)

// runNC is nc(1) over the daemon's stack, stdin and stdout the two
// directions:
//
//	nc ADDR:PORT          a TCP connection (stdin's end is the FIN; it ends
//	                      when both directions have)
//	nc -l [ADDR:]PORT     listen, serve the first connection, stop listening
//	nc -u ADDR:PORT       UDP: each stdin line one datagram; datagrams to stdout
//	nc -u -l [ADDR:]PORT  UDP: datagrams to stdout; stdin lines to the last sender
//
// Listening prints "listening on ADDR" on stderr (the port chosen for 0).
// UDP runs until interrupted, or with -w D until stdin has ended and no
// datagram came for D.
func runNC(ctx context.Context, c *cli, args []string) error {
	fs := verbFlags("nc")
	listen := fs.BoolP("listen", "l", false, "listen instead of connecting")
	udp := fs.BoolP("udp", "u", false, "UDP instead of TCP")
	wait := fs.DurationP("wait", "w", 0, "UDP: quit once stdin has ended and no datagram came for this long (0: run until interrupted)")
	if err := parseVerb(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		if *listen {
			return usagef("want one [ADDR:]PORT")
		}
		return usagef("want one ADDR:PORT")
	}
	addr := fs.Arg(0)
	if *listen {
		var err error
		if addr, err = listenAddr(addr); err != nil {
			return err
		}
	}
	switch {
	case *udp:
		return ncUDP(ctx, c, addr, *listen, *wait)
	case *listen:
		return ncListen(ctx, c, addr)
	}
	dctx, cancel := c.ctx(ctx)
	conn, err := c.c.DialTCP(dctx, addr)
	cancel()
	if err != nil {
		return err
	}
	return ncPipe(ctx, c, conn)
}

// listenAddr turns "PORT" into "0.0.0.0:PORT"; "ADDR:PORT" stays.
func listenAddr(s string) (string, error) {
	if p, err := strconv.ParseUint(s, 10, 16); err == nil {
		return netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(p)).String(), nil
	}
	if _, err := netip.ParseAddrPort(s); err != nil {
		return "", usagef("%q: want a port or ADDR:PORT", s)
	}
	return s, nil
}

// ncPipe copies stdin to conn (then half-closes it) and conn to stdout
// until both directions have ended (stdin's end sent as the FIN, the
// peer's FIN read), the connection breaks, or ctx ends: a peer that
// half-closes first still gets all of stdin.
func ncPipe(ctx context.Context, c *cli, conn *control.PipeConn) error {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	sent := make(chan error, 1)
	go func() {
		_, err := io.Copy(conn, c.in)
		if err == nil {
			err = conn.CloseWrite()
		}
		sent <- err
	}()
	_, err := io.Copy(c.out, conn)
	if err == nil {
		select {
		case err = <-sent:
		case <-ctx.Done():
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// ncListen listens, serves the first connection and stops listening, as
// nc -l does.
func ncListen(ctx context.Context, c *cli, addr string) error {
	lctx, cancel := c.ctx(ctx)
	l, err := c.c.ListenTCP(lctx, addr)
	cancel()
	if err != nil {
		return err
	}
	defer l.Close()
	fmt.Fprintf(c.errOut, "listening on %s\n", l.Addr())
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	conn, err := l.AcceptPipe()
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	l.Close()
	return ncPipe(ctx, c, conn)
}

// ncUDP sends stdin's lines as datagrams (to addr, or with listen to the
// last sender) and writes what arrives to stdout.
func ncUDP(ctx context.Context, c *cli, addr string, listen bool, wait time.Duration) error {
	octx, cancel := c.ctx(ctx)
	var pc *control.PacketConn
	var err error
	if listen {
		pc, err = c.c.ListenPacket(octx, addr)
	} else {
		pc, err = c.c.DialUDP(octx, addr)
	}
	cancel()
	if err != nil {
		return err
	}
	defer pc.Close()
	if listen {
		fmt.Fprintf(c.errOut, "listening on %s\n", pc.LocalAddr())
	}
	stop := context.AfterFunc(ctx, func() { pc.Close() })
	defer stop()

	var mu sync.Mutex
	var peer netip.AddrPort // the last sender (listen)
	havePeer := make(chan struct{})
	stdinDone := make(chan struct{})
	sendErr := make(chan error, 1)
	go func() {
		defer close(stdinDone)
		if listen {
			select {
			case <-havePeer:
			case <-ctx.Done():
				return
			}
		}
		sc := bufio.NewScanner(c.in)
		sc.Buffer(make([]byte, 0, 64<<10), control.MaxDatagram)
		sc.Split(scanLinesKeep)
		for sc.Scan() {
			var err error
			if listen {
				mu.Lock()
				to := peer
				mu.Unlock()
				_, err = pc.WriteToUDPAddrPort(sc.Bytes(), to)
			} else {
				_, err = pc.Write(sc.Bytes())
			}
			if err != nil {
				sendErr <- err
				pc.Close()
				return
			}
		}
	}()
	buf := make([]byte, control.MaxDatagram)
	for {
		if wait > 0 { // a quiet spell of wait ends it once stdin has ended
			_ = pc.SetReadDeadline(time.Now().Add(wait))
		}
		n, from, err := pc.ReadFromUDPAddrPort(buf)
		if err != nil {
			select {
			case err := <-sendErr:
				return err
			default:
			}
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				select {
				case <-stdinDone:
					return nil
				default:
					continue
				}
			}
			return err
		}
		if listen {
			mu.Lock()
			first := !peer.IsValid()
			peer = from
			mu.Unlock()
			if first {
				close(havePeer)
			}
		}
		if _, err := c.out.Write(buf[:n]); err != nil {
			return err
		}
	}
}

// scanLinesKeep splits at newlines and keeps them: a line is a datagram
// as typed.
func scanLinesKeep(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i+1], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
