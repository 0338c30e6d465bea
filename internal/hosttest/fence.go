package hosttest

import (
	"os"
	"os/exec"
	"strings"
	"sync"
)

// Fences are the routes fence adds to the host's own (initial) network
// namespace: the ranges tests use inside their namespaces and guests, made
// unreachable outside them. Linux answers a socket that would send there
// with EHOSTUNREACH ("no route to host") instead of taking the host's
// default route.
//
// fd00::/8 is deliberately not fenced: a host may use unique local
// addresses through its default router (this project's machines do), and
// an unreachable fd00::/8 would cut them off. Host tests use 2001:db8::/32.
var fences = [][]string{
	{"-4", "route", "add", "unreachable", "198.18.0.0/15"},
	{"-6", "route", "add", "unreachable", "2001:db8::/32"},
}

// fenced runs fence once per process and keeps its result.
var fenced = sync.OnceValue(fence)

// fence makes the test ranges unreachable from the host's namespace, so
// that a goroutine that left a test namespace by mistake (net/http's dial
// goroutine started inside Namespace.Do, say) gets an error instead of
// sending test traffic out of the machine: Do switches only its own OS
// thread. The routes are less specific than anything a test configures,
// so they change nothing for a test's own links, and they stay after the
// test (another test process may be running): "ip route del unreachable
// 198.18.0.0/15" and "ip -6 route del unreachable 2001:db8::/32" remove
// them. A route already there (a host that uses these ranges itself) is
// left as it is.
func fence() error {
	for _, f := range fences {
		if f[0] == "-6" && !hostIPv6() {
			continue
		}
		out, err := exec.Command("ip", f...).CombinedOutput()
		if err != nil && !strings.Contains(string(out), "File exists") {
			return &fenceError{args: f, out: strings.TrimSpace(string(out)), err: err}
		}
	}
	return nil
}

// hostIPv6 reports whether the host's namespace has IPv6 at all.
func hostIPv6() bool {
	_, err := os.Stat("/proc/net/if_inet6")
	return err == nil
}

type fenceError struct {
	args []string
	out  string
	err  error
}

func (e *fenceError) Error() string {
	return "ip " + strings.Join(e.args, " ") + ": " + e.err.Error() + ": " + e.out +
		" (the host's namespace needs this route so that test traffic cannot leave the machine)"
}

func (e *fenceError) Unwrap() error { return e.err }
