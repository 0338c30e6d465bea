package pf_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gopkt/gopkt/stack/pf"
	"github.com/gopkt/gopkt/stack/pfil"
)

// FuzzNAT drives the hook with nat and rdr rules on tap1 (index 3) with
// arbitrary packets, in and out: nothing panics, whatever is truncated or
// malformed is left alone, and a translated packet still parses.
func FuzzNAT(f *testing.F) {
	f.Add(pkt{proto: udp, src: "198.18.92.1", dst: "198.18.93.1", sport: 5000, dport: 7}.bytes(), true)
	f.Add(pkt{proto: tcp, src: "198.18.93.1", dst: "198.18.93.2", sport: 4000, dport: 8080, flags: 2}.bytes(), false)
	f.Add(pkt{proto: icmp, src: "198.18.92.1", dst: "198.18.93.1", icmpType: 8}.bytes(), true)
	f.Add(pkt{proto: tcp, src: "198.18.92.1", dst: "198.18.93.1", sport: 1, dport: 2}.bytes()[:34], true)
	r := rand.New(rand.NewPCG(1, 1))
	about := datagram(r, udp, "198.18.93.2", "198.18.94.2", 50001, 33434, 16)
	f.Add(icmpError(11, 0, "198.18.93.1", "198.18.93.2", about, 1000), false) // an error about a translation (once made)
	f.Add(icmpError(3, 4, "198.18.93.1", "198.18.93.2", about, 28), false)
	frag := datagram(r, udp, "198.18.92.1", "198.18.94.2", 5000, 7, 64)
	frag[6] = 0x20 // MF: a first fragment
	f.Add(frag, true)
	frag = append([]byte(nil), frag...)
	frag[6], frag[7] = 0, 6 // a later one (offset 48)
	f.Add(frag, true)
	s := newStack(f)
	flt := pf.New(s, pf.Options{MaxStates: 64})
	if err := flt.Load("nat on tap1 from 198.18.92.0/24 to any -> 198.18.93.2\nrdr on tap1 proto tcp to 198.18.93.2 port 8080 -> 198.18.92.1 port 80\nrdr on tap1 proto udp to any -> 198.18.92.1"); err != nil {
		f.Fatal(err)
	}
	hook := flt.Hook()
	pool := s.Pool()
	f.Fuzz(func(t *testing.T, data []byte, out bool) {
		b, err := pool.Get()
		if err != nil {
			t.Fatal(err)
		}
		defer b.Free()
		d, err := b.Append(min(len(data), 1500))
		if err != nil {
			t.Fatal(err)
		}
		copy(d, data)
		dir := pfil.In
		if out {
			dir = pfil.Out
		}
		_ = hook(dir, 3, b)
	})
}
