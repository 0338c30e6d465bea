package hosttest

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

const gateEnv = "GOPKT_HOSTTEST_GATE"

// TestGate is the subject of TestRequireSkipsOrFails, run in a child.
func TestGate(t *testing.T) {
	if os.Getenv(gateEnv) == "" {
		t.Skip("run by TestRequireSkipsOrFails")
	}
	Require(t, Tool("gopkt-no-such-tool", "gopkt-none"))
	t.Log("gate passed")
}

// TestRequireSkipsOrFails: a missing tool skips the test with its reason,
// and fails it under GOPKT_VM_REQUIRE=1.
func TestRequireSkipsOrFails(t *testing.T) {
	for _, strict := range []string{"", "1"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestGate$", "-test.v")
		cmd.Env = append(os.Environ(), gateEnv+"=1", StrictEnv+"="+strict)
		out, err := cmd.CombinedOutput()
		s := string(out)
		if !strings.Contains(s, "gopkt-no-such-tool not installed (Debian package gopkt-none") || strings.Contains(s, "gate passed") {
			t.Errorf("%s=%q: reason missing or gate passed:\n%s", StrictEnv, strict, s)
		}
		if strict == "1" && (err == nil || !strings.Contains(s, "--- FAIL: TestGate")) {
			t.Errorf("%s=1: want a failure, got %v:\n%s", StrictEnv, err, s)
		}
		if strict == "" && (err != nil || !strings.Contains(s, "--- SKIP: TestGate")) {
			t.Errorf("%s unset: want a skip, got %v:\n%s", StrictEnv, err, s)
		}
	}
}

func TestNeeds(t *testing.T) {
	if err := Tool("sh", "dash").Err(); err != nil {
		t.Errorf("sh: %v", err)
	}
	if a := Tool("sh", "dash").Argv(); len(a) != 1 || !strings.HasSuffix(a[0], "/sh") {
		t.Errorf("sh argv %q", a)
	}
	if a := Applet("gopkt-no-such-applet", "x").Argv(); a != nil {
		t.Errorf("missing applet argv %q", a)
	}
	if Root.Argv() != nil || Root.String() != "root" {
		t.Error("Root is not a tool")
	}
	if n := LinkName("abcdefg"); len(n) > 15 {
		t.Errorf("LinkName %q longer than IFNAMSIZ-1", n)
	}
}

// TestNamespaceAndVeth builds a veth pair, pings across it, runs code in
// a namespace, and checks the namespaces are gone after the subtest.
func TestNamespaceAndVeth(t *testing.T) {
	Require(t, Root, IP, Ping)
	var names []string
	t.Run("veth", func(t *testing.T) {
		v := NewVeth(t, "ht", 90)
		names = []string{v.A.Name, v.B.Name}
		out, err := v.A.Output("ping", "-c", "1", "-W", "2", v.AddrB)
		if err != nil {
			t.Fatalf("ping across the veth pair: %v\n%s", err, out)
		}
		var dev string
		if err := v.B.Do(func() error {
			b, err := os.ReadFile("/proc/thread-self/net/dev")
			dev = string(b)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(dev, v.IfB+":") || strings.Contains(dev, v.IfA+":") {
			t.Errorf("Do did not run inside %s:\n%s", v.B.Name, dev)
		}
	})
	for _, ns := range names {
		if _, err := os.Stat("/var/run/netns/" + ns); err == nil {
			t.Errorf("namespace %s survived its test", ns)
		}
	}
}

// TestFence: once a test namespace exists, the host's own namespace cannot
// reach the test ranges: a socket there gets EHOSTUNREACH instead of the
// host's default route.
func TestFence(t *testing.T) {
	NewNamespace(t, "fence")
	for _, dst := range []string{"198.18.255.254:9", "198.19.0.1:9", "[2001:db8::9]:9"} {
		if strings.HasPrefix(dst, "[") && !hostIPv6() {
			continue
		}
		c, err := net.Dial("udp", dst)
		if err == nil {
			_, err = c.Write([]byte("x"))
			c.Close()
		}
		if !errors.Is(err, syscall.EHOSTUNREACH) {
			t.Errorf("dial %s from the host's namespace: %v, want EHOSTUNREACH (the fence route is missing)", dst, err)
		}
	}
}
