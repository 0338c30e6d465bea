package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
)

// TestDaemonRDRToOurHTTP: --filter 'rdr … port 8080 -> (our own address)
// port 80' puts the daemon's own --http service on port 8080: a Linux
// client fetches a file from 8080 (TCP, the replies the stack sends
// translated back to 8080) while 80 still answers directly; the status
// counts the translation. Addresses in 198.18.0.0/15 only.
func TestDaemonRDRToOurHTTP(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP)
	dir := t.TempDir()
	body := "served through rdr to ourselves\n"
	if err := os.WriteFile(filepath.Join(dir, "index.txt"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	ns, dev := hosttest.NewNamespace(t, "drdr"), hosttest.LinkName("drdr")
	r := startRun([]string{"-d", "tap", "linux=" + dev, "-p", "ipv4", "-p", "udp", "-p", "tcp", "--ifconfig", "tap0=198.18.48.2/24",
		"--http", dir, "--filter", "rdr on tap0 proto tcp to 198.18.48.2 port 8080 -> 198.18.48.2 port 80"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	defer func() {
		if code := r.stop(t); code != exitOK {
			t.Errorf("exit status %d\n%s\n%s", code, r.out.String(), r.errOut.String())
		}
	}()
	ns.TakeLink(t, dev, "198.18.48.1/24")
	for _, port := range []int{8080, 80} {
		// One connection made on the namespace's thread (an http.Client
		// would dial from another goroutine, outside the namespace).
		err := ns.Do(func() error {
			c, err := net.DialTimeout("tcp4", fmt.Sprintf("198.18.48.2:%d", port), 10*time.Second)
			if err != nil {
				return err
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.WriteString(c, "GET /index.txt HTTP/1.0\r\nHost: 198.18.48.2\r\n\r\n"); err != nil {
				return err
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil || string(b) != body {
				return fmt.Errorf("%s %q %v", resp.Status, b, err)
			}
			return nil
		})
		if err != nil {
			t.Errorf("GET on port %d: %v", port, err)
		}
	}
	st := statusNow(t, r).text
	if !regexp.MustCompile(`rdr on tap0 proto tcp to 198.18.48.2 port 8080 -> 198.18.48.2 port 80": 1 translations`).MatchString(st) {
		t.Errorf("status does not count one translation made:\n%s", st)
	}
}
