package eapol

// KDE data types under OUI 00:0F:AC (12.7.2, table 12-6).
const (
	KDEGTK   = 1
	KDEMAC   = 3
	KDEPMKID = 4
	KDENonce = 6
	KDELife  = 7
	KDEError = 8
	KDEIGTK  = 9
	KDEKeyID = 10
)

// Item is one entry of Key Data: an element (ID != 0xdd or a non-KDE vendor
// element) or a KDE (OUI 00:0F:AC) with its data type.
type Item struct {
	ID    uint8
	KDE   bool
	Type  uint8  // KDE data type when KDE
	Data  []byte // element body, or KDE data after OUI and type
	Bytes []byte // the whole item including its two header octets
}

// KDEIter walks decrypted Key Data. Padding (an 0xdd octet followed only by
// zeros, 12.7.2 j) ends the walk without error.
type KDEIter struct {
	b   []byte
	cur Item
	err error
}

// NewKDEIter starts a walk over key data.
func NewKDEIter(b []byte) KDEIter { return KDEIter{b: b} }

// Next advances to the next item.
func (it *KDEIter) Next() bool {
	if len(it.b) == 0 || it.err != nil {
		return false
	}
	if it.b[0] == 0xdd && allZero(it.b[1:]) {
		it.b = nil
		return false
	}
	if len(it.b) < 2 || len(it.b) < 2+int(it.b[1]) {
		it.err = ErrTruncated
		return false
	}
	n := 2 + int(it.b[1])
	item := Item{ID: it.b[0], Data: it.b[2:n:n], Bytes: it.b[:n:n]}
	if item.ID == 0xdd && n >= 6 && it.b[2] == 0x00 && it.b[3] == 0x0f && it.b[4] == 0xac {
		item.KDE, item.Type, item.Data = true, it.b[5], it.b[6:n:n]
	}
	it.cur = item
	it.b = it.b[n:]
	return true
}

// Item returns the current item.
func (it *KDEIter) Item() Item { return it.cur }

// Err returns the error that stopped the walk.
func (it *KDEIter) Err() error { return it.err }

func allZero(b []byte) bool {
	for _, v := range b {
		if v != 0 {
			return false
		}
	}
	return true
}

// GTK is a decoded GTK KDE (12.7.2, figure 12-35).
type GTK struct {
	KeyID uint8
	Tx    bool
	Key   []byte // aliases the key data
}

// ParseGTK decodes the data of a GTK KDE: KeyID/Tx octet, reserved, GTK
// (16 octets for CCMP/GCMP-128, 32 for TKIP).
func ParseGTK(data []byte) (GTK, error) {
	if len(data) < 2+5 {
		return GTK{}, ErrTruncated
	}
	return GTK{KeyID: data[0] & 3, Tx: data[0]&4 != 0, Key: data[2:]}, nil
}

// AppendKDE appends a KDE with OUI 00:0F:AC.
func AppendKDE(dst []byte, typ uint8, data []byte) []byte {
	dst = append(dst, 0xdd, byte(4+len(data)), 0x00, 0x0f, 0xac, typ)
	return append(dst, data...)
}

// AppendGTK appends a GTK KDE.
func AppendGTK(dst []byte, g *GTK) []byte {
	b := g.KeyID & 3
	if g.Tx {
		b |= 4
	}
	dst = append(dst, 0xdd, byte(6+len(g.Key)), 0x00, 0x0f, 0xac, KDEGTK, b, 0)
	return append(dst, g.Key...)
}

// Pad pads key data for AES key wrap (12.7.2 j): at least 16 octets and a
// multiple of 8, padding with 0xdd then zeros.
func Pad(dst []byte) []byte {
	n := len(dst)
	if n >= 16 && n%8 == 0 {
		return dst
	}
	dst = append(dst, 0xdd)
	for len(dst) < 16 || len(dst)%8 != 0 {
		dst = append(dst, 0)
	}
	return dst
}
