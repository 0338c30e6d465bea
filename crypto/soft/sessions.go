package soft

import (
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"github.com/gopkt/gopkt/crypto"
	"github.com/gopkt/gopkt/crypto/ccm"
	"github.com/gopkt/gopkt/crypto/cmac"
	"github.com/gopkt/gopkt/crypto/gcm"
	"github.com/gopkt/gopkt/crypto/michael"
	"github.com/gopkt/gopkt/crypto/rc4"
	"github.com/gopkt/gopkt/crypto/tkip"
	"github.com/gopkt/gopkt/crypto/wep"
)

// NewSession binds alg to a copy of key.
func (e *Engine) NewSession(alg crypto.Algorithm, key []byte) (crypto.Session, error) {
	if !alg.Valid() {
		return nil, &crypto.OpError{Op: "new session", Engine: e.name, Err: crypto.ErrNotSupported,
			Fix: fmt.Sprintf("%v is not an algorithm", alg)}
	}
	if want := alg.Params().KeySize; len(key) != want {
		return nil, &crypto.OpError{Op: "new session", Engine: e.name, Alg: alg, Err: crypto.ErrKeySize,
			Fix: fmt.Sprintf("got %d bytes, %v keys are %d", len(key), alg, want)}
	}
	var s algSession
	switch alg {
	case crypto.CCMP128, crypto.CCMP256:
		a, err := ccm.New(key, alg.Params().TagSize)
		if err != nil {
			return nil, err
		}
		cs := &ccmSession{aead: a}
		cs.wipe = a.Wipe
		s = cs
	case crypto.GCMP128, crypto.GCMP256:
		a, err := gcm.New(key)
		if err != nil {
			return nil, err
		}
		s = &gcmSession{aead: a}
	case crypto.WEP40, crypto.WEP104:
		ws := &wepSession{key: append([]byte(nil), key...)}
		ws.wipe = func() { clear(ws.key) }
		s = ws
	case crypto.TKIP:
		ts := &tkipSession{}
		copy(ts.tk[:], key)
		ts.mixer = tkip.NewMixer(ts.tk[:], make([]byte, tkip.TASize))
		ts.wipe = func() { clear(ts.tk[:]); ts.mixer.Reset(ts.tk[:], make([]byte, tkip.TASize)) }
		s = ts
	case crypto.Michael:
		ms := &michaelSession{}
		copy(ms.key[:], key)
		ms.wipe = func() { clear(ms.key[:]) }
		s = ms
	case crypto.BIPCMAC128, crypto.BIPCMAC256:
		c, err := cmac.New(key)
		if err != nil {
			return nil, err
		}
		s = &cmacSession{mac: c}
	}
	b := s.base()
	b.eng, b.alg = e, alg
	e.sessions.Add(1)
	return s, nil
}

type ccmSession struct {
	session
	aead *ccm.AEAD
}

// Process runs op synchronously (crypto.Processor).
func (s *ccmSession) Process(op *crypto.Op) error { return doOne(s.eng, op) }

func (s *ccmSession) run(op *crypto.Op) error {
	if op.Dir == crypto.Encrypt {
		return s.aead.SealDetached(op.Data, op.Tag, op.Nonce, op.Data, op.AAD)
	}
	return ccmOpenErr(s.aead.OpenDetached(op.Data, op.Nonce, op.Data, op.Tag, op.AAD))
}

type gcmSession struct {
	session
	aead *gcm.AEAD
}

// Process runs op synchronously (crypto.Processor).
func (s *gcmSession) Process(op *crypto.Op) error { return doOne(s.eng, op) }

func (s *gcmSession) run(op *crypto.Op) error {
	n := len(op.Data)
	// The standard library's GCM writes the tag after the data; require
	// the frame layout that gives that for free instead of copying.
	if cap(op.Data) < n+gcm.TagSize || unsafe.SliceData(op.Data[n:n+gcm.TagSize]) != unsafe.SliceData(op.Tag) {
		return &crypto.OpError{Op: "process", Engine: s.eng.name, Alg: s.alg, Err: crypto.ErrInvalidOp,
			Fix: "GCMP needs Tag to be the 16 bytes right after Data in the same buffer (the MIC's place in the frame)"}
	}
	if op.Dir == crypto.Encrypt {
		s.aead.Seal(op.Data[:0], op.Nonce, op.Data, op.AAD)
		return nil
	}
	if _, err := s.aead.Open(op.Data[:0], op.Nonce, op.Data[:n+gcm.TagSize], op.AAD); err != nil {
		return crypto.ErrAuth
	}
	return nil
}

type wepSession struct {
	session
	key []byte
}

// Process runs op synchronously (crypto.Processor).
func (s *wepSession) Process(op *crypto.Op) error { return doOne(s.eng, op) }

func (s *wepSession) run(op *crypto.Op) error {
	var buf [16]byte
	seed, err := wep.Seed(&buf, [3]byte(op.Nonce), s.key)
	if err != nil {
		return err
	}
	var c rc4.Cipher
	return rc4Run(&c, op, seed)
}

// rc4Run is the WEP encapsulation shared by WEP and TKIP.
func rc4Run(c *rc4.Cipher, op *crypto.Op, seed []byte) error {
	if op.Dir == crypto.Encrypt {
		return wep.Encrypt(c, seed, op.Data, op.Tag)
	}
	if err := wep.Decrypt(c, seed, op.Data, op.Tag); err != nil {
		if errors.Is(err, wep.ErrICV) {
			return crypto.ErrAuth
		}
		return err
	}
	return nil
}

type tkipSession struct {
	session
	tk    [tkip.KeySize]byte
	mu    sync.Mutex // guards mixer and ta
	mixer *tkip.Mixer
	ta    [tkip.TASize]byte
	taSet bool
}

// Process runs op synchronously (crypto.Processor).
func (s *tkipSession) Process(op *crypto.Op) error { return doOne(s.eng, op) }

func (s *tkipSession) run(op *crypto.Op) error {
	ta := [tkip.TASize]byte(op.Nonce[:6])
	var tsc [8]byte
	copy(tsc[2:], op.Nonce[6:12])
	var key [tkip.RC4KeySize]byte
	s.mu.Lock()
	if !s.taSet || ta != s.ta {
		s.mixer.Reset(s.tk[:], ta[:])
		s.ta, s.taSet = ta, true
	}
	s.mixer.Key(&key, binary.BigEndian.Uint64(tsc[:]))
	s.mu.Unlock()
	var c rc4.Cipher
	return rc4Run(&c, op, key[:])
}

type michaelSession struct {
	session
	key [8]byte
}

// Process runs op synchronously (crypto.Processor).
func (s *michaelSession) Process(op *crypto.Op) error { return doOne(s.eng, op) }

func (s *michaelSession) run(op *crypto.Op) error {
	var d michael.Digest
	d.Reset(s.key)
	d.Write(op.AAD)
	d.Write(op.Data)
	mic := d.Sum8()
	if op.Dir == crypto.Encrypt {
		copy(op.Tag, mic[:])
		return nil
	}
	if subtle.ConstantTimeCompare(mic[:], op.Tag) != 1 {
		return crypto.ErrAuth
	}
	return nil
}

type cmacSession struct {
	session
	mu  sync.Mutex // a CMAC carries streaming state
	mac *cmac.CMAC
}

// Process runs op synchronously (crypto.Processor).
func (s *cmacSession) Process(op *crypto.Op) error { return doOne(s.eng, op) }

func (s *cmacSession) run(op *crypto.Op) error {
	s.mu.Lock()
	s.mac.Reset()
	s.mac.Write(op.AAD)
	s.mac.Write(op.Data)
	m := s.mac.Sum16()
	s.mu.Unlock()
	if op.Dir == crypto.Encrypt {
		copy(op.Tag, m[:len(op.Tag)])
		return nil
	}
	if subtle.ConstantTimeCompare(m[:len(op.Tag)], op.Tag) != 1 {
		return crypto.ErrAuth
	}
	return nil
}
