package dhcp4

import (
	"encoding/binary"
	"net/netip"

	"github.com/gopkt/gopkt/stack/wire"
)

// Message is a view of a DHCP message (RFC 2131 §2, Figure 1), the UDP
// payload between ports 67 and 68:
//
//	0      1      2      3      4
//	+------+------+------+------+
//	|  op  | htype| hlen | hops |
//	|            xid            |
//	|    secs     |    flags    |
//	|  ciaddr  (client address) |
//	|  yiaddr  ("your" address) |
//	|  siaddr  (next server)    |
//	|  giaddr  (relay agent)    |
//	|  chaddr  (16 bytes)       |
//	|  sname   (64 bytes)       |
//	|  file    (128 bytes)      |
//	|  magic cookie 99.130.83.99|  (RFC 2131 §3, RFC 2132 §2)
//	|  options (variable)       |
//	+---------------------------+
//
// NewMessage checks the length, the magic cookie and hlen; after it
// succeeds no accessor panics. It does not walk the options: Walk does,
// and reports malformed ones.
type Message []byte

// Layout of the fixed part (RFC 2131 §2).
const (
	offChaddr  = 28
	offSname   = 44
	offFile    = 108
	offCookie  = 236
	HeaderLen  = 240 // fixed BOOTP fields plus the magic cookie
	MinSendLen = 300 // BOOTP minimum (RFC 1542 §2.1): shorter messages are padded
	// MaxMessageLen is the largest message this package builds or the
	// client accepts: an Ethernet MTU's worth (1500 - IPv4 - UDP).
	MaxMessageLen = 1500 - 20 - 8
)

// MagicCookie is the DHCP magic cookie 99.130.83.99 (RFC 2131 §3; RFC 1497
// vendor extensions), big-endian on the wire.
const MagicCookie uint32 = 0x63825363

// Op is the BOOTP message op code.
type Op uint8

// Op codes (RFC 951, RFC 2131 §2).
const (
	BootRequest Op = 1
	BootReply   Op = 2
)

// FlagBroadcast is the BROADCAST bit of the flags field (RFC 2131 §2,
// Figure 2): the client cannot receive unicast before it is configured.
const FlagBroadcast uint16 = 0x8000

// HTypeEthernet is htype for 10 Mb Ethernet (RFC 1700, ARP hardware types).
const HTypeEthernet = 1

// NewMessage checks b as a DHCP message and returns the view. It accepts
// any op (servers and clients share the format); it rejects a hlen above 16
// (chaddr's size) and a missing magic cookie (BOOTP).
func NewMessage(b []byte) (Message, error) {
	if len(b) < HeaderLen {
		return nil, ErrTruncated
	}
	if b[2] > 16 || b[0] != byte(BootRequest) && b[0] != byte(BootReply) {
		return nil, ErrBadHeader
	}
	if binary.BigEndian.Uint32(b[offCookie:HeaderLen]) != MagicCookie {
		return nil, ErrBadCookie
	}
	return Message(b), nil
}

// Op returns the op code.
func (m Message) Op() Op { return Op(m[0]) }

// HType returns the hardware address type.
func (m Message) HType() uint8 { return m[1] }

// HLen returns the hardware address length (≤ 16 on a checked view).
func (m Message) HLen() uint8 { return m[2] }

// Hops returns the relay hop count.
func (m Message) Hops() uint8 { return m[3] }

// XID returns the transaction ID.
func (m Message) XID() uint32 { return binary.BigEndian.Uint32(m[4:8]) }

// Secs returns the seconds since the client began acquisition or renewal.
func (m Message) Secs() uint16 { return binary.BigEndian.Uint16(m[8:10]) }

// Flags returns the flags field (FlagBroadcast).
func (m Message) Flags() uint16 { return binary.BigEndian.Uint16(m[10:12]) }

// CIAddr returns the client's address (set only when it is BOUND,
// RENEWING or REBINDING).
func (m Message) CIAddr() wire.Addr4 { return wire.Addr4(m[12:16]) }

// YIAddr returns "your" address: the address the server offers or assigns.
func (m Message) YIAddr() wire.Addr4 { return wire.Addr4(m[16:20]) }

// SIAddr returns the next server (bootstrap) address.
func (m Message) SIAddr() wire.Addr4 { return wire.Addr4(m[20:24]) }

// GIAddr returns the relay agent address.
func (m Message) GIAddr() wire.Addr4 { return wire.Addr4(m[24:28]) }

// CHAddr returns the client hardware address, hlen bytes of it.
func (m Message) CHAddr() []byte { return m[offChaddr : offChaddr+int(m[2])] }

// MAC returns the first six bytes of chaddr.
func (m Message) MAC() wire.MAC { return wire.MAC(m[offChaddr : offChaddr+6]) }

// SName returns the server host name field (64 bytes; it may hold options
// when the overload option says so).
func (m Message) SName() []byte { return m[offSname:offFile] }

// File returns the boot file name field (128 bytes; it may hold options).
func (m Message) File() []byte { return m[offFile:offCookie] }

// Options returns the options area after the magic cookie.
func (m Message) Options() Options { return Options(m[HeaderLen:]) }

// SetXID sets the transaction ID.
func (m Message) SetXID(x uint32) { binary.BigEndian.PutUint32(m[4:8], x) }

// SetSecs sets the secs field.
func (m Message) SetSecs(s uint16) { binary.BigEndian.PutUint16(m[8:10], s) }

// SetFlags sets the flags field.
func (m Message) SetFlags(f uint16) { binary.BigEndian.PutUint16(m[10:12], f) }

// Fields decodes the fixed part. Options aliases the view.
func (m Message) Fields() MessageFields {
	f := MessageFields{
		Op: m.Op(), HType: m.HType(), HLen: m.HLen(), Hops: m.Hops(), XID: m.XID(), Secs: m.Secs(), Flags: m.Flags(),
		CIAddr: m.CIAddr(), YIAddr: m.YIAddr(), SIAddr: m.SIAddr(), GIAddr: m.GIAddr(),
		Options: m.Options(),
	}
	copy(f.CHAddr[:], m[offChaddr:offSname])
	copy(f.SName[:], m.SName())
	copy(f.File[:], m.File())
	return f
}

// MessageFields is the decoded form of a message.
type MessageFields struct {
	Op                             Op
	HType, HLen, Hops              uint8
	XID                            uint32
	Secs, Flags                    uint16
	CIAddr, YIAddr, SIAddr, GIAddr wire.Addr4
	CHAddr                         [16]byte
	SName                          [64]byte
	File                           [128]byte
	// Options is the encoded options area written after the cookie as is
	// (build it with OptionWriter; it should end with OptEnd).
	Options []byte
}

// Len is the encoded length: the header, the options, and padding up to
// MinSendLen.
func (f *MessageFields) Len() int { return max(HeaderLen+len(f.Options), MinSendLen) }

// Encode writes the message at the start of b, padding the options area
// with zeros (OptPad) up to MinSendLen, and returns the view of b[:Len()].
func (f *MessageFields) Encode(b []byte) (Message, error) {
	n := f.Len()
	if len(b) < n {
		return nil, ErrShortBuffer
	}
	b[0], b[1], b[2], b[3] = byte(f.Op), f.HType, f.HLen, f.Hops
	m := Message(b[:n])
	m.SetXID(f.XID)
	m.SetSecs(f.Secs)
	m.SetFlags(f.Flags)
	copy(m[12:16], f.CIAddr[:])
	copy(m[16:20], f.YIAddr[:])
	copy(m[20:24], f.SIAddr[:])
	copy(m[24:28], f.GIAddr[:])
	copy(m[offChaddr:offSname], f.CHAddr[:])
	copy(m[offSname:offFile], f.SName[:])
	copy(m[offFile:offCookie], f.File[:])
	binary.BigEndian.PutUint32(m[offCookie:HeaderLen], MagicCookie)
	k := copy(m[HeaderLen:], f.Options)
	clear(m[HeaderLen+k:])
	return m, nil
}

// addr converts a wire address to netip.
func addr(a wire.Addr4) netip.Addr { return netip.AddrFrom4(a) }
