//go:build amd64 && !purego

#include "textflag.h"

// Two-message AES-CCM loops: two independent CCM computations (each with
// its own key schedule, MAC chain and counter) advance in one instruction
// stream. One message's CBC-MAC chain is bound by AESENC latency and leaves
// the AES units mostly idle; a second message's chain fills them. See
// blocks_amd64.s for the single-message loops and the register tricks.
//
// Registers:
//   AX  lane 1 expanded key     BX  lane 2 expanded key   R8 Nr   R9 16*Nr
//   SI/DI  lane 1 src/dst       R11/R10 lane 2 src/dst    CX blocks left
//   X0 lane 1 MAC   X1 lane 1 keystream   X2 lane 1 counter (byte-reversed)
//   X3 lane 2 MAC   X4 lane 2 keystream   X5 lane 2 counter (byte-reversed)
//   X6/X7 round key scratch (lane 1/2)    X8 byte-reverse mask  X9 {1,0,0,0}
//   X10/X11 data blocks (lane 1/2)        X12/X13 next-block last-round keys

// Rounds 1..9 for both lanes, each lane's MAC and keystream state.
#define ROUNDS9x4 \
	MOVOU 16(AX), X6; MOVOU 16(BX), X7; AESENC X6, X0; AESENC X6, X1; AESENC X7, X3; AESENC X7, X4; \
	MOVOU 32(AX), X6; MOVOU 32(BX), X7; AESENC X6, X0; AESENC X6, X1; AESENC X7, X3; AESENC X7, X4; \
	MOVOU 48(AX), X6; MOVOU 48(BX), X7; AESENC X6, X0; AESENC X6, X1; AESENC X7, X3; AESENC X7, X4; \
	MOVOU 64(AX), X6; MOVOU 64(BX), X7; AESENC X6, X0; AESENC X6, X1; AESENC X7, X3; AESENC X7, X4; \
	MOVOU 80(AX), X6; MOVOU 80(BX), X7; AESENC X6, X0; AESENC X6, X1; AESENC X7, X3; AESENC X7, X4; \
	MOVOU 96(AX), X6; MOVOU 96(BX), X7; AESENC X6, X0; AESENC X6, X1; AESENC X7, X3; AESENC X7, X4; \
	MOVOU 112(AX), X6; MOVOU 112(BX), X7; AESENC X6, X0; AESENC X6, X1; AESENC X7, X3; AESENC X7, X4; \
	MOVOU 128(AX), X6; MOVOU 128(BX), X7; AESENC X6, X0; AESENC X6, X1; AESENC X7, X3; AESENC X7, X4; \
	MOVOU 144(AX), X6; MOVOU 144(BX), X7; AESENC X6, X0; AESENC X6, X1; AESENC X7, X3; AESENC X7, X4

#define ROUND4(off) MOVOU off(AX), X6; MOVOU off(BX), X7; AESENC X6, X0; AESENC X6, X1; AESENC X7, X3; AESENC X7, X4

// Keystream rounds only (lanes' X1 and X4), for the open prologue.
#define ROUNDS9KS \
	MOVOU 16(AX), X6; MOVOU 16(BX), X7; AESENC X6, X1; AESENC X7, X4; \
	MOVOU 32(AX), X6; MOVOU 32(BX), X7; AESENC X6, X1; AESENC X7, X4; \
	MOVOU 48(AX), X6; MOVOU 48(BX), X7; AESENC X6, X1; AESENC X7, X4; \
	MOVOU 64(AX), X6; MOVOU 64(BX), X7; AESENC X6, X1; AESENC X7, X4; \
	MOVOU 80(AX), X6; MOVOU 80(BX), X7; AESENC X6, X1; AESENC X7, X4; \
	MOVOU 96(AX), X6; MOVOU 96(BX), X7; AESENC X6, X1; AESENC X7, X4; \
	MOVOU 112(AX), X6; MOVOU 112(BX), X7; AESENC X6, X1; AESENC X7, X4; \
	MOVOU 128(AX), X6; MOVOU 128(BX), X7; AESENC X6, X1; AESENC X7, X4; \
	MOVOU 144(AX), X6; MOVOU 144(BX), X7; AESENC X6, X1; AESENC X7, X4

#define ROUNDKS(off) MOVOU off(AX), X6; MOVOU off(BX), X7; AESENC X6, X1; AESENC X7, X4

// Next counter block for both lanes, whitened with k0.
#define NEXTCTR \
	MOVO X2, X1; PSHUFB X8, X1; PADDD X9, X2; MOVOU (AX), X6; PXOR X6, X1; \
	MOVO X5, X4; PSHUFB X8, X4; PADDD X9, X5; MOVOU (BX), X7; PXOR X7, X4

DATA bswapMask2<>+0x00(SB)/8, $0x08090a0b0c0d0e0f
DATA bswapMask2<>+0x08(SB)/8, $0x0001020304050607
GLOBL bswapMask2<>(SB), (NOPTR+RODATA), $16

DATA one2<>+0x00(SB)/8, $1
DATA one2<>+0x08(SB)/8, $0
GLOBL one2<>(SB), (NOPTR+RODATA), $16

// Load both lanes' state: counters (byte-reversed) and MACs.
#define LOADSTATE \
	MOVQ   R8, R9; \
	SHLQ   $4, R9; \
	MOVOU  bswapMask2<>(SB), X8; \
	MOVOU  one2<>(SB), X9; \
	MOVQ   c1+32(FP), DX; \
	MOVOU  (DX), X2; \
	PSHUFB X8, X2; \
	MOVQ   c2+48(FP), DX; \
	MOVOU  (DX), X5; \
	PSHUFB X8, X5; \
	MOVQ   x1+24(FP), DX; \
	MOVOU  (DX), X0; \
	MOVQ   x2+40(FP), DX; \
	MOVOU  (DX), X3

// Store both lanes' MACs and counters.
#define STORESTATE \
	MOVQ   x1+24(FP), DX; \
	MOVOU  X0, (DX); \
	MOVQ   x2+40(FP), DX; \
	MOVOU  X3, (DX); \
	PSHUFB X8, X2; \
	MOVQ   c1+32(FP), DX; \
	MOVOU  X2, (DX); \
	PSHUFB X8, X5; \
	MOVQ   c2+48(FP), DX; \
	MOVOU  X5, (DX)

// func seal2Asm(nr int, xk1, xk2 *byte, x1, c1, x2, c2 *[16]byte, d1, s1, d2, s2 *byte, n int)
TEXT ·seal2Asm(SB), NOSPLIT, $0-96
	MOVQ  nr+0(FP), R8
	MOVQ  xk1+8(FP), AX
	MOVQ  xk2+16(FP), BX
	MOVQ  d1+56(FP), DI
	MOVQ  s1+64(FP), SI
	MOVQ  d2+72(FP), R10
	MOVQ  s2+80(FP), R11
	MOVQ  n+88(FP), CX
	TESTQ CX, CX
	JZ    s2done
	LOADSTATE

	// Whiten: MAC ^= first block ^ k0, per lane.
	MOVOU (SI), X10
	PXOR  X10, X0
	MOVOU (AX), X6
	PXOR  X6, X0
	MOVOU (R11), X11
	PXOR  X11, X3
	MOVOU (BX), X7
	PXOR  X7, X3

s2loop:
	NEXTCTR
	ROUNDS9x4
	CMPQ R8, $12
	JB   s2last
	ROUND4(160)
	ROUND4(176)
	CMPQ R8, $14
	JB   s2last
	ROUND4(192)
	ROUND4(208)

s2last:
	MOVOU      (AX)(R9*1), X6
	MOVOU      (BX)(R9*1), X7
	AESENCLAST X6, X1
	AESENCLAST X7, X4
	PXOR       X10, X1
	PXOR       X11, X4
	MOVOU      X1, (DI)
	MOVOU      X4, (R10)
	ADDQ       $16, SI
	ADDQ       $16, DI
	ADDQ       $16, R11
	ADDQ       $16, R10
	DECQ       CX
	JZ         s2tail
	MOVOU      (SI), X10
	MOVOU      (R11), X11
	MOVOU      (AX), X12
	PXOR       X6, X12
	PXOR       X10, X12
	AESENCLAST X12, X0
	MOVOU      (BX), X13
	PXOR       X7, X13
	PXOR       X11, X13
	AESENCLAST X13, X3
	JMP        s2loop

s2tail:
	AESENCLAST X6, X0
	AESENCLAST X7, X3
	STORESTATE

s2done:
	RET

// func open2Asm(nr int, xk1, xk2 *byte, x1, c1, x2, c2 *[16]byte, d1, s1, d2, s2 *byte, n int, k1, k2 *[16]byte)
//
// As openBlocksAsm, for two lanes: on return k1/k2 hold each lane's next
// keystream block and c1/c2 the counter after it. n must be at least 1.
TEXT ·open2Asm(SB), NOSPLIT, $0-112
	MOVQ nr+0(FP), R8
	MOVQ xk1+8(FP), AX
	MOVQ xk2+16(FP), BX
	MOVQ d1+56(FP), DI
	MOVQ s1+64(FP), SI
	MOVQ d2+72(FP), R10
	MOVQ s2+80(FP), R11
	MOVQ n+88(FP), CX
	LOADSTATE

	// Keystream for the first block of both lanes.
	NEXTCTR
	ROUNDS9KS
	CMPQ R8, $12
	JB   o2firstLast
	ROUNDKS(160)
	ROUNDKS(176)
	CMPQ R8, $14
	JB   o2firstLast
	ROUNDKS(192)
	ROUNDKS(208)

o2firstLast:
	MOVOU      (AX)(R9*1), X6
	MOVOU      (BX)(R9*1), X7
	AESENCLAST X6, X1
	AESENCLAST X7, X4
	MOVOU      (SI), X10
	PXOR       X1, X10
	MOVOU      X10, (DI)
	PXOR       X10, X0
	MOVOU      (AX), X6
	PXOR       X6, X0
	MOVOU      (R11), X11
	PXOR       X4, X11
	MOVOU      X11, (R10)
	PXOR       X11, X3
	MOVOU      (BX), X7
	PXOR       X7, X3

o2loop:
	NEXTCTR
	ROUNDS9x4
	CMPQ R8, $12
	JB   o2last
	ROUND4(160)
	ROUND4(176)
	CMPQ R8, $14
	JB   o2last
	ROUND4(192)
	ROUND4(208)

o2last:
	MOVOU      (AX)(R9*1), X6
	MOVOU      (BX)(R9*1), X7
	AESENCLAST X6, X1
	AESENCLAST X7, X4
	ADDQ       $16, SI
	ADDQ       $16, DI
	ADDQ       $16, R11
	ADDQ       $16, R10
	DECQ       CX
	JZ         o2tail
	MOVOU      (SI), X10
	PXOR       X1, X10
	MOVOU      X10, (DI)
	MOVOU      (R11), X11
	PXOR       X4, X11
	MOVOU      X11, (R10)
	MOVOU      (AX), X12
	PXOR       X6, X12
	PXOR       X10, X12
	AESENCLAST X12, X0
	MOVOU      (BX), X13
	PXOR       X7, X13
	PXOR       X11, X13
	AESENCLAST X13, X3
	JMP        o2loop

o2tail:
	AESENCLAST X6, X0
	AESENCLAST X7, X3
	STORESTATE
	MOVQ       k1+96(FP), DX
	MOVOU      X1, (DX)
	MOVQ       k2+104(FP), DX
	MOVOU      X4, (DX)
	RET
