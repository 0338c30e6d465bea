package wire_test

import (
	"fmt"

	"github.com/gopkt/gopkt/stack/wire"
)

// Building a UDP datagram in place, innermost header first, then parsing
// it back.
func Example() {
	src, dst := wire.Addr4{198, 18, 0, 1}, wire.Addr4{198, 18, 0, 2}
	b := make([]byte, wire.IPv4MinHeaderLen+wire.UDPHeaderLen+5)
	u, _ := (&wire.UDPFields{SrcPort: 40000, DstPort: 53, Length: uint16(wire.UDPHeaderLen + 5)}).Encode(b[wire.IPv4MinHeaderLen:])
	copy(u.Payload(), "hello")
	u.UpdateChecksum(src, dst)
	ip, _ := (&wire.IPv4Fields{TotalLen: uint16(len(b)), TTL: 64, Protocol: wire.IPProtocolUDP, Src: src, Dst: dst}).Encode(b)
	ip.UpdateChecksum()

	ip, err := wire.NewIPv4(b)
	if err != nil {
		panic(err)
	}
	u, _ = wire.NewUDP(ip.Payload())
	fmt.Println(ip.SrcAddr(), ip.DstAddr(), ip.Protocol(), ip.ChecksumValid(), u.DstPort(), u.ChecksumValid(ip.Src(), ip.Dst()), string(u.Payload()))
	// Output: 198.18.0.1 198.18.0.2 UDP true 53 true hello
}
