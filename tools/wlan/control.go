package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// The control protocol between `wlan connect` and the other commands: one
// JSON request line, one JSON response line, over a Unix stream socket.

type request struct {
	Cmd string `json:"cmd"` // "status", "scan", "ping", "disconnect"
	// ping's arguments.
	Addr     string        `json:"addr,omitempty"`
	Count    int           `json:"count,omitempty"`
	Interval time.Duration `json:"interval_ns,omitempty"`
	Wait     time.Duration `json:"wait_ns,omitempty"`
	Size     int           `json:"size,omitempty"`
}

// duration bounds how long a request may take, so that a client of a hung
// daemon does not wait forever: a ping runs count intervals plus the last
// reply's wait, and a loaded machine stretches its intervals as it does
// ping(8)'s (1000 requests at 10 ms took 70 s in a TCG guest on a host with
// a load average of 20), hence four times that and a minute.
func (r request) duration() time.Duration {
	return 4*time.Duration(r.Count)*r.Interval + r.Wait + time.Minute
}

type response struct {
	Error  string      `json:"error,omitempty"`
	Status *statusView `json:"status,omitempty"`
	Scan   []scanRow   `json:"scan,omitempty"`
	Ping   *pingView   `json:"ping,omitempty"`
}

// handler answers one request.
type handler func(request) response

// serveControl accepts connections on path until the listener closes.
func serveControl(path string, h handler) (net.Listener, error) {
	if c, err := net.DialTimeout("unix", path, 200*time.Millisecond); err == nil {
		c.Close()
		return nil, fmt.Errorf("%s is in use: another wlan connect is running; run wlan disconnect first", path)
	}
	_ = os.Remove(path) // a stale socket from a process that died
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w (use --socket to pick another path)", err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				var req request
				if err := json.NewDecoder(bufio.NewReader(c)).Decode(&req); err != nil {
					_ = json.NewEncoder(c).Encode(response{Error: "malformed request: " + err.Error()})
					return
				}
				_ = c.SetDeadline(time.Now().Add(req.duration()))
				_ = json.NewEncoder(c).Encode(h(req))
			}()
		}
	}()
	return l, nil
}

// errNoDaemon means no `wlan connect` answers on the socket.
var errNoDaemon = errors.New("no wlan connect is running")

// call sends one request to the running connect.
func call(path string, req request) (response, error) {
	c, err := net.DialTimeout("unix", path, time.Second)
	if err != nil {
		return response{}, fmt.Errorf("%w (socket %s: %v)", errNoDaemon, path, err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(req.duration()))
	if err := json.NewEncoder(c).Encode(req); err != nil {
		return response{}, err
	}
	var resp response
	if err := json.NewDecoder(c).Decode(&resp); err != nil {
		return response{}, fmt.Errorf("control socket %s: %w", path, err)
	}
	if resp.Error != "" {
		return resp, errors.New(resp.Error)
	}
	return resp, nil
}
