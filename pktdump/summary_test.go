package pktdump

import (
	"testing"

	"github.com/gopkt/gopkt/stack/bpf"
	"github.com/gopkt/gopkt/stack/wire"
)

var (
	macA = wire.MAC{2, 0, 0, 0, 0, 0xa}
	macB = wire.MAC{2, 0, 0, 0, 0, 0xb}
	ipA  = wire.Addr4{198, 18, 0, 1}
	ipB  = wire.Addr4{198, 18, 0, 2}
)

func eth(t wire.EtherType, payload []byte) []byte {
	b := make([]byte, 14+len(payload))
	(&wire.EthernetFields{Dst: macB, Src: macA, Type: t}).Encode(b)
	copy(b[14:], payload)
	return b
}

func ip4(proto wire.IPProtocol, flags uint8, off uint16, payload []byte) []byte {
	b := make([]byte, 20+len(payload))
	ip, _ := (&wire.IPv4Fields{TotalLen: uint16(len(b)), ID: 9, Flags: flags, FragmentOffset: off, TTL: 64, Protocol: proto, Src: ipA, Dst: ipB}).Encode(b)
	copy(b[20:], payload)
	ip.UpdateChecksum()
	return b
}

func ip6(next wire.IPProtocol, payload []byte) []byte {
	b := make([]byte, 40+len(payload))
	f := wire.IPv6Fields{PayloadLen: uint16(len(payload)), NextHeader: next, HopLimit: 64,
		Src: [16]byte{0x20, 0x01, 0x0d, 0xb8, 15: 1}, Dst: [16]byte{0x20, 0x01, 0x0d, 0xb8, 15: 2}}
	f.Encode(b)
	copy(b[40:], payload)
	return b
}

func udpSeg(sp, dp uint16, data string) []byte {
	b := make([]byte, 8+len(data))
	(&wire.UDPFields{SrcPort: sp, DstPort: dp, Length: uint16(len(b))}).Encode(b)
	copy(b[8:], data)
	return b
}

func icmp(typ wire.ICMPv4Type, code uint8, rest uint32, body []byte) []byte {
	b := make([]byte, 8+len(body))
	(&wire.ICMPv4Fields{Type: typ, Code: code, Rest: rest}).Encode(b)
	copy(b[8:], body)
	return b
}

func TestSummary(t *testing.T) {
	arp := make([]byte, 28)
	(&wire.ARPFields{Op: wire.ARPRequest, SenderMAC: macA, SenderIP: ipA, TargetIP: ipB}).Encode(arp)
	arpReply := make([]byte, 28)
	(&wire.ARPFields{Op: wire.ARPReply, SenderMAC: macB, SenderIP: ipB, TargetMAC: macA, TargetIP: ipA}).Encode(arpReply)
	udp := ip4(wire.IPProtocolUDP, 0, 0, udpSeg(40000, 53, "hello"))
	tagged := append([]byte{0x00, 0x64, 0x08, 0x00}, udp...)
	tests := []struct {
		frame []byte
		want  string
	}{
		{eth(wire.EtherTypeARP, arp), "ARP, Request who-has 198.18.0.2 tell 198.18.0.1, length 42"},
		{eth(wire.EtherTypeARP, arpReply), "ARP, Reply 198.18.0.2 is-at 02:00:00:00:00:0b, length 42"},
		{eth(wire.EtherTypeIPv4, udp), "IP 198.18.0.1.40000 > 198.18.0.2.53: UDP, length 5"},
		{eth(wire.EtherTypeVLAN, tagged), "vlan 100, IP 198.18.0.1.40000 > 198.18.0.2.53: UDP, length 5"},
		{eth(wire.EtherTypeIPv4, ip4(wire.IPProtocolICMP, 0, 0, icmp(wire.ICMPv4Echo, 0, wire.EchoRest(7, 1), make([]byte, 56)))),
			"IP 198.18.0.1 > 198.18.0.2: ICMP echo request, id 7, seq 1, length 64"},
		{eth(wire.EtherTypeIPv4, ip4(wire.IPProtocolICMP, 0, 0, icmp(wire.ICMPv4DestUnreach, 3, 0, udp))),
			"IP 198.18.0.1 > 198.18.0.2: ICMP 198.18.0.2 UDP port 53 unreachable, length 41"},
		{eth(wire.EtherTypeIPv4, ip4(wire.IPProtocolICMP, 0, 0, icmp(wire.ICMPv4TimeExceeded, 0, 0, udp))),
			"IP 198.18.0.1 > 198.18.0.2: ICMP time exceeded in-transit, length 41"},
		{eth(wire.EtherTypeIPv4, ip4(wire.IPProtocolUDP, wire.IPv4FlagMF, 0, udpSeg(1, 2, "")[:8])),
			"IP 198.18.0.1.1 > 198.18.0.2.2: UDP, length 0 (frag 9:8@0+)"},
		{eth(wire.EtherTypeIPv4, ip4(wire.IPProtocolUDP, 0, 1480, make([]byte, 100))), "IP 198.18.0.1 > 198.18.0.2: UDP (frag 9:100@1480)"},
		{eth(wire.EtherTypeIPv4, ip4(wire.IPProtocolTCP, 0, 0, udpSeg(443, 5000, "xxxxxxxxxxxx"))), "IP 198.18.0.1.443 > 198.18.0.2.5000: TCP"},
		{eth(wire.EtherTypeIPv4, ip4(wire.IPProtocolIGMP, 0, 0, make([]byte, 8))), "IP 198.18.0.1 > 198.18.0.2: IGMP, length 8"},
		{eth(wire.EtherTypeIPv4, []byte{0x45, 0, 0, 10}), "IP [|ip: wire: ipv4: buffer shorter than 20 bytes: truncated]"},
		{eth(0x88cc, make([]byte, 10)), "02:00:00:00:00:0a > 02:00:00:00:00:0b, ethertype 0x88cc, length 24"},
		{eth(100, make([]byte, 10)), "02:00:00:00:00:0a > 02:00:00:00:00:0b, 802.3, length 24"},
		{make([]byte, 10), "[|ether] length 10"},
		{eth(wire.EtherTypeIPv6, ip6(17, udpSeg(1000, 53, "v6"))), "IP6 2001:db8::1.1000 > 2001:db8::2.53: UDP, length 2"},
		{eth(wire.EtherTypeIPv6, ip6(58, []byte{128, 0, 0, 0, 0, 7, 0, 1})), "IP6 2001:db8::1 > 2001:db8::2: ICMP6, echo request, id 7, seq 1, length 8"},
		{eth(wire.EtherTypeIPv6, ip6(58, []byte{135, 0, 0, 0})), "IP6 2001:db8::1 > 2001:db8::2: ICMP6, neighbor solicitation, length 4"},
		{eth(wire.EtherTypeIPv6, ip6(59, nil)), "IP6 2001:db8::1 > 2001:db8::2: next header 59, payload length 0"},
		{eth(wire.EtherTypeIPv6, ip6(17, nil)[:30]), "IP6 [|ip6: wire: ipv6: buffer shorter than 40 bytes: truncated]"},
	}
	for _, tt := range tests {
		if got := Summary(tt.frame, bpf.LinkEthernet, len(tt.frame)); got != tt.want {
			t.Errorf("Summary:\n got %q\nwant %q", got, tt.want)
		}
	}
	if got := Summary(nil, bpf.LinkIEEE80211Radiotap, 99); got != "link type 127, length 99" {
		t.Errorf("radiotap: %q", got)
	}
}

// FuzzSummary: the summariser parses untrusted frames and must never
// panic.
func FuzzSummary(f *testing.F) {
	f.Add(eth(wire.EtherTypeIPv4, ip4(wire.IPProtocolUDP, 0, 0, udpSeg(1, 2, "x"))))
	f.Add(eth(wire.EtherTypeIPv4, ip4(wire.IPProtocolICMP, 0, 0, icmp(wire.ICMPv4DestUnreach, 3, 0, ip4(wire.IPProtocolUDP, 0, 0, nil)))))
	f.Add(eth(wire.EtherTypeVLAN, []byte{0, 1, 0x81, 0, 0, 2, 0x86, 0xdd}))
	f.Add(eth(wire.EtherTypeIPv6, ip6(58, []byte{129, 0, 0, 0, 0, 1, 0, 2})))
	f.Add(eth(wire.EtherTypeIPv6, ip6(6, make([]byte, 20))))
	f.Fuzz(func(t *testing.T, frame []byte) {
		if Summary(frame, bpf.LinkEthernet, len(frame)) == "" {
			t.Fatal("empty summary")
		}
	})
}
