package netns

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Pair is two namespaces A and B with veth ends IfA (AddrA) and IfB (AddrB).
type Pair struct {
	A, B         string // namespace names (ip netns)
	IfA, IfB     string
	AddrA, AddrB string // IPv4 addresses without prefix length
}

// New creates the pair (subnet 198.18.<third>.0/24) and removes it when
// the test ends. It skips the test when not root or when ip is missing.
func New(t testing.TB, third int) *Pair {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces (run as root; CI does)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs iproute2's ip (Debian package iproute2)")
	}
	id := os.Getpid() % 100000
	p := &Pair{
		A: fmt.Sprintf("pkdA%d", id), B: fmt.Sprintf("pkdB%d", id),
		IfA: fmt.Sprintf("pkdva%d", id), IfB: fmt.Sprintf("pkdvb%d", id),
		AddrA: fmt.Sprintf("198.18.%d.1", third), AddrB: fmt.Sprintf("198.18.%d.2", third),
	}
	t.Cleanup(func() {
		exec.Command("ip", "netns", "del", p.A).Run()
		exec.Command("ip", "netns", "del", p.B).Run()
	})
	for _, args := range [][]string{
		{"netns", "add", p.A},
		{"netns", "add", p.B},
		{"link", "add", p.IfA, "netns", p.A, "type", "veth", "peer", "name", p.IfB, "netns", p.B},
		{"-n", p.A, "addr", "add", p.AddrA + "/24", "dev", p.IfA},
		{"-n", p.B, "addr", "add", p.AddrB + "/24", "dev", p.IfB},
		{"-n", p.A, "link", "set", p.IfA, "up"},
		{"-n", p.B, "link", "set", p.IfB, "up"},
		{"-n", p.A, "link", "set", "lo", "up"},
		{"-n", p.B, "link", "set", "lo", "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	return p
}

// Exec runs a command inside namespace ns and returns its combined output.
func Exec(ns string, name string, args ...string) ([]byte, error) {
	return exec.Command("ip", append([]string{"netns", "exec", ns, name}, args...)...).CombinedOutput()
}

// Do runs fn on an OS thread switched into namespace ns. Sockets fn
// creates stay in ns after Do returns (a socket belongs to the namespace
// it was created in), which is how a test opens a capture or a UDP socket
// inside a namespace from the test process.
func Do(ns string, fn func() error) error {
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer orig.Close()
	target, err := os.Open("/var/run/netns/" + ns)
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("setns %s: %w", ns, err)
	}
	ferr := fn()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		// Leave the thread locked: the runtime discards it when the
		// goroutine exits, so no other goroutine runs in the wrong namespace.
		return fmt.Errorf("setns back: %w", err)
	}
	runtime.UnlockOSThread()
	return ferr
}
