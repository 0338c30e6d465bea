package bpf

import (
	"fmt"
	"math"

	xbpf "golang.org/x/net/bpf"
)

// Code generation follows libpcap's model: every node is compiled with a
// true label and a false label and jumps to one of them; "and", "or" and
// "not" only rewire labels. Instructions are emitted in textual order, so
// all jumps are forward, as classic BPF requires. Conditional jumps whose
// distance does not fit the 8-bit jt/jf fields are rewritten into a short
// conditional jump over two unconditional 32-bit jumps ("far" jumps).

// label names a program position that is fixed when the label is placed.
type label int

type opKind uint8

const (
	opPlain opKind = iota // ins is emitted as is
	opCond                // conditional jump on A with constant val to jt/jf
	opGoto                // unconditional jump to jt
)

type op struct {
	kind   opKind
	ins    xbpf.Instruction
	cond   xbpf.JumpTest
	val    uint32
	jt, jf label
	dead   bool // removed by dropRedundantLoads
}

type gen struct {
	ops    []op
	labels []int // label → index in ops; -1 while unplaced
	// link is the offset of the network-layer header: 14 for Ethernet,
	// plus 4 for each "vlan" primitive generated so far (libpcap's rule).
	link uint32
}

func (g *gen) newLabel() label {
	g.labels = append(g.labels, -1)
	return label(len(g.labels) - 1)
}

func (g *gen) place(l label) { g.labels[l] = len(g.ops) }

func (g *gen) emit(ins xbpf.Instruction) { g.ops = append(g.ops, op{kind: opPlain, ins: ins}) }

func (g *gen) branch(cond xbpf.JumpTest, val uint32, t, f label) {
	g.ops = append(g.ops, op{kind: opCond, cond: cond, val: val, jt: t, jf: f})
}

func (g *gen) jump(t label) { g.ops = append(g.ops, op{kind: opGoto, jt: t}) }

// code is a generator for one condition: it emits instructions that end in
// a jump to t when the condition holds and to f otherwise.
type code func(g *gen, t, f label)

func and(cs ...code) code {
	return func(g *gen, t, f label) {
		for _, c := range cs[:len(cs)-1] {
			next := g.newLabel()
			c(g, next, f)
			g.place(next)
		}
		cs[len(cs)-1](g, t, f)
	}
}

func or(cs ...code) code {
	return func(g *gen, t, f label) {
		for _, c := range cs[:len(cs)-1] {
			next := g.newLabel()
			c(g, t, next)
			g.place(next)
		}
		cs[len(cs)-1](g, t, f)
	}
}

// always is a condition that holds without looking at the packet.
func always(g *gen, t, f label) { g.jump(t) }

func not(c code) code { return func(g *gen, t, f label) { c(g, f, t) } }

// noMask makes load skip the "and".
const noMask = math.MaxUint32

// load emits "ld{b,h,} [off]" and a test of A against val, after an
// "and #mask" unless mask is noMask.
func load(size int, off func(g *gen) uint32, mask uint32, cond xbpf.JumpTest, val uint32) code {
	return func(g *gen, t, f label) {
		g.emit(xbpf.LoadAbsolute{Off: off(g), Size: size})
		if mask != noMask {
			g.emit(xbpf.ALUOpConstant{Op: xbpf.ALUOpAnd, Val: mask})
		}
		g.branch(cond, val, t, f)
	}
}

// loadX is load with X-relative addressing ("ld [x + off]").
func loadX(size int, off func(g *gen) uint32, cond xbpf.JumpTest, val uint32) code {
	return func(g *gen, t, f label) {
		g.emit(xbpf.LoadIndirect{Off: off(g), Size: size})
		g.branch(cond, val, t, f)
	}
}

// rel returns an offset relative to the current network-layer start,
// evaluated when the code is generated (after any preceding "vlan").
func rel(d uint32) func(g *gen) uint32 { return func(g *gen) uint32 { return g.link + d } }

var errTooLarge = fmt.Errorf("bpf: program longer than 65535 instructions (split the expression): %w", ErrNotSupported)

// assemble lays the ops out, resolves labels and expands far jumps.
func (g *gen) assemble() ([]xbpf.Instruction, error) {
	far := make([]bool, len(g.ops))
	pos := make([]int, len(g.ops)+1)
	for {
		p := 0
		for i := range g.ops {
			pos[i] = p
			if g.ops[i].dead {
				continue
			}
			p++
			if far[i] {
				p += 2
			}
		}
		pos[len(g.ops)] = p
		if p > math.MaxUint16 {
			return nil, errTooLarge
		}
		changed := false
		for i, o := range g.ops {
			if o.kind != opCond || far[i] {
				continue
			}
			next := pos[i] + 1
			if pos[g.labels[o.jt]]-next > 255 || pos[g.labels[o.jf]]-next > 255 {
				far[i], changed = true, true
			}
		}
		if !changed {
			break
		}
	}
	out := make([]xbpf.Instruction, 0, pos[len(g.ops)])
	for i, o := range g.ops {
		if o.dead {
			continue
		}
		if o.kind == opPlain {
			out = append(out, o.ins)
			continue
		}
		t, f := pos[g.labels[o.jt]], 0
		if o.kind == opCond {
			f = pos[g.labels[o.jf]]
		}
		if o.kind == opCond && !far[i] {
			next := pos[i] + 1
			out = append(out, xbpf.JumpIf{Cond: o.cond, Val: o.val, SkipTrue: uint8(t - next), SkipFalse: uint8(f - next)})
			continue
		}
		if o.kind == opGoto {
			out = append(out, xbpf.Jump{Skip: uint32(t - (pos[i] + 1))})
			continue
		}
		out = append(out,
			xbpf.JumpIf{Cond: o.cond, Val: o.val, SkipTrue: 0, SkipFalse: 1},
			xbpf.Jump{Skip: uint32(t - (pos[i] + 2))},
			xbpf.Jump{Skip: uint32(f - (pos[i] + 3))})
	}
	return out, nil
}
