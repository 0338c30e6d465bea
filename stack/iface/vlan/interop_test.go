package vlan_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/tap"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// The interop tests put our stack on a TAP device whose Linux end lives in
// a namespace the test creates. Addresses are in 198.18.0.0/15 (RFC 2544)
// only.

// trunkHost is our stack with tap0 (198.18.20.2/24) and vlan5
// (198.18.21.2/24) and vlan7 (198.18.22.2/24) on it; the Linux end of the
// TAP is dev in ns with 198.18.20.1/24.
type trunkHost struct {
	*host
	ns  *hosttest.Namespace
	dev string
	tap *stack.Interface
}

func newTrunkHost(t *testing.T, tag string) *trunkHost {
	pool := stacktest.NewPool(t, 1024)
	h := newHost(t, pool, nil)
	ns := hosttest.NewNamespace(t, tag)
	dev := hosttest.LinkName(tag)
	p, err := tap.Open(dev, pool, tap.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ns.TakeLink(t, dev, "198.18.20.1/24")
	ifc, err := h.s.Attach("tap0", p, stack.IfOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.s.Detach(ifc); _ = p.Close() })
	addr(t, h.s, ifc, "198.18.20.2/24")
	h.add(t, "vlan5", ifc, 5, "198.18.21.2/24")
	h.add(t, "vlan7", ifc, 7, "198.18.22.2/24")
	return &trunkHost{host: h, ns: ns, dev: dev, tap: ifc}
}

func (th *trunkHost) pingBothWays(t *testing.T, net string) {
	t.Helper()
	out, err := th.ns.Output("ping", "-c", "3", "-i", "0.2", "-w", "20", "-s", "1400", "198.18."+net+".2")
	if err != nil || !strings.Contains(out, " 0% packet loss") {
		t.Errorf("Linux pings 198.18.%s.2: %v\n%s", net, err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if r, err := th.ip.Ping(ctx, netip.MustParseAddr("198.18."+net+".1"), ipv4.PingOptions{Size: 1400}); err != nil || r.Size != 1400 {
		t.Errorf("we ping 198.18.%s.1: %+v %v", net, r, err)
	}
}

// TestInteropLinuxVLAN: Linux vlan interfaces for VID 5 and 7 on the
// Linux end; both sides ping each other untagged and on each VLAN. It needs
// the kernel's 802.1Q support (8021q).
func TestInteropLinuxVLAN(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping, hosttest.LinkKindVLAN)
	th := newTrunkHost(t, "vl")
	for _, v := range []struct{ vid, net string }{{"5", "21"}, {"7", "22"}} {
		th.ns.IP(t, "link", "add", "link", th.dev, "name", "v"+v.vid, "type", "vlan", "id", v.vid)
		th.ns.IP(t, "addr", "add", "198.18."+v.net+".1/24", "dev", "v"+v.vid)
		th.ns.IP(t, "link", "set", "v"+v.vid, "up")
	}
	for _, net := range []string{"20", "21", "22"} {
		th.pingBothWays(t, net)
	}
}

// TestInteropVLANPacketSocket needs no 802.1Q in the kernel: the Linux
// stack answers untagged traffic on the TAP while vlans sit on our side of
// it, and a packet socket on the Linux end is the tagged peer (VID 5 and 7:
// ARP and ICMP echo) and sends priority-tagged echo requests (VID 0, PCP 3)
// in the Linux end's name, whose untagged replies the Linux stack counts.
func TestInteropVLANPacketSocket(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping)
	th := newTrunkHost(t, "vp")
	th.pingBothWays(t, "20")
	raw := openRawPeer(t, th.ns, th.dev)
	ours := th.tap.MAC()
	for i, c := range []struct {
		vid uint16
		net byte
	}{{5, 21}, {7, 22}} {
		peer := wire.MAC{2, 0, 0x5e, 0, byte(c.vid), 1}
		src, dst := [4]byte{198, 18, c.net, 1}, [4]byte{198, 18, c.net, 2}
		data := bytes.Repeat([]byte{byte(c.vid)}, 1000)
		id, seq := uint16(0x4700+c.vid), uint16(i+1)
		raw.send(t, ipFrame(peer, ours, true, 3<<13|c.vid, src, dst, 1, icmpEcho(8, id, seq, data)))
		deadline := time.Now().Add(10 * time.Second)
		got := false
		for !got {
			f, ok := raw.recv(deadline)
			if !ok {
				t.Fatalf("VID %d: no tagged echo reply from us (vlan counters %+v)", c.vid, th.s.InterfaceByName("vlan"+strconv.Itoa(int(c.vid))).Counters())
			}
			p, ok := parse(f)
			if !ok || !p.tagged || p.tci&0x0fff != c.vid {
				continue
			}
			switch p.et {
			case wire.EtherTypeARP:
				// Our vlan resolves the peer: answer, tagged like the request.
				if len(p.l3) >= 28 && binary.BigEndian.Uint16(p.l3[6:8]) == 1 && bytes.Equal(p.l3[24:28], src[:]) {
					raw.send(t, arpReply(peer, wire.MAC(f[6:12]), true, c.vid, src, dst))
				}
			case wire.EtherTypeIPv4:
				if len(p.l3) < 28 || p.l3[9] != 1 || p.l3[20] != 0 || binary.BigEndian.Uint16(p.l3[24:26]) != id {
					continue
				}
				if wire.MAC(f[0:6]) != peer || !bytes.Equal(p.l3[12:16], dst[:]) || !bytes.Equal(p.l3[28:], data) {
					t.Errorf("VID %d: echo reply to %v from %v with %d data bytes", c.vid, wire.MAC(f[0:6]), net.IP(p.l3[12:16]), len(p.l3)-28)
				}
				got = true
			}
		}
	}

	t.Run("PriorityTagged", func(t *testing.T) {
		linuxMAC := linkMAC(t, th.ns, th.dev)
		before := icmpInEchoReps(t, th.ns)
		echoes := th.ip.Stats().ICMPInEchos
		for seq := uint16(1); seq <= 3; seq++ {
			raw.send(t, ipFrame(linuxMAC, ours, true, 3<<13, [4]byte{198, 18, 20, 1}, [4]byte{198, 18, 20, 2}, 1, icmpEcho(8, 0x4700, seq, []byte("priority"))))
		}
		if !stacktest.Eventually(10*time.Second, func() bool { return icmpInEchoReps(t, th.ns) >= before+3 }) {
			t.Errorf("Linux received %d echo replies to 3 priority-tagged requests (we took %d requests; tap0 %+v)",
				icmpInEchoReps(t, th.ns)-before, th.ip.Stats().ICMPInEchos-echoes, th.tap.Counters())
		}
		if got := th.ip.Stats().ICMPInEchos - echoes; got != 3 {
			t.Errorf("we took %d priority-tagged echo requests, want 3", got)
		}
	})
}

// linkMAC is dev's MAC inside ns.
func linkMAC(t *testing.T, ns *hosttest.Namespace, dev string) wire.MAC {
	t.Helper()
	var m wire.MAC
	if err := ns.Do(func() error {
		ifi, err := net.InterfaceByName(dev)
		if err != nil {
			return err
		}
		copy(m[:], ifi.HardwareAddr)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return m
}

// icmpInEchoReps is the namespace's Icmp InEchoReps (/proc/net/snmp).
func icmpInEchoReps(t *testing.T, ns *hosttest.Namespace) uint64 {
	t.Helper()
	out := ns.Run(t, "cat", "/proc/net/snmp")
	var names, values []string
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "Icmp: ") {
			continue
		}
		if names == nil {
			names = strings.Fields(line)
		} else {
			values = strings.Fields(line)
			break
		}
	}
	for i, n := range names {
		if n == "InEchoReps" && i < len(values) {
			v, _ := strconv.ParseUint(values[i], 10, 64)
			return v
		}
	}
	t.Fatalf("no Icmp InEchoReps in /proc/net/snmp:\n%s", out)
	return 0
}
