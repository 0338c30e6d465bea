package tun_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/tun"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// TestInteropLinuxRoutesThroughTun: our tun0 (198.18.60.2/24) is a TUN
// device whose Linux end (198.18.60.1/24) lives in namespace A, which
// forwards to namespace B (198.18.62.2) over a veth. Linux in A and B
// ping us, we ping both, across Linux's routing. Destroying tun0 removes
// the Linux device. Addresses in 198.18.0.0/15 only.
func TestInteropLinuxRoutesThroughTun(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping)
	pool := stacktest.NewPool(t, 1024)
	ip := ipv4.New(ipv4.Options{})
	linuxPrefix := hosttest.LinkName("tn")
	s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{ip}, Cloners: []stack.Cloner{&tun.Cloner{Pool: pool, LinuxPrefix: linuxPrefix}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	v := hosttest.NewVeth(t, "tn", 62)
	ifc, err := s.Create("tun0")
	if err != nil {
		t.Fatal(err)
	}
	dev := linuxPrefix + "0"
	v.A.TakeLink(t, dev, "198.18.60.1/24")
	v.A.Run(t, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
	v.B.IP(t, "route", "add", "198.18.60.0/24", "via", v.AddrA)
	if err := s.AddAddress(ifc, netip.MustParsePrefix("198.18.60.2/24")); err != nil {
		t.Fatal(err)
	}
	if err := s.Routes().Add(route.Route{Prefix: netip.MustParsePrefix("198.18.62.0/24"), Gateway: netip.MustParseAddr("198.18.60.1"), IfIndex: ifc.Index()}); err != nil {
		t.Fatal(err)
	}
	for _, ns := range []*hosttest.Namespace{v.A, v.B} {
		for _, size := range []string{"56", "1400"} {
			out, err := ns.Output("ping", "-c", "3", "-i", "0.2", "-w", "20", "-s", size, "198.18.60.2")
			if err != nil || !strings.Contains(out, " 0% packet loss") {
				t.Errorf("%s pings us -s %s: %v\n%s", ns.Name, size, err, out)
			}
		}
	}
	for _, dst := range []string{"198.18.60.1", v.AddrB} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		r, err := ip.Ping(ctx, netip.MustParseAddr(dst), ipv4.PingOptions{Size: 1400})
		cancel()
		if err != nil || r.Size != 1400 {
			t.Errorf("we ping %s: %+v %v", dst, r, err)
		}
	}
	if st := ifc.Port().Stats(); st.RxErrors != 0 || st.TxErrors != 0 {
		t.Errorf("port errors: %+v", st)
	}
	if err := s.Destroy("tun0"); err != nil {
		t.Fatal(err)
	}
	if out, err := v.A.Output("ip", "link", "show", dev); err == nil {
		t.Errorf("Linux device %s still there after Destroy:\n%s", dev, out)
	}
}
