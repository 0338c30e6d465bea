package wire

import (
	"encoding/hex"
	"strings"
	"testing"
)

// Golden frames captured from the Linux 6.x kernel on a veth pair inside a
// test network namespace (198.18.0.1 ↔ 198.18.0.2, TX checksum offload off,
// so every checksum below was computed by the kernel) with tcpdump -xx.
const (
	frameARPRequest = `ffff ffff ffff 0aa2 75d8 0e53 0806 0001
		0800 0604 0001 0aa2 75d8 0e53 c612 0001 0000 0000 0000 c612 0002`
	frameARPReply = `0aa2 75d8 0e53 62e2 1592 cbec 0806 0001
		0800 0604 0002 62e2 1592 cbec c612 0002 0aa2 75d8 0e53 c612 0001`
	// ping -c1 -s 16 198.18.0.2: echo request id 15817 seq 1, DF, TTL 64.
	frameEchoRequest = `62e2 1592 cbec 0aa2 75d8 0e53 0800 4500
		002c 86b1 4000 4001 27f8 c612 0001 c612 0002 0800 7c1d 3dc9 0001 174f 026b 0000
		0000 185e 0c00 0000 0000`
	// The kernel's reply to it.
	frameEchoReply = `0aa2 75d8 0e53 62e2 1592 cbec 0800 4500
		002c a246 0000 4001 4c63 c612 0002 c612 0001 0000 841d 3dc9 0001 174f 026b 0000
		0000 185e 0c00 0000 0000`
	// nc -u -p 40000 198.18.0.2 7777 <<< "hello gopkt" (no newline).
	frameUDP = `62e2 1592 cbec 0aa2 75d8 0e53 0800 4500
		0027 1b1c 4000 4011 9382 c612 0001 c612 0002 9c40 1e61 0013 2931 6865 6c6c 6f20
		676f 706b 74`
	// The kernel's port unreachable for frameUDP (TOS 0xc0).
	framePortUnreach = `0aa2 75d8 0e53 62e2 1592 cbec 0800 45c0
		0043 a248 0000 4001 4b8a c612 0002 c612 0001 0303 8949 0000 0000 4500 0027 1b1c
		4000 4011 9382 c612 0001 c612 0002 9c40 1e61 0013 2931 6865 6c6c 6f20 676f 706b 74`
	// ping -R -t 1: IHL 15, options NOP + Record Route (len 39, ptr 8).
	frameRecordRoute = `62e2 1592 cbec 0aa2 75d8 0e53 0800 4f00
		007c 86b6 4000 0101 6e80 c612 0001 c612 0002 0107 2708 c612 0001 0000 0000 0000
		0000 0000 0000 0000 0000 0000 0000 0000 0000 0000 0000 0000 0000 0800 f1f8 3dce
		0001 174f 026b 0000 0000 e3aa 0c00 0000 0000 1011 1213 1415 1617 1819 1a1b 1c1d
		1e1f 2021 2223 2425 2627 2829 2a2b 2c2d 2e2f 3031 3233 3435 3637`
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex in test: %v", err)
	}
	return b
}

var (
	macA = MAC{0x0a, 0xa2, 0x75, 0xd8, 0x0e, 0x53}
	macB = MAC{0x62, 0xe2, 0x15, 0x92, 0xcb, 0xec}
	ipA  = Addr4{198, 18, 0, 1}
	ipB  = Addr4{198, 18, 0, 2}
)

// More golden frames from the same setup (tcpdump -vv reported every
// checksum correct): a TCP SYN with MSS, SACK-permitted, timestamps and
// window scale; the RST/ACK the closed port answered; an ICMPv6 echo
// request and a UDP datagram over IPv6.
const (
	frameTCPSyn = `0671 28d4 0883 ba60 cb76 c6f0 0800 4500
		003c c503 4000 4006 e990 c612 0001 c612 0002 a028 0050 1280 dee8 0000 0000 a002
		faf0 9afa 0000 0204 05b4 0402 080a 47ab 4c5d 0000 0000 0103 030a`
	frameTCPRst = `ba60 cb76 c6f0 0671 28d4 0883 0800 4500
		0028 0000 4000 4006 aea8 c612 0002 c612 0001 0050 a028 0000 0000 1280 dee9 5014
		0000 91c6 0000`
	frameICMPv6Echo = `fa03 c057 bd79 f603 b42d 22a7 86dd 6008
		37de 0010 3a40 2001 0db8 0000 0000 0000 0000 0000 0001 2001 0db8 0000 0000 0000
		0000 0000 0002 8000 ff9c 1892 0001 0001 0203 0405 0607`
	frameUDPv6 = `fa03 c057 bd79 f603 b42d 22a7 86dd 600d
		b5a4 000a 1140 2001 0db8 0000 0000 0000 0000 0000 0001 2001 0db8 0000 0000 0000
		0000 0000 0002 a029 1e61 000a 6fa4 7636`
)
