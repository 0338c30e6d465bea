package bpf

// Run evaluates the program on pkt and returns its verdict: the number of
// bytes to accept (0 rejects). Semantics are those of x/net/bpf's VM: a
// load beyond the packet or a division by a zero X register ends the
// program with 0; the result is not clamped to len(pkt) (use Verdict for
// that). Run does not allocate and cannot read outside pkt: every load is
// bounds-checked, every jump target was checked by NewProgram.
func (p *Program) Run(pkt []byte) uint32 {
	if p.threaded != nil {
		return p.threaded(pkt, 0, 0)
	}
	return p.interpret(pkt)
}

// interpret is the switch-loop evaluator, used for programs that need
// scratch memory or are too long to thread.
func (p *Program) interpret(pkt []byte) uint32 {
	var a, x uint32
	var mem [16]uint32
	ins := p.ins
	n := uint64(len(pkt))
	pc := int32(0)
	for {
		in := &ins[pc]
		pc++
		switch in.op {
		case opRetK:
			return in.k
		case opRetA:
			return a
		case opLdB:
			if uint64(in.k)+1 > n {
				return 0
			}
			a = uint32(pkt[in.k])
		case opLdH:
			if uint64(in.k)+2 > n {
				return 0
			}
			a = be16(pkt, uint64(in.k))
		case opLdW:
			if uint64(in.k)+4 > n {
				return 0
			}
			a = be32(pkt, uint64(in.k))
		case opLdIndB:
			o := uint64(in.k) + uint64(x)
			if o+1 > n {
				return 0
			}
			a = uint32(pkt[o])
		case opLdIndH:
			o := uint64(in.k) + uint64(x)
			if o+2 > n {
				return 0
			}
			a = be16(pkt, o)
		case opLdIndW:
			o := uint64(in.k) + uint64(x)
			if o+4 > n {
				return 0
			}
			a = be32(pkt, o)
		case opLdMsh:
			if uint64(in.k)+1 > n {
				return 0
			}
			x = uint32(pkt[in.k]&0xf) * 4
		case opLdImmA:
			a = in.k
		case opLdImmX:
			x = in.k
		case opLdLen:
			a = uint32(len(pkt))
		case opLdMemA:
			a = mem[in.k&15]
		case opLdMemX:
			x = mem[in.k&15]
		case opStA:
			mem[in.k&15] = a
		case opStX:
			mem[in.k&15] = x
		case opTAX:
			x = a
		case opTXA:
			a = x
		case opAddK:
			a += in.k
		case opSubK:
			a -= in.k
		case opMulK:
			a *= in.k
		case opDivK:
			a /= in.k // NewProgram rejects division by a zero constant
		case opModK:
			a %= in.k
		case opAndK:
			a &= in.k
		case opOrK:
			a |= in.k
		case opXorK:
			a ^= in.k
		case opLshK:
			a <<= in.k
		case opRshK:
			a >>= in.k
		case opAddX:
			a += x
		case opSubX:
			a -= x
		case opMulX:
			a *= x
		case opDivX:
			if x == 0 {
				return 0
			}
			a /= x
		case opModX:
			if x == 0 {
				return 0
			}
			a %= x
		case opAndX:
			a &= x
		case opOrX:
			a |= x
		case opXorX:
			a ^= x
		case opLshX:
			a <<= x
		case opRshX:
			a >>= x
		case opNeg:
			a = -a
		case opJa:
			pc = in.jt
		case opJeqK:
			pc = pick(a == in.k, in)
		case opJgtK:
			pc = pick(a > in.k, in)
		case opJgeK:
			pc = pick(a >= in.k, in)
		case opJsetK:
			pc = pick(a&in.k != 0, in)
		case opJeqX:
			pc = pick(a == x, in)
		case opJgtX:
			pc = pick(a > x, in)
		case opJgeX:
			pc = pick(a >= x, in)
		case opJsetX:
			pc = pick(a&x != 0, in)
		case opLdBJeq:
			if uint64(in.k)+1 > n {
				return 0
			}
			a = uint32(pkt[in.k])
			pc = pick(a == in.v, in)
		case opLdHJeq:
			if uint64(in.k)+2 > n {
				return 0
			}
			a = be16(pkt, uint64(in.k))
			pc = pick(a == in.v, in)
		case opLdWJeq:
			if uint64(in.k)+4 > n {
				return 0
			}
			a = be32(pkt, uint64(in.k))
			pc = pick(a == in.v, in)
		case opLdHJset:
			if uint64(in.k)+2 > n {
				return 0
			}
			a = be16(pkt, uint64(in.k))
			pc = pick(a&in.v != 0, in)
		case opLdIndBJeq:
			o := uint64(in.k) + uint64(x)
			if o+1 > n {
				return 0
			}
			a = uint32(pkt[o])
			pc = pick(a == in.v, in)
		case opLdIndHJeq:
			o := uint64(in.k) + uint64(x)
			if o+2 > n {
				return 0
			}
			a = be16(pkt, o)
			pc = pick(a == in.v, in)
		case opLdWAndJeq:
			if uint64(in.k)+4 > n {
				return 0
			}
			a = be32(pkt, uint64(in.k)) & in.m
			pc = pick(a == in.v, in)
		case opLdHAndJeq:
			if uint64(in.k)+2 > n {
				return 0
			}
			a = be16(pkt, uint64(in.k)) & in.m
			pc = pick(a == in.v, in)
		case opLdBJgt:
			if uint64(in.k)+1 > n {
				return 0
			}
			a = uint32(pkt[in.k])
			pc = pick(a > in.v, in)
		case opLdHJgt:
			if uint64(in.k)+2 > n {
				return 0
			}
			a = be16(pkt, uint64(in.k))
			pc = pick(a > in.v, in)
		case opLdHJge:
			if uint64(in.k)+2 > n {
				return 0
			}
			a = be16(pkt, uint64(in.k))
			pc = pick(a >= in.v, in)
		case opLdIndHJgt:
			o := uint64(in.k) + uint64(x)
			if o+2 > n {
				return 0
			}
			a = be16(pkt, o)
			pc = pick(a > in.v, in)
		case opLdIndHJge:
			o := uint64(in.k) + uint64(x)
			if o+2 > n {
				return 0
			}
			a = be16(pkt, o)
			pc = pick(a >= in.v, in)
		default:
			return 0 // unreachable: decode produces only the opcodes above
		}
	}
}

// Verdict is Run clamped to len(pkt): the number of bytes a capture keeps.
func (p *Program) Verdict(pkt []byte, snaplen uint32) int {
	v := p.Run(pkt)
	if snaplen != 0 && v > snaplen {
		v = snaplen
	}
	if uint64(v) > uint64(len(pkt)) {
		return len(pkt)
	}
	return int(v)
}

func pick(c bool, in *insn) int32 {
	if c {
		return in.jt
	}
	return in.jf
}

func be16(b []byte, o uint64) uint32 { return uint32(b[o])<<8 | uint32(b[o+1]) }

func be32(b []byte, o uint64) uint32 {
	return uint32(b[o])<<24 | uint32(b[o+1])<<16 | uint32(b[o+2])<<8 | uint32(b[o+3])
}
