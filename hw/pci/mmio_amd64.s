#include "textflag.h"

// Plain 32-bit MMIO accesses (see mmio_amd64.go).

// func mmioLoad32(p unsafe.Pointer) uint32
TEXT ·mmioLoad32(SB), NOSPLIT, $0-12
	MOVQ p+0(FP), AX
	MOVL (AX), BX
	MOVL BX, ret+8(FP)
	RET

// func mmioStore32(p unsafe.Pointer, v uint32)
TEXT ·mmioStore32(SB), NOSPLIT, $0-12
	MOVQ p+0(FP), AX
	MOVL v+8(FP), BX
	MOVL BX, (AX)
	RET
