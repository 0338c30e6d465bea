package hosttest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// Run runs a command on the host (not in a namespace) and returns its
// combined output; a failure fails the test with the output.
func Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// LinkName returns an interface name for tag that no other test process
// uses: "gpk", the process ID modulo 100000, and tag (keep tag within 7
// characters: Linux allows 15).
func LinkName(tag string) string {
	return fmt.Sprintf("gpk%d%s", os.Getpid()%100000, tag)
}

// Namespace is a network namespace a test created (ip netns add); Name is
// what ip netns and /var/run/netns call it.
type Namespace struct {
	Name string
}

// NewNamespace creates the namespace gopkt-PID-tag with its loopback up and
// deletes it at the test's cleanup, with everything inside it. It gates on
// Root and IP first.
func NewNamespace(t testing.TB, tag string) *Namespace {
	t.Helper()
	Require(t, Root, IP)
	sweepOnce.Do(sweepStale)
	if err := fenced(); err != nil {
		t.Fatal(err)
	}
	n := &Namespace{Name: fmt.Sprintf("gopkt-%d-%s", os.Getpid(), tag)}
	Run(t, "ip", "netns", "add", n.Name)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", n.Name).Run() })
	n.IP(t, "link", "set", "lo", "up")
	return n
}

// Command returns cmd name args... to run inside the namespace (through
// ip netns exec, which also gives it the namespace's /etc/netns files).
func (n *Namespace) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
}

// Output runs a command inside the namespace and returns its combined
// output and error, for commands whose failure the test judges itself.
func (n *Namespace) Output(name string, args ...string) (string, error) {
	out, err := n.Command(name, args...).CombinedOutput()
	return string(out), err
}

// Run runs a command inside the namespace; a failure fails the test.
func (n *Namespace) Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := n.Output(name, args...)
	if err != nil {
		t.Fatalf("in %s: %s %s: %v\n%s", n.Name, name, strings.Join(args, " "), err, out)
	}
	return out
}

// IP runs "ip -n NAME args..."; a failure fails the test.
func (n *Namespace) IP(t testing.TB, args ...string) string {
	t.Helper()
	return Run(t, "ip", append([]string{"-n", n.Name}, args...)...)
}

// TakeLink moves the host's link dev (the Linux end of a TAP device the
// test opened, say) into the namespace, adds the addresses (CIDR) and sets
// it up.
func (n *Namespace) TakeLink(t testing.TB, dev string, addrs ...string) {
	t.Helper()
	Run(t, "ip", "link", "set", dev, "netns", n.Name)
	for _, a := range addrs {
		n.IP(t, "addr", "add", a, "dev", dev)
	}
	n.IP(t, "link", "set", dev, "up")
}

// Do runs fn on an OS thread switched into the namespace. Sockets fn
// creates stay in the namespace after Do returns (a socket belongs to the
// namespace it was created in): that is how the test process opens a
// capture or a UDP socket inside a namespace. Only that thread switches:
// a goroutine fn starts (net/http's dial goroutine, say) runs in the
// host's namespace, where the test ranges are fenced off (fence.go), so
// dial on fn's own goroutine.
func (n *Namespace) Do(fn func() error) error {
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer orig.Close()
	target, err := os.Open("/var/run/netns/" + n.Name)
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("setns %s: %w", n.Name, err)
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

// Veth is two namespaces A and B joined by a veth pair: IfA (address
// AddrA) in A, IfB (AddrB) in B, both up.
type Veth struct {
	A, B         *Namespace
	IfA, IfB     string
	AddrA, AddrB string // IPv4 addresses without the prefix length
}

// NewVeth builds the pair on subnet 198.18.third.0/24 (.1 in A, .2 in B);
// tag names the namespaces (gopkt-PID-tagA, -tagB) and the links.
func NewVeth(t testing.TB, tag string, third int) *Veth {
	t.Helper()
	v := &Veth{
		A: NewNamespace(t, tag+"A"), B: NewNamespace(t, tag+"B"),
		IfA: LinkName(tag + "a"), IfB: LinkName(tag + "b"),
		AddrA: fmt.Sprintf("198.18.%d.1", third), AddrB: fmt.Sprintf("198.18.%d.2", third),
	}
	Run(t, "ip", "link", "add", v.IfA, "netns", v.A.Name, "type", "veth", "peer", "name", v.IfB, "netns", v.B.Name)
	v.A.IP(t, "addr", "add", v.AddrA+"/24", "dev", v.IfA)
	v.B.IP(t, "addr", "add", v.AddrB+"/24", "dev", v.IfB)
	v.A.IP(t, "link", "set", v.IfA, "up")
	v.B.IP(t, "link", "set", v.IfB, "up")
	return v
}

var sweepOnce sync.Once

// sweepStale deletes the namespaces of test processes that no longer exist
// (gopkt-PID-tag with no process PID): a test killed before its cleanup
// (a timeout, a SIGKILL) leaves its namespace, veth peers and daemons'
// TAPs behind, and a later process with the same PID modulo 100000 would
// meet its link names.
func sweepStale() {
	names, _ := filepath.Glob("/var/run/netns/gopkt-*")
	for _, p := range names {
		name := filepath.Base(p)
		f := strings.SplitN(name, "-", 3)
		if len(f) < 3 {
			continue
		}
		pid, err := strconv.Atoi(f[1])
		if err != nil || pid == os.Getpid() {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); os.IsNotExist(err) {
			_ = exec.Command("ip", "netns", "del", name).Run()
		}
	}
}
