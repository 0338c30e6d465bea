package dhcp4

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/gopkt/gopkt/stack/wire"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// discoverHex is a DHCPDISCOVER laid out by hand from RFC 2131 §2: op 1,
// htype 1, hlen 6, xid 0x3903f326, BROADCAST flag, chaddr 00:0b:82:01:fc:42,
// the cookie, options 53 (DISCOVER), 61 (client id), 55 (1 3 6 42), End,
// and zero padding to 300 bytes.
var discoverHex = "01010600 3903f326 0000 8000 00000000 00000000 00000000 00000000" +
	" 000b8201fc42 00000000000000000000" + strings.Repeat("00", 64+128) +
	" 63825363 350101 3d0701000b8201fc42 3704 0103062a ff" + strings.Repeat("00", 300-240-19)

func discoverFields() MessageFields {
	f := MessageFields{Op: BootRequest, HType: 1, HLen: 6, XID: 0x3903f326, Flags: FlagBroadcast}
	copy(f.CHAddr[:], []byte{0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42})
	w := NewOptionWriter(make([]byte, 64))
	w.Add(OptMessageType, byte(Discover))
	w.Add(OptClientID, 1, 0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42)
	w.Add(OptParamRequest, 1, 3, 6, 42)
	f.Options, _ = w.End()
	return f
}

func TestEncodeExact(t *testing.T) {
	want := unhex(t, discoverHex)
	f := discoverFields()
	b := make([]byte, 600)
	m, err := f.Encode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m, want) {
		t.Fatalf("encode:\n got %x\nwant %x", []byte(m), want)
	}
	// And back: the view decodes to the same fields.
	v, err := NewMessage(want)
	if err != nil {
		t.Fatal(err)
	}
	g := v.Fields()
	g.Options = g.Options[:len(f.Options)]
	if g.Op != f.Op || g.XID != f.XID || g.Flags != f.Flags || g.CHAddr != f.CHAddr || !bytes.Equal(g.Options, f.Options) {
		t.Fatalf("fields: %+v", g)
	}
	if v.MAC() != (wire.MAC{0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42}) || len(v.CHAddr()) != 6 {
		t.Fatalf("chaddr %x", v.CHAddr())
	}
	p, err := v.Params()
	if err != nil || p.Type != Discover || !p.Has(OptClientID) || !p.Has(OptParamRequest) || p.Has(OptServerID) {
		t.Fatalf("params %+v %v", p, err)
	}
	if _, err := f.Encode(make([]byte, 299)); !errors.Is(err, ErrShortBuffer) {
		t.Fatalf("short buffer: %v", err)
	}
}

func TestNewMessageErrors(t *testing.T) {
	good := unhex(t, discoverHex)
	mod := func(f func(b []byte) []byte) []byte { return f(slices.Clone(good)) }
	for _, tc := range []struct {
		name string
		b    []byte
		err  error
	}{
		{"empty", nil, ErrTruncated},
		{"no cookie room", good[:239], ErrTruncated},
		{"bootp cookie", mod(func(b []byte) []byte { b[236] = 0; return b }), ErrBadCookie},
		{"hlen 17", mod(func(b []byte) []byte { b[2] = 17; return b }), ErrBadHeader},
		{"op 3", mod(func(b []byte) []byte { b[0] = 3; return b }), ErrBadHeader},
		{"header only", good[:240], nil},
	} {
		_, err := NewMessage(tc.b)
		if !errors.Is(err, tc.err) && !(err == nil && tc.err == nil) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.err)
		}
	}
}

// msg builds a reply with the options area opts (hex) and optional file and
// sname contents.
func msg(t *testing.T, opts, file, sname string) Message {
	t.Helper()
	f := MessageFields{Op: BootReply, HType: 1, HLen: 6, XID: 7, Options: unhex(t, opts)}
	copy(f.File[:], unhex(t, file))
	copy(f.SName[:], unhex(t, sname))
	m, err := f.Encode(make([]byte, 1500))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParams(t *testing.T) {
	for _, tc := range []struct {
		name, opts, file, sname string
		trim                    bool // cut the message after the options (no padding)
		err                     error
		check                   func(p *Params) bool
	}{
		{name: "ack", opts: "350105 3604c6120001 3304000004b0 0104ffffff00 0308c6120001c6120002 0604c6120035 3a04 00000258 3b04 0000041a ff",
			check: func(p *Params) bool {
				return p.Type == Ack && p.ServerID == wire.Addr4{198, 18, 0, 1} && p.LeaseTime == 1200 && p.T1 == 600 && p.T2 == 1050 &&
					p.SubnetMask == wire.Addr4{255, 255, 255, 0} && len(p.Routers) == 2 && p.Routers[1] == wire.Addr4{198, 18, 0, 2} &&
					len(p.DNS) == 1 && p.DNS[0] == wire.Addr4{198, 18, 0, 0x35}
			}},
		{name: "pads and no end", opts: "00 00 350102 00",
			check: func(p *Params) bool { return p.Type == Offer }},
		{name: "nak with message", opts: "350106 3803 626164 ff",
			check: func(p *Params) bool { return p.Type == Nak && p.Message == "bad" }},
		{name: "split routers concatenate (RFC 3396)", opts: "350105 0304c6120001 0304c6120002 ff",
			check: func(p *Params) bool { return len(p.Routers) == 2 }},
		{name: "overload file and sname", opts: "350105 340103 ff", file: "3604c6120009 ff", sname: "3304 0000003c ff",
			check: func(p *Params) bool { return p.ServerID == wire.Addr4{198, 18, 0, 9} && p.LeaseTime == 60 }},
		{name: "overload file only ignores sname", opts: "350105 340101 ff", file: "3304 0000003c ff", sname: "3604c6120009 ff",
			check: func(p *Params) bool { return p.LeaseTime == 60 && !p.Has(OptServerID) }},
		{name: "no overload: file is a name", opts: "350105 ff", file: "3304 0000003c ff",
			check: func(p *Params) bool { return !p.Has(OptLeaseTime) }},
		{name: "bad overload value", opts: "350105 340104 ff", err: ErrBadOption},
		{name: "truncated option", opts: "350105 3604c612", trim: true, err: ErrTruncated},
		{name: "code without length", opts: "350105 36", trim: true, err: ErrTruncated},
		{name: "truncated in file", opts: "350105 340101 ff", file: strings.Repeat("00", 127) + "33", err: ErrTruncated},
		{name: "lease time 3 bytes", opts: "350105 3303000001 ff", err: ErrBadOption},
		{name: "message type 9", opts: "350109 ff", err: ErrBadOption},
		{name: "message type 2 bytes", opts: "35020505 ff", err: ErrBadOption},
		{name: "router 5 bytes", opts: "350105 0305c612000101 ff", err: ErrBadOption},
		{name: "empty router", opts: "350105 0300 ff", err: ErrBadOption},
		{name: "bootp (no type)", opts: "3604c6120001 ff", err: ErrBadOption},
	} {
		m := msg(t, tc.opts, tc.file, tc.sname)
		if tc.trim {
			m = m[:HeaderLen+len(unhex(t, tc.opts))]
		}
		p, err := m.Params()
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("%s: err %v, want %v", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || !tc.check(&p) {
			t.Errorf("%s: %+v %v", tc.name, p, err)
		}
	}
}

func TestOptionWriter(t *testing.T) {
	w := NewOptionWriter(make([]byte, 600))
	long := bytes.Repeat([]byte{'a'}, 300)
	w.Add(OptHostName, long...)
	w.AddUint32(OptLeaseTime, 3600)
	w.AddAddr(OptServerID, wire.Addr4{198, 18, 0, 1})
	b, err := w.End()
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte{12, 255}, long[:255]...)
	want = append(want, 12, 45)
	want = append(want, long[255:]...)
	want = append(want, 51, 4, 0, 0, 0x0e, 0x10, 54, 4, 198, 18, 0, 1, 255)
	if !bytes.Equal(b, want) {
		t.Fatalf("got %x\nwant %x", b, want)
	}
	w = NewOptionWriter(make([]byte, 6))
	w.AddUint32(OptLeaseTime, 1)
	if _, err := w.End(); !errors.Is(err, ErrShortBuffer) {
		t.Fatalf("full writer: %v", err)
	}
	w = NewOptionWriter(make([]byte, 7))
	w.AddUint32(OptLeaseTime, 1)
	w.Add(OptMessageType, 1)
	if _, err := w.End(); !errors.Is(err, ErrShortBuffer) {
		t.Fatalf("overflow: %v", err)
	}
}

// TestFrameAgainstGopacket decodes a frame built by EncodeFrame with
// gopacket's independent Ethernet/IPv4/UDP/DHCPv4 decoders, and parses a
// DHCPACK that gopacket serialised.
func TestFrameAgainstGopacket(t *testing.T) {
	f := discoverFields()
	ff := FrameFields{Src: wire.MAC{2, 0, 0, 0, 0, 1}, Dst: wire.BroadcastMAC(), DstIP: wire.Addr4{255, 255, 255, 255},
		SrcPort: ClientPort, DstPort: ServerPort, IPID: 9}
	buf := make([]byte, 1500)
	n, err := EncodeFrame(buf, &ff, &f)
	if err != nil || n != 14+20+8+300 {
		t.Fatalf("EncodeFrame: %d %v", n, err)
	}
	pkt := gopacket.NewPacket(buf[:n], layers.LayerTypeEthernet, gopacket.Default)
	if el := pkt.ErrorLayer(); el != nil {
		t.Fatalf("gopacket: %v", el.Error())
	}
	ip := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	udp := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP)
	d := pkt.Layer(layers.LayerTypeDHCPv4).(*layers.DHCPv4)
	if !ip.SrcIP.Equal(net.IPv4zero) || !ip.DstIP.Equal(net.IPv4bcast) || ip.TTL != 64 || udp.SrcPort != 68 || udp.DstPort != 67 {
		t.Fatalf("headers: %v %v %d %d", ip.SrcIP, ip.DstIP, udp.SrcPort, udp.DstPort)
	}
	if d.Xid != 0x3903f326 || d.Flags != FlagBroadcast || d.ClientHWAddr.String() != "00:0b:82:01:fc:42" || len(d.Options) < 3 ||
		d.Options[0].Type != layers.DHCPOptMessageType || d.Options[0].Data[0] != byte(layers.DHCPMsgTypeDiscover) {
		t.Fatalf("dhcp: %+v", d)
	}
	// Verify our checksums the long way.
	iph, _ := wire.NewIPv4(buf[14:n])
	u, _ := wire.NewUDP(iph.Payload())
	if !iph.ChecksumValid() || u.Checksum() == 0 || !u.ChecksumValid(iph.Src(), iph.Dst()) {
		t.Fatal("checksums do not verify")
	}

	ack := &layers.DHCPv4{Operation: layers.DHCPOpReply, HardwareType: layers.LinkTypeEthernet, HardwareLen: 6, Xid: 77,
		ClientIP: net.IPv4zero, YourClientIP: net.IPv4(198, 18, 0, 50), NextServerIP: net.IPv4zero, RelayAgentIP: net.IPv4zero,
		ClientHWAddr: net.HardwareAddr{2, 0, 0, 0, 0, 1},
		Options: layers.DHCPOptions{
			layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(layers.DHCPMsgTypeAck)}),
			layers.NewDHCPOption(layers.DHCPOptServerID, []byte{198, 18, 0, 1}),
			layers.NewDHCPOption(layers.DHCPOptLeaseTime, []byte{0, 0, 0, 20}),
			layers.NewDHCPOption(layers.DHCPOptSubnetMask, []byte{255, 255, 255, 0}),
			layers.NewDHCPOption(layers.DHCPOptRouter, []byte{198, 18, 0, 1}),
			layers.NewDHCPOption(layers.DHCPOptEnd, nil),
		}}
	sb := gopacket.NewSerializeBuffer()
	if err := ack.SerializeTo(sb, gopacket.SerializeOptions{FixLengths: true}); err != nil {
		t.Fatal(err)
	}
	m, err := NewMessage(sb.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.Params()
	if err != nil || p.Type != Ack || p.LeaseTime != 20 || p.ServerID != (wire.Addr4{198, 18, 0, 1}) || len(p.Routers) != 1 ||
		m.YIAddr() != (wire.Addr4{198, 18, 0, 50}) || m.XID() != 77 {
		t.Fatalf("gopacket's ACK: %+v %v", p, err)
	}
}
