//go:build amd64 && !purego

package ccm

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// haveAsm reports whether the AES-NI path can run: AESENC needs AES-NI and
// the counter byte swap needs PSHUFB (SSSE3).
func haveAsm() bool { return cpu.X86.HasAES && cpu.X86.HasSSSE3 }

// Implemented in blocks_amd64.s. xk points at the expanded key (nr+1 round
// keys); block counts are whole 16-byte blocks.

//go:noescape
func encrypt2Asm(nr int, xk *byte, x, y *[16]byte)

//go:noescape
func cbcMacAsm(nr int, xk *byte, x *[16]byte, src *byte, n int)

//go:noescape
func sealBlocksAsm(nr int, xk *byte, x, ctr *[16]byte, dst, src *byte, n int)

//go:noescape
func openBlocksAsm(nr int, xk *byte, x, ctr, ks *[16]byte, dst, src *byte, n int)

func (a *AEAD) encrypt2(x, y *[16]byte) {
	if a.asm {
		encrypt2Asm(a.nr, &a.xk[0], x, y)
		return
	}
	a.encrypt2Generic(x, y)
}

func (a *AEAD) cbcMac(x *[16]byte, src []byte) {
	if a.asm {
		cbcMacAsm(a.nr, &a.xk[0], x, unsafe.SliceData(src), len(src)/16)
		return
	}
	a.cbcMacGeneric(x, src)
}

func (a *AEAD) sealBlocks(x, ctr *[16]byte, dst, src []byte) {
	if a.asm {
		if len(dst) < len(src) {
			panic("ccm: short destination")
		}
		sealBlocksAsm(a.nr, &a.xk[0], x, ctr, unsafe.SliceData(dst), unsafe.SliceData(src), len(src)/16)
		return
	}
	a.sealBlocksGeneric(x, ctr, dst, src)
}

func (a *AEAD) openBlocks(x, ctr, ks *[16]byte, dst, src []byte) {
	if a.asm {
		if len(dst) < len(src) {
			panic("ccm: short destination")
		}
		openBlocksAsm(a.nr, &a.xk[0], x, ctr, ks, unsafe.SliceData(dst), unsafe.SliceData(src), len(src)/16)
		return
	}
	a.openBlocksGeneric(x, ctr, ks, dst, src)
}
