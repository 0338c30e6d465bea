package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/control"
	"github.com/gopkt/gopkt/internal/hosttest"
)

// TestControlDialTCP: a net.Conn over the daemon's stack for a program in
// another process (control.Client.DialTCP), here to the daemon's own
// --tcp-echo over lo0: 1 MiB goes through and comes back equal (SHA-256),
// half-close carries FIN both ways, and refusals say why.
func TestControlDialTCP(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "gopkt.sock")
	r := startRun([]string{"--control", sock, "-p", "ipv4", "-p", "tcp", "--tcp-echo", "7", "--buffers", "2048"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := control.Dial(sock)

	conn, err := c.DialTCP(ctx, "127.0.0.1:7")
	if err != nil {
		t.Fatal(err)
	}
	if conn.RemoteAddr().String() != "127.0.0.1:7" || !strings.HasPrefix(conn.LocalAddr().String(), "127.0.0.1:") {
		t.Errorf("addresses %v -> %v", conn.LocalAddr(), conn.RemoteAddr())
	}
	data := make([]byte, 1<<20)
	_, _ = rand.Read(data)
	werr := make(chan error, 1)
	go func() {
		_, err := conn.Write(data)
		if err == nil {
			err = conn.CloseWrite() // FIN to the echo service, which then closes
		}
		werr <- err
	}()
	_ = conn.SetReadDeadline(time.Now().Add(50 * time.Second))
	back, err := io.ReadAll(conn) // until the echo service's FIN
	if err != nil {
		r.status <- syscall.SIGUSR1 // the sockets' queues, windows and timers
		time.Sleep(time.Second)
		t.Fatalf("read after %d bytes: %v\n%s", len(back), err, r.out.String())
	}
	if err := <-werr; err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(back) != sha256.Sum256(data) {
		t.Fatalf("echo of %d bytes came back as %d different bytes", len(data), len(back))
	}
	if err := conn.Close(); err != nil {
		t.Error(err)
	}

	// A second connection, closed by the client first.
	conn, err = c.DialTCP(ctx, "127.0.0.1:7")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(conn, buf); err != nil || !bytes.Equal(buf, []byte("ping")) {
		t.Fatalf("short echo %q %v", buf, err)
	}
	_ = conn.Close()

	if _, err := c.DialTCP(ctx, "127.0.0.1:9"); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("dial of a closed port: %v", err)
	}
	if _, err := c.DialTCP(ctx, "localhost:7"); !errors.Is(err, control.ErrBadRequest) {
		t.Errorf("dial of a name: %v", err)
	}
	// gopktctl nc: stdin to the echo service, its answer on stdout.
	nc := exec.Command(hosttest.GoBinary(t, "github.com/gopkt/gopkt/tools/gopktctl"), "--socket", sock, "nc", "127.0.0.1:7")
	nc.Stdin = strings.NewReader("through gopktctl nc\n")
	if out, err := nc.CombinedOutput(); err != nil || string(out) != "through gopktctl nc\n" {
		t.Errorf("gopktctl nc: %v %q", err, out)
	}

	// Unloading TCP under an open connection ends it: the client reads EOF.
	open, err := c.DialTCP(ctx, "127.0.0.1:7")
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	if err := c.Unload(ctx, "tcp"); err != nil {
		t.Fatal(err)
	}
	_ = open.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := open.Read(make([]byte, 10)); err != io.EOF {
		t.Errorf("read of a connection whose TCP was unloaded: %d, %v; want EOF", n, err)
	}
	if _, err := c.DialTCP(ctx, "127.0.0.1:7"); !errors.Is(err, control.ErrBadRequest) || !strings.Contains(err.Error(), "not loaded") {
		t.Errorf("dial with tcp unloaded: %v", err)
	}
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s", code, r.errOut.String())
	}
	if !strings.Contains(r.out.String(), "pool: 2048/2048 buffers free") {
		t.Errorf("pool not full at exit:\n%s", r.out.String())
	}
}

// TestControlDialStop: the daemon stops while a dialed connection is open:
// it does not wait for the client, whose read ends (EOF, or a reset when
// the control connection closed with bytes unread), and the pool is full.
func TestControlDialStop(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "gopkt.sock")
	r := startRun([]string{"--control", sock, "-p", "ipv4", "-p", "tcp", "--tcp-echo", "7", "--buffers", "1024"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := control.Dial(sock).DialTCP(ctx, "127.0.0.1:7")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s", code, r.errOut.String())
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(conn); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("client after the daemon stopped: %v, want EOF or ECONNRESET", err)
	}
	if !strings.Contains(r.out.String(), "pool: 1024/1024 buffers free") {
		t.Errorf("pool not full at exit:\n%s", r.out.String())
	}
}

// TestControlGet: gopktctl get, Go's net/http client over the daemon's
// stack (through control.Client.DialTCP), downloads a file from the
// daemon's own --http server over lo0: the SHA-256 it prints and the file
// -o writes equal the file served; a missing file is a 404 and exit 1.
func TestControlGet(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, 3<<20+17)
	_, _ = rand.Read(data)
	if err := os.WriteFile(filepath.Join(dir, "blob"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "gopkt.sock")
	r := startRun([]string{"--control", sock, "-p", "ipv4", "-p", "tcp", "--http", dir, "--buffers", "2048"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	ctl := hosttest.GoBinary(t, "github.com/gopkt/gopkt/tools/gopktctl")
	got := filepath.Join(t.TempDir(), "got")
	out, err := exec.Command(ctl, "--socket", sock, "get", "-o", got, "http://127.0.0.1/blob").CombinedOutput()
	sum := sha256.Sum256(data)
	want := fmt.Sprintf("http://127.0.0.1/blob: 200 OK, %d bytes in ", len(data))
	if err != nil || !strings.HasPrefix(string(out), want) || !strings.HasSuffix(string(out), "sha256 "+hex.EncodeToString(sum[:])+"\n") {
		t.Errorf("gopktctl get: %v %q", err, out)
	}
	if b, err := os.ReadFile(got); err != nil || !bytes.Equal(b, data) {
		t.Errorf("get -o wrote %d bytes (%v), want the %d served", len(b), err, len(data))
	}
	out, err = exec.Command(ctl, "--socket", sock, "get", "http://127.0.0.1/none").CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "404 Not Found") {
		t.Errorf("get of a missing file: %v %q", err, out)
	}
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s", code, r.errOut.String())
	}
}
