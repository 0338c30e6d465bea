package gre_test

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/iface/gre"
	"github.com/gopkt/gopkt/stack/iface/internal/tunnel/tunneltest"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

type pair = tunneltest.Pair[*gre.Module, gre.Config]

func newPair(t *testing.T) *pair { return tunneltest.NewPair[*gre.Module, gre.Config](t, gre.New) }

var (
	addrA = tunneltest.AddrA
	addrB = tunneltest.AddrB
	ping  = tunneltest.Ping
)

func TestGREPingWithKey(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  gre.Config
		hdr  []byte // GRE header expected on the wire (sequence number zeroed)
	}{
		{"plain", gre.Config{}, []byte{0x00, 0x00, 0x08, 0x00}},
		{"key", gre.Config{Key: 42, HasKey: true}, []byte{0x20, 0x00, 0x08, 0x00, 0, 0, 0, 42}},
		{"key-seq-csum", gre.Config{Key: 7, HasKey: true, Seq: true, Checksum: true}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			pr := newPair(t)
			ca, cb := c.cfg, c.cfg
			ca.Local, ca.Remote = addrA, addrB
			cb.Local, cb.Remote = addrB, addrA
			ga := pr.A.Tunnel(t, "gre0", ca, "198.18.71.1/30")
			gb := pr.B.Tunnel(t, "gre0", cb, "198.18.71.2/30")
			if ga.MTU() != 1500-20-(4+map[bool]int{false: 0, true: 4}[c.cfg.HasKey]+map[bool]int{false: 0, true: 4}[c.cfg.Seq]+map[bool]int{false: 0, true: 4}[c.cfg.Checksum]) {
				t.Errorf("tunnel MTU %d", ga.MTU())
			}
			for _, size := range []int{56, 1400, 3000} { // 3000: fragmented inside the tunnel
				if err := ping(pr.A.IP, "198.18.71.2", size, 5*time.Second); err != nil {
					t.Errorf("ping -s %d through the tunnel: %v", size, err)
				}
			}
			if err := ping(pr.B.IP, "198.18.71.1", 56, 5*time.Second); err != nil {
				t.Errorf("ping back: %v", err)
			}
			sa, _ := gre.Tunnel(ga)
			sb, _ := gre.Tunnel(gb)
			if sa.TxPackets == 0 || sa.RxPackets == 0 || sb.RxErrors != 0 || sa.TxLoops != 0 {
				t.Errorf("tunnel counters a %+v b %+v", sa, sb)
			}
			// On the wire: outer IPv4 with protocol 47, the GRE header, then
			// the inner IPv4 packet.
			n := 0
			for _, f := range pr.Frames() {
				e := wire.Ethernet(f)
				if e.Type() != wire.EtherTypeIPv4 {
					continue
				}
				ip := wire.IPv4(e.Payload())
				if ip.Protocol() != wire.IPProtocolGRE {
					continue
				}
				n++
				g, err := wire.NewGRE(e.Payload()[ip.HeaderLen():])
				if err != nil {
					t.Fatalf("GRE on the wire: %v", err)
				}
				if c.hdr != nil && !bytes.Equal(g[:g.HeaderLen()], c.hdr) {
					t.Errorf("GRE header % x, want % x", g[:g.HeaderLen()], c.hdr)
				}
				if !g.ChecksumValid() {
					t.Error("GRE checksum does not verify")
				}
				if inner := g.Payload(); len(inner) < 20 || inner[0]>>4 != 4 {
					t.Errorf("inner packet % x", inner[:min(len(inner), 20)])
				}
			}
			if n < 8 {
				t.Errorf("%d GRE packets on the wire", n)
			}
		})
	}
}

func TestKeyMismatchMalformedAndLoop(t *testing.T) {
	pr := newPair(t)
	pr.A.Tunnel(t, "gre0", gre.Config{Local: addrA, Remote: addrB, Key: 1, HasKey: true}, "198.18.71.1/30")
	pr.B.Tunnel(t, "gre0", gre.Config{Local: addrB, Remote: addrA, Key: 2, HasKey: true}, "198.18.71.2/30")
	if err := ping(pr.A.IP, "198.18.71.2", 56, 300*time.Millisecond); err == nil {
		t.Error("ping across mismatched keys")
	}
	if st := pr.B.M.Stats(); st.NoTunnel == 0 {
		t.Errorf("packets with the wrong key not counted: %+v", st)
	}
	// Malformed GRE (version 1) from A's address to B.
	before := pr.B.M.Stats().Malformed
	raw := append([]byte{0x00, 0x01, 0x88, 0x0b}, make([]byte, 20)...)
	pkt, err := pr.A.IP.NewPacket(0, raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := pr.A.IP.Output(pkt, ipv4.Header{Dst: addrB.As4(), Protocol: wire.IPProtocolGRE}); err != nil {
		t.Fatal(err)
	}
	if !stacktest.Eventually(2*time.Second, func() bool { return pr.B.M.Stats().Malformed > before }) {
		t.Error("malformed GRE not counted")
	}
	// A tunnel whose remote is routed into itself: every frame is counted
	// and dropped, nothing recurses or hangs.
	loop := pr.A.Tunnel(t, "gre1", gre.Config{Local: addrA, Remote: netip.MustParseAddr("198.18.72.9")}, "198.18.73.1/30")
	if err := pr.A.S.Routes().Add(route.Route{Prefix: netip.MustParsePrefix("198.18.72.9/32"), IfIndex: loop.Index()}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ping(pr.A.IP, "198.18.73.2", 56, 500*time.Millisecond) }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("ping through a looped tunnel succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ping through a looped tunnel hangs")
	}
	if st, _ := gre.Tunnel(loop); st.TxLoops == 0 {
		t.Errorf("loop not counted: %+v", st)
	}
	// Destroy at runtime; the other tunnel is untouched.
	if err := pr.A.S.Destroy("gre1"); err != nil {
		t.Fatal(err)
	}
}
