package soft

import (
	"testing"

	"github.com/gopkt/gopkt/crypto"
)

// benchBatch submits and polls batches of 32 CCMP-128 frames of 1500
// bytes, the shape of dpdk-test-crypto-perf's --burst-sz 32 run, and
// reports bytes per second over the whole batch.
func benchBatch(b *testing.B, alg crypto.Algorithm, dir crypto.Dir) {
	const burst, size = 32, 1500
	e := New(Options{})
	p := alg.Params()
	s, err := e.NewSession(alg, make([]byte, p.KeySize))
	if err != nil {
		b.Fatal(err)
	}
	ops := make([]*crypto.Op, burst)
	done := make([]*crypto.Op, burst)
	for i := range ops {
		buf := make([]byte, size+p.TagSize)
		ops[i] = &crypto.Op{Session: s, Dir: crypto.Encrypt, Nonce: make([]byte, p.NonceSize),
			AAD: make([]byte, 22), Data: buf[:size], Tag: buf[size:]}
		ops[i].Nonce[0] = byte(i)
	}
	if dir == crypto.Decrypt {
		// Seal once; each iteration restores the sealed frames (a memmove,
		// included in the time) and decrypts them in place.
		e.Submit(ops)
		e.Poll(done)
	}
	sealed := make([][]byte, burst)
	for i, op := range ops {
		sealed[i] = append([]byte(nil), op.Data[:size+p.TagSize]...)
		op.Dir = dir
	}
	b.SetBytes(burst * size)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if dir == crypto.Decrypt {
			for i, op := range ops {
				copy(op.Data[:size+p.TagSize], sealed[i])
			}
		}
		if n := e.Submit(ops); n != burst {
			b.Fatalf("Submit took %d", n)
		}
		if n := e.Poll(done); n != burst {
			b.Fatalf("Poll returned %d", n)
		}
		if done[0].Status != nil {
			b.Fatal(done[0].Status)
		}
	}
}

func BenchmarkBatch32CCMPEncrypt(b *testing.B) { benchBatch(b, crypto.CCMP128, crypto.Encrypt) }
func BenchmarkBatch32CCMPDecrypt(b *testing.B) { benchBatch(b, crypto.CCMP128, crypto.Decrypt) }
func BenchmarkBatch32GCMPEncrypt(b *testing.B) { benchBatch(b, crypto.GCMP128, crypto.Encrypt) }
func BenchmarkBatch32TKIPEncrypt(b *testing.B) { benchBatch(b, crypto.TKIP, crypto.Encrypt) }

// BenchmarkDoCCMP is the synchronous single-frame path.
func BenchmarkDoCCMP(b *testing.B) {
	e := New(Options{})
	s, _ := e.NewSession(crypto.CCMP128, make([]byte, 16))
	buf := make([]byte, 1508)
	op := &crypto.Op{Dir: crypto.Encrypt, Nonce: make([]byte, 13), AAD: make([]byte, 22), Data: buf[:1500], Tag: buf[1500:]}
	b.SetBytes(1500)
	b.ReportAllocs()
	for range b.N {
		if err := crypto.Do(s, op); err != nil {
			b.Fatal(err)
		}
	}
}
