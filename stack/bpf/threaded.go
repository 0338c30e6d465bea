package bpf

// Threaded evaluation. A decoded program whose instructions need no
// scratch memory (everything our compiler and libpcap emit for ordinary
// filters) is also translated into a graph of Go closures, one per
// reachable instruction, each calling its successor directly. Every
// closure has its own call site and its successors are fixed, so the CPU
// predicts those indirect calls; the switch loop instead funnels every
// dispatch through one hard-to-predict indirect branch. A and X travel as
// arguments, so nothing escapes and Run still does not allocate.
//
// Jumps are forward only, so the call depth is bounded by the program
// length; programs longer than maxThreaded stay on the switch loop.

type step func(pkt []byte, a, x uint32) uint32

const maxThreaded = 1024

// thread builds the closure graph, or returns nil if the program uses an
// instruction the threaded form does not cover (scratch memory).
func (p *Program) thread() step {
	if len(p.ins) > maxThreaded {
		return nil
	}
	for _, in := range p.ins {
		switch in.op {
		case opLdMemA, opLdMemX, opStA, opStX:
			return nil
		}
	}
	steps := make([]step, len(p.ins))
	// Targets are always later instructions, so build back to front.
	for i := len(p.ins) - 1; i >= 0; i-- {
		steps[i] = p.step(i, steps)
	}
	return steps[0]
}

func (p *Program) step(i int, steps []step) step {
	in := p.ins[i]
	k, v, m := in.k, in.v, in.m
	var next, t, f step
	if i+1 < len(steps) {
		next = steps[i+1]
	}
	if in.op >= opJa {
		t = steps[in.jt]
		if in.op != opJa {
			f = steps[in.jf]
		}
	}
	off := uint64(k)
	switch in.op {
	case opRetK:
		return func([]byte, uint32, uint32) uint32 { return k }
	case opRetA:
		return func(_ []byte, a, _ uint32) uint32 { return a }
	case opLdB:
		return func(pkt []byte, _, x uint32) uint32 {
			if off+1 > uint64(len(pkt)) {
				return 0
			}
			return next(pkt, uint32(pkt[off]), x)
		}
	case opLdH:
		return func(pkt []byte, _, x uint32) uint32 {
			if off+2 > uint64(len(pkt)) {
				return 0
			}
			return next(pkt, be16(pkt, off), x)
		}
	case opLdW:
		return func(pkt []byte, _, x uint32) uint32 {
			if off+4 > uint64(len(pkt)) {
				return 0
			}
			return next(pkt, be32(pkt, off), x)
		}
	case opLdIndB:
		return func(pkt []byte, _, x uint32) uint32 {
			o := off + uint64(x)
			if o+1 > uint64(len(pkt)) {
				return 0
			}
			return next(pkt, uint32(pkt[o]), x)
		}
	case opLdIndH:
		return func(pkt []byte, _, x uint32) uint32 {
			o := off + uint64(x)
			if o+2 > uint64(len(pkt)) {
				return 0
			}
			return next(pkt, be16(pkt, o), x)
		}
	case opLdIndW:
		return func(pkt []byte, _, x uint32) uint32 {
			o := off + uint64(x)
			if o+4 > uint64(len(pkt)) {
				return 0
			}
			return next(pkt, be32(pkt, o), x)
		}
	case opLdMsh:
		return func(pkt []byte, a, _ uint32) uint32 {
			if off+1 > uint64(len(pkt)) {
				return 0
			}
			return next(pkt, a, uint32(pkt[off]&0xf)*4)
		}
	case opLdImmA:
		return func(pkt []byte, _, x uint32) uint32 { return next(pkt, k, x) }
	case opLdImmX:
		return func(pkt []byte, a, _ uint32) uint32 { return next(pkt, a, k) }
	case opLdLen:
		return func(pkt []byte, _, x uint32) uint32 { return next(pkt, uint32(len(pkt)), x) }
	case opTAX:
		return func(pkt []byte, a, _ uint32) uint32 { return next(pkt, a, a) }
	case opTXA:
		return func(pkt []byte, _, x uint32) uint32 { return next(pkt, x, x) }
	case opAddK, opSubK, opMulK, opDivK, opModK, opAndK, opOrK, opXorK, opLshK, opRshK,
		opAddX, opSubX, opMulX, opDivX, opModX, opAndX, opOrX, opXorX, opLshX, opRshX, opNeg:
		op := in.op
		return func(pkt []byte, a, x uint32) uint32 {
			a, ok := alu(op, a, x, k)
			if !ok {
				return 0
			}
			return next(pkt, a, x)
		}
	case opJa:
		return t
	case opJeqK:
		return func(pkt []byte, a, x uint32) uint32 {
			if a == k {
				return t(pkt, a, x)
			}
			return f(pkt, a, x)
		}
	case opJgtK:
		return func(pkt []byte, a, x uint32) uint32 {
			if a > k {
				return t(pkt, a, x)
			}
			return f(pkt, a, x)
		}
	case opJgeK:
		return func(pkt []byte, a, x uint32) uint32 {
			if a >= k {
				return t(pkt, a, x)
			}
			return f(pkt, a, x)
		}
	case opJsetK:
		return func(pkt []byte, a, x uint32) uint32 {
			if a&k != 0 {
				return t(pkt, a, x)
			}
			return f(pkt, a, x)
		}
	case opJeqX:
		return func(pkt []byte, a, x uint32) uint32 {
			if a == x {
				return t(pkt, a, x)
			}
			return f(pkt, a, x)
		}
	case opJgtX:
		return func(pkt []byte, a, x uint32) uint32 {
			if a > x {
				return t(pkt, a, x)
			}
			return f(pkt, a, x)
		}
	case opJgeX:
		return func(pkt []byte, a, x uint32) uint32 {
			if a >= x {
				return t(pkt, a, x)
			}
			return f(pkt, a, x)
		}
	case opJsetX:
		return func(pkt []byte, a, x uint32) uint32 {
			if a&x != 0 {
				return t(pkt, a, x)
			}
			return f(pkt, a, x)
		}
	case opLdBJeq:
		return func(pkt []byte, _, x uint32) uint32 {
			if off+1 > uint64(len(pkt)) {
				return 0
			}
			if a := uint32(pkt[off]); a == v {
				return t(pkt, a, x)
			} else {
				return f(pkt, a, x)
			}
		}
	case opLdHJeq:
		return func(pkt []byte, _, x uint32) uint32 {
			if off+2 > uint64(len(pkt)) {
				return 0
			}
			if a := be16(pkt, off); a == v {
				return t(pkt, a, x)
			} else {
				return f(pkt, a, x)
			}
		}
	case opLdWJeq:
		return func(pkt []byte, _, x uint32) uint32 {
			if off+4 > uint64(len(pkt)) {
				return 0
			}
			if a := be32(pkt, off); a == v {
				return t(pkt, a, x)
			} else {
				return f(pkt, a, x)
			}
		}
	case opLdHJset:
		return func(pkt []byte, _, x uint32) uint32 {
			if off+2 > uint64(len(pkt)) {
				return 0
			}
			if a := be16(pkt, off); a&v != 0 {
				return t(pkt, a, x)
			} else {
				return f(pkt, a, x)
			}
		}
	case opLdIndBJeq:
		return func(pkt []byte, _, x uint32) uint32 {
			o := off + uint64(x)
			if o+1 > uint64(len(pkt)) {
				return 0
			}
			if a := uint32(pkt[o]); a == v {
				return t(pkt, a, x)
			} else {
				return f(pkt, a, x)
			}
		}
	case opLdIndHJeq:
		return func(pkt []byte, _, x uint32) uint32 {
			o := off + uint64(x)
			if o+2 > uint64(len(pkt)) {
				return 0
			}
			if a := be16(pkt, o); a == v {
				return t(pkt, a, x)
			} else {
				return f(pkt, a, x)
			}
		}
	case opLdWAndJeq:
		return func(pkt []byte, _, x uint32) uint32 {
			if off+4 > uint64(len(pkt)) {
				return 0
			}
			if a := be32(pkt, off) & m; a == v {
				return t(pkt, a, x)
			} else {
				return f(pkt, a, x)
			}
		}
	case opLdHAndJeq:
		return func(pkt []byte, _, x uint32) uint32 {
			if off+2 > uint64(len(pkt)) {
				return 0
			}
			if a := be16(pkt, off) & m; a == v {
				return t(pkt, a, x)
			} else {
				return f(pkt, a, x)
			}
		}
	case opLdBJgt:
		return func(pkt []byte, _, x uint32) uint32 {
			if off+1 > uint64(len(pkt)) {
				return 0
			}
			if a := uint32(pkt[off]); a > v {
				return t(pkt, a, x)
			} else {
				return f(pkt, a, x)
			}
		}
	case opLdHJgt:
		return func(pkt []byte, _, x uint32) uint32 {
			if off+2 > uint64(len(pkt)) {
				return 0
			}
			if a := be16(pkt, off); a > v {
				return t(pkt, a, x)
			} else {
				return f(pkt, a, x)
			}
		}
	case opLdHJge:
		return func(pkt []byte, _, x uint32) uint32 {
			if off+2 > uint64(len(pkt)) {
				return 0
			}
			if a := be16(pkt, off); a >= v {
				return t(pkt, a, x)
			} else {
				return f(pkt, a, x)
			}
		}
	case opLdIndHJgt:
		return func(pkt []byte, _, x uint32) uint32 {
			o := off + uint64(x)
			if o+2 > uint64(len(pkt)) {
				return 0
			}
			if a := be16(pkt, o); a > v {
				return t(pkt, a, x)
			} else {
				return f(pkt, a, x)
			}
		}
	case opLdIndHJge:
		return func(pkt []byte, _, x uint32) uint32 {
			o := off + uint64(x)
			if o+2 > uint64(len(pkt)) {
				return 0
			}
			if a := be16(pkt, o); a >= v {
				return t(pkt, a, x)
			} else {
				return f(pkt, a, x)
			}
		}
	}
	// Unreachable (absorbed) instructions of fused sequences and anything
	// else: never called, but keep the graph total.
	return func([]byte, uint32, uint32) uint32 { return 0 }
}

// alu applies an ALU opcode; ok is false for division by a zero X.
func alu(op opcode, a, x, k uint32) (uint32, bool) {
	if op >= opAddX && op <= opRshX {
		if x == 0 && (op == opDivX || op == opModX) {
			return 0, false
		}
		op -= aluXDelta
		k = x
	}
	switch op {
	case opAddK:
		return a + k, true
	case opSubK:
		return a - k, true
	case opMulK:
		return a * k, true
	case opDivK:
		return a / k, true
	case opModK:
		return a % k, true
	case opAndK:
		return a & k, true
	case opOrK:
		return a | k, true
	case opXorK:
		return a ^ k, true
	case opLshK:
		return a << k, true
	case opRshK:
		return a >> k, true
	case opNeg:
		return -a, true
	}
	return a, true
}
