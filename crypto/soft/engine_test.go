package soft

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/gopkt/gopkt/crypto"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func mustSession(t testing.TB, e *Engine, alg crypto.Algorithm, key []byte) crypto.Session {
	t.Helper()
	s, err := e.NewSession(alg, key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// frame returns data followed by room for a tag in one buffer, and the
// two views, the layout a cipher uses in an mbuf.
func frame(data []byte, tagLen int) (d, tag []byte) {
	buf := make([]byte, len(data)+tagLen)
	copy(buf, data)
	return buf[:len(data)], buf[len(data):]
}

// Each algorithm through the engine, against a published vector: encrypt
// must produce the vector, decrypt must restore the input, a flipped bit
// must fail with ErrAuth.
func TestVectorsThroughEngine(t *testing.T) {
	tests := []struct {
		name            string
		alg             crypto.Algorithm
		key, nonce, aad string
		plain, out, tag string
		macOnly         bool
	}{
		// IEEE P802.11i/D7.0 I.7.4 CCMP test mpdu 1 (nonce and muted header as given).
		{"CCMP-128 mpdu 1", crypto.CCMP128, "c97c1f67ce371185514a8a19f2bdd52f", "005030f1844408b5039776e70c",
			"08400fd2e128a57c5030f1844408abaea5b8fcba0000", "f8ba1a55d02f85ae967bb62fb6cda8eb7e78a050",
			"f3d0a2fe9a3dbf2342a643e43246e80c3c04d019", "7845ce0b16f97623", false},
		// GCM specification test case 4 (96-bit IV).
		{"GCMP-128 (GCM TC4)", crypto.GCMP128, "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
			"feedfacedeadbeeffeedfacedeadbeefabaddad2",
			"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
			"42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
			"5bc94fbc3221a5db94fae95ae7121a47", false},
		// IEEE P802.11i/D7.0 I.7.2 WEP MPDU.
		{"WEP-40", crypto.WEP40, "3031323334", "fb029e", "",
			"aa aa 03 00 00 00 08 00 45 00 00 4e 66 1a 00 00 80 11 be 64 0a 00 01 22" +
				"0a ff ff ff 00 89 00 89 00 3a 00 00 80 a6 01 10 00 01 00 00 00 00 00 00" +
				"20 45 43 45 4a 45 48 45 43 46 43 45 50 46 45 45 49 45 46 46 43 43 41 43" +
				"41 43 41 43 41 43 41 41 41 00 00 20 00 01",
			"f69c5806bd6ce84626bcbefb9474650aad1f7909b0f64d5f58a503a258b7ed22eb0ea64930d3a056a55742fcce141d485f8aa836dea18df42c5380805ad0c61a5d6f58f41040b24b7d1a693856ed0d4398e7aee3bf0e",
			"2a2ca8f7", false},
		// IEEE P802.11i/D7.0 TKIP MPDU (TA 02:03:04:05:06:07, TSC 1): data+MIC encrypted, ICV.
		{"TKIP", crypto.TKIP, "12345678901234567890123456789012", "020304050607" + "000000000001", "",
			"aaaa03000000080045000054000040004001a555c0a80a02c0a80a0108003ab000000000cd4c050000000000" +
				"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637" +
				"6881a3f3d648d03c",
			"c00e14fce7cfabc77547e666e57c0dac704a1e358a88c11c8e2e282e3801027a4656055ee93e9c254702e9735805ddb5" +
				"769ba73f1ebb56e844ef912285d3dd6e541e823873558adba079068abd7f7f50959675acc4b4de9aa99c05f289a7c52fee5bfc14",
			"f6f8e5f8", false},
		// Same MPDU: the Michael MIC over DA 02:03:04:05:06:08, SA 02:03:04:05:06:07, priority 0.
		{"Michael (TKIP MPDU)", crypto.Michael, "3456789012345678", "", "020304050608" + "020304050607" + "00000000",
			"aaaa03000000080045000054000040004001a555c0a80a02c0a80a0108003ab000000000cd4c050000000000" +
				"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637",
			"", "6881a3f3d648d03c", true},
		// Michael specification vector, AAD empty.
		{"Michael spec", crypto.Michael, "d55e100510128986", "", "", hex.EncodeToString([]byte("Michael")), "", "0a942b124ecaa546", true},
		// RFC 4493 example 3 (40 bytes), tag truncated to BIP's 8 bytes; split over AAD and Data.
		{"BIP-CMAC-128 (RFC 4493)", crypto.BIPCMAC128, "2b7e151628aed2a6abf7158809cf4f3c", "",
			"6bc1bee22e409f96e93d7e117393172a", "ae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411", "", "dfa66747de9ae630", true},
	}
	e := New(Options{})
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			s := mustSession(t, e, tt.alg, unhex(tt.key))
			defer s.Close()
			plain := unhex(tt.plain)
			want := plain
			if !tt.macOnly {
				want = unhex(tt.out)
			}
			data, tag := frame(plain, len(unhex(tt.tag)))
			op := &crypto.Op{Dir: crypto.Encrypt, Nonce: unhex(tt.nonce), AAD: unhex(tt.aad), Data: data, Tag: tag}
			if err := crypto.Do(s, op); err != nil {
				t.Fatalf("encrypt: %v", err)
			}
			if !bytes.Equal(data, want) || !bytes.Equal(tag, unhex(tt.tag)) {
				t.Fatalf("encrypt:\n got %x %x\nwant %x %s", data, tag, want, tt.tag)
			}
			// Decrypt through the batch path.
			op.Dir = crypto.Decrypt
			if n := e.Submit([]*crypto.Op{op}); n != 1 {
				t.Fatalf("Submit took %d", n)
			}
			done := make([]*crypto.Op, 4)
			if n := e.Poll(done); n != 1 || done[0] != op || op.Status != nil {
				t.Fatalf("Poll = %d, status %v", n, op.Status)
			}
			if !bytes.Equal(data, plain) {
				t.Fatalf("decrypt = %x", data)
			}
			// Tamper: every algorithm must notice a flipped tag bit.
			if !tt.macOnly {
				crypto.Do(s, &crypto.Op{Dir: crypto.Encrypt, Nonce: op.Nonce, AAD: op.AAD, Data: data, Tag: tag})
			}
			tag[len(tag)-1] ^= 0x01
			if err := crypto.Do(s, op); !errors.Is(err, crypto.ErrAuth) {
				t.Fatalf("tampered tag: %v; want ErrAuth", err)
			}
		})
	}
	wantOps := uint64(3 * len(tests)) // encrypt, decrypt, tampered decrypt
	for _, tt := range tests {
		if !tt.macOnly {
			wantOps++ // re-encrypt before tampering
		}
	}
	st := e.Stats()
	if st.AuthFailures != uint64(len(tests)) || st.Errors != st.AuthFailures || st.Ops != wantOps || st.Sessions != 0 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestSessionErrors(t *testing.T) {
	e := New(Options{})
	if _, err := e.NewSession(crypto.CCMP128, make([]byte, 32)); !errors.Is(err, crypto.ErrKeySize) {
		t.Fatalf("32-byte CCMP-128 key: %v", err)
	}
	if _, err := e.NewSession(crypto.Algorithm(0), nil); !errors.Is(err, crypto.ErrNotSupported) {
		t.Fatalf("algorithm 0: %v", err)
	}
	s := mustSession(t, e, crypto.CCMP128, make([]byte, 16))
	data, tag := frame(make([]byte, 64), 8)
	bad := []*crypto.Op{
		{Dir: crypto.Encrypt, Nonce: make([]byte, 12), Data: data, Tag: tag},
		{Dir: crypto.Encrypt, Nonce: make([]byte, 13), Data: data, Tag: tag[:7]},
		{Dir: 0, Nonce: make([]byte, 13), Data: data, Tag: tag},
	}
	for i, op := range bad {
		if err := crypto.Do(s, op); !errors.Is(err, crypto.ErrInvalidOp) {
			t.Errorf("bad op %d: %v", i, err)
		}
	}
	gs := mustSession(t, e, crypto.GCMP128, make([]byte, 16))
	apart := &crypto.Op{Dir: crypto.Encrypt, Nonce: make([]byte, 12), Data: make([]byte, 32), Tag: make([]byte, 16)}
	if err := crypto.Do(gs, apart); !errors.Is(err, crypto.ErrInvalidOp) {
		t.Errorf("GCMP tag not after data: %v", err)
	}
	s.Close()
	if err := crypto.Do(s, &crypto.Op{Dir: crypto.Encrypt, Nonce: make([]byte, 13), Data: data, Tag: tag}); !errors.Is(err, crypto.ErrClosed) {
		t.Errorf("closed session: %v", err)
	}
	foreign := &crypto.Op{Session: fakeSession{}, Dir: crypto.Encrypt}
	if e.Submit([]*crypto.Op{foreign}) != 1 || !errors.Is(foreign.Status, crypto.ErrInvalidOp) {
		t.Errorf("foreign session: %v", foreign.Status)
	}
}

type fakeSession struct{}

func (fakeSession) Algorithm() crypto.Algorithm { return crypto.CCMP128 }
func (fakeSession) Engine() crypto.Engine       { return nil }
func (fakeSession) Close() error                { return nil }

// Batches: MaxBatch and the completion ring bound what Submit takes, Poll
// returns completions in order, and nothing is lost.
func TestBatchBounds(t *testing.T) {
	e := New(Options{QueueDepth: 48, MaxBatch: 32})
	s := mustSession(t, e, crypto.CCMP128, make([]byte, 16))
	ops := make([]*crypto.Op, 40)
	for i := range ops {
		d, tag := frame(make([]byte, 100), 8)
		ops[i] = &crypto.Op{Session: s, Dir: crypto.Encrypt, Nonce: make([]byte, 13), Data: d, Tag: tag, User: i}
	}
	if n := e.Submit(ops); n != 32 {
		t.Fatalf("first Submit took %d; want MaxBatch 32", n)
	}
	if n := e.Submit(ops[32:]); n != 8 {
		t.Fatalf("second Submit took %d; want 8", n)
	}
	if n := e.Submit(ops); n != 8 {
		t.Fatalf("third Submit took %d; want the 8 free ring slots", n)
	}
	if n := e.Submit(ops); n != 0 {
		t.Fatalf("Submit into a full ring took %d", n)
	}
	done := make([]*crypto.Op, 64)
	n := e.Poll(done)
	if n != 48 {
		t.Fatalf("Poll = %d; want 48", n)
	}
	for i := range 40 {
		if done[i].User.(int) != i || done[i].Status != nil {
			t.Fatalf("completion %d is op %v (%v)", i, done[i].User, done[i].Status)
		}
	}
	if st := e.Stats(); st.Batches != 3 || st.Ops != 48 || st.Bytes != 4800 {
		t.Fatalf("stats = %+v", st)
	}
}

// Sessions and engines under concurrent use (run with -race).
func TestConcurrent(t *testing.T) {
	e := New(Options{})
	algs := []crypto.Algorithm{crypto.CCMP128, crypto.GCMP128, crypto.TKIP, crypto.Michael, crypto.BIPCMAC128, crypto.WEP104}
	var wg sync.WaitGroup
	for _, alg := range algs {
		p := alg.Params()
		s := mustSession(t, e, alg, make([]byte, p.KeySize))
		for g := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 200 {
					plain := bytes.Repeat([]byte{byte(i + g)}, 300)
					d, tag := frame(plain, p.TagSize)
					nonce := make([]byte, p.NonceSize)
					if len(nonce) > 0 {
						nonce[len(nonce)-1] = byte(i)
					}
					op := &crypto.Op{Dir: crypto.Encrypt, Nonce: nonce, Data: d, Tag: tag}
					if err := crypto.Do(s, op); err != nil {
						t.Error(err)
						return
					}
					op.Dir = crypto.Decrypt
					if err := crypto.Do(s, op); err != nil || !bytes.Equal(d, plain) {
						t.Errorf("%v: round trip: %v", alg, err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
}
