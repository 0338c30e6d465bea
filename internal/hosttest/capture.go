package hosttest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Capture is tcpdump writing a pcap of one interface inside a namespace:
// Linux's view of the wire, for the test to decode after Stop.
type Capture struct {
	Path    string // the pcap, in the test's temporary directory
	ns      *Namespace
	done    chan struct{}
	log     Output
	proc    *os.Process
	stopped bool
}

// Capture starts tcpdump on dev inside the namespace with the BPF filter
// (empty: everything), unbuffered, full frames, and returns once tcpdump
// says it is listening. It gates on Tcpdump. The capture is stopped at
// cleanup if the test does not Stop it.
func (n *Namespace) Capture(t testing.TB, dev, filter string) *Capture {
	t.Helper()
	Require(t, Tcpdump)
	c := &Capture{Path: filepath.Join(t.TempDir(), dev+".pcap"), ns: n, done: make(chan struct{})}
	// -B: with --immediate-mode libpcap's ring has one slot per snaplen
	// (262 144 bytes with -s 0), so the default 2 MiB buffer holds 8
	// frames, and a burst the starved tcpdump has not read yet is dropped
	// by the kernel (seen: 11 of 51 packets of a UDP and TCP echo
	// exchange). 64 MiB is about 250 full-size slots.
	args := []string{"-i", dev, "--immediate-mode", "-U", "-s", "0", "-B", "65536", "-w", c.Path}
	if filter != "" {
		args = append(args, filter)
	}
	cmd := n.Command("tcpdump", args...)
	cmd.Stdout, cmd.Stderr = &c.log, &c.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c.proc = cmd.Process
	go func() { _ = cmd.Wait(); close(c.done) }()
	t.Cleanup(func() {
		if !c.stopped {
			_ = c.proc.Kill()
			<-c.done
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(c.log.String(), "listening") {
		select {
		case <-c.done:
			t.Fatalf("tcpdump in %s exited: %s", n.Name, c.log.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("tcpdump in %s did not start: %s", n.Name, c.log.String())
		}
	}
	return c
}

// Stop lets tcpdump write what it has (300 ms), stops it with SIGINT and
// returns its closing report ("N packets captured ...").
func (c *Capture) Stop(t testing.TB) string {
	t.Helper()
	if !c.stopped {
		c.stopped = true
		time.Sleep(300 * time.Millisecond)
		_ = c.proc.Signal(os.Interrupt)
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			_ = c.proc.Kill()
			<-c.done
			t.Errorf("tcpdump in %s ignored SIGINT", c.ns.Name)
		}
		// Shown with the test's failures only: whether tcpdump or the
		// kernel's capture buffer dropped packets a check then misses.
		t.Logf("tcpdump in %s: %s", c.ns.Name, strings.Join(strings.Fields(c.log.String()), " "))
	}
	return strings.TrimSpace(c.log.String())
}

// WaitFor reads the pcap written so far (tcpdump -r -nn -v; tcpdump -U
// writes each packet as it takes it) until it shows every one of want, or
// d passes; it reports whether it did. Call it before Stop for packets the
// test must see: Stop's SIGINT loses what a starved tcpdump had not yet
// read from the kernel.
func (c *Capture) WaitFor(d time.Duration, want ...string) bool {
	for end := time.Now().Add(d); ; time.Sleep(100 * time.Millisecond) {
		out, _ := exec.Command("tcpdump", "-r", c.Path, "-nn", "-v").Output() // a record cut short ends the output, not the wait
		all := true
		for _, w := range want {
			if !strings.Contains(string(out), w) {
				all = false
				break
			}
		}
		if all {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

// Text decodes the pcap with tcpdump -r (-nn -vv -e unless args are
// given) and returns the text.
func (c *Capture) Text(t testing.TB, args ...string) string {
	t.Helper()
	if len(args) == 0 {
		args = []string{"-nn", "-vv", "-e"}
	}
	return Run(t, "tcpdump", append([]string{"-r", c.Path}, args...)...)
}

// TsharkClean is the Wireshark cross-check of a pcap: tshark must flag no
// frame as malformed and raise no expert error. It gates on Tshark, so
// call it in a subtest when the pcap was checked otherwise already.
func TsharkClean(t testing.TB, pcap string) {
	t.Helper()
	Require(t, Tshark)
	// Thrift's heuristic dissector claims random TCP payloads (the bulk
	// data of the transfer tests) and then calls them malformed: it judges
	// the test's data, not our frames, so it is off.
	out, err := exec.Command("tshark", "--disable-protocol", "thrift", "-r", pcap, "-Y", `_ws.malformed || _ws.expert.severity == "error"`).Output()
	if err != nil {
		t.Fatalf("tshark -r %s: %v", pcap, err)
	}
	if strings.TrimSpace(string(out)) != "" {
		t.Errorf("tshark flags frames of %s as malformed or erroneous:\n%s", filepath.Base(pcap), out)
	}
}

// Output collects a child process's output (its Stdout or Stderr) while
// the test reads it.
type Output struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Output) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *Output) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
