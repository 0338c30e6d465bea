package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/socks"
)

// TestSocksCurl: curl on the host fetches a file from a Linux HTTP server
// in the namespace through the daemon's SOCKS5 front, so the transfer
// runs over gopkt's TCP on the tap; the bytes must be the file's.
func TestSocksCurl(t *testing.T) {
	curl, py := hosttest.Tool("curl", "curl"), hosttest.Tool("python3", "python3")
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, curl, py)
	ns, dev := hosttest.NewNamespace(t, "socks"), hosttest.LinkName("s")
	dir := t.TempDir()
	blob := make([]byte, 3<<20)
	if _, err := rand.Read(blob); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "blob"), blob, 0o644); err != nil {
		t.Fatal(err)
	}
	// A free loopback port for the SOCKS listener.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	r := startRun([]string{"-d", "tap", "linux=" + dev, "-p", "ipv4", "-p", "udp", "-p", "tcp", "--ifconfig", "tap0=198.18.74.2/24",
		"--socks", addr}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	ns.TakeLink(t, dev, "198.18.74.1/24")
	srv := ns.Command("python3", "-m", "http.server", "--bind", "198.18.74.1", "--directory", dir, "8080")
	srv.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = syscall.Kill(-srv.Process.Pid, syscall.SIGKILL); _ = srv.Wait() }()

	out := filepath.Join(dir, "got")
	var cerr error
	var cout []byte
	for range 50 { // the server needs a moment to listen
		cout, cerr = exec.Command("curl", "-sS", "--max-time", "60", "--socks5-hostname", addr,
			"-o", out, "http://198.18.74.1:8080/blob").CombinedOutput()
		if cerr == nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if cerr != nil {
		t.Fatalf("curl through SOCKS: %v\n%s\n%s", cerr, cout, r.errOut.String())
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got) != sha256.Sum256(blob) {
		t.Fatalf("fetched %d bytes, sha256 differs from the %d-byte file", len(got), len(blob))
	}
	t.Logf("%d bytes through SOCKS5 and gopkt's TCP, sha256 %x", len(got), sha256.Sum256(got))
	t.Run("UDPAssociate", func(t *testing.T) { socksUDP(t, ns, addr) })
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s\n%s", code, r.out.String(), r.errOut.String())
	}
}

// socksUDP: a UDP ASSOCIATE through the daemon to a Linux UDP echo server
// in the namespace (the datagrams leave through the stack's UDP).
func socksUDP(t *testing.T, ns *hosttest.Namespace, addr string) {
	echo := ns.Command("python3", "-c", "import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(('198.18.74.1',5353))\nwhile True:\n d,a=s.recvfrom(65535)\n s.sendto(d,a)\n")
	echo.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := echo.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = syscall.Kill(-echo.Process.Pid, syscall.SIGKILL); _ = echo.Wait() }()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(append([]byte{socks.Version, 1, socks.MethodNoAuth}, socks.AppendRequest(nil, socks.Request{Cmd: socks.CmdUDPAssociate, Addr: netip.IPv4Unspecified()})...)); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 12)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(c, b); err != nil || b[3] != socks.RepSucceeded {
		t.Fatalf("UDP ASSOCIATE: % x %v", b, err)
	}
	rep, err := socks.ParseRequest(b[2:])
	if err != nil {
		t.Fatal(err)
	}
	relay := netip.AddrPortFrom(rep.Addr, rep.Port)
	uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	dst := netip.MustParseAddrPort("198.18.74.1:5353")
	payload := []byte("a DNS-sized query through SOCKS5 UDP ASSOCIATE and gopkt's UDP")
	buf := make([]byte, 2048)
	for try := 0; ; try++ { // the echo server needs a moment to bind
		if _, err := uc.WriteToUDPAddrPort(append(socks.AppendUDPHeader(nil, dst), payload...), relay); err != nil {
			t.Fatal(err)
		}
		_ = uc.SetReadDeadline(time.Now().Add(time.Second))
		n, _, err := uc.ReadFromUDPAddrPort(buf)
		if err != nil {
			if try < 20 {
				continue
			}
			t.Fatalf("no answer through the relay: %v", err)
		}
		h, err := socks.ParseUDPHeader(buf[:n])
		if err != nil || netip.AddrPortFrom(h.Addr, h.Port) != dst || !bytes.Equal(buf[h.Len:n], payload) {
			t.Fatalf("answer %+v %v % x", h, err, buf[:n])
		}
		return
	}
}
