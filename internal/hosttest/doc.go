// Package hosttest is the host interop test lane: tests that need something
// of the machine they run on — root, /dev/net/tun, a network namespace, a
// reference tool such as tcpdump, tshark, busybox udhcpd or lspci — gate on
// it here and build their namespaces, veth pairs and TAP plumbing here.
//
// # Where to start
//
// A test names what it needs, then builds its network:
//
//	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.Ping, hosttest.Tcpdump)
//	ns := hosttest.NewNamespace(t, "a")             // gopkt-PID-a, lo up, deleted at cleanup
//	dev := hosttest.LinkName("a")                    // a TAP name unique to this process
//	p, _ := tap.Open(dev, pool, tap.Options{})       // our end
//	ns.TakeLink(t, dev, "198.18.0.1/24")             // Linux's end: moved into ns, addressed, up
//	capture := ns.Capture(t, dev, "")                // tcpdump -w inside ns
//	out, err := ns.Output("ping", "-c", "3", "198.18.0.2")
//	capture.Stop(t)
//	text := capture.Text(t)                          // tcpdump -r -nn -vv -e
//	t.Run("tshark", func(t *testing.T) { hosttest.TsharkClean(t, capture.Path) })
//
// NewVeth builds two namespaces joined by a veth pair with addresses, for
// tests whose two peers are both Linux. Namespace.Do runs a function on a
// thread inside a namespace, so the test process itself can open sockets
// there. The flood subpackage is the hostile network: Linux-side floods
// and a pinger, run as helper processes inside a namespace.
//
// # The fence
//
// The first namespace a test process creates also fences the test ranges
// off in the host's own namespace (fence.go): unreachable routes for
// 198.18.0.0/15 and 2001:db8::/32, so that traffic a test meant for its
// namespaces but sent from the host's (a goroutine started inside
// Namespace.Do runs there) fails with "no route to host" instead of
// leaving the machine by the default route. The routes stay after the
// tests; they are less specific than any route a test or the host sets up.
//
// # Skip or fail
//
// Require skips the test with the reason (and the Debian package that fixes
// it) when the environment is missing: not root, no /dev/net/tun, a tool not
// installed. With GOPKT_VM_REQUIRE=1 in the environment — CI as root;
// scripts/test.sh sets it — the same condition fails the test instead, so a
// broken CI machine cannot pass by skipping. Unavailable is the same gate for
// conditions a test detects itself. The VM lane (internal/vmtest) reads the
// same variable through Strict. A cross-check with a second reference tool
// that follows the main checks goes in a subtest that calls Require, so the
// main checks still count when only that tool is missing.
//
// # What it does not do
//
// Apart from the flood subpackage, it sends no traffic of its own and
// creates nothing outside the namespaces a test asks for: the only
// host-side objects are TAP devices the test opened, moved into a namespace by TakeLink. Addresses are the test's
// choice; gopkt's tests use 198.18.0.0/15 (RFC 2544) only. It does not run
// QEMU (internal/vmtest does).
//
// # Ownership
//
// Every namespace, veth pair and capture is tied to the testing.TB that made
// it and removed by its Cleanup (deleting a namespace deletes the veth and
// TAP ends inside it). Names carry the process ID, so packages tested in
// parallel do not collide. Only tests import this package.
package hosttest
