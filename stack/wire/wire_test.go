package wire

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"testing"
)

func TestEthernetARP(t *testing.T) {
	tests := []struct {
		name  string
		frame string
		eth   EthernetFields
		arp   ARPFields
	}{
		{"request", frameARPRequest,
			EthernetFields{Dst: BroadcastMAC(), Src: macA, Type: EtherTypeARP},
			ARPFields{Op: ARPRequest, SenderMAC: macA, SenderIP: ipA, TargetIP: ipB}},
		{"reply", frameARPReply,
			EthernetFields{Dst: macA, Src: macB, Type: EtherTypeARP},
			ARPFields{Op: ARPReply, SenderMAC: macB, SenderIP: ipB, TargetMAC: macA, TargetIP: ipA}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := unhex(t, tt.frame)
			// Pad to the Ethernet minimum as a NIC delivers it: ARP must trim.
			b = append(b, make([]byte, EthernetMinFrameLen-len(b))...)
			e, err := NewEthernet(b)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.Fields(); got != tt.eth {
				t.Errorf("Ethernet fields = %+v, want %+v", got, tt.eth)
			}
			a, err := NewARP(e.Payload())
			if err != nil {
				t.Fatal(err)
			}
			if len(a) != ARPLen {
				t.Errorf("ARP view len = %d, want %d (padding trimmed)", len(a), ARPLen)
			}
			if got := a.Fields(); got != tt.arp {
				t.Errorf("ARP fields = %+v, want %+v", got, tt.arp)
			}
			// Fields → bytes must give the kernel's bytes back.
			out := make([]byte, EthernetHeaderLen+ARPLen)
			if _, err := tt.eth.Encode(out); err != nil {
				t.Fatal(err)
			}
			if _, err := tt.arp.Encode(out[EthernetHeaderLen:]); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, b[:len(out)]) {
				t.Errorf("encode:\n got %x\nwant %x", out, b[:len(out)])
			}
		})
	}
}

func TestIPv4ICMPEcho(t *testing.T) {
	tests := []struct {
		name  string
		frame string
		ip    IPv4Fields
		icmp  ICMPv4Fields
	}{
		{"request", frameEchoRequest,
			IPv4Fields{TotalLen: 44, ID: 0x86b1, Flags: IPv4FlagDF, TTL: 64, Protocol: IPProtocolICMP, Checksum: 0x27f8, Src: ipA, Dst: ipB, Options: IPv4Options{}},
			ICMPv4Fields{Type: ICMPv4Echo, Checksum: 0x7c1d, Rest: EchoRest(15817, 1)}},
		{"reply", frameEchoReply,
			IPv4Fields{TotalLen: 44, ID: 0xa246, TTL: 64, Protocol: IPProtocolICMP, Checksum: 0x4c63, Src: ipB, Dst: ipA, Options: IPv4Options{}},
			ICMPv4Fields{Type: ICMPv4EchoReply, Checksum: 0x841d, Rest: EchoRest(15817, 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := unhex(t, tt.frame)
			ip, err := NewIPv4(b[EthernetHeaderLen:])
			if err != nil {
				t.Fatal(err)
			}
			if !ip.ChecksumValid() {
				t.Error("IPv4 checksum of a kernel frame does not verify")
			}
			if got := ip.ComputeChecksum(); got != tt.ip.Checksum {
				t.Errorf("ComputeChecksum = %#04x, want %#04x", got, tt.ip.Checksum)
			}
			got := ip.Fields()
			if got.Src != tt.ip.Src || got.Dst != tt.ip.Dst || got.TotalLen != tt.ip.TotalLen || got.ID != tt.ip.ID ||
				got.Flags != tt.ip.Flags || got.FragmentOffset != 0 || got.TTL != tt.ip.TTL || got.Protocol != tt.ip.Protocol ||
				got.Checksum != tt.ip.Checksum || len(got.Options) != 0 {
				t.Errorf("IPv4 fields = %+v, want %+v", got, tt.ip)
			}
			if ip.IsFragment() || ip.MoreFragments() {
				t.Error("IsFragment on an unfragmented datagram")
			}
			if ip.DontFragment() != (tt.ip.Flags&IPv4FlagDF != 0) {
				t.Error("DontFragment disagrees with Flags")
			}
			if ip.SrcAddr() != netip.AddrFrom4(tt.ip.Src) {
				t.Errorf("SrcAddr = %v", ip.SrcAddr())
			}
			m, err := NewICMPv4(ip.Payload())
			if err != nil {
				t.Fatal(err)
			}
			if !m.ChecksumValid() {
				t.Error("ICMP checksum of a kernel frame does not verify")
			}
			if f := m.Fields(); f != tt.icmp {
				t.Errorf("ICMP fields = %+v, want %+v", f, tt.icmp)
			}
			if m.ID() != 15817 || m.Seq() != 1 {
				t.Errorf("echo id/seq = %d/%d", m.ID(), m.Seq())
			}
			// Rebuild the datagram from Fields plus the ICMP body, computing
			// both checksums ourselves: must equal the kernel's bytes.
			out := make([]byte, len(ip))
			f := tt.ip
			f.Checksum = 0
			ip2, err := f.Encode(out)
			if err != nil {
				t.Fatal(err)
			}
			ip2.UpdateChecksum()
			ic := tt.icmp
			ic.Checksum = 0
			m2, err := ic.Encode(ip2.Payload())
			if err != nil {
				t.Fatal(err)
			}
			copy(m2.Payload(), m.Payload())
			m2.UpdateChecksum()
			if !bytes.Equal(out, ip) {
				t.Errorf("encode:\n got %x\nwant %x", out, []byte(ip))
			}
		})
	}
}

func TestUDPKernelFrame(t *testing.T) {
	b := unhex(t, frameUDP)
	b = append(b, make([]byte, EthernetMinFrameLen-len(b))...) // NIC padding
	e, _ := NewEthernet(b)
	ip, err := NewIPv4(e.Payload())
	if err != nil {
		t.Fatal(err)
	}
	if len(ip) != 39 {
		t.Fatalf("IPv4 view len %d, want 39 (trimmed to total length)", len(ip))
	}
	u, err := NewUDP(ip.Payload())
	if err != nil {
		t.Fatal(err)
	}
	want := UDPFields{SrcPort: 40000, DstPort: 7777, Length: 19, Checksum: 0x2931}
	if f := u.Fields(); f != want {
		t.Fatalf("UDP fields = %+v, want %+v", f, want)
	}
	if string(u.Payload()) != "hello gopkt" {
		t.Errorf("payload %q", u.Payload())
	}
	if !u.ChecksumValid(ip.Src(), ip.Dst()) {
		t.Error("UDP checksum of a kernel frame does not verify")
	}
	if u.ChecksumValid(ip.Dst(), Addr4{198, 18, 0, 3}) {
		t.Error("UDP checksum verifies with the wrong pseudo-header")
	}
	if c := u.ComputeChecksum(ip.Src(), ip.Dst()); c != 0x2931 {
		t.Errorf("ComputeChecksum = %#04x, want 0x2931", c)
	}
	out := make([]byte, len(u))
	u2, err := want.Encode(out)
	if err != nil {
		t.Fatal(err)
	}
	copy(u2.Payload(), u.Payload())
	u2.UpdateChecksum(ipA, ipB)
	if !bytes.Equal(out, u) {
		t.Errorf("encode:\n got %x\nwant %x", out, []byte(u))
	}
	// Zero checksum means none (RFC 768).
	u2.SetChecksum(0)
	if !u2.ChecksumValid(ipA, ipB) {
		t.Error("zero UDP checksum must be accepted")
	}
	u2.SetChecksum(0x2932)
	if u2.ChecksumValid(ipA, ipB) {
		t.Error("corrupted UDP checksum verifies")
	}
}

func TestUDPChecksumZeroBecomesOnes(t *testing.T) {
	// Find a payload whose checksum computes to zero and check that 0xffff
	// is sent instead (RFC 768): vary two payload bytes until it happens.
	b := make([]byte, 10)
	u, _ := (&UDPFields{SrcPort: 1, DstPort: 2, Length: 10}).Encode(b)
	for v := 0; v < 1<<16; v++ {
		b[8], b[9] = byte(v>>8), byte(v)
		u.UpdateChecksum(ipA, ipB)
		if u.Checksum() == 0xffff {
			if !u.ChecksumValid(ipA, ipB) {
				t.Fatal("0xffff checksum does not verify")
			}
			return
		}
		if u.Checksum() == 0 {
			t.Fatal("UpdateChecksum stored 0")
		}
	}
	t.Fatal("no payload produced a zero checksum")
}

func TestICMPPortUnreachable(t *testing.T) {
	b := unhex(t, framePortUnreach)
	ip, err := NewIPv4(b[EthernetHeaderLen:])
	if err != nil {
		t.Fatal(err)
	}
	if !ip.ChecksumValid() || ip.TOS() != 0xc0 {
		t.Fatalf("outer header: checksum ok %v, TOS %#x", ip.ChecksumValid(), ip.TOS())
	}
	m, err := NewICMPv4(ip.Payload())
	if err != nil {
		t.Fatal(err)
	}
	if m.Type() != ICMPv4DestUnreach || m.Code() != ICMPv4PortUnreachable || !m.Type().IsError() || !m.ChecksumValid() {
		t.Fatalf("ICMP %+v valid=%v", m.Fields(), m.ChecksumValid())
	}
	inner, err := NewIPv4(m.Payload())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(inner, unhex(t, frameUDP)[EthernetHeaderLen:]) {
		t.Error("quoted datagram differs from the original")
	}
}

func TestIPv4Options(t *testing.T) {
	b := unhex(t, frameRecordRoute)
	ip, err := NewIPv4(b[EthernetHeaderLen:])
	if err != nil {
		t.Fatal(err)
	}
	if ip.HeaderLen() != 60 || !ip.ChecksumValid() || ip.TTL() != 1 {
		t.Fatalf("HeaderLen %d, checksum ok %v, TTL %d", ip.HeaderLen(), ip.ChecksumValid(), ip.TTL())
	}
	type opt struct {
		typ uint8
		n   int
	}
	var got []opt
	o, rest, ok, err := ip.Options().Next()
	for ; ok; o, rest, ok, err = rest.Next() {
		got = append(got, opt{o.Type, len(o.Data)})
	}
	if err != nil {
		t.Fatal(err)
	}
	want := []opt{{IPv4OptionNOP, 0}, {IPv4OptionRecordRoute, 37}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("options = %v, want %v", got, want)
	}
	if err := ip.Options().Validate(); err != nil {
		t.Fatal(err)
	}
	// Round trip with options.
	f := ip.Fields()
	out := make([]byte, len(ip))
	if _, err := f.Encode(out); err != nil {
		t.Fatal(err)
	}
	copy(out[60:], ip.Payload())
	if !bytes.Equal(out, ip) {
		t.Errorf("encode:\n got %x\nwant %x", out, []byte(ip))
	}
	bad := []struct {
		name string
		o    IPv4Options
	}{
		{"len below 2", IPv4Options{7, 1, 0, 0}},
		{"len beyond area", IPv4Options{7, 9, 4, 0}},
		{"missing len", IPv4Options{1, 1, 1, 7}},
	}
	for _, tt := range bad {
		if err := tt.o.Validate(); !errors.Is(err, ErrBadOption) {
			t.Errorf("%s: Validate = %v, want ErrBadOption", tt.name, err)
		}
	}
	if err := (IPv4Options{1, 0, 7, 1}).Validate(); err != nil {
		t.Errorf("EOL must end the list: %v", err)
	}
}

func TestIPv4DecTTL(t *testing.T) {
	for _, frame := range []string{frameEchoRequest, frameEchoReply, frameUDP, frameRecordRoute, framePortUnreach} {
		ip, err := NewIPv4(unhex(t, frame)[EthernetHeaderLen:])
		if err != nil {
			t.Fatal(err)
		}
		for ip.TTL() > 0 {
			want := ip.TTL() - 1
			if got := ip.DecTTL(); got != want {
				t.Fatalf("DecTTL = %d, want %d", got, want)
			}
			if !ip.ChecksumValid() {
				t.Fatalf("checksum invalid after DecTTL to %d", want)
			}
		}
	}
}

func TestIPv4Fragment(t *testing.T) {
	b := make([]byte, 28)
	f := IPv4Fields{TotalLen: 28, ID: 7, Flags: IPv4FlagMF, FragmentOffset: 1480, TTL: 9, Protocol: IPProtocolUDP, Src: ipA, Dst: ipB}
	ip, err := f.Encode(b)
	if err != nil {
		t.Fatal(err)
	}
	ip.UpdateChecksum()
	if b[6] != 0x20 || b[7] != 185 { // 1480/8 = 185, MF = 0x2000
		t.Fatalf("flags/offset bytes %x", b[6:8])
	}
	if !ip.IsFragment() || !ip.MoreFragments() || ip.FragmentOffset() != 1480 || ip.DontFragment() {
		t.Fatalf("fragment accessors: %+v", ip.Fields())
	}
	ip.SetFlagsFragmentOffset(0, 8)
	if !ip.IsFragment() || ip.MoreFragments() {
		t.Fatal("last fragment must still be a fragment")
	}
	ip.SetFlagsFragmentOffset(IPv4FlagDF, 0)
	if ip.IsFragment() {
		t.Fatal("DF alone is not a fragment")
	}
}

func TestVLAN(t *testing.T) {
	// Tagged frame: PCP 5, DEI 0, VID 100, inner IPv4.
	b := unhex(t, "ffffffffffff 0aa275d80e53 8100 a064 0800 4500")
	e, err := NewEthernet(b)
	if err != nil {
		t.Fatal(err)
	}
	if e.Type() != EtherTypeVLAN {
		t.Fatalf("type %v", e.Type())
	}
	v, err := NewVLAN(e.Payload())
	if err != nil {
		t.Fatal(err)
	}
	want := VLANFields{PCP: 5, VID: 100, Type: EtherTypeIPv4}
	if f := v.Fields(); f != want {
		t.Fatalf("VLAN fields = %+v, want %+v", f, want)
	}
	out := make([]byte, 4)
	(&VLANFields{PCP: 5, DEI: true, VID: 4095, Type: EtherTypeARP}).Encode(out)
	if !bytes.Equal(out, []byte{0xbf, 0xff, 0x08, 0x06}) {
		t.Fatalf("encode %x", out)
	}
	if v2, _ := NewVLAN(out); !v2.DEI() || v2.VID() != 4095 || v2.PCP() != 5 {
		t.Fatalf("decode %+v", v2.Fields())
	}
}

func TestMalformed(t *testing.T) {
	goodIP := unhex(t, frameEchoRequest)[EthernetHeaderLen:]
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), goodIP...)) }
	tests := []struct {
		name  string
		parse func([]byte) error
		in    []byte
		want  error
	}{
		{"eth short", func(b []byte) error { _, err := NewEthernet(b); return err }, make([]byte, 13), ErrTruncated},
		{"vlan short", func(b []byte) error { _, err := NewVLAN(b); return err }, make([]byte, 3), ErrTruncated},
		{"arp short", func(b []byte) error { _, err := NewARP(b); return err }, unhex(t, frameARPRequest)[14:41], ErrTruncated},
		{"arp hrd", func(b []byte) error { _, err := NewARP(b); return err }, append([]byte{0, 6}, unhex(t, frameARPRequest)[16:]...), ErrNotSupported},
		{"arp hln", func(b []byte) error { _, err := NewARP(b); return err }, func() []byte { b := unhex(t, frameARPRequest)[14:]; b[4] = 8; return b }(), ErrNotSupported},
		{"ip short", func(b []byte) error { _, err := NewIPv4(b); return err }, goodIP[:19], ErrTruncated},
		{"ip version 6", func(b []byte) error { _, err := NewIPv4(b); return err }, mod(func(b []byte) []byte { b[0] = 0x65; return b }), ErrBadVersion},
		{"ip IHL 4", func(b []byte) error { _, err := NewIPv4(b); return err }, mod(func(b []byte) []byte { b[0] = 0x44; return b }), ErrBadLength},
		{"ip IHL beyond buffer", func(b []byte) error { _, err := NewIPv4(b); return err }, mod(func(b []byte) []byte { b[0] = 0x4f; return b[:40] }), ErrTruncated},
		{"ip total < IHL", func(b []byte) error { _, err := NewIPv4(b); return err }, mod(func(b []byte) []byte { b[2], b[3] = 0, 19; return b }), ErrBadLength},
		{"ip total > buffer", func(b []byte) error { _, err := NewIPv4(b); return err }, mod(func(b []byte) []byte { return b[:43] }), ErrTruncated},
		{"icmp short", func(b []byte) error { _, err := NewICMPv4(b); return err }, make([]byte, 7), ErrTruncated},
		{"udp short", func(b []byte) error { _, err := NewUDP(b); return err }, make([]byte, 7), ErrTruncated},
		{"udp len 7", func(b []byte) error { _, err := NewUDP(b); return err }, []byte{0, 1, 0, 2, 0, 7, 0, 0}, ErrBadLength},
		{"udp len beyond", func(b []byte) error { _, err := NewUDP(b); return err }, []byte{0, 1, 0, 2, 0, 9, 0, 0}, ErrTruncated},
	}
	for _, tt := range tests {
		err := tt.parse(tt.in)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
		var he *HeaderError
		if !errors.As(err, &he) || he.Proto == "" {
			t.Errorf("%s: err %v is not a *HeaderError", tt.name, err)
		}
	}
	// A corrupted header parses but does not verify.
	b := mod(func(b []byte) []byte { b[8]++; return b })
	ip, err := NewIPv4(b)
	if err != nil || ip.ChecksumValid() {
		t.Errorf("corrupted TTL: err %v, checksum valid %v", err, err == nil && ip.ChecksumValid())
	}
}

func TestEncodeShortBuffer(t *testing.T) {
	if _, err := (&EthernetFields{}).Encode(make([]byte, 13)); !errors.Is(err, ErrShortBuffer) {
		t.Error("Ethernet", err)
	}
	if _, err := (&ARPFields{}).Encode(make([]byte, 27)); !errors.Is(err, ErrShortBuffer) {
		t.Error("ARP", err)
	}
	if _, err := (&IPv4Fields{Options: make(IPv4Options, 1)}).Encode(make([]byte, 23)); !errors.Is(err, ErrShortBuffer) {
		t.Error("IPv4", err)
	}
	if _, err := (&IPv4Fields{Options: make(IPv4Options, 41)}).Encode(make([]byte, 100)); !errors.Is(err, ErrBadLength) {
		t.Error("IPv4 long options", err)
	}
	if _, err := (&ICMPv4Fields{}).Encode(make([]byte, 7)); !errors.Is(err, ErrShortBuffer) {
		t.Error("ICMP", err)
	}
	if _, err := (&UDPFields{}).Encode(make([]byte, 7)); !errors.Is(err, ErrShortBuffer) {
		t.Error("UDP", err)
	}
	if _, err := (&VLANFields{}).Encode(make([]byte, 3)); !errors.Is(err, ErrShortBuffer) {
		t.Error("VLAN", err)
	}
}

func TestMAC(t *testing.T) {
	hw, _ := net.ParseMAC("0a:a2:75:d8:0e:53")
	m, ok := MACFrom(hw)
	if !ok || m != macA || m.String() != "0a:a2:75:d8:0e:53" || !bytes.Equal(m.HardwareAddr(), hw) {
		t.Fatalf("MAC %v ok %v", m, ok)
	}
	if _, ok := MACFrom(hw[:5]); ok {
		t.Error("5-byte address accepted")
	}
	if !BroadcastMAC().IsBroadcast() || !BroadcastMAC().IsMulticast() || macA.IsMulticast() || !(MAC{}).IsZero() {
		t.Error("MAC predicates")
	}
	a, ok := AddrTo4(netip.MustParseAddr("::ffff:198.18.0.1"))
	if !ok || a != ipA {
		t.Errorf("AddrTo4 = %v %v", a, ok)
	}
	if _, ok := AddrTo4(netip.MustParseAddr("2001:db8::1")); ok {
		t.Error("IPv6 accepted by AddrTo4")
	}
	if EtherType(0x88cc).String() != "0x88cc" || EtherTypeIPv4.String() != "IPv4" || IPProtocolUDP.String() != "UDP" || IPProtocol(200).String() != "200" {
		t.Error("String methods")
	}
}
