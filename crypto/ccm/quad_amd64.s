//go:build amd64 && !purego

#include "textflag.h"

// Four-message AES-CCM loops with VAES on 256-bit registers: each YMM
// register carries two messages' blocks (one per 128-bit lane), and
// VAESENC runs a round on both lanes at once, so four CBC-MAC chains and
// four CTR keystreams advance together. Two messages keep the AES units
// only half busy (see pair_amd64.s); four fill them.
//
// Keys: quadKeys holds two interleaved schedules, row r of k12 is
// [round key r of message 1 | round key r of message 2], k34 likewise, so a
// round key row is one 32-byte memory operand. State: quadState is x[4],
// ctr[4], ks[4] of 16 bytes, so [x1|x2] is one 32-byte load.
//
// Registers:
//   AX  k12 rows   BX  k34 rows   R8 Nr   R9 32*Nr   CX blocks left
//   SI/R11/R12/R13  message 1..4 data (in place)     DX state
//   Y0 MAC 1|2   Y1 MAC 3|4   Y2 keystream 1|2   Y3 keystream 3|4
//   Y4 counters 1|2 (byte-reversed)   Y5 counters 3|4
//   Y6/Y7 last round keys   Y8 byte-reverse mask   Y9 {1,0,0,0}x2
//   Y10 data 1|2   Y11 data 3|4   Y12/Y13 next-block last-round keys

DATA bswapMask4<>+0x00(SB)/8, $0x08090a0b0c0d0e0f
DATA bswapMask4<>+0x08(SB)/8, $0x0001020304050607
DATA bswapMask4<>+0x10(SB)/8, $0x08090a0b0c0d0e0f
DATA bswapMask4<>+0x18(SB)/8, $0x0001020304050607
GLOBL bswapMask4<>(SB), (NOPTR+RODATA), $32

DATA one4<>+0x00(SB)/8, $1
DATA one4<>+0x08(SB)/8, $0
DATA one4<>+0x10(SB)/8, $1
DATA one4<>+0x18(SB)/8, $0
GLOBL one4<>(SB), (NOPTR+RODATA), $32

#define QROUND(off) \
	VAESENC off(AX), Y0, Y0; VAESENC off(AX), Y2, Y2; VAESENC off(BX), Y1, Y1; VAESENC off(BX), Y3, Y3

#define QROUNDS9 \
	QROUND(32); QROUND(64); QROUND(96); QROUND(128); QROUND(160); \
	QROUND(192); QROUND(224); QROUND(256); QROUND(288)

#define KSROUND(off) VAESENC off(AX), Y2, Y2; VAESENC off(BX), Y3, Y3

#define KSROUNDS9 \
	KSROUND(32); KSROUND(64); KSROUND(96); KSROUND(128); KSROUND(160); \
	KSROUND(192); KSROUND(224); KSROUND(256); KSROUND(288)

// Next counter blocks, whitened with round key 0.
#define QNEXTCTR \
	VPSHUFB Y8, Y4, Y2; VPADDD Y9, Y4, Y4; VPXOR (AX), Y2, Y2; \
	VPSHUFB Y8, Y5, Y3; VPADDD Y9, Y5, Y5; VPXOR (BX), Y3, Y3

#define QLOADDATA \
	VMOVDQU (SI), X10; VINSERTI128 $1, (R11), Y10, Y10; \
	VMOVDQU (R12), X11; VINSERTI128 $1, (R13), Y11, Y11

#define QADVANCE ADDQ $16, SI; ADDQ $16, R11; ADDQ $16, R12; ADDQ $16, R13

#define QSETUP \
	MOVQ    nr+0(FP), R8; \
	MOVQ    keys+8(FP), AX; \
	LEAQ    480(AX), BX; \
	MOVQ    st+16(FP), DX; \
	MOVQ    p1+24(FP), SI; \
	MOVQ    p2+32(FP), R11; \
	MOVQ    p3+40(FP), R12; \
	MOVQ    p4+48(FP), R13; \
	MOVQ    n+56(FP), CX; \
	MOVQ    R8, R9; \
	SHLQ    $5, R9; \
	VMOVDQU bswapMask4<>(SB), Y8; \
	VMOVDQU one4<>(SB), Y9; \
	VMOVDQU (DX), Y0; \
	VMOVDQU 32(DX), Y1; \
	VMOVDQU 64(DX), Y4; \
	VPSHUFB Y8, Y4, Y4; \
	VMOVDQU 96(DX), Y5; \
	VPSHUFB Y8, Y5, Y5

#define QSTORESTATE \
	VMOVDQU Y0, (DX); \
	VMOVDQU Y1, 32(DX); \
	VPSHUFB Y8, Y4, Y4; \
	VMOVDQU Y4, 64(DX); \
	VPSHUFB Y8, Y5, Y5; \
	VMOVDQU Y5, 96(DX)

// func seal4Asm(nr int, keys *quadKeys, st *quadState, p1, p2, p3, p4 *byte, n int)
// n >= 1 blocks of each message, encrypted in place.
TEXT ·seal4Asm(SB), NOSPLIT, $0-64
	QSETUP
	QLOADDATA
	VPXOR Y10, Y0, Y0
	VPXOR (AX), Y0, Y0
	VPXOR Y11, Y1, Y1
	VPXOR (BX), Y1, Y1

s4loop:
	QNEXTCTR
	QROUNDS9
	CMPQ R8, $12
	JB   s4last
	QROUND(320)
	QROUND(352)
	CMPQ R8, $14
	JB   s4last
	QROUND(384)
	QROUND(416)

s4last:
	VMOVDQU      (AX)(R9*1), Y6
	VMOVDQU      (BX)(R9*1), Y7
	VAESENCLAST  Y6, Y2, Y2
	VAESENCLAST  Y7, Y3, Y3
	VPXOR        Y10, Y2, Y2
	VPXOR        Y11, Y3, Y3
	VMOVDQU      X2, (SI)
	VEXTRACTI128 $1, Y2, (R11)
	VMOVDQU      X3, (R12)
	VEXTRACTI128 $1, Y3, (R13)
	QADVANCE
	DECQ         CX
	JZ           s4tail
	QLOADDATA
	VPXOR        (AX), Y6, Y12
	VPXOR        Y10, Y12, Y12
	VAESENCLAST  Y12, Y0, Y0
	VPXOR        (BX), Y7, Y13
	VPXOR        Y11, Y13, Y13
	VAESENCLAST  Y13, Y1, Y1
	JMP          s4loop

s4tail:
	VAESENCLAST Y6, Y0, Y0
	VAESENCLAST Y7, Y1, Y1
	QSTORESTATE
	VZEROUPPER
	RET

// func open4Asm(nr int, keys *quadKeys, st *quadState, p1, p2, p3, p4 *byte, n int)
// n >= 1 blocks of each message, decrypted in place; on return st.ks holds
// each message's next keystream block and st.ctr the counter after it.
TEXT ·open4Asm(SB), NOSPLIT, $0-64
	QSETUP

	// Keystream for the first block of each message.
	QNEXTCTR
	KSROUNDS9
	CMPQ R8, $12
	JB   o4firstLast
	KSROUND(320)
	KSROUND(352)
	CMPQ R8, $14
	JB   o4firstLast
	KSROUND(384)
	KSROUND(416)

o4firstLast:
	VMOVDQU      (AX)(R9*1), Y6
	VMOVDQU      (BX)(R9*1), Y7
	VAESENCLAST  Y6, Y2, Y2
	VAESENCLAST  Y7, Y3, Y3
	QLOADDATA
	VPXOR        Y2, Y10, Y10
	VPXOR        Y3, Y11, Y11
	VMOVDQU      X10, (SI)
	VEXTRACTI128 $1, Y10, (R11)
	VMOVDQU      X11, (R12)
	VEXTRACTI128 $1, Y11, (R13)
	VPXOR        Y10, Y0, Y0
	VPXOR        (AX), Y0, Y0
	VPXOR        Y11, Y1, Y1
	VPXOR        (BX), Y1, Y1

o4loop:
	QNEXTCTR
	QROUNDS9
	CMPQ R8, $12
	JB   o4last
	QROUND(320)
	QROUND(352)
	CMPQ R8, $14
	JB   o4last
	QROUND(384)
	QROUND(416)

o4last:
	VMOVDQU      (AX)(R9*1), Y6
	VMOVDQU      (BX)(R9*1), Y7
	VAESENCLAST  Y6, Y2, Y2
	VAESENCLAST  Y7, Y3, Y3
	QADVANCE
	DECQ         CX
	JZ           o4tail
	QLOADDATA
	VPXOR        Y2, Y10, Y10
	VPXOR        Y3, Y11, Y11
	VMOVDQU      X10, (SI)
	VEXTRACTI128 $1, Y10, (R11)
	VMOVDQU      X11, (R12)
	VEXTRACTI128 $1, Y11, (R13)
	VPXOR        (AX), Y6, Y12
	VPXOR        Y10, Y12, Y12
	VAESENCLAST  Y12, Y0, Y0
	VPXOR        (BX), Y7, Y13
	VPXOR        Y11, Y13, Y13
	VAESENCLAST  Y13, Y1, Y1
	JMP          o4loop

o4tail:
	VAESENCLAST Y6, Y0, Y0
	VAESENCLAST Y7, Y1, Y1
	QSTORESTATE
	VMOVDQU     Y2, 128(DX)
	VMOVDQU     Y3, 160(DX)
	VZEROUPPER
	RET

// func cpuid7ecx() uint32
TEXT ·cpuid7ecx(SB), NOSPLIT, $0-4
	MOVL $7, AX
	XORL CX, CX
	CPUID
	MOVL CX, ret+0(FP)
	RET
