package dhcp4

import (
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/wire"
)

// UDP ports (RFC 2131 §4.1).
const (
	ServerPort = 67
	ClientPort = 68
)

// frameLen is the room the headers need in front of a message.
const frameLen = wire.EthernetHeaderLen + wire.IPv4MinHeaderLen + wire.UDPHeaderLen

var broadcastAddr = wire.Addr4{255, 255, 255, 255}

// FrameFields describe the Ethernet, IPv4 and UDP headers around a DHCP
// message, as a client without an address (or a server answering one)
// sends it on the link itself: the BPF/raw-socket path of ISC dhclient
// and busybox udhcpc.
type FrameFields struct {
	Src, Dst         wire.MAC
	SrcIP, DstIP     wire.Addr4
	SrcPort, DstPort uint16
	IPID             uint16
}

// EncodeFrame writes a complete frame (Ethernet II, IPv4 without options,
// TTL 64, UDP with its checksum, then m) into b and returns its length.
func EncodeFrame(b []byte, f *FrameFields, m *MessageFields) (int, error) {
	n := frameLen + m.Len()
	if len(b) < n {
		return 0, ErrShortBuffer
	}
	if _, err := m.Encode(b[frameLen:]); err != nil {
		return 0, err
	}
	e := wire.Ethernet(b)
	e.SetDst(f.Dst)
	e.SetSrc(f.Src)
	e.SetType(wire.EtherTypeIPv4)
	udpLen := uint16(wire.UDPHeaderLen + m.Len())
	ip, err := (&wire.IPv4Fields{TotalLen: wire.IPv4MinHeaderLen + udpLen, ID: f.IPID, TTL: 64, Protocol: wire.IPProtocolUDP,
		Src: f.SrcIP, Dst: f.DstIP}).Encode(b[wire.EthernetHeaderLen:])
	if err != nil {
		return 0, err
	}
	ip.UpdateChecksum()
	u, err := (&wire.UDPFields{SrcPort: f.SrcPort, DstPort: f.DstPort, Length: udpLen}).Encode(ip.Payload())
	if err != nil {
		return 0, err
	}
	u.UpdateChecksum(f.SrcIP, f.DstIP)
	return n, nil
}

// broadcast sends m from src:68 to 255.255.255.255:67 and the Ethernet
// broadcast address straight through the interface (the address may not be
// configured yet, so IPv4 output cannot be used).
func (c *Client) broadcast(m *MessageFields, src wire.Addr4) error {
	b, err := c.ifc.Stack().Pool().Get()
	if err != nil {
		return err
	}
	c.ipid++
	f := FrameFields{Src: c.ifc.MAC(), Dst: wire.BroadcastMAC(), SrcIP: src, DstIP: broadcastAddr,
		SrcPort: ClientPort, DstPort: ServerPort, IPID: c.ipid}
	n, err := EncodeFrame(b.Room(), &f, m)
	if err != nil {
		b.Free()
		return err
	}
	_ = b.SetLen(n)
	c.ifc.Transmit(b)
	return nil
}

// unicast sends m from src:68 to dst:67 through IPv4 output, which routes
// and resolves the server's link address with ARP (RENEWING, RELEASE).
func (c *Client) unicast(m *MessageFields, src, dst wire.Addr4) error {
	b, err := c.ifc.Stack().Pool().Get()
	if err != nil {
		return err
	}
	udpLen := wire.UDPHeaderLen + m.Len()
	d, err := b.Append(udpLen)
	if err != nil {
		b.Free()
		return err
	}
	if _, err := m.Encode(d[wire.UDPHeaderLen:]); err != nil {
		b.Free()
		return err
	}
	u, _ := (&wire.UDPFields{SrcPort: ClientPort, DstPort: ServerPort, Length: uint16(udpLen)}).Encode(d)
	u.UpdateChecksum(src, dst)
	return c.ip.Output(b, ipv4.Header{Src: src, Dst: dst, Protocol: wire.IPProtocolUDP})
}

// arpProbe broadcasts an ARP probe for a (RFC 5227 §2.1.1: sender IP
// zero, target hardware address zero).
func (c *Client) arpProbe(a wire.Addr4) error {
	b, err := c.ifc.Stack().Pool().Get()
	if err != nil {
		return err
	}
	d, _ := b.Append(wire.EthernetHeaderLen + wire.ARPLen)
	e := wire.Ethernet(d)
	e.SetDst(wire.BroadcastMAC())
	e.SetSrc(c.ifc.MAC())
	e.SetType(wire.EtherTypeARP)
	_, _ = (&wire.ARPFields{Op: wire.ARPRequest, SenderMAC: c.ifc.MAC(), TargetIP: a}).Encode(e.Payload())
	c.ifc.Transmit(b)
	return nil
}
