package tunneltest

import (
	"net/netip"
	"strconv"
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// FuzzInput hands arbitrary payloads from AddrB to AddrA to m's Input,
// with the tunnels cfgs(AddrA, AddrB) makes, whose interfaces are down, so
// every inner packet is freed on delivery: the pool is full after each
// input and nothing panics. The seeds are f's.
func FuzzInput[M Module[C], C any](f *testing.F, m M, cfgs func(local, remote netip.Addr) []C) {
	pool := stacktest.NewPool(f, 64)
	ip := ipv4.New(ipv4.Options{Transports: []ipv4.Transport{m}})
	s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{ip}, Cloners: []stack.Cloner{m}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	pa, pb := link.Pair(link.Options{})
	f.Cleanup(func() { _ = pa.Close(); _ = pb.Close() })
	eth, _ := s.Attach("eth0", pa, stack.IfOptions{NoPoller: true})
	_ = s.AddAddress(eth, netip.PrefixFrom(AddrA, 24))
	for i, c := range cfgs(AddrA, AddrB) {
		ifc, err := m.Add(s, m.Prefix()+strconv.Itoa(i), c)
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
		if !m.Input(b, ipv4.Meta{Src: AddrB.As4(), Dst: AddrA.As4(), IfIndex: eth.Index(), TTL: 64}) {
			bufs[0] = b
			pool.Free(bufs[:1]) // IPv4 keeps what no tunnel took
		}
		if n := pool.InUse(); n != 0 {
			t.Fatalf("%d mbufs in use after the input", n)
		}
	})
}
