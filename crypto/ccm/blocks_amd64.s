//go:build amd64 && !purego

#include "textflag.h"

// AES-CCM block loops with AES-NI (Intel AES-NI white paper; FIPS 197).
//
// CCM needs two AES calls per block: one in the CBC-MAC chain (serial, each
// block waits for the previous one) and one for the CTR keystream
// (independent). The loops below issue both in the same round sequence so
// the keystream rides in the shadow of the MAC chain's AESENC latency.
//
// A second trick shortens the chain itself: instead of AESENCLAST with the
// last round key followed by "xor next block" and "xor round key 0", the
// loops use AESENCLAST with (klast ^ k0 ^ next block), computed off the
// critical path, so the chain is exactly Nr AES rounds per block.
//
// Registers:
//   AX  expanded key       R8  Nr        X0  CBC-MAC state (whitened)
//   X1  keystream block    X2  counter, byte-reversed so PADDD increments it
//   X3  data block         X4  round key scratch
//   X5  byte-reverse mask  X6  {1,0,0,0}
//   X7  next-block last-round key        X8 klast  X9 k0  X10 k0^klast

DATA bswapMask<>+0x00(SB)/8, $0x08090a0b0c0d0e0f
DATA bswapMask<>+0x08(SB)/8, $0x0001020304050607
GLOBL bswapMask<>(SB), (NOPTR+RODATA), $16

DATA one<>+0x00(SB)/8, $1
DATA one<>+0x08(SB)/8, $0
GLOBL one<>(SB), (NOPTR+RODATA), $16

// Middle rounds 1..9 on two or one state registers.
#define ROUNDS9x2 \
	MOVOU 16(AX), X4; AESENC X4, X0; AESENC X4, X1; \
	MOVOU 32(AX), X4; AESENC X4, X0; AESENC X4, X1; \
	MOVOU 48(AX), X4; AESENC X4, X0; AESENC X4, X1; \
	MOVOU 64(AX), X4; AESENC X4, X0; AESENC X4, X1; \
	MOVOU 80(AX), X4; AESENC X4, X0; AESENC X4, X1; \
	MOVOU 96(AX), X4; AESENC X4, X0; AESENC X4, X1; \
	MOVOU 112(AX), X4; AESENC X4, X0; AESENC X4, X1; \
	MOVOU 128(AX), X4; AESENC X4, X0; AESENC X4, X1; \
	MOVOU 144(AX), X4; AESENC X4, X0; AESENC X4, X1

#define ROUNDS9x1(S) \
	MOVOU 16(AX), X4; AESENC X4, S; \
	MOVOU 32(AX), X4; AESENC X4, S; \
	MOVOU 48(AX), X4; AESENC X4, S; \
	MOVOU 64(AX), X4; AESENC X4, S; \
	MOVOU 80(AX), X4; AESENC X4, S; \
	MOVOU 96(AX), X4; AESENC X4, S; \
	MOVOU 112(AX), X4; AESENC X4, S; \
	MOVOU 128(AX), X4; AESENC X4, S; \
	MOVOU 144(AX), X4; AESENC X4, S

#define ROUND2(off) MOVOU off(AX), X4; AESENC X4, X0; AESENC X4, X1
#define ROUND1(off, S) MOVOU off(AX), X4; AESENC X4, S

// Load k0, klast and k0^klast.
#define LOADKEYS \
	MOVOU (AX), X9; \
	MOVQ R8, R9; \
	SHLQ $4, R9; \
	MOVOU (AX)(R9*1), X8; \
	MOVO X9, X10; \
	PXOR X8, X10

// func encrypt2Asm(nr int, xk *byte, x, y *[16]byte)
TEXT ·encrypt2Asm(SB), NOSPLIT, $0-32
	MOVQ nr+0(FP), R8
	MOVQ xk+8(FP), AX
	MOVQ x+16(FP), BX
	MOVQ y+24(FP), DX
	LOADKEYS
	MOVOU (BX), X0
	MOVOU (DX), X1
	PXOR  X9, X0
	PXOR  X9, X1
	ROUNDS9x2
	CMPQ  R8, $12
	JB    e2last
	ROUND2(160)
	ROUND2(176)
	CMPQ  R8, $14
	JB    e2last
	ROUND2(192)
	ROUND2(208)

e2last:
	AESENCLAST X8, X0
	AESENCLAST X8, X1
	MOVOU      X0, (BX)
	MOVOU      X1, (DX)
	RET

// func cbcMacAsm(nr int, xk *byte, x *[16]byte, src *byte, n int)
TEXT ·cbcMacAsm(SB), NOSPLIT, $0-40
	MOVQ  nr+0(FP), R8
	MOVQ  xk+8(FP), AX
	MOVQ  x+16(FP), BX
	MOVQ  src+24(FP), SI
	MOVQ  n+32(FP), CX
	TESTQ CX, CX
	JZ    macDone
	LOADKEYS
	MOVOU (BX), X0
	MOVOU (SI), X3
	PXOR  X3, X0
	PXOR  X9, X0

macLoop:
	ROUNDS9x1(X0)
	CMPQ R8, $12
	JB   macLast
	ROUND1(160, X0)
	ROUND1(176, X0)
	CMPQ R8, $14
	JB   macLast
	ROUND1(192, X0)
	ROUND1(208, X0)

macLast:
	ADDQ       $16, SI
	DECQ       CX
	JZ         macTail
	MOVOU      (SI), X7
	PXOR       X10, X7
	AESENCLAST X7, X0
	JMP        macLoop

macTail:
	AESENCLAST X8, X0
	MOVOU      X0, (BX)

macDone:
	RET

// func sealBlocksAsm(nr int, xk *byte, x, ctr *[16]byte, dst, src *byte, n int)
TEXT ·sealBlocksAsm(SB), NOSPLIT, $0-56
	MOVQ  nr+0(FP), R8
	MOVQ  xk+8(FP), AX
	MOVQ  x+16(FP), BX
	MOVQ  ctr+24(FP), DX
	MOVQ  dst+32(FP), DI
	MOVQ  src+40(FP), SI
	MOVQ  n+48(FP), CX
	TESTQ CX, CX
	JZ    sealDone
	LOADKEYS
	MOVOU bswapMask<>(SB), X5
	MOVOU one<>(SB), X6
	MOVOU (DX), X2
	PSHUFB X5, X2
	MOVOU (BX), X0
	MOVOU (SI), X3
	PXOR  X3, X0
	PXOR  X9, X0

sealLoop:
	MOVO   X2, X1
	PSHUFB X5, X1
	PADDD  X6, X2
	PXOR   X9, X1
	ROUNDS9x2
	CMPQ   R8, $12
	JB     sealLast
	ROUND2(160)
	ROUND2(176)
	CMPQ   R8, $14
	JB     sealLast
	ROUND2(192)
	ROUND2(208)

sealLast:
	AESENCLAST X8, X1
	PXOR       X3, X1
	MOVOU      X1, (DI)
	ADDQ       $16, SI
	ADDQ       $16, DI
	DECQ       CX
	JZ         sealTail
	MOVOU      (SI), X3
	MOVO       X3, X7
	PXOR       X10, X7
	AESENCLAST X7, X0
	JMP        sealLoop

sealTail:
	AESENCLAST X8, X0
	MOVOU      X0, (BX)
	PSHUFB     X5, X2
	MOVOU      X2, (DX)

sealDone:
	RET

// func openBlocksAsm(nr int, xk *byte, x, ctr, ks *[16]byte, dst, src *byte, n int)
TEXT ·openBlocksAsm(SB), NOSPLIT, $0-64
	MOVQ   nr+0(FP), R8
	MOVQ   xk+8(FP), AX
	MOVQ   x+16(FP), BX
	MOVQ   ctr+24(FP), DX
	MOVQ   ks+32(FP), R10
	MOVQ   dst+40(FP), DI
	MOVQ   src+48(FP), SI
	MOVQ   n+56(FP), CX
	LOADKEYS
	MOVOU  bswapMask<>(SB), X5
	MOVOU  one<>(SB), X6
	MOVOU  (DX), X2
	PSHUFB X5, X2
	MOVOU  (BX), X0

	// Keystream for the first block.
	MOVO   X2, X1
	PSHUFB X5, X1
	PADDD  X6, X2
	PXOR   X9, X1
	ROUNDS9x1(X1)
	CMPQ   R8, $12
	JB     openFirstLast
	ROUND1(160, X1)
	ROUND1(176, X1)
	CMPQ   R8, $14
	JB     openFirstLast
	ROUND1(192, X1)
	ROUND1(208, X1)

openFirstLast:
	AESENCLAST X8, X1
	TESTQ      CX, CX
	JZ         openDone
	MOVOU      (SI), X3
	PXOR       X1, X3
	MOVOU      X3, (DI)
	PXOR       X3, X0
	PXOR       X9, X0

openLoop:
	// X0 = MAC of block i (whitened), X1 = keystream for block i+1.
	MOVO   X2, X1
	PSHUFB X5, X1
	PADDD  X6, X2
	PXOR   X9, X1
	ROUNDS9x2
	CMPQ   R8, $12
	JB     openLast
	ROUND2(160)
	ROUND2(176)
	CMPQ   R8, $14
	JB     openLast
	ROUND2(192)
	ROUND2(208)

openLast:
	AESENCLAST X8, X1
	ADDQ       $16, SI
	ADDQ       $16, DI
	DECQ       CX
	JZ         openTail
	MOVOU      (SI), X3
	PXOR       X1, X3
	MOVOU      X3, (DI)
	MOVO       X3, X7
	PXOR       X10, X7
	AESENCLAST X7, X0
	JMP        openLoop

openTail:
	AESENCLAST X8, X0

openDone:
	MOVOU  X0, (BX)
	MOVOU  X1, (R10)
	PSHUFB X5, X2
	MOVOU  X2, (DX)
	RET
