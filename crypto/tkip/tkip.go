package tkip

import (
	"encoding/binary"
	"math/bits"

	"github.com/gopkt/gopkt/crypto/internal/gf256"
)

// Sizes from IEEE 802.11-2016 12.5.2.
const (
	KeySize    = 16 // the TKIP temporal encryption key (TK)
	RC4KeySize = 16 // the per-frame WEP seed produced by phase 2
	TASize     = 6  // transmitter address
)

// TTAK is the phase 1 output, the TKIP-mixed transmit address and key
// (12.5.2.5.2): five 16-bit words.
type TTAK [5]uint16

// SBox is the TKIP 16-bit S-box, derived from the AES S-box: for a byte x,
// t[x] = (2*S[x]) << 8 | (3*S[x]), and S(v) = t[lo(v)] ^ swap(t[hi(v)])
// (12.5.2.5.1). Each Mixer holds one (512 bytes).
type SBox [256]uint16

// init fills the table from the AES S-box.
func (s *SBox) init() {
	for i := range s {
		v := gf256.SBox(byte(i))
		s[i] = uint16(gf256.Mul(v, 2))<<8 | uint16(gf256.Mul(v, 3))
	}
}

func (s *SBox) sub(v uint16) uint16 {
	return s[v&0xff] ^ bits.ReverseBytes16(s[v>>8])
}

// tk16 is Mk16(TK[2n+1], TK[2n]) for the byte offset o: a little-endian word.
func tk16(tk []byte, o int) uint16 { return binary.LittleEndian.Uint16(tk[o:]) }

// Phase1 computes TTAK from the temporal key, the transmitter address and
// the upper 32 bits of the TSC (12.5.2.5.2). It only changes every 65536
// frames, so Mixer caches it.
func (s *SBox) Phase1(ttak *TTAK, tk, ta []byte, iv32 uint32) {
	_, _ = tk[KeySize-1], ta[TASize-1]
	ttak[0] = uint16(iv32)
	ttak[1] = uint16(iv32 >> 16)
	ttak[2] = binary.LittleEndian.Uint16(ta[0:])
	ttak[3] = binary.LittleEndian.Uint16(ta[2:])
	ttak[4] = binary.LittleEndian.Uint16(ta[4:])
	for i := range 8 {
		j := 2 * (i & 1)
		ttak[0] += s.sub(ttak[4] ^ tk16(tk, 0+j))
		ttak[1] += s.sub(ttak[0] ^ tk16(tk, 4+j))
		ttak[2] += s.sub(ttak[1] ^ tk16(tk, 8+j))
		ttak[3] += s.sub(ttak[2] ^ tk16(tk, 12+j))
		ttak[4] += s.sub(ttak[3]^tk16(tk, 0+j)) + uint16(i)
	}
}

// Phase2 computes the 16-byte RC4 key (the WEP seed) for one frame from
// TTAK, the temporal key and the low 16 bits of the TSC (12.5.2.5.3). The
// first three bytes are the WEP IV as transmitted: TSC1, (TSC1|0x20)&0x7f,
// TSC0.
func (s *SBox) Phase2(key *[RC4KeySize]byte, ttak *TTAK, tk []byte, iv16 uint16) {
	_ = tk[KeySize-1]
	var ppk [6]uint16
	copy(ppk[:5], ttak[:])
	ppk[5] = ttak[4] + iv16
	ppk[0] += s.sub(ppk[5] ^ tk16(tk, 0))
	ppk[1] += s.sub(ppk[0] ^ tk16(tk, 2))
	ppk[2] += s.sub(ppk[1] ^ tk16(tk, 4))
	ppk[3] += s.sub(ppk[2] ^ tk16(tk, 6))
	ppk[4] += s.sub(ppk[3] ^ tk16(tk, 8))
	ppk[5] += s.sub(ppk[4] ^ tk16(tk, 10))
	ppk[0] += bits.RotateLeft16(ppk[5]^tk16(tk, 12), -1)
	ppk[1] += bits.RotateLeft16(ppk[0]^tk16(tk, 14), -1)
	ppk[2] += bits.RotateLeft16(ppk[1], -1)
	ppk[3] += bits.RotateLeft16(ppk[2], -1)
	ppk[4] += bits.RotateLeft16(ppk[3], -1)
	ppk[5] += bits.RotateLeft16(ppk[4], -1)
	key[0] = byte(iv16 >> 8)
	key[1] = (byte(iv16>>8) | 0x20) & 0x7f
	key[2] = byte(iv16)
	key[3] = byte((ppk[5] ^ tk16(tk, 0)) >> 1)
	for i := range ppk {
		binary.LittleEndian.PutUint16(key[4+2*i:], ppk[i])
	}
}

// Mixer produces per-frame RC4 keys for one (TK, TA) pair, caching phase 1
// across frames with the same IV32. A Mixer is not safe for concurrent use;
// keep one per transmit or receive context.
type Mixer struct {
	sbox  SBox
	tk    [KeySize]byte
	ta    [TASize]byte
	iv32  uint32
	ttak  TTAK
	valid bool
}

// NewMixer returns a Mixer for the temporal key tk (16 bytes) and
// transmitter address ta (6 bytes). It panics on other lengths: both come
// from the key table, not from the network.
func NewMixer(tk, ta []byte) *Mixer {
	m := new(Mixer)
	m.sbox.init()
	m.Reset(tk, ta)
	return m
}

// Reset re-keys the Mixer without allocating.
func (m *Mixer) Reset(tk, ta []byte) {
	if len(tk) != KeySize || len(ta) != TASize {
		panic("tkip: Mixer needs a 16-byte TK and a 6-byte TA")
	}
	copy(m.tk[:], tk)
	copy(m.ta[:], ta)
	m.ttak = TTAK{}
	m.valid = false
}

// Key writes the RC4 key for the 48-bit TSC (IV32 = tsc>>16, IV16 = tsc).
func (m *Mixer) Key(key *[RC4KeySize]byte, tsc uint64) {
	iv32 := uint32(tsc >> 16)
	if !m.valid || iv32 != m.iv32 {
		m.sbox.Phase1(&m.ttak, m.tk[:], m.ta[:], iv32)
		m.iv32, m.valid = iv32, true
	}
	m.sbox.Phase2(key, &m.ttak, m.tk[:], uint16(tsc))
}

// TTAK returns the cached phase 1 output (valid after the first Key call).
func (m *Mixer) TTAK() TTAK { return m.ttak }
