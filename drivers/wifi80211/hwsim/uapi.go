package hwsim

import (
	"encoding/binary"
	"errors"
)

// Family is the generic netlink family name (mac80211_hwsim.h).
const Family = "MAC80211_HWSIM"

// Commands (enum hwsim_commands).
const (
	cmdRegister    = 1
	cmdFrame       = 2
	cmdTxInfoFrame = 3
	cmdAddMACAddr  = 7
	cmdDelMACAddr  = 8
)

// Attributes (enum hwsim_attrs).
const (
	attrAddrReceiver    = 1
	attrAddrTransmitter = 2
	attrFrame           = 3
	attrFlags           = 4
	attrRxRate          = 5
	attrSignal          = 6
	attrTxInfo          = 7
	attrCookie          = 8
	attrFreq            = 19
	attrTxInfoFlags     = 21
)

// TX control and status flags (enum hwsim_tx_control_flags).
const (
	flagReqTxStatus = 1 << 0
	flagNoAck       = 1 << 1
	flagStatAck     = 1 << 2
)

// maxRates is IEEE80211_TX_MAX_RATES: HWSIM_ATTR_TX_INFO holds that many
// struct hwsim_tx_rate {s8 idx; u8 count}.
const maxRates = 4

// Parse errors.
var (
	ErrTruncated = errors.New("hwsim: truncated attribute")
	ErrMissing   = errors.New("hwsim: required attribute missing")
)

// kframe is a HWSIM_CMD_FRAME from the kernel (mac80211_hwsim_tx_frame_nl).
// Its slices alias the message.
type kframe struct {
	transmitter [6]byte
	frame       []byte
	flags       uint32
	txInfo      []byte // maxRates*2 bytes
	cookie      uint64
	freq        uint32
	txInfoFlags []byte
}

// parseFrame decodes the attributes of a HWSIM_CMD_FRAME (the bytes after
// the generic netlink header). Netlink attributes are {u16 len, u16 type,
// value} padded to 4 bytes, host byte order (netlink(7)).
func parseFrame(b []byte, k *kframe) error {
	*k = kframe{}
	var have uint32
	for len(b) > 0 {
		if len(b) < 4 {
			return ErrTruncated
		}
		n := int(binary.NativeEndian.Uint16(b))
		typ := binary.NativeEndian.Uint16(b[2:]) & 0x3fff // NLA_F_NESTED, NLA_F_NET_BYTEORDER
		if n < 4 || n > len(b) {
			return ErrTruncated
		}
		v := b[4:n]
		switch typ {
		case attrAddrTransmitter:
			if len(v) != 6 {
				return ErrTruncated
			}
			copy(k.transmitter[:], v)
		case attrFrame:
			k.frame = v
		case attrFlags:
			if len(v) != 4 {
				return ErrTruncated
			}
			k.flags = binary.NativeEndian.Uint32(v)
		case attrTxInfo:
			if len(v) != maxRates*2 {
				return ErrTruncated
			}
			k.txInfo = v
		case attrCookie:
			if len(v) != 8 {
				return ErrTruncated
			}
			k.cookie = binary.NativeEndian.Uint64(v)
		case attrFreq:
			if len(v) != 4 {
				return ErrTruncated
			}
			k.freq = binary.NativeEndian.Uint32(v)
		case attrTxInfoFlags:
			k.txInfoFlags = v
		}
		if typ < 32 {
			have |= 1 << typ
		}
		b = b[min(len(b), (n+3)&^3):]
	}
	const need = 1<<attrAddrTransmitter | 1<<attrFrame | 1<<attrFlags | 1<<attrTxInfo | 1<<attrCookie
	if have&need != need {
		return ErrMissing
	}
	return nil
}

// parseMACAddr decodes HWSIM_CMD_ADD_MAC_ADDR / DEL_MAC_ADDR: the radio
// (transmitter) and the interface address (receiver) it now answers to.
func parseMACAddr(b []byte) (radio, addr [6]byte, err error) {
	var have int
	for len(b) > 0 {
		if len(b) < 4 {
			return radio, addr, ErrTruncated
		}
		n := int(binary.NativeEndian.Uint16(b))
		typ := binary.NativeEndian.Uint16(b[2:]) & 0x3fff
		if n < 4 || n > len(b) {
			return radio, addr, ErrTruncated
		}
		v := b[4:n]
		if len(v) == 6 {
			switch typ {
			case attrAddrTransmitter:
				copy(radio[:], v)
				have |= 1
			case attrAddrReceiver:
				copy(addr[:], v)
				have |= 2
			}
		}
		b = b[min(len(b), (n+3)&^3):]
	}
	if have != 3 {
		return radio, addr, ErrMissing
	}
	return radio, addr, nil
}

// attrs builds a netlink attribute stream in a reused buffer.
type attrs struct{ b []byte }

func (a *attrs) reset() { a.b = a.b[:0] }

func (a *attrs) bytes(typ uint16, v []byte) {
	n := 4 + len(v)
	a.b = binary.NativeEndian.AppendUint16(a.b, uint16(n))
	a.b = binary.NativeEndian.AppendUint16(a.b, typ)
	a.b = append(a.b, v...)
	for n%4 != 0 {
		a.b = append(a.b, 0)
		n++
	}
}

func (a *attrs) u32(typ uint16, v uint32) {
	var x [4]byte
	binary.NativeEndian.PutUint32(x[:], v)
	a.bytes(typ, x[:])
}

func (a *attrs) u64(typ uint16, v uint64) {
	var x [8]byte
	binary.NativeEndian.PutUint64(x[:], v)
	a.bytes(typ, x[:])
}
