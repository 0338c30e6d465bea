package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/control"
)

// TestControlPacketConn: net.PacketConns of the daemon's stack for a
// program in another process (control.Client.ListenPacket, DialUDP), over
// lo0: datagrams keep their boundaries and source addresses, small and
// fragmented; a read deadline that expires leaves the stream in step; a
// connected socket talks to --udp-echo; unloading udp ends a pending read
// with ErrSocketClosed; the pool is full at exit.
func TestControlPacketConn(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "gopkt.sock")
	r := startRun([]string{"--control", sock, "-p", "ipv4", "-p", "udp", "--udp-echo", "7", "--buffers", "1024"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := control.Dial(sock)

	a, err := c.ListenPacket(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := c.ListenPacket(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if a.RemoteAddr() != nil {
		t.Errorf("unconnected socket's RemoteAddr %v", a.RemoteAddr())
	}
	bPort := b.LocalAddr().(*net.UDPAddr).Port
	to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: bPort}

	// A read that times out, then datagrams: the stream is still in step.
	_ = b.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, _, err := b.ReadFrom(make([]byte, 10)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read past its deadline: %v", err)
	}
	_ = b.SetReadDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 70000)
	for _, n := range []int{0, 1, 1472, 3000, 8000} {
		msg := bytes.Repeat([]byte{byte(n)}, n)
		if w, err := a.WriteTo(msg, to); err != nil || w != n {
			t.Fatalf("write %d: %d %v", n, w, err)
		}
		got, from, err := b.ReadFrom(buf)
		if err != nil || !bytes.Equal(buf[:got], msg) {
			t.Fatalf("datagram of %d: %d bytes, %v", n, got, err)
		}
		if from.String() != a.LocalAddr().String() {
			t.Errorf("from %v, want %v", from, a.LocalAddr())
		}
	}
	// Truncation to the reader's buffer, then the next datagram whole.
	_, _ = a.WriteTo([]byte("0123456789"), to)
	_, _ = a.WriteTo([]byte("next"), to)
	if n, _, err := b.ReadFrom(buf[:4]); err != nil || string(buf[:n]) != "0123" {
		t.Errorf("truncated read %q %v", buf[:n], err)
	}
	if n, _, err := b.ReadFrom(buf); err != nil || string(buf[:n]) != "next" {
		t.Errorf("read after a truncated one %q %v", buf[:n], err)
	}

	// A connected socket with the echo service.
	e, err := c.DialUDP(ctx, "127.0.0.1:7")
	if err != nil {
		t.Fatal(err)
	}
	if e.RemoteAddr().String() != "127.0.0.1:7" {
		t.Errorf("connected socket's RemoteAddr %v", e.RemoteAddr())
	}
	_ = e.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := e.Write([]byte("echo me")); err != nil {
		t.Fatal(err)
	}
	if n, err := e.Read(buf); err != nil || string(buf[:n]) != "echo me" {
		t.Errorf("echo %q %v", buf[:n], err)
	}
	if _, err := e.WriteToUDPAddrPort([]byte("x"), netip.MustParseAddrPort("127.0.0.1:9")); err == nil {
		t.Error("a connected socket wrote to another address")
	}
	if _, err := a.Write([]byte("x")); err == nil {
		t.Error("an unconnected socket wrote without an address")
	}
	if !socketListed(t, c, "udp", e.LocalAddr().String()) {
		t.Errorf("netstat does not list the connected socket %v", e.LocalAddr())
	}
	e.Close()
	if _, err := e.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("write after Close: %v", err)
	}
	waitNoSocket(t, c, "udp", e.LocalAddr().String()) // the daemon closed its socket too
	// A connected socket to a port nobody serves: the stack's ICMP port
	// unreachable comes back as ECONNREFUSED from the next read, as from a
	// kernel socket, and the socket goes on (the echo service still answers
	// an unconnected socket through the same daemon).
	refused, err := c.DialUDP(ctx, "127.0.0.1:9")
	if err != nil {
		t.Fatal(err)
	}
	_ = refused.SetReadDeadline(time.Now().Add(20 * time.Second))
	for i := range 2 {
		if _, err := refused.Write([]byte("anyone?")); err != nil {
			t.Fatal(err)
		}
		if n, err := refused.Read(buf); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("read %d after a datagram to a closed port: %d bytes, %v, want ECONNREFUSED", i, n, err)
		}
	}
	_ = refused.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := refused.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read with nothing pending after the refusals: %v, want a deadline", err)
	}
	refused.Close()
	if _, err := c.DialUDP(ctx, "example.org:53"); !errors.Is(err, control.ErrBadRequest) {
		t.Errorf("dial of a name: %v", err)
	}

	// Unload udp under a pending read.
	read := make(chan error, 1)
	go func() {
		_, _, err := b.ReadFrom(buf)
		read <- err
	}()
	time.Sleep(100 * time.Millisecond)
	if err := c.Unload(ctx, "udp"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-read:
		if !errors.Is(err, control.ErrSocketClosed) {
			t.Errorf("read after udp unload: %v, want ErrSocketClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("read still pending 10 s after udp was unloaded")
	}
	if _, err := c.ListenPacket(ctx, ""); !errors.Is(err, control.ErrBadRequest) || !strings.Contains(err.Error(), "not loaded") {
		t.Errorf("udp socket with udp unloaded: %v", err)
	}
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s", code, r.errOut.String())
	}
	if !strings.Contains(r.out.String(), "pool: 1024/1024 buffers free") {
		t.Errorf("pool not full at exit:\n%s", r.out.String())
	}
}

// TestControlPacketConnConcurrent: a PacketConn used from several
// goroutines at once (readers, writers, deadlines, Close) stays in step
// (every datagram read is one that was written, whole) and every call
// returns once it is closed (run with -race).
func TestControlPacketConnConcurrent(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "gopkt.sock")
	r := startRun([]string{"--control", sock, "-p", "ipv4", "-p", "udp", "--buffers", "2048"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := control.Dial(sock)
	a, err := c.ListenPacket(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	to := a.LocalAddr().(*net.UDPAddr).AddrPort()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(2)
		go func() { // writers: to itself, datagrams of distinct sizes and one byte value
			defer wg.Done()
			for i := range 200 {
				n := 1 + (w*200+i)%1400
				if _, err := a.WriteToUDPAddrPort(bytes.Repeat([]byte{byte(n)}, n), to); err != nil {
					return
				}
			}
		}()
		go func() { // readers: each datagram whole and uniform
			defer wg.Done()
			buf := make([]byte, 2000)
			for {
				_ = a.SetReadDeadline(time.Now().Add(2 * time.Second))
				n, from, err := a.ReadFromUDPAddrPort(buf)
				if err != nil {
					return
				}
				if from != to || n == 0 || buf[0] != byte(n) || !bytes.Equal(buf[:n], bytes.Repeat([]byte{byte(n)}, n)) {
					t.Errorf("datagram of %d bytes from %v out of step", n, from)
					return
				}
			}
		}()
	}
	wg.Wait()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = a.SetReadDeadline(time.Time{})
		_, _, _ = a.ReadFrom(make([]byte, 10))
	}()
	time.Sleep(50 * time.Millisecond)
	a.Close()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a read still blocked 10 s after Close")
	}
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s", code, r.errOut.String())
	}
	if !strings.Contains(r.out.String(), "pool: 2048/2048 buffers free") {
		t.Errorf("pool not full at exit:\n%s", r.out.String())
	}
}
