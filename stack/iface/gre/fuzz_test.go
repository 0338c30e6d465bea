package gre_test

import (
	"net/netip"
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/gre"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// FuzzGREInput hands arbitrary protocol-47 payloads from the tunnels'
// remote to the module, with two tunnels (key 42, and keyless) whose
// interfaces are down, so every inner packet is freed on delivery: the
// pool is full after each input and nothing panics.
func FuzzGREInput(f *testing.F) {
	f.Add([]byte{0x00, 0x00, 0x08, 0x00, 0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, 198, 18, 71, 2, 198, 18, 71, 1})
	f.Add([]byte{0x20, 0x00, 0x08, 0x00, 0, 0, 0, 42, 0x45})
	f.Add([]byte{0x20, 0x00, 0x08, 0x00, 0, 0, 0, 43})
	f.Add([]byte{0xb0, 0x00, 0x86, 0xdd, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 1, 0x60})
	f.Add([]byte{0x00, 0x01, 0x88, 0x0b})
	f.Add([]byte{0x40, 0x00, 0x08, 0x00})
	pool := stacktest.NewPool(f, 64)
	g := gre.New()
	ip := ipv4.New(ipv4.Options{Transports: []ipv4.Transport{g}})
	s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{ip}, Cloners: []stack.Cloner{g}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	pa, pb := link.Pair(link.Options{})
	f.Cleanup(func() { _ = pa.Close(); _ = pb.Close() })
	eth, _ := s.Attach("eth0", pa, stack.IfOptions{NoPoller: true})
	_ = s.AddAddress(eth, netip.MustParsePrefix("198.18.70.1/24"))
	local, remote := netip.MustParseAddr("198.18.70.1"), netip.MustParseAddr("198.18.70.2")
	for i, c := range []gre.Config{{Local: local, Remote: remote, Key: 42, HasKey: true}, {Local: local, Remote: remote}} {
		ifc, err := g.Add(s, "gre"+string(rune('0'+i)), c)
		if err != nil {
			f.Fatal(err)
		}
		ifc.SetFlags(0, stack.FlagUp)
	}
	bufs := make([]*mbuf.Buf, 8)
	pool.Free(bufs[:pb.RxBurst(bufs)]) // the gratuitous ARP of eth0's address
	f.Fuzz(func(t *testing.T, payload []byte) {
		if n := pool.InUse(); n != 0 {
			t.Fatalf("%d mbufs in use before the input", n)
		}
		payload = payload[:min(len(payload), 1400)]
		b, err := ip.NewPacket(0, payload)
		if err != nil {
			t.Fatal(err)
		}
		if !g.Input(b, ipv4.Meta{Src: remote.As4(), Dst: local.As4(), IfIndex: eth.Index(), TTL: 64}) {
			bufs[0] = b
			pool.Free(bufs[:1]) // IPv4 keeps what no tunnel took
		}
		if n := pool.InUse(); n != 0 {
			t.Fatalf("%d mbufs in use after the input", n)
		}
	})
}
