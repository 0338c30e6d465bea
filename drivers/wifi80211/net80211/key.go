package net80211

import (
	"crypto/subtle"

	"github.com/gopkt/gopkt/crypto"
	"net"

	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
)

// NumTIDs is the number of QoS traffic identifiers.
const NumTIDs = 16

// tidNonQoS indexes the replay counter shared by non-QoS data and
// management frames, as NetBSD's IEEE80211_NONQOS_TID does.
const tidNonQoS = NumTIDs

// tidMgmt indexes the replay counter of CCMP-protected management frames,
// kept apart from data (802.11-2016 12.5.3.4.4: a separate counter for
// robust management frames).
const tidMgmt = NumTIDs + 1

// KeyFlags describe how a key is used.
type KeyFlags uint16

// Key flags.
const (
	KeyXmit  KeyFlags = 1 << iota // may encrypt
	KeyRecv                       // may decrypt
	KeyGroup                      // group (broadcast/multicast) key
	KeyHW                         // the radio's key cache does the crypto (slot in HWSlot)
)

// KeyStats counts per-key events.
type KeyStats struct {
	Encrypted   uint64
	Decrypted   uint64
	Replays     uint64 // dropped: packet number not above the counter
	DecryptErrs uint64 // dropped: MIC/ICV mismatch
	MICFailures uint64 // TKIP Michael failures
	BadHeader   uint64 // dropped: ExtIV or key ID wrong, truncated
}

// Key is one installed key: cipher, key ID, material, packet numbers.
//
// Replay protection (802.11-2016 12.5.3.4.4, 12.5.2.6): RxPN holds one
// counter per TID plus one for non-QoS data and management frames. A
// cipher's Decap checks the frame's packet number against it before
// decrypting and raises it only after the frame verified, the order of
// NetBSD's ccmp_decap. TxPN is the last packet number sent; Encap
// increments it first, so the first frame uses 1.
//
// A Key is used by one RX goroutine and one TX goroutine at a time: ciphers
// keep separate RX and TX scratch space.
type Key struct {
	Cipher Cipher
	ID     uint8 // key index 0-3
	Flags  KeyFlags
	Peer   net.HardwareAddr // pairwise peer; nil for group keys
	HWSlot int              // key cache slot when KeyHW is set
	// slotFreed: the key was in the key cache (slot HWSlot) and was taken
	// out (a rekey retired it); KeyHW is clear since, so the key works in
	// software, and HWSlot still names the slot frames decrypted by it
	// before the rekey carry.
	slotFreed bool

	TxPN  uint64
	RxPN  [NumTIDs + 2]uint64
	Stats KeyStats

	material [32]byte
	length   int
	txMIC    [8]byte // TKIP Michael key for frames we send
	rxMIC    [8]byte // TKIP Michael key for frames we receive
	pending  [NumTIDs + 2]uint64
	state    any // cipher private state set by Cipher.Init

	// session, when set, is a lookaside session of the crypto offload API
	// (crypto.Registry) that CCMP and GCMP run their AEAD through instead
	// of calling the primitive directly; txOp/rxOp are reused per frame.
	session    crypto.Session
	txOp, rxOp crypto.Op
}

// Session returns the offload session the key's cipher runs on, or nil
// when the cipher calls its primitive directly.
func (k *Key) Session() crypto.Session { return k.session }

// KeyRole says which TKIP Michael half is ours (802.11-2016 12.7.1.3: octets
// 16-23 of the TK are the Authenticator's Tx MIC key, 24-31 the Supplicant's).
type KeyRole uint8

// Roles.
const (
	RoleSupplicant KeyRole = iota
	RoleAuthenticator
)

// NewKey checks material and prepares a key for cipher c. An all-zero key
// is refused (a key installed from an uninitialised buffer is the failure
// mode of several KRACK variants, e.g. CVE-2017-13077's all-zero TK).
func NewKey(c Cipher, id uint8, material []byte, role KeyRole, flags KeyFlags) (*Key, error) {
	if c == nil {
		return nil, opErr("new key", "", ErrKeyInvalid, "no cipher given")
	}
	if len(material) != c.KeyLen() {
		return nil, opErr("new key", "", ErrKeyInvalid, "%s needs %d key octets, got %d", c.Name(), c.KeyLen(), len(material))
	}
	if id > 3 {
		return nil, opErr("new key", "", ErrKeyInvalid, "key ID %d out of range 0-3", id)
	}
	if allZero(material) {
		return nil, opErr("new key", "", ErrKeyInvalid, "refusing an all-zero %s key", c.Name())
	}
	k := &Key{Cipher: c, ID: id, Flags: flags, HWSlot: -1, length: len(material)}
	copy(k.material[:], material)
	if c.Suite() == ie.CipherTKIP {
		auth, supp := material[16:24], material[24:32]
		if role == RoleAuthenticator {
			copy(k.txMIC[:], auth)
			copy(k.rxMIC[:], supp)
		} else {
			copy(k.txMIC[:], supp)
			copy(k.rxMIC[:], auth)
		}
	}
	if err := c.Init(k); err != nil {
		return nil, err
	}
	return k, nil
}

// Material returns the key octets (aliased; do not modify).
func (k *Key) Material() []byte { return k.material[:k.length] }

// SameMaterial reports whether k holds exactly the given key octets, in
// constant time: the check that keeps a retransmitted message from
// reinstalling a key (802.11-2016 12.7.6.4 as amended after KRACK).
func (k *Key) SameMaterial(material []byte) bool {
	return k != nil && len(material) == k.length && subtle.ConstantTimeCompare(material, k.material[:k.length]) == 1
}

// SetRxPN sets every receive counter to pn (a group key's Key RSC).
func (k *Key) SetRxPN(pn uint64) {
	for i := range k.RxPN {
		k.RxPN[i] = pn
	}
}

// Wipe clears the key material.
func (k *Key) Wipe() {
	clear(k.material[:])
	clear(k.txMIC[:])
	clear(k.rxMIC[:])
	k.state = nil
	if k.session != nil {
		_ = k.session.Close()
		k.session = nil
	}
}

func allZero(b []byte) bool {
	var v byte
	for _, x := range b {
		v |= x
	}
	return v == 0
}

// replayIndex returns the replay counter index for a frame (QoS TID, or the
// shared non-QoS slot).
func replayIndex(qos bool, tid uint8) int {
	if qos {
		return int(tid & 15)
	}
	return tidNonQoS
}
