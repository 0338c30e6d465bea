package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/control"
	"github.com/gopkt/gopkt/internal/hosttest"
)

// TestControlSocketsLinux: the socket kinds outside programs get through
// the control socket, with the Linux kernel as the peer (a tap in a
// namespace) and the daemon in its own process. Linux connects four at
// once to a listener this process opened (control.Client.ListenTCP), each
// connection echoed and compared (SHA-256); UDP both ways, a
// ListenPacket socket answering Linux and a DialUDP socket asking a Linux
// server, fragmented datagrams too; gopktctl nc -l, nc -u and nc -u -l
// with Linux on the other side; unloading tcp and udp under open
// sockets ends them; the daemon stops while sockets are open, without
// waiting for their owner, with the pool full.
func TestControlSocketsLinux(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP)
	ns, dev := hosttest.NewNamespace(t, "csk"), hosttest.LinkName("k")
	c := newCtl(t)
	var out, errOut syncBuffer
	d := exec.Command(hosttest.GoBinary(t, "github.com/gopkt/gopkt/tools/gopkt"), "--control", c.sock,
		"-d", "tap", "linux="+dev+",mac=02:00:5e:00:4c:02", "-p", "ipv4", "-p", "udp", "-p", "tcp",
		"--ifconfig", "tap0=198.18.76.2/24", "--buffers", "2048")
	d.Stdout, d.Stderr = &out, &errOut
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = d.Process.Kill()
			_ = d.Wait()
		}
	}()
	waitFor(t, &out, "gopkt: running", 10*time.Second)
	ns.TakeLink(t, dev, "198.18.76.1/24")
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cl := control.Dial(c.sock)
	inNS := func(fn func() error) {
		t.Helper()
		if err := ns.Do(fn); err != nil {
			t.Fatal(err)
		}
	}

	// TCP: Linux connects to our listener, four connections at once.
	l, err := cl.ListenTCP(ctx, "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	go func() {
		for {
			a, err := l.Accept()
			if err != nil {
				return
			}
			go func() { // echo, then FIN after the peer's
				defer a.Close()
				_, _ = io.Copy(a, a)
				_ = a.(*control.PipeConn).CloseWrite()
			}()
		}
	}()
	const conns = 4
	var wg sync.WaitGroup
	for i := range conns {
		var lc *net.TCPConn
		inNS(func() error {
			c, err := net.DialTCP("tcp4", nil, &net.TCPAddr{IP: net.IPv4(198, 18, 76, 2), Port: port})
			lc = c
			return err
		})
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer lc.Close()
			data := make([]byte, 256<<10)
			_, _ = rand.Read(data)
			go func() {
				_, _ = lc.Write(data)
				_ = lc.CloseWrite()
			}()
			_ = lc.SetReadDeadline(time.Now().Add(90 * time.Second))
			back, err := io.ReadAll(lc)
			if err != nil || sha256.Sum256(back) != sha256.Sum256(data) {
				t.Errorf("Linux connection %d: %d of %d bytes back, %v", i, len(back), len(data), err)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.Fatalf("daemon log:\n%s", errOut.String())
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	// UDP, Linux asking: a ListenPacket socket answers.
	pc, err := cl.ListenPacket(ctx, "0.0.0.0:5300")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 65535)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = pc.WriteTo(bytes.ToUpper(buf[:n]), from)
		}
	}()
	var lu *net.UDPConn
	inNS(func() error {
		lu, err = net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(198, 18, 76, 2), Port: 5300})
		return err
	})
	buf := make([]byte, 65535)
	for _, n := range []int{1, 1472, 3000, 9000} {
		msg := bytes.Repeat([]byte{'a'}, n)
		if _, err := lu.Write(msg); err != nil {
			t.Fatal(err)
		}
		_ = lu.SetReadDeadline(time.Now().Add(10 * time.Second))
		got, err := lu.Read(buf)
		if err != nil || !bytes.Equal(buf[:got], bytes.ToUpper(msg)) {
			t.Fatalf("Linux → ListenPacket → Linux, %d bytes: %d back, %v\n%s", n, got, err, errOut.String())
		}
	}
	lu.Close()

	// UDP, us asking: DialUDP to a Linux server.
	var srv *net.UDPConn
	inNS(func() error {
		srv, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(198, 18, 76, 1), Port: 5301})
		return err
	})
	defer srv.Close()
	go func() {
		b := make([]byte, 65535)
		for {
			n, from, err := srv.ReadFromUDP(b)
			if err != nil {
				return
			}
			_, _ = srv.WriteToUDP(bytes.ToUpper(b[:n]), from)
		}
	}()
	du, err := cl.DialUDP(ctx, "198.18.76.1:5301")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{5, 1472, 4000} {
		msg := bytes.Repeat([]byte{'q'}, n)
		if _, err := du.Write(msg); err != nil {
			t.Fatal(err)
		}
		_ = du.SetReadDeadline(time.Now().Add(10 * time.Second))
		got, err := du.Read(buf)
		if err != nil || !bytes.Equal(buf[:got], bytes.ToUpper(msg)) {
			t.Fatalf("DialUDP → Linux → DialUDP, %d bytes: %d back, %v", n, got, err)
		}
	}
	du.Close()

	// gopktctl nc -l: Linux connects.
	listening := regexp.MustCompile(`listening on [0-9.]+:([0-9]+)`)
	var ncOut, ncErr syncBuffer
	nc := c.cmd("nc", "-l", "0")
	nc.Stdin, nc.Stdout, nc.Stderr = strings.NewReader("from nc\n"), &ncOut, &ncErr
	if err := nc.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, &ncErr, "listening on", 10*time.Second)
	ncPort := listening.FindStringSubmatch(ncErr.String())[1]
	inNS(func() error {
		c, err := net.Dial("tcp4", "198.18.76.2:"+ncPort)
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := c.Write([]byte("from linux\n")); err != nil {
			return err
		}
		_ = c.(*net.TCPConn).CloseWrite()
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		got, err := io.ReadAll(c)
		if err == nil && string(got) != "from nc\n" {
			err = errors.New("Linux read " + string(got))
		}
		return err
	})
	if err := nc.Wait(); err != nil || ncOut.String() != "from linux\n" {
		t.Errorf("gopktctl nc -l: %v %q\n%s\ndaemon:\n%s", err, ncOut.String(), ncErr.String(), errOut.String())
	}

	// gopktctl nc -u to the Linux server: a datagram per line.
	ncu := c.cmd("nc", "-u", "-w", "2s", "198.18.76.1:5301")
	ncu.Stdin = strings.NewReader("one\ntwo\n")
	if got, err := ncu.Output(); err != nil || string(got) != "ONE\nTWO\n" {
		t.Errorf("gopktctl nc -u: %v %q", err, got)
	}

	// gopktctl nc -u -l: Linux sends, nc answers with its stdin.
	ncOut, ncErr = syncBuffer{}, syncBuffer{}
	ncl := c.cmd("nc", "-u", "-l", "-w", "2s", "0")
	ncl.Stdin, ncl.Stdout, ncl.Stderr = strings.NewReader("reply\n"), &ncOut, &ncErr
	if err := ncl.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, &ncErr, "listening on", 10*time.Second)
	ncPort = listening.FindStringSubmatch(ncErr.String())[1]
	inNS(func() error {
		c, err := net.Dial("udp4", "198.18.76.2:"+ncPort)
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := c.Write([]byte("hi\n")); err != nil {
			return err
		}
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := c.Read(buf)
		if err == nil && string(buf[:n]) != "reply\n" {
			err = errors.New("Linux got " + string(buf[:n]))
		}
		return err
	})
	if err := ncl.Wait(); err != nil || ncOut.String() != "hi\n" {
		t.Errorf("gopktctl nc -u -l: %v %q\n%s", err, ncOut.String(), ncErr.String())
	}

	// Unload tcp under an accepted Linux connection and a pending Accept,
	// udp under a pending read.
	l, err = cl.ListenTCP(ctx, "0.0.0.0:8081")
	if err != nil {
		t.Fatal(err)
	}
	var lc net.Conn
	inNS(func() error {
		lc, err = net.Dial("tcp4", "198.18.76.2:8081")
		return err
	})
	defer lc.Close()
	a, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	acceptErr := make(chan error, 1)
	go func() {
		_, err := l.Accept()
		acceptErr <- err
	}()
	readErr := make(chan error, 1)
	go func() {
		_, _, err := pc.ReadFrom(buf[:0:0])
		readErr <- err
	}()
	time.Sleep(200 * time.Millisecond)
	for _, p := range []string{"tcp", "udp"} {
		if err := cl.Unload(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for name, ch := range map[string]chan error{"Accept": acceptErr, "ReadFrom": readErr} {
		select {
		case err := <-ch:
			if err == nil {
				t.Errorf("%s after unload: no error", name)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("%s still pending 10 s after unload", name)
		}
	}
	// The accepted connection's owner reads EOF (the unloaded transport
	// sends nothing more to Linux: its next segment meets ICMP protocol
	// unreachable).
	_ = a.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(a); err != nil {
		t.Errorf("accepted connection after tcp unload: %v, want EOF", err)
	}
	l.Close()
	pc.Close()

	// Load them again, open sockets, and stop the daemon under them.
	for _, p := range []string{"udp", "tcp"} {
		if _, err := cl.Load(ctx, control.LoadRequest{Proto: p}); err != nil {
			t.Fatal(err)
		}
	}
	if l, err = cl.ListenTCP(ctx, "0.0.0.0:8082"); err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if pc, err = cl.ListenPacket(ctx, "0.0.0.0:5300"); err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go func() {
		_, err := l.Accept()
		acceptErr <- err
	}()
	go func() {
		_, _, err := pc.ReadFrom(buf[:0:0])
		readErr <- err
	}()
	time.Sleep(200 * time.Millisecond)
	if err := d.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.Wait() }()
	select {
	case err := <-done:
		stopped = true
		if err != nil || !strings.Contains(out.String(), "gopkt: stopped cleanly") || !strings.Contains(out.String(), "pool: 2048/2048 buffers free") {
			t.Errorf("daemon exit: %v\n%s\n%s", err, out.String(), errOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the daemon did not stop within 20 s with control sockets open")
	}
	for name, ch := range map[string]chan error{"Accept": acceptErr, "ReadFrom": readErr} {
		select {
		case err := <-ch:
			if err == nil {
				t.Errorf("%s after the daemon stopped: no error", name)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("%s still pending 10 s after the daemon stopped", name)
		}
	}
}
