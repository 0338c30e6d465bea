package bpf

import (
	"encoding/binary"
	"reflect"
	"testing"

	xbpf "golang.org/x/net/bpf"
)

// FuzzParse: any string either fails to parse with a *SyntaxError or
// compiles to a program that NewProgram accepts, that agrees with the VM
// on the corpus, and whose canonical form compiles identically.
func FuzzParse(f *testing.F) {
	for _, e := range exprs {
		f.Add(e)
	}
	f.Add("((")
	f.Add("not not not")
	f.Add("host 1.2.3.4 or or")
	f.Add("src or dst")
	f.Add("net 10 mask 255.0.0.0")
	frames := corpus()
	f.Fuzz(func(t *testing.T, expr string) {
		e, err := Parse(expr)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("Parse(%q) error %T %v, want *SyntaxError", expr, err, err)
			}
			return
		}
		prog, err := CompileExpr(e, LinkEthernet, 0)
		if err != nil {
			return // e.g. too long
		}
		p, err := NewProgram(prog)
		if err != nil {
			t.Fatalf("compiled %q into a program NewProgram rejects: %v", expr, err)
		}
		vm, err := xbpf.NewVM(prog)
		if err != nil {
			t.Fatalf("compiled %q into a program the VM rejects: %v", expr, err)
		}
		for _, fr := range frames {
			want, _ := vm.Run(fr.b)
			if got := p.Run(fr.b); int(got) != want {
				t.Fatalf("%q on %s: Program %d, VM %d", expr, fr.name, got, want)
			}
		}
		if e != nil {
			e2, err := Parse(e.String())
			if err != nil {
				t.Fatalf("canonical form %q of %q does not parse: %v", e.String(), expr, err)
			}
			prog2, _ := CompileExpr(e2, LinkEthernet, 0)
			if !reflect.DeepEqual(prog, prog2) {
				t.Fatalf("canonical form %q of %q compiles differently", e.String(), expr)
			}
		}
	})
}

// genProgram turns fuzz bytes into a mostly valid program: 6 bytes per
// instruction (kind, two jump/size bytes, 3 bytes of constant), jumps kept
// short, and a return at the end.
func genProgram(data []byte) []xbpf.Instruction {
	var prog []xbpf.Instruction
	for len(data) >= 6 && len(prog) < 64 {
		kind, b1, b2 := data[0]%32, data[1], data[2]
		k := uint32(data[3]) | uint32(data[4])<<8 | uint32(data[5])<<16
		if data[5]&0x80 != 0 {
			k = uint32(data[3]) // small constants are more interesting as offsets
		}
		data = data[6:]
		sizes := [3]int{1, 2, 4}
		conds := [8]xbpf.JumpTest{xbpf.JumpEqual, xbpf.JumpNotEqual, xbpf.JumpGreaterThan, xbpf.JumpLessThan,
			xbpf.JumpGreaterOrEqual, xbpf.JumpLessOrEqual, xbpf.JumpBitsSet, xbpf.JumpBitsNotSet}
		alus := [10]xbpf.ALUOp{xbpf.ALUOpAdd, xbpf.ALUOpSub, xbpf.ALUOpMul, xbpf.ALUOpDiv, xbpf.ALUOpOr, xbpf.ALUOpAnd,
			xbpf.ALUOpShiftLeft, xbpf.ALUOpShiftRight, xbpf.ALUOpMod, xbpf.ALUOpXor}
		var in xbpf.Instruction
		switch kind {
		case 0, 1:
			in = xbpf.LoadAbsolute{Off: k & 0x7f, Size: sizes[b1%3]}
		case 2:
			in = xbpf.LoadIndirect{Off: k & 0x7f, Size: sizes[b1%3]}
		case 3:
			in = xbpf.LoadMemShift{Off: k & 0x7f}
		case 4:
			in = xbpf.LoadConstant{Dst: xbpf.Register(b1 % 2), Val: k}
		case 5:
			in = xbpf.LoadScratch{Dst: xbpf.Register(b1 % 2), N: int(b2 % 16)}
		case 6:
			in = xbpf.StoreScratch{Src: xbpf.Register(b1 % 2), N: int(b2 % 16)}
		case 7:
			in = xbpf.LoadExtension{Num: xbpf.ExtLen}
		case 8, 9:
			op := alus[b1%10]
			if (op == xbpf.ALUOpDiv || op == xbpf.ALUOpMod) && k == 0 {
				k = 3
			}
			in = xbpf.ALUOpConstant{Op: op, Val: k}
		case 10:
			in = xbpf.ALUOpX{Op: alus[b1%10]}
		case 11:
			in = xbpf.TAX{}
		case 12:
			in = xbpf.TXA{}
		case 13:
			in = xbpf.Jump{Skip: uint32(b1 % 4)}
		case 14, 15, 16, 17:
			in = xbpf.JumpIf{Cond: conds[b2%8], Val: k, SkipTrue: b1 % 5, SkipFalse: (b1 / 5) % 5}
		case 18:
			in = xbpf.JumpIfX{Cond: conds[b2%8], SkipTrue: b1 % 5, SkipFalse: (b1 / 5) % 5}
		case 19:
			in = xbpf.RetA{}
		case 20:
			in = xbpf.RetConstant{Val: k}
		case 21:
			// raw encodings (8-bit classic opcodes), including invalid ones
			in = xbpf.RawInstruction{Op: uint16(b1), Jt: b2 % 4, Jf: b2 / 64, K: k}
		case 22:
			in = xbpf.NegateA{}
		default:
			in = xbpf.JumpIf{Cond: conds[b2%8], Val: k & 0xff, SkipTrue: b1 % 3, SkipFalse: (b1 / 3) % 3}
		}
		prog = append(prog, in)
	}
	prog = append(prog, xbpf.RetA{})
	// Keep most jumps inside the program (an occasional wild raw jump
	// still tests rejection).
	for i, in := range prog {
		room := uint8(len(prog) - i - 2)
		switch in := in.(type) {
		case xbpf.Jump:
			in.Skip = min(in.Skip, uint32(room))
			prog[i] = in
		case xbpf.JumpIf:
			in.SkipTrue, in.SkipFalse = min(in.SkipTrue, room), min(in.SkipFalse, room)
			prog[i] = in
		case xbpf.JumpIfX:
			in.SkipTrue, in.SkipFalse = min(in.SkipTrue, room), min(in.SkipFalse, room)
			prog[i] = in
		}
	}
	return prog
}

// FuzzProgram: random programs either are rejected by NewProgram or run
// without panicking, and then agree with x/net/bpf's VM on every packet,
// in both the threaded and the switch evaluator.
func FuzzProgram(f *testing.F) {
	for _, e := range exprs[:10] {
		prog, _ := Compile(e, LinkEthernet, 0)
		var seed []byte
		for _, in := range prog {
			r, _ := in.Assemble()
			seed = append(seed, 21, byte(r.Op), r.Jt|r.Jf<<6, byte(r.K), byte(r.K>>8), byte(r.K>>16))
		}
		f.Add(seed, []byte{})
	}
	f.Add([]byte{0, 1, 0, 12, 0, 0x80, 14, 0, 0, 0, 8, 0x80, 20, 0, 0, 1, 0, 0}, []byte{8, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x00})
	frames := corpus()
	f.Fuzz(func(t *testing.T, data []byte, pkt []byte) {
		prog := genProgram(data)
		p, err := NewProgram(prog)
		if err != nil {
			return
		}
		// NewProgram validated after disassembly; give the VM the same.
		vm, err := xbpf.NewVM(p.Instructions())
		if err != nil {
			t.Fatalf("NewProgram accepted what NewVM rejects: %v", err)
		}
		pkts := [][]byte{pkt}
		for _, fr := range frames[:6] {
			pkts = append(pkts, fr.b)
		}
		for _, b := range pkts {
			want, err := vm.Run(b)
			got, gotI := p.Run(b), p.interpret(b)
			if got != gotI {
				t.Fatalf("threaded %d != switch %d on %x\n%v", got, gotI, b, p.Instructions())
			}
			if err != nil {
				continue // the VM does not implement NegateA
			}
			if int(got) != want && !(want < 0 && uint32(want) == got) {
				t.Fatalf("Program %d, VM %d on %x\n%v", got, want, b, p.Instructions())
			}
		}
	})
}

func TestGenProgramValidMostly(t *testing.T) {
	// The generator must produce accepted programs often, or FuzzProgram
	// tests nothing.
	ok := 0
	for i := 0; i < 1000; i++ {
		data := make([]byte, 60)
		for j := range data {
			data[j] = byte((i*131 + j*17 + j*j*i) >> 1)
		}
		binary.LittleEndian.PutUint32(data, uint32(i*2654435761))
		if _, err := NewProgram(genProgram(data)); err == nil {
			ok++
		}
	}
	if ok < 500 {
		t.Fatalf("only %d of 1000 generated programs are valid", ok)
	}
}
