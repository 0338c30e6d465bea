package control

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
)

// Client talks to a daemon's control socket. It holds no connection: each
// call dials, sends one request and reads the answer, so a Client is safe
// for concurrent use.
type Client struct {
	path string
}

// Dial returns a client for the socket at path (DefaultPath when empty).
// Nothing is connected until the first call.
func Dial(path string) *Client {
	if path == "" {
		path = DefaultPath
	}
	return &Client{path: path}
}

// Path is the socket the client talks to.
func (c *Client) Path() string { return c.path }

// call sends one request and reads the response header. The returned
// reader holds whatever follows it (a stream), and conn must be closed by
// the caller.
func (c *Client) call(ctx context.Context, verb string, args any) (*Response, *bufio.Reader, net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.path)
	if err != nil {
		hint := "is gopkt running with --control " + c.path + "? (--socket PATH or GOPKT_SOCKET picks another)"
		if errors.Is(err, os.ErrPermission) {
			hint = "no permission to connect to " + c.path + "; run as root or as a member of the daemon's control group"
		}
		return nil, nil, nil, &OpError{Op: verb, Err: err, Fix: hint}
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	req := Request{V: Version, Verb: verb}
	if args != nil {
		if req.Args, err = json.Marshal(args); err != nil {
			stop()
			conn.Close()
			return nil, nil, nil, &OpError{Op: verb, Err: err}
		}
	}
	b, _ := json.Marshal(req)
	if _, err := conn.Write(append(b, '\n')); err != nil {
		stop()
		conn.Close()
		return nil, nil, nil, c.ioErr(ctx, verb, err)
	}
	br := bufio.NewReaderSize(conn, 64<<10)
	line, err := br.ReadBytes('\n')
	if err != nil {
		stop()
		conn.Close()
		return nil, nil, nil, c.ioErr(ctx, verb, err)
	}
	var resp Response
	if err := json.Unmarshal(line, &resp); err != nil {
		stop()
		conn.Close()
		return nil, nil, nil, &OpError{Op: verb, Err: ErrProtocol, Fix: err.Error()}
	}
	if resp.Error != nil {
		stop()
		conn.Close()
		return nil, nil, nil, &OpError{Op: verb, Err: errOf(resp.Error.Code), Fix: resp.Error.Message}
	}
	if resp.V != Version {
		stop()
		conn.Close()
		return nil, nil, nil, &OpError{Op: verb, Err: ErrVersion, Fix: fmt.Sprintf("the daemon answered with version %d, this client speaks %d", resp.V, Version)}
	}
	return &resp, br, &stopConn{Conn: conn, stop: stop}, nil
}

type stopConn struct {
	net.Conn
	stop func() bool
}

func (s *stopConn) Close() error { s.stop(); return s.Conn.Close() }

func (c *Client) ioErr(ctx context.Context, verb string, err error) error {
	if ctx.Err() != nil {
		return &OpError{Op: verb, Err: ctx.Err()}
	}
	return &OpError{Op: verb, Err: err}
}

// Do sends a unary verb with args (nil: none) and decodes the result into
// result (nil: discard). The typed methods below are Do with their verb.
func (c *Client) Do(ctx context.Context, verb string, args, result any) error {
	resp, _, conn, err := c.call(ctx, verb, args)
	if err != nil {
		return err
	}
	defer conn.Close()
	if resp.Stream != "" {
		return &OpError{Op: verb, Err: ErrProtocol, Fix: "a stream answered a unary verb"}
	}
	if result != nil && len(resp.Data) > 0 {
		if err := json.Unmarshal(resp.Data, result); err != nil {
			return &OpError{Op: verb, Err: ErrProtocol, Fix: err.Error()}
		}
	}
	return nil
}

// Stream sends a streaming verb and copies the stream to w until the
// daemon ends it or ctx ends (which closes the connection, so the daemon
// stops). It returns the stream's format and the bytes copied.
func (c *Client) Stream(ctx context.Context, verb string, args any, w io.Writer) (string, int64, error) {
	resp, br, conn, err := c.call(ctx, verb, args)
	if err != nil {
		return "", 0, err
	}
	defer conn.Close()
	if resp.Stream == "" {
		return "", 0, &OpError{Op: verb, Err: ErrProtocol, Fix: "no stream followed"}
	}
	n, err := io.Copy(w, br)
	if err != nil && ctx.Err() == nil {
		return resp.Stream, n, c.ioErr(ctx, verb, err)
	}
	return resp.Stream, n, nil
}

// Interfaces lists the interfaces with their counters.
func (c *Client) Interfaces(ctx context.Context) ([]Interface, error) {
	var r []Interface
	return r, c.Do(ctx, VerbInterfaces, nil, &r)
}

// Ifconfig changes an interface and returns its new state.
func (c *Client) Ifconfig(ctx context.Context, req IfconfigRequest) (Interface, error) {
	var r Interface
	return r, c.Do(ctx, VerbIfconfig, req, &r)
}

// Routes lists the routing table.
func (c *Client) Routes(ctx context.Context) ([]Route, error) {
	var r []Route
	return r, c.Do(ctx, VerbRoutes, nil, &r)
}

// AddRoute adds a static route.
func (c *Client) AddRoute(ctx context.Context, req RouteRequest) error {
	return c.Do(ctx, VerbRouteAdd, req, nil)
}

// DeleteRoute deletes a static route.
func (c *Client) DeleteRoute(ctx context.Context, req RouteRequest) error {
	return c.Do(ctx, VerbRouteDel, req, nil)
}

// Neighbours lists the neighbour caches.
func (c *Client) Neighbours(ctx context.Context) ([]Neighbour, error) {
	var r []Neighbour
	return r, c.Do(ctx, VerbNeighbours, nil, &r)
}

// Sockets lists the transports' sockets.
func (c *Client) Sockets(ctx context.Context) ([]Socket, error) {
	var r []Socket
	return r, c.Do(ctx, VerbSockets, nil, &r)
}

// Stats returns every counter.
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	var r Stats
	return r, c.Do(ctx, VerbStats, nil, &r)
}

// Dump streams a pcap capture of an interface to w.
func (c *Client) Dump(ctx context.Context, req DumpRequest, w io.Writer) (int64, error) {
	_, n, err := c.Stream(ctx, VerbDump, req, w)
	return n, err
}

// Log returns the last lines of the daemon's log.
func (c *Client) Log(ctx context.Context, lines int) ([]string, error) {
	var r []string
	return r, c.Do(ctx, VerbLog, LogRequest{Lines: lines}, &r)
}

// FollowLog writes the last lines and then new ones to w until ctx ends.
func (c *Client) FollowLog(ctx context.Context, lines int, w io.Writer) error {
	_, _, err := c.Stream(ctx, VerbLogFollow, LogRequest{Lines: lines}, w)
	return err
}

// Mount attaches a driver at run time and returns its interface.
func (c *Client) Mount(ctx context.Context, req MountRequest) (Interface, error) {
	var r Interface
	return r, c.Do(ctx, VerbMount, req, &r)
}

// Umount detaches an interface and closes its device.
func (c *Client) Umount(ctx context.Context, iface string) error {
	return c.Do(ctx, VerbUmount, UmountRequest{Iface: iface}, nil)
}

// Drivers lists the drivers the daemon can mount.
func (c *Client) Drivers(ctx context.Context) ([]Driver, error) {
	var r []Driver
	return r, c.Do(ctx, VerbDrivers, nil, &r)
}
