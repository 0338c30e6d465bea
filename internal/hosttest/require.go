package hosttest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// StrictEnv is the environment variable that turns a missing environment
// from a skip into a failure (CI sets it to 1).
const StrictEnv = "GOPKT_VM_REQUIRE"

// Strict reports whether GOPKT_VM_REQUIRE=1: a test that cannot run here
// must fail, not skip.
func Strict() bool { return os.Getenv(StrictEnv) == "1" }

// A Need is one thing a test needs from the host. Its check returns nil
// when the need is met, or an error that says what is missing and how to
// fix it.
type Need struct {
	name  string
	check func() error
	argv  func() []string // for tools: the command line that runs it
	// kernel: a feature of the running kernel (a module it lacks) that
	// no setup script can add; missing, it skips even under
	// GOPKT_VM_REQUIRE=1 (KernelLacks).
	kernel bool
}

// String returns the need's name ("root", "tcpdump", ...).
func (n Need) String() string { return n.name }

// Err is nil when the need is met here, else the reason it is not.
func (n Need) Err() error { return n.check() }

// Argv returns the command line prefix that runs a tool need ([path] for
// a program, [busybox-path, applet] for a busybox applet without its own
// link), or nil when the tool is missing or the need is not a tool.
func (n Need) Argv() []string {
	if n.argv == nil {
		return nil
	}
	return n.argv()
}

// Root is effective UID 0: namespaces, TAP devices, raw sockets.
var Root = Need{name: "root", check: func() error {
	if os.Geteuid() != 0 {
		return errors.New("needs root (network namespaces, TAP devices, raw sockets): run the tests as root; CI does")
	}
	return nil
}}

// TUN is the kernel's TUN/TAP driver (/dev/net/tun).
var TUN = Need{name: "/dev/net/tun", check: func() error {
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		return fmt.Errorf("no /dev/net/tun (%v): modprobe tun", err)
	}
	return nil
}}

// Tool needs the program name on PATH; pkg is the Debian package that
// installs it (scripts/setup.sh installs them all).
func Tool(name, pkg string) Need {
	return Need{
		name: name,
		check: func() error {
			if _, err := exec.LookPath(name); err != nil {
				return fmt.Errorf("%s not installed (Debian package %s; scripts/setup.sh installs it)", name, pkg)
			}
			return nil
		},
		argv: func() []string {
			p, err := exec.LookPath(name)
			if err != nil {
				return nil
			}
			return []string{p}
		},
	}
}

// Applet needs a busybox applet: its own program (pkg ships it, e.g. Debian
// udhcpd) or the applet inside busybox.
func Applet(name, pkg string) Need {
	argv := func() []string {
		if p, err := exec.LookPath(name); err == nil {
			return []string{p}
		}
		p, err := exec.LookPath("busybox")
		if err != nil {
			return nil
		}
		out, _ := exec.Command(p, "--list").Output()
		for _, a := range strings.Fields(string(out)) {
			if a == name {
				return []string{p, name}
			}
		}
		return nil
	}
	return Need{
		name: name,
		check: func() error {
			if argv() == nil {
				return fmt.Errorf("busybox %s not installed (Debian package %s or busybox; scripts/setup.sh installs them)", name, pkg)
			}
			return nil
		},
		argv: argv,
	}
}

// The reference tools gopkt's interop tests use.
var (
	IP         = Tool("ip", "iproute2")
	Ping       = Tool("ping", "iputils-ping")
	Arping     = Tool("arping", "iputils-arping")
	Ethtool    = Tool("ethtool", "ethtool")
	Tcpdump    = Tool("tcpdump", "tcpdump")
	Tshark     = Tool("tshark", "tshark")
	Lspci      = Tool("lspci", "pciutils")
	Udhcpd     = Applet("udhcpd", "udhcpd")
	Udhcpc     = Applet("udhcpc", "busybox")
	Dumpleases = Applet("dumpleases", "udhcpd")
)

// Require checks every need; when any is missing it skips the test with
// all the reasons, or fails it under GOPKT_VM_REQUIRE=1. Call it before the
// test builds anything.
func Require(t testing.TB, needs ...Need) {
	t.Helper()
	var missing, kernel []string
	for _, n := range needs {
		if err := n.Err(); err != nil {
			if n.kernel {
				kernel = append(kernel, err.Error())
			} else {
				missing = append(missing, err.Error())
			}
		}
	}
	if len(missing) > 0 {
		Unavailable(t, "%s", strings.Join(append(missing, kernel...), "; "))
	}
	if len(kernel) > 0 {
		KernelLacks(t, "%s", strings.Join(kernel, "; "))
	}
}

// KernelLacks skips the test because the running kernel lacks a feature
// (a module such as 8021q or sch_netem that this kernel does not have):
// setup cannot install it, so this skips even under GOPKT_VM_REQUIRE=1,
// saying so. It does not return.
func KernelLacks(t testing.TB, format string, args ...any) {
	t.Helper()
	t.Skipf("hosttest: %s (the running kernel lacks it and setup cannot add kernel modules, so this skips even under %s=1)", fmt.Sprintf(format, args...), StrictEnv)
}

// Unavailable is Require's verdict for a condition the test detected
// itself ("no PCI bus in sysfs"): it skips the test with the reason, or
// fails it under GOPKT_VM_REQUIRE=1. It does not return.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Strict() {
		t.Fatalf("hosttest: %s (%s=1: the environment must be complete, so this is a failure)", msg, StrictEnv)
	}
	t.Skipf("hosttest: %s", msg)
}
