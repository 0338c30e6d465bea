package hwsim_test

import (
	"encoding/binary"
	"net"
)

// A minimal IPv4 host for the guest tests: enough ARP (RFC 826) and ICMP
// echo (RFC 792) to ping across the link and answer the AP side's pings.
// The real stack lives in stack/; this only has to exercise the card.

var (
	staIP = net.IPv4(198, 18, 0, 2).To4()
	apIP  = net.IPv4(198, 18, 0, 1).To4()
)

const (
	etherARP  = 0x0806
	etherIPv4 = 0x0800
)

func ether(dst, src net.HardwareAddr, typ uint16, payload []byte) []byte {
	f := make([]byte, 0, 14+len(payload))
	f = append(f, dst...)
	f = append(f, src...)
	f = binary.BigEndian.AppendUint16(f, typ)
	return append(f, payload...)
}

func arp(op uint16, sha net.HardwareAddr, spa net.IP, tha net.HardwareAddr, tpa net.IP) []byte {
	p := []byte{0, 1, 8, 0, 6, 4, 0, byte(op)}
	p = append(p, sha...)
	p = append(p, spa...)
	p = append(p, tha...)
	return append(p, tpa...)
}

func csum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}

// icmpEcho is an IPv4 packet carrying an ICMP echo (typ 8) or reply (0).
func icmpEcho(typ uint8, src, dst net.IP, id, seq uint16, data []byte) []byte {
	ic := []byte{typ, 0, 0, 0}
	ic = binary.BigEndian.AppendUint16(ic, id)
	ic = binary.BigEndian.AppendUint16(ic, seq)
	ic = append(ic, data...)
	binary.BigEndian.PutUint16(ic[2:], csum(ic))
	ip := []byte{0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 1, 0, 0}
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(ic)))
	ip = append(ip, src...)
	ip = append(ip, dst...)
	binary.BigEndian.PutUint16(ip[10:], csum(ip))
	return append(ip, ic...)
}

// host answers ARP requests and echo requests for staIP and reports
// echo replies and the AP's MAC.
type host struct {
	mac     net.HardwareAddr
	out     func([]byte) error
	apMAC   chan net.HardwareAddr
	replies chan uint16 // sequence numbers of echo replies
	served  int         // echo requests answered
}

func (h *host) input(f []byte) {
	if len(f) < 14 {
		return
	}
	src := net.HardwareAddr(f[6:12])
	p := f[14:]
	switch binary.BigEndian.Uint16(f[12:]) {
	case etherARP:
		if len(p) < 28 || !net.IP(p[24:28]).Equal(staIP) {
			return
		}
		switch binary.BigEndian.Uint16(p[6:]) {
		case 1:
			_ = h.out(ether(src, h.mac, etherARP, arp(2, h.mac, staIP, src, p[14:18])))
		case 2:
			select {
			case h.apMAC <- append(net.HardwareAddr(nil), p[8:14]...):
			default:
			}
		}
	case etherIPv4:
		if len(p) < 28 || p[9] != 1 || !net.IP(p[16:20]).Equal(staIP) {
			return
		}
		hl := int(p[0]&15) * 4
		if len(p) < hl+8 {
			return
		}
		ic := p[hl:]
		switch ic[0] {
		case 8:
			h.served++
			_ = h.out(ether(src, h.mac, etherIPv4, icmpEcho(0, staIP, p[12:16], binary.BigEndian.Uint16(ic[4:]), binary.BigEndian.Uint16(ic[6:]), ic[8:])))
		case 0:
			select {
			case h.replies <- binary.BigEndian.Uint16(ic[6:]):
			default:
			}
		}
	}
}
