package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
)

func TestParseArgsTCP(t *testing.T) {
	dir := t.TempDir()
	c, err := parseArgs(args("-d loop -p ipv4 -p tcp,cc=newreno,rcvbuf=65536,maxrcvbuf=65536,sack=off --tcp-echo 7 --tcp-discard 9 --http "+dir), defaultRegistry())
	if err != nil {
		t.Fatal(err)
	}
	o := c.Protos.tcp
	if o == nil || o.Congestion != "newreno" || o.ReadBuffer != 65536 || o.MaxReadBuffer != 65536 || !o.NoSACK || o.NoTimestamps {
		t.Errorf("tcp options %+v", o)
	}
	if len(c.TCPEcho) != 1 || c.TCPEcho[0] != 7 || len(c.TCPDiscard) != 1 || c.TCPDiscard[0] != 9 || c.HTTP != dir {
		t.Errorf("services: echo %v discard %v http %q", c.TCPEcho, c.TCPDiscard, c.HTTP)
	}
	for _, bad := range []string{
		"-d loop -p ipv4 --tcp-echo 7",                        // TCP not loaded
		"-d loop -p ipv4 -p tcp --tcp-echo 7 --tcp-discard 7", // port twice
		"-d loop -p ipv4 -p tcp,cc=vegas",                     // unknown congestion control
		"-d loop -p ipv4 -p tcp --http /nonexistent-dir",      // not a directory
		"-d loop -p ipv4 -p tcp --tcp-echo 0",
		"-d loop -p ipv4 -p tcp,maxrcvbuf=100", // below 1024
	} {
		if _, err := parseArgs(args(bad), defaultRegistry()); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

// TestDaemonTCPTapLinux runs the daemon on a TAP device with TCP services;
// Linux is the client: curl downloads a file from --http (sha256 checked),
// a Go client in the namespace uses the echo and discard services, the
// status shows the sockets, and the pool is full at exit.
func TestDaemonTCPTapLinux(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Tool("curl", "curl"))
	ns, dev := hosttest.NewNamespace(t, "dtcp"), hosttest.LinkName("t")
	dir := t.TempDir()
	body := make([]byte, 20<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range body {
		body[i] = byte(r.Uint32())
	}
	if err := os.WriteFile(filepath.Join(dir, "blob"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	run := startRun([]string{"-d", "tap", "linux=" + dev, "-p", "ipv4", "-p", "tcp", "--ifconfig", "tap0=198.18.8.2/24",
		"--tcp-echo", "7", "--tcp-discard", "9", "--http", dir}, env{})
	waitFor(t, &run.out, "gopkt: running", 10*time.Second)
	ns.TakeLink(t, dev, "198.18.8.1/24")

	out := filepath.Join(t.TempDir(), "blob")
	if msg, err := ns.Output("curl", "-sS", "--max-time", "60", "-o", out, "http://198.18.8.2/blob"); err != nil {
		t.Fatalf("curl: %v\n%s", err, msg)
	}
	got, err := os.ReadFile(out)
	if err != nil || sha256.Sum256(got) != sha256.Sum256(body) {
		t.Fatalf("curl downloaded %d bytes, digest differs (%v)", len(got), err)
	}
	// Go's HTTP client from the namespace, and the echo and discard services.
	dial := func(ctx context.Context, network, addr string) (c net.Conn, err error) {
		err = ns.Do(func() error {
			c, err = (&net.Dialer{}).DialContext(ctx, network, addr)
			return err
		})
		return c, err
	}
	cl := &http.Client{Transport: &http.Transport{DialContext: dial}, Timeout: 60 * time.Second}
	resp, err := cl.Get("http://198.18.8.2/blob")
	if err != nil {
		t.Fatal(err)
	}
	got, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("Go client: %d bytes, %v", len(got), err)
	}
	c, err := dial(context.Background(), "tcp4", "198.18.8.2:7")
	if err != nil {
		t.Fatal(err)
	}
	msg := body[:1<<20]
	go func() { _, _ = c.Write(msg); _ = c.(*net.TCPConn).CloseWrite() }()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	echo, err := io.ReadAll(c)
	c.Close()
	if err != nil || !bytes.Equal(echo, msg) {
		t.Fatalf("echo: %d bytes back, %v", len(echo), err)
	}
	d, err := dial(context.Background(), "tcp4", "198.18.8.2:9")
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Write(body[:100000])
	_ = d.(*net.TCPConn).CloseWrite()
	_ = d.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, rerr := io.ReadAll(d); err != nil || rerr != nil {
		t.Fatalf("discard: %v %v", err, rerr)
	}
	d.Close()
	run.status <- syscall.SIGUSR1
	waitFor(t, &run.out, "tcp-discard port 9: 1 connections, 100000 bytes", 10*time.Second)
	code := run.stop(t)
	s := run.out.String()
	for _, want := range []string{"tcp-echo port 7: 1 connections, 1048576 bytes", "0.0.0.0:80", "LISTEN", "pool: 4096/4096 buffers free"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if code != exitOK {
		t.Errorf("exit status %d\n%s", code, run.errOut.String())
	}
	t.Log(s)
}
