package bpf

import xbpf "golang.org/x/net/bpf"

// The one optimisation the compiler does: drop an absolute load when A is
// already known to hold the same load on every path that reaches it. The
// primitives reload the EtherType and protocol bytes freely (each is
// generated on its own), so "port 53" would load [20] three times in a row;
// after this pass it loads it once, as libpcap's optimiser does. Jumps only
// go forward, so one pass in program order sees every predecessor of an
// instruction before the instruction itself.

// aState is what is known about A: the result of "ld{b,h,} [off]", or
// nothing (known false).
type aState struct {
	known bool
	off   uint32
	size  int
}

func (g *gen) dropRedundantLoads() {
	n := len(g.ops)
	in := make([]aState, n+1)
	reached := make([]bool, n+1)
	merge := func(i int, s aState) {
		if !reached[i] {
			in[i], reached[i] = s, true
		} else if in[i] != s {
			in[i] = aState{}
		}
	}
	merge(0, aState{})
	for i := range g.ops {
		o := &g.ops[i]
		st := in[i] // unreachable code (never reached) keeps the unknown zero state
		switch o.kind {
		case opCond:
			merge(g.labels[o.jt], st)
			merge(g.labels[o.jf], st)
			continue // no fall-through
		case opGoto:
			merge(g.labels[o.jt], st)
			continue
		}
		next := aState{}
		switch ins := o.ins.(type) {
		case xbpf.LoadAbsolute:
			next = aState{known: true, off: ins.Off, size: ins.Size}
			if st == next {
				o.dead = true
			}
		case xbpf.LoadMemShift:
			next = st // writes X only
		case xbpf.RetConstant, xbpf.RetA:
			continue // no fall-through
		}
		merge(i+1, next)
	}
}
