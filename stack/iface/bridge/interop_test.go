package bridge_test

import (
	"context"
	"encoding/json"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/bridge"
	"github.com/gopkt/gopkt/stack/iface/tap"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// TestInteropLinuxBridged: two Linux namespaces, each on a TAP device of
// ours, bridged by our bridge0 (which carries an address too). They ping
// each other and us, we ping them, a 100 MB TCP transfer crosses the
// bridge (iperf3), and our filtering database puts each namespace's MAC on
// the member whose TAP leads to it. Addresses in 198.18.0.0/15 only.
func TestInteropLinuxBridged(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping)
	pool := stacktest.NewPool(t, 2048)
	ip := ipv4.New(ipv4.Options{})
	s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{ip}, Cloners: []stack.Cloner{&bridge.Cloner{}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	br, err := (&bridge.Cloner{}).Add(s, "bridge0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddAddress(s.InterfaceByName("bridge0"), netip.MustParsePrefix("198.18.40.3/24")); err != nil {
		t.Fatal(err)
	}
	type side struct {
		ns   *hosttest.Namespace
		dev  string
		ifc  *stack.Interface
		addr string
		mac  wire.MAC
	}
	var sides []*side
	for i, tag := range []string{"bA", "bB"} {
		sd := &side{ns: hosttest.NewNamespace(t, tag), dev: hosttest.LinkName(tag), addr: "198.18.40." + string(rune('1'+i))}
		p, err := tap.Open(sd.dev, pool, tap.Options{})
		if err != nil {
			t.Fatal(err)
		}
		sd.ns.TakeLink(t, sd.dev, sd.addr+"/24")
		if sd.ifc, err = s.Attach("tap"+string(rune('0'+i)), p, stack.IfOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Detach(sd.ifc); _ = p.Close() })
		if _, err := br.AddMember(sd.ifc); err != nil {
			t.Fatal(err)
		}
		sd.mac = linkMAC(t, sd.ns, sd.dev)
		sides = append(sides, sd)
	}
	a, b := sides[0], sides[1]
	for _, c := range []struct {
		from *side
		to   string
	}{{a, b.addr}, {b, a.addr}, {a, "198.18.40.3"}, {b, "198.18.40.3"}} {
		for _, size := range []string{"56", "1472"} {
			out, err := c.from.ns.Output("ping", "-c", "3", "-i", "0.2", "-w", "20", "-s", size, c.to)
			if err != nil || !strings.Contains(out, " 0% packet loss") {
				t.Errorf("%s pings %s -s %s: %v\n%s", c.from.ns.Name, c.to, size, err, out)
				for _, m := range br.Members() {
					t.Logf("%s: %+v port %+v ifc %+v", m.Interface().Name(), m.Stats(), m.Interface().Port().Stats(), m.Interface().Counters())
				}
				t.Logf("bridge %+v fdb %v", br.Counters(), br.FDB())

				for _, sd := range sides {
					t.Logf("%s: %s", sd.ns.Name, sd.ns.IP(t, "-s", "link", "show", sd.dev))
				}
			}
		}
	}
	for _, sd := range sides {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if _, err := ip.Ping(ctx, netip.MustParseAddr(sd.addr), ipv4.PingOptions{Size: 1400}); err != nil {
			t.Errorf("bridge0 pings %s: %v", sd.addr, err)
		}
		cancel()
	}
	// Where each MAC lives: ours against Linux's own addresses.
	fdb := map[wire.MAC]string{}
	for _, e := range br.FDB() {
		fdb[e.MAC] = e.Member
	}
	for _, sd := range sides {
		if fdb[sd.mac] != sd.ifc.Name() {
			t.Errorf("fdb puts %s (%s) on %q, want %q; fdb %v", sd.mac, sd.ns.Name, fdb[sd.mac], sd.ifc.Name(), fdb)
		}
	}

	t.Run("TCP100MB", func(t *testing.T) {
		hosttest.Require(t, hosttest.Tool("iperf3", "iperf3"))
		srv := b.ns.Command("iperf3", "-s", "-1", "-B", b.addr, "-p", "40401")
		var srvOut hosttest.Output
		srv.Stdout, srv.Stderr = &srvOut, &srvOut
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
		var out string
		var err error
		for try := 0; try < 50; try++ { // until the server listens
			out, err = a.ns.Output("iperf3", "-c", b.addr, "-p", "40401", "-n", "100M", "-J", "--connect-timeout", "2000")
			if !strings.Contains(out, "Connection refused") {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("iperf3 client: %v\n%s\nserver: %s", err, out, srvOut.String())
		}
		var res struct {
			End struct {
				SumReceived struct {
					Bytes         float64 `json:"bytes"`
					BitsPerSecond float64 `json:"bits_per_second"`
				} `json:"sum_received"`
			} `json:"end"`
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("iperf3 JSON: %v\n%s", err, out)
		}
		if res.End.SumReceived.Bytes < 100e6 {
			t.Logf("client: %s\nserver: %s", out, srvOut.String())
			t.Errorf("received %.0f bytes, want 100 MB", res.End.SumReceived.Bytes)
		}
		t.Logf("100 MB TCP across our bridge: %.0f Mbit/s", res.End.SumReceived.BitsPerSecond/1e6)
		for _, m := range br.Members() {
			t.Logf("%s: %+v", m.Interface().Name(), m.Stats())
		}
	})
}

// linkMAC is dev's MAC inside ns, from ip -j link show.
func linkMAC(t *testing.T, ns *hosttest.Namespace, dev string) wire.MAC {
	t.Helper()
	var links []struct {
		Address string `json:"address"`
	}
	if err := json.Unmarshal([]byte(ns.IP(t, "-j", "link", "show", "dev", dev)), &links); err != nil || len(links) != 1 {
		t.Fatalf("ip -j link show %s: %v", dev, err)
	}
	ha, err := netParseMAC(links[0].Address)
	if err != nil {
		t.Fatal(err)
	}
	return ha
}

func netParseMAC(s string) (wire.MAC, error) {
	hw, err := net.ParseMAC(s)
	if err != nil {
		return wire.MAC{}, err
	}
	m, _ := wire.MACFrom(hw)
	return m, nil
}
