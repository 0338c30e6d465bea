package pf_test

import (
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
