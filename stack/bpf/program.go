package bpf

import (
	"fmt"

	xbpf "golang.org/x/net/bpf"
)

// Program is a classic BPF program decoded once into a flat array of
// fixed-size instructions with absolute jump targets, evaluated by Run in a
// single switch loop without allocating. Common instruction pairs and
// triples (load then compare; load, mask, compare) are fused into one
// instruction when nothing jumps between them, which is most of what a
// tcpdump-style filter executes.
//
// A Program is immutable after NewProgram and safe for concurrent use.
type Program struct {
	ins      []insn
	src      []xbpf.Instruction
	threaded step // nil: use the switch loop
}

// opcode is a decoded operation. Conditional jumps are normalised to the four
// tests of the BPF ISA (jeq, jgt, jge, jset) with targets swapped for their
// negations.
type opcode uint8

const (
	opRetK opcode = iota
	opRetA
	opLdB // A = pkt[k]
	opLdH
	opLdW
	opLdIndB // A = pkt[x+k]
	opLdIndH
	opLdIndW
	opLdMsh // X = 4*(pkt[k]&0xf)
	opLdImmA
	opLdImmX
	opLdLen
	opLdMemA
	opLdMemX
	opStA
	opStX
	opTAX
	opTXA
	opAddK
	opSubK
	opMulK
	opDivK
	opModK
	opAndK
	opOrK
	opXorK
	opLshK
	opRshK
	opAddX
	opSubX
	opMulX
	opDivX
	opModX
	opAndX
	opOrX
	opXorX
	opLshX
	opRshX
	opNeg
	opJa
	opJeqK
	opJgtK
	opJgeK
	opJsetK
	opJeqX
	opJgtX
	opJgeX
	opJsetX
	// Fused: load, then conditional jump on the loaded value.
	opLdBJeq
	opLdHJeq
	opLdWJeq
	opLdHJset
	opLdIndBJeq
	opLdIndHJeq
	opLdWAndJeq // ld [k]; and #m; jeq #v (net match)
	opLdHAndJeq // ldh [k]; and #m; jeq #v (vlan id)
	opLdBJgt
	opLdHJgt
	opLdHJge
	opLdIndHJgt
	opLdIndHJge
)

// insn is one decoded instruction: 24 bytes, no pointers.
type insn struct {
	op     opcode
	jt, jf int32  // absolute targets
	k      uint32 // offset, constant, or scratch slot
	v      uint32 // compare value of fused ops
	m      uint32 // mask of fused ops
}

// NewProgram validates prog with exactly the checks of x/net/bpf.NewVM
// (RawInstructions are disassembled first) plus one more: ALU operations
// must be ones the BPF ISA defines. It then decodes it for Run.
func NewProgram(prog []xbpf.Instruction) (*Program, error) {
	src := make([]xbpf.Instruction, len(prog))
	for i, in := range prog {
		if r, ok := in.(xbpf.RawInstruction); ok {
			in = r.Disassemble()
			if _, still := in.(xbpf.RawInstruction); still {
				return nil, fmt.Errorf("bpf: instruction %d (%#04x): %w: opcode unknown", i, r.Op, ErrInvalidProgram)
			}
		}
		src[i] = in
	}
	if _, err := xbpf.NewVM(src); err != nil {
		return nil, fmt.Errorf("bpf: %w: %v", ErrInvalidProgram, err)
	}
	p := &Program{ins: make([]insn, len(src)), src: src}
	for i, in := range src {
		d, err := decode(in, int32(i))
		if err != nil {
			return nil, fmt.Errorf("bpf: instruction %d (%v): %w: %v", i, in, ErrInvalidProgram, err)
		}
		p.ins[i] = d
	}
	p.fuse()
	p.threaded = p.thread()
	return p, nil
}

// Instructions returns the program as given (after disassembling raw
// instructions). The caller must not modify it.
func (p *Program) Instructions() []xbpf.Instruction { return p.src }

func loadOp(size int, b, h, w opcode) (opcode, error) {
	switch size {
	case 1:
		return b, nil
	case 2:
		return h, nil
	case 4:
		return w, nil
	}
	return 0, fmt.Errorf("load size %d", size)
}

// aluOpcode maps an x/net/bpf ALU operation to its constant-operand opcode.
func aluOpcode(op xbpf.ALUOp) (opcode, bool) {
	switch op {
	case xbpf.ALUOpAdd:
		return opAddK, true
	case xbpf.ALUOpSub:
		return opSubK, true
	case xbpf.ALUOpMul:
		return opMulK, true
	case xbpf.ALUOpDiv:
		return opDivK, true
	case xbpf.ALUOpMod:
		return opModK, true
	case xbpf.ALUOpAnd:
		return opAndK, true
	case xbpf.ALUOpOr:
		return opOrK, true
	case xbpf.ALUOpXor:
		return opXorK, true
	case xbpf.ALUOpShiftLeft:
		return opLshK, true
	case xbpf.ALUOpShiftRight:
		return opRshK, true
	}
	return 0, false
}

// aluXDelta maps an ALU opcode with a constant operand to its X-operand twin
// (the X opcodes follow the K ones in the same order).
const aluXDelta = opAddX - opAddK

func jumpOp(c xbpf.JumpTest, eq, gt, ge, set opcode, st, sf uint8, pc int32) (opcode, int32, int32, error) {
	t, f := pc+1+int32(st), pc+1+int32(sf)
	switch c {
	case xbpf.JumpEqual:
		return eq, t, f, nil
	case xbpf.JumpNotEqual:
		return eq, f, t, nil
	case xbpf.JumpGreaterThan:
		return gt, t, f, nil
	case xbpf.JumpLessOrEqual:
		return gt, f, t, nil
	case xbpf.JumpGreaterOrEqual:
		return ge, t, f, nil
	case xbpf.JumpLessThan:
		return ge, f, t, nil
	case xbpf.JumpBitsSet:
		return set, t, f, nil
	case xbpf.JumpBitsNotSet:
		return set, f, t, nil
	}
	return 0, 0, 0, fmt.Errorf("jump test %d", c)
}

func decode(in xbpf.Instruction, pc int32) (insn, error) {
	var d insn
	var err error
	switch in := in.(type) {
	case xbpf.RetConstant:
		d.op, d.k = opRetK, in.Val
	case xbpf.RetA:
		d.op = opRetA
	case xbpf.LoadAbsolute:
		d.op, err = loadOp(in.Size, opLdB, opLdH, opLdW)
		d.k = in.Off
	case xbpf.LoadIndirect:
		d.op, err = loadOp(in.Size, opLdIndB, opLdIndH, opLdIndW)
		d.k = in.Off
	case xbpf.LoadMemShift:
		d.op, d.k = opLdMsh, in.Off
	case xbpf.LoadConstant:
		d.op, d.k = opLdImmA, in.Val
		if in.Dst == xbpf.RegX {
			d.op = opLdImmX
		}
	case xbpf.LoadExtension:
		if in.Num != xbpf.ExtLen {
			return d, fmt.Errorf("extension %d", in.Num)
		}
		d.op = opLdLen
	case xbpf.LoadScratch:
		d.op, d.k = opLdMemA, uint32(in.N)
		if in.Dst == xbpf.RegX {
			d.op = opLdMemX
		}
	case xbpf.StoreScratch:
		d.op, d.k = opStA, uint32(in.N)
		if in.Src == xbpf.RegX {
			d.op = opStX
		}
	case xbpf.TAX:
		d.op = opTAX
	case xbpf.TXA:
		d.op = opTXA
	case xbpf.NegateA:
		d.op = opNeg
	case xbpf.ALUOpConstant:
		op, ok := aluOpcode(in.Op)
		if !ok {
			return d, fmt.Errorf("ALU operation %#x", uint16(in.Op))
		}
		d.op, d.k = op, in.Val
	case xbpf.ALUOpX:
		op, ok := aluOpcode(in.Op)
		if !ok {
			return d, fmt.Errorf("ALU operation %#x", uint16(in.Op))
		}
		d.op = op + aluXDelta
	case xbpf.Jump:
		d.op, d.jt = opJa, pc+1+int32(in.Skip)
	case xbpf.JumpIf:
		d.op, d.jt, d.jf, err = jumpOp(in.Cond, opJeqK, opJgtK, opJgeK, opJsetK, in.SkipTrue, in.SkipFalse, pc)
		d.k = in.Val
	case xbpf.JumpIfX:
		d.op, d.jt, d.jf, err = jumpOp(in.Cond, opJeqX, opJgtX, opJgeX, opJsetX, in.SkipTrue, in.SkipFalse, pc)
	default:
		return d, fmt.Errorf("instruction type %T", in)
	}
	return d, err
}

// fuse rewrites load+jump (and load+and+jump) sequences into single
// instructions. The fused instruction replaces the load; the instructions
// it absorbed stay in place but are unreachable, so no target moves. A
// sequence is fused only if no jump lands inside it.
func (p *Program) fuse() {
	target := make([]bool, len(p.ins)+1)
	for _, d := range p.ins {
		switch {
		case d.op == opJa:
			target[d.jt] = true
		case d.op >= opJeqK && d.op <= opJsetX:
			target[d.jt], target[d.jf] = true, true
		}
	}
	type pair struct{ ld, j, fused opcode }
	pairs := []pair{
		{opLdB, opJeqK, opLdBJeq}, {opLdH, opJeqK, opLdHJeq}, {opLdW, opJeqK, opLdWJeq}, {opLdH, opJsetK, opLdHJset},
		{opLdIndB, opJeqK, opLdIndBJeq}, {opLdIndH, opJeqK, opLdIndHJeq}, {opLdB, opJgtK, opLdBJgt},
		{opLdH, opJgtK, opLdHJgt}, {opLdH, opJgeK, opLdHJge}, {opLdIndH, opJgtK, opLdIndHJgt}, {opLdIndH, opJgeK, opLdIndHJge},
	}
	for i := 0; i+1 < len(p.ins); i++ {
		ld := p.ins[i]
		if i+2 < len(p.ins) && (ld.op == opLdW || ld.op == opLdH) && p.ins[i+1].op == opAndK && p.ins[i+2].op == opJeqK &&
			!target[i+1] && !target[i+2] {
			j := p.ins[i+2]
			op := opLdWAndJeq
			if ld.op == opLdH {
				op = opLdHAndJeq
			}
			p.ins[i] = insn{op: op, k: ld.k, m: p.ins[i+1].k, v: j.k, jt: j.jt, jf: j.jf}
			i += 2
			continue
		}
		if target[i+1] {
			continue
		}
		j := p.ins[i+1]
		for _, pr := range pairs {
			if ld.op == pr.ld && j.op == pr.j {
				p.ins[i] = insn{op: pr.fused, k: ld.k, v: j.k, jt: j.jt, jf: j.jf}
				i++
				break
			}
		}
	}
}
