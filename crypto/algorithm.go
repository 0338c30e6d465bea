package crypto

import "fmt"

// Algorithm names one cryptographic transform an engine can run. The set is
// what IEEE 802.11-2016 cipher suites need (12.5, 12.7); each constant's
// comment gives the Op layout it expects.
type Algorithm uint8

// Algorithms. The zero value is invalid.
const (
	_ Algorithm = iota
	// CCMP128 is AES-CCM with a 16-byte key: Nonce 13 bytes, Tag 8 bytes
	// (12.5.3).
	CCMP128
	// CCMP256 is AES-CCM with a 32-byte key: Nonce 13 bytes, Tag 16 bytes.
	CCMP256
	// GCMP128 is AES-GCM with a 16-byte key: Nonce 12 bytes, Tag 16 bytes
	// (12.5.5). Tag must directly follow Data in memory.
	GCMP128
	// GCMP256 is AES-GCM with a 32-byte key; otherwise as GCMP128.
	GCMP256
	// WEP40 is RC4 over IV || 5-byte key: Nonce is the 3-byte IV, Tag the
	// 4-byte ICV (12.3.2).
	WEP40
	// WEP104 is WEP with a 13-byte key.
	WEP104
	// TKIP is RC4 with TKIP key mixing (12.5.2.5) and the WEP ICV: key is
	// the 16-byte TK, Nonce is TA (6 bytes) || TSC (6 bytes, most
	// significant first), Tag is the 4-byte ICV. Michael is a separate
	// operation on the MSDU.
	TKIP
	// Michael is the TKIP MIC (12.5.2.3): key 8 bytes, AAD is the 16-byte
	// MIC header (DA, SA, priority, 3 zero bytes), Data the MSDU body (not
	// modified), Tag 8 bytes.
	Michael
	// BIPCMAC128 is AES-128-CMAC truncated to 8 bytes (12.5.4): AAD then
	// Data are authenticated, neither is modified, Tag 8 bytes.
	BIPCMAC128
	// BIPCMAC256 is AES-256-CMAC with a 16-byte Tag.
	BIPCMAC256

	numAlgorithms
)

var algNames = [numAlgorithms]string{
	CCMP128: "CCMP-128", CCMP256: "CCMP-256", GCMP128: "GCMP-128", GCMP256: "GCMP-256",
	WEP40: "WEP-40", WEP104: "WEP-104", TKIP: "TKIP", Michael: "Michael",
	BIPCMAC128: "BIP-CMAC-128", BIPCMAC256: "BIP-CMAC-256",
}

// String returns the name the standard uses.
func (a Algorithm) String() string {
	if a > 0 && a < numAlgorithms {
		return algNames[a]
	}
	return fmt.Sprintf("Algorithm(%d)", uint8(a))
}

// Valid reports whether a is a defined algorithm.
func (a Algorithm) Valid() bool { return a > 0 && a < numAlgorithms }

// Params are the fixed sizes of an algorithm's key and Op fields.
type Params struct {
	KeySize   int // bytes
	NonceSize int // bytes; 0 if unused
	TagSize   int // bytes
	// Encrypts reports whether Data is transformed; false for pure MACs
	// (Michael, BIP), where Encrypt computes the Tag and Decrypt checks it.
	Encrypts bool
}

var algParams = [numAlgorithms]Params{
	CCMP128:    {16, 13, 8, true},
	CCMP256:    {32, 13, 16, true},
	GCMP128:    {16, 12, 16, true},
	GCMP256:    {32, 12, 16, true},
	WEP40:      {5, 3, 4, true},
	WEP104:     {13, 3, 4, true},
	TKIP:       {16, 12, 4, true},
	Michael:    {8, 0, 8, false},
	BIPCMAC128: {16, 0, 8, false},
	BIPCMAC256: {32, 0, 16, false},
}

// Params returns the sizes for a; the zero Params for an invalid a.
func (a Algorithm) Params() Params {
	if !a.Valid() {
		return Params{}
	}
	return algParams[a]
}

// Mode says where an engine transforms data.
type Mode uint8

const (
	// AnyMode in Needs accepts either mode.
	AnyMode Mode = iota
	// Lookaside engines take buffers through Submit and hand them back
	// through Poll (the software engine; a crypto accelerator).
	Lookaside
	// Inline engines transform frames on their way through a device (a
	// Wi-Fi card's key cache): a session programs a key slot and the data
	// path only marks frames; Submit is not used.
	Inline
)

func (m Mode) String() string {
	switch m {
	case AnyMode:
		return "any"
	case Lookaside:
		return "lookaside"
	case Inline:
		return "inline"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// Dir is the direction of an operation.
type Dir uint8

const (
	// Encrypt protects Data (encrypt and compute Tag, or only compute Tag
	// for MAC algorithms).
	Encrypt Dir = iota + 1
	// Decrypt checks Tag and recovers Data (or only checks Tag).
	Decrypt
)

func (d Dir) String() string {
	switch d {
	case Encrypt:
		return "encrypt"
	case Decrypt:
		return "decrypt"
	}
	return fmt.Sprintf("Dir(%d)", uint8(d))
}
