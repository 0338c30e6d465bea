package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/control"
	"github.com/gopkt/gopkt/internal/hosttest"
)

// TestMountUnderPing is the runtime mount lane on TAP: the daemon binary
// starts with no driver; gopktctl mounts a tap, gives it an address, Linux
// pings it, and gopktctl unmounts it while a second pinger keeps sending,
// 20 times. After each unmount every buffer is back (pool in use 0) and
// after the last the daemon holds as many file descriptors as after the
// first (/proc/PID/fd); it then stops cleanly on SIGTERM.
func TestMountUnderPing(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping)
	ns, dev := hosttest.NewNamespace(t, "mnt"), hosttest.LinkName("m")
	c := newCtl(t)
	var out, errOut syncBuffer
	d := exec.Command(hosttest.GoBinary(t, "github.com/gopkt/gopkt/tools/gopkt"), "--control", c.sock, "-p", "ipv4", "-p", "udp",
		"--udp-echo", "7", "--buffers", "1024")
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

	// The background pinger: it keeps sending while the device comes and
	// goes (ping -O reports missing replies; errors while the device is
	// gone in the namespace are expected).
	bg := ns.Command("sh", "-c", "while :; do ping -q -i 0.05 -W 1 -w 600 198.18.73.2 >/dev/null 2>&1; sleep 0.05; done")
	bg.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := bg.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = syscall.Kill(-bg.Process.Pid, syscall.SIGKILL)
		_ = bg.Wait()
	}()

	fds := func() int {
		es, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", d.Process.Pid))
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	var fdsAfterFirst int
	const cycles = 20
	for i := range cycles {
		var ifc control.Interface
		c.json(&ifc, "mount", "-d", "tap", "linux="+dev+",mac=02:00:5e:00:49:02")
		if ifc.Name != "tap0" || ifc.Driver != "tap" || ifc.MAC != "02:00:5e:00:49:02" {
			t.Fatalf("cycle %d: mounted %+v", i, ifc)
		}
		c.run("ifconfig", "tap0", "add", "198.18.73.2/24")
		ns.TakeLink(t, dev, "198.18.73.1/24")
		// -w: once one reply came, iputils ping waits only two round
		// trips for the rest after its last request; a deadline makes it
		// wait for both replies (a loaded host delays them, not loses them).
		if p, err := ns.Output("ping", "-c", "2", "-i", "0.2", "-W", "2", "-w", "10", "198.18.73.2"); !strings.Contains(p, "2 received") {
			st, _ := c.cmd("stat", "-z").CombinedOutput()
			t.Fatalf("cycle %d: Linux ping of the mounted tap: %v\n%s\n%s\n%s", i, err, p, st, errOut.String())
		}
		if i == 0 {
			// The other direction: the daemon pings Linux (gopktctl ping).
			var pr control.PingResult
			c.json(&pr, "ping", "-c", "2", "-i", "200ms", "198.18.73.1")
			if pr.Transmitted != 2 || pr.Received != 2 || pr.Replies[0].From != "198.18.73.1" || pr.Replies[1].RTTMS <= 0 {
				t.Fatalf("gopktctl ping of Linux: %+v", pr)
			}
			if out, err := c.cmd("ping", "-c", "1", "-W", "300ms", "198.18.73.99").CombinedOutput(); err == nil || !strings.Contains(string(out), "no reply from 198.18.73.99") {
				t.Fatalf("gopktctl ping of an absent host: %v\n%s", err, out)
			}
		}
		c.run("umount", "tap0")
		var st control.Stats
		c.json(&st, "stat", "pool")
		if n := counter(st, "pool", "pool", "gopkt", "in_use"); n != 0 {
			t.Fatalf("cycle %d: %d buffers in use after umount", i, n)
		}
		var ifs []control.Interface
		c.json(&ifs, "ifconfig")
		if len(ifs) != 1 || ifs[0].Name != "lo0" {
			t.Fatalf("cycle %d: interfaces after umount: %+v", i, ifs)
		}
		if out, err := exec.Command("ip", "link", "show", dev).CombinedOutput(); err == nil {
			t.Fatalf("cycle %d: Linux device %s survived umount: %s", i, dev, out)
		}
		if i == 0 {
			fdsAfterFirst = fds()
		}
	}
	if n := fds(); n != fdsAfterFirst {
		t.Errorf("daemon holds %d file descriptors after %d cycles, %d after the first", n, cycles, fdsAfterFirst)
	}
	if !bytes.Contains([]byte(errOut.String()), []byte("msg=unmounted")) {
		t.Errorf("daemon log lacks the unmounts:\n%s", errOut.String())
	}
	if err := d.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := d.Wait()
	stopped = true
	if err != nil || !strings.Contains(out.String(), "gopkt: stopped cleanly") || !strings.Contains(out.String(), "pool: 1024/1024 buffers free") {
		t.Errorf("daemon exit: %v\n%s\n%s", err, out.String(), errOut.String())
	}
}
