package pf_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gopkt/gopkt/stack/pf"
)

// BenchmarkFilter is the cost per packet of a UDP datagram checked against
// n rules that do not match it and a last one that passes it without
// state (the rules are all evaluated), against no rules, and against a
// state hit.
func BenchmarkFilter(b *testing.B) {
	p := pkt{proto: udp, src: "198.18.0.9", dst: "198.18.0.2", sport: 5000, dport: 7}.bytes()
	for _, n := range []int{0, 10, 100, 1000} {
		b.Run(fmt.Sprintf("rules-%d", n), func(b *testing.B) {
			s := newStack(b)
			f := pf.New(s, pf.Options{})
			var sb strings.Builder
			for i := range n {
				fmt.Fprintf(&sb, "block in proto tcp from 198.19.%d.%d to any port %d\n", i/250, i%250, 1000+i)
			}
			if n > 0 {
				sb.WriteString("pass in proto udp no state\n")
			}
			if err := f.Load(sb.String()); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if f.Check(pf.In, 2, p, len(p)) != pf.Pass {
					b.Fatal("blocked")
				}
			}
		})
	}
	b.Run("state-hit-1000-rules", func(b *testing.B) {
		s := newStack(b)
		f := pf.New(s, pf.Options{})
		var sb strings.Builder
		for i := range 1000 {
			fmt.Fprintf(&sb, "block in proto tcp from 198.19.%d.%d to any port %d\n", i/250, i%250, 1000+i)
		}
		sb.WriteString("pass in proto udp\n")
		if err := f.Load(sb.String()); err != nil {
			b.Fatal(err)
		}
		f.Check(pf.In, 2, p, len(p)) // makes the state
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			f.Check(pf.In, 2, p, len(p))
		}
	})
}
