package soft

import (
	"testing"

	"github.com/gopkt/gopkt/crypto"
)

// FuzzDecrypt feeds arbitrary nonces, AAD, data and tags to every
// algorithm's decrypt path: the op must complete with a status (ErrAuth,
// ErrInvalidOp or nil), never panic.
func FuzzDecrypt(f *testing.F) {
	f.Add(uint8(crypto.CCMP128), make([]byte, 13), []byte{1, 2}, []byte("payload"), make([]byte, 8))
	f.Add(uint8(crypto.GCMP128), make([]byte, 12), []byte{}, make([]byte, 40), make([]byte, 16))
	f.Add(uint8(crypto.TKIP), make([]byte, 12), []byte{}, []byte("x"), make([]byte, 4))
	f.Add(uint8(crypto.WEP40), []byte{1, 2, 3}, []byte{}, []byte{}, make([]byte, 4))
	f.Add(uint8(crypto.Michael), []byte{}, make([]byte, 16), []byte("m"), make([]byte, 8))
	f.Add(uint8(crypto.BIPCMAC256), []byte{}, make([]byte, 20), []byte("m"), make([]byte, 16))
	f.Add(uint8(0), []byte{}, []byte{}, []byte{}, []byte{})
	e := New(Options{})
	sessions := map[crypto.Algorithm]crypto.Session{}
	for a := crypto.Algorithm(1); a.Valid(); a++ {
		s, err := e.NewSession(a, make([]byte, a.Params().KeySize))
		if err != nil {
			f.Fatal(err)
		}
		sessions[a] = s
	}
	f.Fuzz(func(t *testing.T, alg uint8, nonce, aad, data, tag []byte) {
		s, ok := sessions[crypto.Algorithm(alg)]
		if !ok {
			return
		}
		// Lay the tag out after the data, as frames do, so GCMP runs too.
		buf := append(append([]byte(nil), data...), tag...)
		op := &crypto.Op{Dir: crypto.Decrypt, Nonce: nonce, AAD: aad, Data: buf[:len(data)], Tag: buf[len(data):]}
		err := crypto.Do(s, op)
		if err != nil && op.Status != err {
			t.Fatalf("Status %v differs from returned %v", op.Status, err)
		}
	})
}
