package crypto_test

import (
	"fmt"

	"github.com/gopkt/gopkt/crypto"
	"github.com/gopkt/gopkt/crypto/cryptotest"
	"github.com/gopkt/gopkt/crypto/soft"
)

// A program registers its engines explicitly; the card's key cache wins
// CCMP by priority, and a caller that needs bytes transformed in memory
// asks for a lookaside engine and gets the software one.
func Example() {
	var reg crypto.Registry
	reg.Register(soft.New(soft.Options{}))
	reg.Register(cryptotest.KeyCache("card0", 100, 8, crypto.CCMP128))

	best, _ := reg.Select(crypto.CCMP128, 16, crypto.Needs{})
	look, _ := reg.Select(crypto.CCMP128, 16, crypto.Needs{Mode: crypto.Lookaside})
	fmt.Println(best.Name(), look.Name())

	sess, _ := look.NewSession(crypto.CCMP128, make([]byte, 16))
	frame := make([]byte, 100+8) // body, then room for the MIC
	op := &crypto.Op{Dir: crypto.Encrypt, Nonce: make([]byte, 13), AAD: make([]byte, 22), Data: frame[:100], Tag: frame[100:]}
	fmt.Println(crypto.Do(sess, op))
	op.Dir = crypto.Decrypt
	frame[0] ^= 1 // corrupt it
	fmt.Println(crypto.Do(sess, op))
	st := look.Stats()
	fmt.Println(st.Ops, st.AuthFailures)
	// Output:
	// card0 soft
	// <nil>
	// crypto: authentication failed
	// 2 1
}
