package main

import (
	"bytes"
	"context"
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

// TestDaemonTCP6TapLinux: with -p ipv6 loaded, --tcp-echo and --http
// listen dual stack ([::]): Linux in a namespace reaches both over IPv6
// and IPv4, and the status's netstat lists the [::] listeners and an
// IPv6 connection. Addresses: 2001:db8:8::/64 and 198.18.8.0/24, inside
// the namespace only.
func TestDaemonTCP6TapLinux(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP)
	ns, dev := hosttest.NewNamespace(t, "dtcp6"), hosttest.LinkName("t6")
	dir := t.TempDir()
	body := make([]byte, 4<<20)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range body {
		body[i] = byte(r.Uint32())
	}
	if err := os.WriteFile(filepath.Join(dir, "blob"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	run := startRun([]string{"-d", "tap", "linux=" + dev, "-p", "ipv4", "-p", "ipv6", "-p", "tcp",
		"--ifconfig", "tap0=198.18.8.2/24", "--ifconfig", "tap0=2001:db8:8::2/64", "--tcp-echo", "7", "--http", dir}, env{})
	waitFor(t, &run.out, "gopkt: running", 10*time.Second)
	ns.TakeLink(t, dev, "198.18.8.1/24")
	ns.IP(t, "addr", "add", "2001:db8:8::1/64", "dev", dev, "nodad")

	dial := func(ctx context.Context, network, addr string) (c net.Conn, err error) {
		err = ns.Do(func() error {
			c, err = (&net.Dialer{}).DialContext(ctx, network, addr)
			return err
		})
		return c, err
	}
	// Our address may still be in DAD (RFC 4862, about a second).
	var c6 net.Conn
	for end := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		var err error
		c6, err = dial(ctx, "tcp6", "[2001:db8:8::2]:7")
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("dial [2001:db8:8::2]:7: %v", err)
		}
	}
	echo := func(c net.Conn, msg []byte) {
		t.Helper()
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		go func() { _, _ = c.Write(msg) }()
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("echo over %v: %v", c.RemoteAddr(), err)
		}
	}
	echo(c6, body[:1<<20])
	c4, err := dial(context.Background(), "tcp4", "198.18.8.2:7")
	if err != nil {
		t.Fatal(err)
	}
	echo(c4, body[:256<<10])
	c4.Close()
	for _, url := range []string{"http://[2001:db8:8::2]/blob", "http://198.18.8.2/blob"} {
		cl := &http.Client{Transport: &http.Transport{DialContext: dial}, Timeout: 60 * time.Second}
		resp, err := cl.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("%s: %d bytes, %v", url, len(got), err)
		}
	}
	// The status while the IPv6 echo connection is open.
	run.status <- syscall.SIGUSR1
	waitFor(t, &run.out, "[2001:db8:8::1]:", 10*time.Second)
	c6.Close()
	code := run.stop(t)
	s := run.out.String()
	for _, want := range []string{"[::]:7", "[::]:80", "LISTEN", "[2001:db8:8::2]:7", "ESTABLISHED"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if code != exitOK {
		t.Errorf("exit status %d\n%s", code, run.errOut.String())
	}
}
