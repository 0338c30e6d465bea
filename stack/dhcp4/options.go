package dhcp4

import (
	"encoding/binary"
	"fmt"

	"github.com/gopkt/gopkt/stack/wire"
)

// OptionCode is a DHCP option tag (RFC 2132).
type OptionCode uint8

// The options this package reads or writes, with their RFC 2132 sections.
const (
	OptPad            OptionCode = 0   // §3.1
	OptSubnetMask     OptionCode = 1   // §3.3
	OptRouter         OptionCode = 3   // §3.5
	OptDNS            OptionCode = 6   // §3.8
	OptHostName       OptionCode = 12  // §3.14
	OptDomainName     OptionCode = 15  // §3.17
	OptInterfaceMTU   OptionCode = 26  // §5.1
	OptBroadcastAddr  OptionCode = 28  // §5.3
	OptRequestedIP    OptionCode = 50  // §9.1
	OptLeaseTime      OptionCode = 51  // §9.2
	OptOverload       OptionCode = 52  // §9.3
	OptMessageType    OptionCode = 53  // §9.6
	OptServerID       OptionCode = 54  // §9.7
	OptParamRequest   OptionCode = 55  // §9.8
	OptMessage        OptionCode = 56  // §9.9
	OptMaxMessageSize OptionCode = 57  // §9.10
	OptRenewalTime    OptionCode = 58  // §9.11 (T1)
	OptRebindingTime  OptionCode = 59  // §9.12 (T2)
	OptClientID       OptionCode = 61  // §9.14
	OptEnd            OptionCode = 255 // §3.2
)

// MessageType is the value of option 53 (RFC 2132 §9.6).
type MessageType uint8

// Message types.
const (
	Discover MessageType = 1
	Offer    MessageType = 2
	Request  MessageType = 3
	Decline  MessageType = 4
	Ack      MessageType = 5
	Nak      MessageType = 6
	Release  MessageType = 7
	Inform   MessageType = 8
)

func (t MessageType) String() string {
	names := [...]string{"", "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM"}
	if int(t) < len(names) && t != 0 {
		return names[t]
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// Option is one option: its code and value bytes (aliasing the message).
type Option struct {
	Code OptionCode
	Data []byte
}

// Options is an options area: a sequence of code, length, value triples,
// with the one-byte Pad and End (RFC 2132 §2).
type Options []byte

// Next returns the first option of o and the rest. ok is false at End or at
// the end of the area (a missing End is tolerated); err is ErrTruncated when
// an option's length runs past the area. Pads are skipped. It does not
// allocate.
func (o Options) Next() (opt Option, rest Options, ok bool, err error) {
	for len(o) > 0 && OptionCode(o[0]) == OptPad {
		o = o[1:]
	}
	if len(o) == 0 || OptionCode(o[0]) == OptEnd {
		return Option{}, nil, false, nil
	}
	if len(o) < 2 || 2+int(o[1]) > len(o) {
		return Option{}, nil, false, ErrTruncated
	}
	n := 2 + int(o[1])
	return Option{Code: OptionCode(o[0]), Data: o[2:n:n]}, o[n:], true, nil
}

// Walk calls fn for every option of m in the order RFC 2131 §4.1 gives:
// the options area, then the file field and then the sname field when the
// overload option (RFC 2132 §9.3) says they carry options.
func (m Message) Walk(fn func(Option)) error {
	overload := uint8(0)
	areas := [3]Options{m.Options()}
	for i := range areas {
		if i == 1 && overload&1 != 0 {
			areas[i] = Options(m.File())
		}
		if i == 2 && overload&2 != 0 {
			areas[i] = Options(m.SName())
		}
		o, rest, ok, err := areas[i].Next()
		for ; ok; o, rest, ok, err = rest.Next() {
			if i == 0 && o.Code == OptOverload {
				if len(o.Data) != 1 || o.Data[0] < 1 || o.Data[0] > 3 {
					return fmt.Errorf("%w: overload %x", ErrBadOption, o.Data)
				}
				overload = o.Data[0]
			}
			fn(o)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Params holds the options of a message that the client uses, decoded
// and length-checked. Addresses are kept as they came; the client judges
// them.
type Params struct {
	Type        MessageType
	ServerID    wire.Addr4
	SubnetMask  wire.Addr4
	RequestedIP wire.Addr4
	Broadcast   wire.Addr4
	Routers     []wire.Addr4
	DNS         []wire.Addr4
	LeaseTime   uint32 // seconds; 0xffffffff is infinite
	T1, T2      uint32 // seconds
	MTU         uint16
	DomainName  string
	Message     string // option 56: the server's reason for a NAK
	seen        [4]uint64
}

// Has reports whether the message carried option c.
func (p *Params) Has(c OptionCode) bool { return p.seen[c/64]&(1<<(c%64)) != 0 }

// Infinite is the lease time that never expires (RFC 2131 §3.3).
const Infinite = 0xffffffff

// Params walks the options of m and decodes the ones in Params. A known
// option with an impossible length, a message type outside 1..8, or a
// truncated area is an error: the client counts the message as malformed
// and drops it. Repeated list options (routers, DNS) are concatenated
// (RFC 3396); a repeated fixed option keeps its first value.
func (m Message) Params() (Params, error) {
	var p Params
	var bad error
	err := m.Walk(func(o Option) {
		if bad != nil {
			return
		}
		first := !p.Has(o.Code)
		p.seen[o.Code/64] |= 1 << (o.Code % 64)
		fixed := func(n int) bool {
			if len(o.Data) != n {
				bad = fmt.Errorf("%w: option %d has length %d, want %d", ErrBadOption, o.Code, len(o.Data), n)
				return false
			}
			return first
		}
		list := func(dst *[]wire.Addr4) {
			if len(o.Data) == 0 || len(o.Data)%4 != 0 {
				bad = fmt.Errorf("%w: option %d has length %d, want a multiple of 4", ErrBadOption, o.Code, len(o.Data))
				return
			}
			for i := 0; i < len(o.Data); i += 4 {
				*dst = append(*dst, wire.Addr4(o.Data[i:i+4]))
			}
		}
		switch o.Code {
		case OptMessageType:
			if fixed(1) {
				if o.Data[0] < 1 || o.Data[0] > 8 {
					bad = fmt.Errorf("%w: message type %d", ErrBadOption, o.Data[0])
				}
				p.Type = MessageType(o.Data[0])
			}
		case OptServerID:
			if fixed(4) {
				p.ServerID = wire.Addr4(o.Data)
			}
		case OptSubnetMask:
			if fixed(4) {
				p.SubnetMask = wire.Addr4(o.Data)
			}
		case OptRequestedIP:
			if fixed(4) {
				p.RequestedIP = wire.Addr4(o.Data)
			}
		case OptBroadcastAddr:
			if fixed(4) {
				p.Broadcast = wire.Addr4(o.Data)
			}
		case OptLeaseTime:
			if fixed(4) {
				p.LeaseTime = binary.BigEndian.Uint32(o.Data)
			}
		case OptRenewalTime:
			if fixed(4) {
				p.T1 = binary.BigEndian.Uint32(o.Data)
			}
		case OptRebindingTime:
			if fixed(4) {
				p.T2 = binary.BigEndian.Uint32(o.Data)
			}
		case OptInterfaceMTU:
			if fixed(2) {
				p.MTU = binary.BigEndian.Uint16(o.Data)
			}
		case OptRouter:
			list(&p.Routers)
		case OptDNS:
			list(&p.DNS)
		case OptDomainName:
			p.DomainName += string(o.Data)
		case OptMessage:
			p.Message += string(o.Data)
		}
	})
	if err == nil {
		err = bad
	}
	if err == nil && p.Type == 0 {
		err = fmt.Errorf("%w: no message type (option 53): a BOOTP message", ErrBadOption)
	}
	return p, err
}

// OptionWriter appends options to a caller-provided buffer (RFC 2132 §2
// encoding). It stops silently when the buffer is full and reports that in
// Err, so building a message is straight-line code.
type OptionWriter struct {
	b   []byte
	err error
}

// NewOptionWriter writes into buf[:0].
func NewOptionWriter(buf []byte) *OptionWriter { return &OptionWriter{b: buf[:0]} }

// Add appends one option. Values longer than 255 bytes are split into
// consecutive options of the same code (RFC 3396 §5).
func (w *OptionWriter) Add(c OptionCode, data ...byte) {
	for {
		n := min(len(data), 255)
		if len(w.b)+2+n > cap(w.b) {
			w.err = ErrShortBuffer
			return
		}
		w.b = append(w.b, byte(c), byte(n))
		w.b = append(w.b, data[:n]...)
		data = data[n:]
		if len(data) == 0 {
			return
		}
	}
}

// AddAddr appends a four-byte address option.
func (w *OptionWriter) AddAddr(c OptionCode, a wire.Addr4) { w.Add(c, a[:]...) }

// AddUint32 appends a four-byte number option.
func (w *OptionWriter) AddUint32(c OptionCode, v uint32) {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	w.Add(c, b[:]...)
}

// End appends the End option and returns the area, or the first error.
func (w *OptionWriter) End() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	if len(w.b) == cap(w.b) {
		return nil, ErrShortBuffer
	}
	w.b = append(w.b, byte(OptEnd))
	return w.b, nil
}
