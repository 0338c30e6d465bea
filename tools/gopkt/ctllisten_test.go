package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/control"
	"golang.org/x/net/nettest"
)

// TestControlListenTCP: a net.Listener of the daemon's stack for a program
// in another process (control.Client.ListenTCP), over lo0 with the same
// client dialing it: connections arrive with the right addresses and
// carry bytes and half-closes both ways; Close ends a pending Accept with
// net.ErrClosed and frees the port; unloading tcp ends a pending Accept
// and the open listener's accepted connection; the pool is full at exit.
func TestControlListenTCP(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "gopkt.sock")
	r := startRun([]string{"--control", sock, "-p", "ipv4", "-p", "tcp", "--buffers", "1024"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := control.Dial(sock)

	l, err := c.ListenTCP(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Fatalf("listener address %s", addr)
	}
	for i := range 3 {
		accepted := make(chan net.Conn, 1)
		go func() {
			a, err := l.Accept()
			if err != nil {
				t.Error(err)
			}
			accepted <- a
		}()
		d, err := c.DialTCP(ctx, addr)
		if err != nil {
			t.Fatal(err)
		}
		a := <-accepted
		if a == nil {
			t.FailNow()
		}
		if a.RemoteAddr().String() != d.LocalAddr().String() || a.LocalAddr().String() != addr {
			t.Errorf("conn %d: accepted %v <- %v, dialed %v -> %v", i, a.LocalAddr(), a.RemoteAddr(), d.LocalAddr(), d.RemoteAddr())
		}
		msg := bytes.Repeat([]byte{byte('a' + i)}, 100000)
		go func() {
			_, _ = d.Write(msg)
			_ = d.CloseWrite()
		}()
		_ = a.SetReadDeadline(time.Now().Add(30 * time.Second))
		got, err := io.ReadAll(a)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("conn %d: %d bytes, %v", i, len(got), err)
		}
		if _, err := a.Write([]byte("bye")); err != nil {
			t.Fatal(err)
		}
		_ = a.(*control.PipeConn).CloseWrite()
		_ = d.SetReadDeadline(time.Now().Add(30 * time.Second))
		if got, err := io.ReadAll(d); err != nil || string(got) != "bye" {
			t.Fatalf("conn %d: back %q %v", i, got, err)
		}
		a.Close()
		d.Close()
	}

	// Close with an Accept pending: net.ErrClosed, and the port is free.
	if !socketListed(t, c, "tcp", addr) {
		t.Errorf("netstat does not list the listener %s", addr)
	}
	pending := make(chan error, 1)
	go func() {
		_, err := l.Accept()
		pending <- err
	}()
	time.Sleep(100 * time.Millisecond)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-pending:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("pending Accept after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Accept still pending 10 s after Close")
	}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: %v", err)
	}
	if err := l.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
	waitNoListener(t, c, addr)
	if l, err = c.ListenTCP(ctx, addr); err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}

	// Unload tcp with an accepted connection and a pending Accept.
	go func() {
		a, err := l.Accept()
		if err == nil {
			_, err = l.Accept()
			pending <- errors.Join(err, a.Close())
			return
		}
		pending <- err
	}()
	d, err := c.DialTCP(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if err := c.Unload(ctx, "tcp"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-pending:
		if err == nil || errors.Is(err, net.ErrClosed) {
			t.Errorf("pending Accept after tcp unload: %v, want the daemon's error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Accept still pending 10 s after tcp was unloaded")
	}
	_ = d.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(d); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Logf("dialed side after unload: %v", err)
	}
	d.Close()
	l.Close()
	if _, err := c.ListenTCP(ctx, "127.0.0.1:0"); !errors.Is(err, control.ErrBadRequest) {
		t.Errorf("listen with tcp unloaded: %v", err)
	}
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s", code, r.errOut.String())
	}
	if !strings.Contains(r.out.String(), "pool: 1024/1024 buffers free") {
		t.Errorf("pool not full at exit:\n%s", r.out.String())
	}
}

// waitNoListener waits until netstat no longer lists a TCP listener on
// addr.
func waitNoListener(t *testing.T, c *control.Client, addr string) {
	t.Helper()
	waitNoSocket(t, c, "tcp", addr)
}

// waitNoSocket waits until netstat no longer lists a socket of proto on
// local address addr (for tcp: a listener).
func waitNoSocket(t *testing.T, c *control.Client, proto, addr string) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); socketListed(t, c, proto, addr); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("%s socket %s still in netstat", proto, addr)
		}
	}
}

// socketListed reports whether netstat lists a socket of proto on local
// address addr (for tcp: a listener).
func socketListed(t *testing.T, c *control.Client, proto, addr string) bool {
	t.Helper()
	ss, err := c.Sockets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		if s.Proto == proto && s.Local == addr && (proto != "tcp" || s.State == "LISTEN") {
			return true
		}
	}
	return false
}

// TestControlStopWithSockets: the daemon stops while an outside program
// holds a listener with a pending Accept, an accepted connection and a
// UDP socket with a pending read: it does not wait for the client, every
// call returns, and the pool is full.
func TestControlStopWithSockets(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "gopkt.sock")
	r := startRun([]string{"--control", sock, "-p", "ipv4", "-p", "udp", "-p", "tcp", "--buffers", "1024"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := control.Dial(sock)
	l, err := c.ListenTCP(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	acc := make(chan net.Conn, 1)
	go func() {
		a, _ := l.Accept()
		acc <- a
	}()
	d, err := c.DialTCP(ctx, l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	a := <-acc
	if a == nil {
		t.Fatal("no accepted connection")
	}
	defer a.Close()
	pending := make(chan error, 1)
	go func() {
		_, err := l.Accept()
		pending <- err
	}()
	pc, err := c.ListenPacket(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	read := make(chan error, 1)
	go func() {
		_, _, err := pc.ReadFrom(make([]byte, 100))
		read <- err
	}()
	if _, err := d.Write([]byte("unread")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	stopped := make(chan int, 1)
	go func() { stopped <- r.stop(t) }()
	select {
	case code := <-stopped:
		if code != exitOK {
			t.Errorf("exit status %d\n%s", code, r.errOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the daemon did not stop within 20 s with control sockets open")
	}
	for name, ch := range map[string]chan error{"Accept": pending, "ReadFrom": read} {
		select {
		case err := <-ch:
			if err == nil {
				t.Errorf("%s returned no error after the daemon stopped", name)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("%s still pending 10 s after the daemon stopped", name)
		}
	}
	_ = a.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(a); errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("accepted connection still open after the daemon stopped")
	}
	if !strings.Contains(r.out.String(), "pool: 1024/1024 buffers free") {
		t.Errorf("pool not full at exit:\n%s", r.out.String())
	}
}

// TestControlPipeNettest: a connection accepted through ListenTCP and
// its dialed peer (both pipes over the control socket, the daemon's TCP
// over lo0 between them) pass golang.org/x/net/nettest.TestConn: Go's
// net.Conn contract for reads, writes, deadlines and Close. The pool is
// 8192 buffers: with 2048, FutureTimeout and ConcurrentMethods stall, the
// stack's TCP itself being the cause (both ends of the echo loop are its
// sockets: one socket's full receive queue, whose reader waits on the
// other, takes the shared tcp-rcvq quota, and the other's segments are
// then dropped by quota, drop_quota counting, until the test gives up).
func TestControlPipeNettest(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "gopkt.sock")
	r := startRun([]string{"--control", sock, "-p", "ipv4", "-p", "tcp", "--buffers", "8192"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	c := control.Dial(sock)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	l, err := c.ListenTCP(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nettest.TestConn(t, func() (net.Conn, net.Conn, func(), error) {
		acc := make(chan net.Conn, 1)
		go func() {
			a, _ := l.Accept()
			acc <- a
		}()
		d, err := c.DialTCP(ctx, l.Addr().String())
		if err != nil {
			return nil, nil, nil, err
		}
		a := <-acc
		if a == nil {
			d.Close()
			return nil, nil, nil, errors.New("accept failed")
		}
		return d, a, func() { d.Close(); a.Close() }, nil
	})
	l.Close()
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s", code, r.errOut.String())
	}
	if !strings.Contains(r.out.String(), "pool: 8192/8192 buffers free") {
		t.Errorf("pool not full at exit:\n%s", r.out.String())
	}
}
