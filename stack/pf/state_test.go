package pf_test

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/pf"
)

// flowPackets builds n UDP datagrams from 198.18.0.9 to 198.18.0.2:7, one
// per source port from 10000 up (n distinct flows), and their replies.
func flowPackets(n int) (req, rep [][]byte) {
	for i := range n {
		sp := uint16(10000 + i)
		req = append(req, pkt{proto: udp, src: "198.18.0.9", dst: "198.18.0.2", sport: sp, dport: 7}.bytes())
		rep = append(rep, pkt{proto: udp, src: "198.18.0.2", dst: "198.18.0.9", sport: 7, dport: sp}.bytes())
	}
	return req, rep
}

// TestStateTableBound: 10 000 concurrent UDP flows all get a state in a
// table of MaxStates 10 000 (the hash spreads them unevenly over the
// shards; that must not refuse one early), their replies pass on those
// states against "block in all", the 10 001st flow is refused (counted)
// and passes by its rule without state, and once the flows have been idle
// for the UDP timeout the expired states make room for new flows and no
// longer pass replies. Checking a packet allocates nothing, also when a
// state is made.
func TestStateTableBound(t *testing.T) {
	const n = 10000
	s := newStack(t)
	const timeout = 5 * time.Second // outlasts the phases before the sleep, also under -race
	f := pf.New(s, pf.Options{MaxStates: n, UDPTimeout: timeout})
	if err := f.Load("block in on tap0 all\npass out on tap0 proto udp keep state"); err != nil {
		t.Fatal(err)
	}
	ifx := s.InterfaceByName("tap0").Index()
	req, rep := flowPackets(n + 1)
	for i := range n {
		if a := f.Check(pf.Out, ifx, req[i], len(req[i])); a != pf.Pass {
			t.Fatalf("flow %d: %v", i, a)
		}
	}
	if st := f.Stats(); st.StatesMade != n || st.States != n || st.StatesRefused != 0 {
		t.Fatalf("after %d flows: %+v", n, st)
	}
	for i := range n {
		if a := f.Check(pf.In, ifx, rep[i], len(rep[i])); a != pf.Pass {
			t.Fatalf("reply of flow %d: %v", i, a)
		}
	}
	if a := f.Check(pf.Out, ifx, req[n], len(req[n])); a != pf.Pass {
		t.Fatalf("flow %d: %v", n, a)
	}
	if st := f.Stats(); st.StatesRefused != 1 || st.States != n {
		t.Fatalf("flow %d in a full table: %+v", n+1, st)
	}
	if a := f.Check(pf.In, ifx, rep[n], len(rep[n])); a != pf.Block {
		t.Fatalf("reply of the refused flow: %v", a)
	}
	time.Sleep(timeout + 100*time.Millisecond) // idle past the UDP timeout
	if a := f.Check(pf.In, ifx, rep[0], len(rep[0])); a != pf.Block {
		t.Fatalf("reply on an expired state: %v", a)
	}
	// New flows (other destination port) take the expired entries' room.
	for i := range n {
		binary.BigEndian.PutUint16(req[i][22:], 9)
		binary.BigEndian.PutUint16(req[i][26:], 0) // no UDP checksum: the filter does not check it
	}
	allocs := testing.AllocsPerRun(1, func() {
		for i := range n {
			if a := f.Check(pf.Out, ifx, req[i], len(req[i])); a != pf.Pass {
				t.Fatalf("new flow %d: %v", i, a)
			}
		}
	})
	if st := f.Stats(); st.StatesMade != 2*n || st.States > n {
		t.Errorf("after expiry and %d new flows: %+v", n, st)
	}
	if allocs != 0 && !raceDetector {
		t.Errorf("%v allocations for %d packets that made states", allocs, n)
	}
}

// BenchmarkStateTable10k: packets of 10 000 concurrent flows, round robin,
// each a state hit (the table holds them all).
func BenchmarkStateTable10k(b *testing.B) {
	const n = 10000
	s := newStack(b)
	f := pf.New(s, pf.Options{MaxStates: n})
	if err := f.Load("block in on tap0 all\npass out on tap0 proto udp keep state"); err != nil {
		b.Fatal(err)
	}
	ifx := s.InterfaceByName("tap0").Index()
	req, rep := flowPackets(n)
	for i := range n {
		f.Check(pf.Out, ifx, req[i], len(req[i]))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p := rep[i%n]
		if f.Check(pf.In, ifx, p, len(p)) != pf.Pass {
			b.Fatal("blocked")
		}
	}
}
