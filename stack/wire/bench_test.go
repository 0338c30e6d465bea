package wire

import "testing"

// BenchmarkParseUDPFrame is the receive fast path: Ethernet, IPv4 with
// header checksum, UDP with pseudo-header checksum. It must not allocate.
func BenchmarkParseUDPFrame(b *testing.B) {
	frame := unhex(b, frameUDP)
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	var n int
	for b.Loop() {
		e, err := NewEthernet(frame)
		if err != nil || e.Type() != EtherTypeIPv4 {
			b.Fatal("eth")
		}
		ip, err := NewIPv4(e.Payload())
		if err != nil || !ip.ChecksumValid() || ip.Protocol() != IPProtocolUDP {
			b.Fatal("ip")
		}
		u, err := NewUDP(ip.Payload())
		if err != nil || !u.ChecksumValid(ip.Src(), ip.Dst()) {
			b.Fatal("udp")
		}
		n += int(u.DstPort())
	}
	_ = n
}

// BenchmarkParseMalformed checks that the error path does not allocate
// either (a flood of bad packets must cost counters, not garbage).
func BenchmarkParseMalformed(b *testing.B) {
	frame := unhex(b, frameUDP)[EthernetHeaderLen:]
	frame[0] = 0x44
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewIPv4(frame); err == nil {
			b.Fatal("accepted")
		}
	}
}

// BenchmarkForwardTTL is the forwarding fast path: DecTTL with RFC 1624.
func BenchmarkForwardTTL(b *testing.B) {
	ip := IPv4(unhex(b, frameUDP)[EthernetHeaderLen:])
	b.ReportAllocs()
	for b.Loop() {
		ip.SetTTL(64)
		ip.DecTTL()
	}
}
