package vcard

import (
	"fmt"
	"net"
	"sync"

	"github.com/gopkt/gopkt/crypto"
)

// The key cache is an inline engine of the crypto offload API (package
// crypto): registered next to the software engine, it wins CCMP-128 by
// capability and priority, and Registry.NewSession falls through to
// software when its slots are full or the algorithm is not one the card
// has (docs/vcard.md §7).

// EnginePriority is the key cache's crypto.Engine priority (hardware: 100
// and up).
const EnginePriority = 100

var _ crypto.Engine = (*KeyCache)(nil)

// Name implements crypto.Engine: "vcard <PCI address>".
func (k *KeyCache) Name() string { return "vcard " + k.d.Addr() }

// Capabilities implements crypto.Engine: CCMP-128 inline when the card's
// KEYCAPS has it.
func (k *KeyCache) Capabilities() []crypto.Capability {
	if !k.Supports(CipherCCMP) {
		return nil
	}
	return []crypto.Capability{{Alg: crypto.CCMP128, KeySizes: []int{16}, Mode: crypto.Inline}}
}

// Priority implements crypto.Engine.
func (k *KeyCache) Priority() int { return EnginePriority }

// NewSession implements crypto.Engine: it takes a slot and programs the key
// with no peer yet (the slot then matches no received frame); KeySession.Bind
// adds the 802.11 context.
func (k *KeyCache) NewSession(alg crypto.Algorithm, key []byte) (crypto.Session, error) {
	if alg != crypto.CCMP128 {
		return nil, fmt.Errorf("vcard: %v in the key cache: %w", alg, crypto.ErrNotSupported)
	}
	s := &KeySession{kc: k, key: append([]byte(nil), key...)}
	slot, err := k.Install(Key{Cipher: CipherCCMP, Key: s.key, Peer: make(net.HardwareAddr, 6)})
	if err != nil {
		clear(s.key)
		return nil, err
	}
	s.slot = slot
	k.d.mu.Lock()
	k.sessions++
	k.d.mu.Unlock()
	return s, nil
}

// Submit implements crypto.Engine: an inline engine takes no buffers.
func (k *KeyCache) Submit([]*crypto.Op) int { return 0 }

// Poll implements crypto.Engine.
func (k *KeyCache) Poll([]*crypto.Op) int { return 0 }

// Stats implements crypto.Engine from the card's counters: frames encrypted
// and decrypted, MIC failures, open sessions.
func (k *KeyCache) Stats() crypto.Stats {
	s := k.d.Stats()
	k.d.mu.Lock()
	n := k.sessions
	k.d.mu.Unlock()
	return crypto.Stats{Ops: uint64(s.TxCrypto) + uint64(s.RxDecrypted) + uint64(s.RxMICErr),
		Errors: uint64(s.RxMICErr), AuthFailures: uint64(s.RxMICErr), Sessions: n}
}

// KeySession is a key-cache slot holding one key (crypto.Session).
type KeySession struct {
	kc   *KeyCache
	mu   sync.Mutex
	slot int
	key  []byte // kept to reprogram the slot in Bind; wiped by Close
}

// Algorithm implements crypto.Session.
func (s *KeySession) Algorithm() crypto.Algorithm { return crypto.CCMP128 }

// Engine implements crypto.Session.
func (s *KeySession) Engine() crypto.Engine { return s.kc }

// Slot is the key-cache slot to name in TxInfo.Key.
func (s *KeySession) Slot() int { return s.slot }

// Binding is the 802.11 context of a key: whose frames it decrypts and its
// packet-number state.
type Binding struct {
	Peer  net.HardwareAddr // transmitter of frames to decrypt (nil with Group)
	Index uint8
	Group bool
	TSC   uint64
	RSC   uint64
}

// Bind programs the slot with the key's 802.11 context.
func (s *KeySession) Bind(b Binding) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key == nil {
		return s.kc.d.opErr("key bind", ErrClosed, "the session was closed")
	}
	if err := s.kc.Delete(s.slot); err != nil {
		return err
	}
	slot, err := s.kc.Install(Key{Cipher: CipherCCMP, Key: s.key, Peer: b.Peer, Index: b.Index, Group: b.Group, TSC: b.TSC, RSC: b.RSC})
	if err != nil {
		s.slot = -1
		return err
	}
	s.slot = slot
	return nil
}

// Close implements crypto.Session: it clears the slot and wipes the key.
func (s *KeySession) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key == nil {
		return nil
	}
	clear(s.key)
	s.key = nil
	k := s.kc
	k.d.mu.Lock()
	k.sessions--
	k.d.mu.Unlock()
	if s.slot < 0 {
		return nil
	}
	return k.Delete(s.slot)
}
