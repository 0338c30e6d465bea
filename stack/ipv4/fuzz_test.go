package ipv4_test

import (
	"encoding/binary"
	"testing"

	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/wire"
)

// FuzzInput feeds arbitrary bytes to the host as the payload of an IPv4 or
// ARP frame addressed to it. Nothing may panic, and every buffer must be
// back in the pool when the host is closed (checked by the pool's cleanup).
func FuzzInput(f *testing.F) {
	f.Add(true, ipPacket(wire.IPv4Fields{Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, echoRequest(1, 2, []byte("seed"))))
	f.Add(true, ipPacket(wire.IPv4Fields{Protocol: wire.IPProtocolUDP, Src: peerIP, Dst: hostIP}, udpDatagram(peerIP, hostIP, 1, 9, []byte("seed"))))
	f.Add(true, ipPacket(wire.IPv4Fields{Protocol: wire.IPProtocolUDP, Src: peerIP, Dst: hostIP}, udpDatagram(peerIP, hostIP, 1, 4444, nil)))
	f.Add(true, ipPacket(wire.IPv4Fields{Flags: wire.IPv4FlagMF, ID: 3, Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, make([]byte, 16)))
	f.Add(true, ipPacket(wire.IPv4Fields{Options: []byte{7, 7, 4, 0, 0, 0, 0, 1}, Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, echoRequest(1, 2, nil)))
	f.Add(true, ipPacket(wire.IPv4Fields{TTL: 1, Protocol: wire.IPProtocolUDP, Src: peerIP, Dst: wire.Addr4{198, 18, 9, 9}}, nil))
	f.Add(false, arpFrame(wire.ARPRequest, peerMAC, peerIP, wire.MAC{}, hostIP, wire.BroadcastMAC())[14:])
	f.Fuzz(func(t *testing.T, ip bool, payload []byte) {
		if len(payload) > 1500 {
			return
		}
		w := newWire(t, ipv4.Options{Forwarding: true})
		w.learn()
		et := wire.EtherTypeARP
		if ip {
			et = wire.EtherTypeIPv4
		}
		w.inject(eth(hostMAC, peerMAC, et, payload))
		w.frames()
	})
}

// FuzzReassembly splits the input into fragment descriptors (offset, length,
// more-fragments) of one datagram and feeds them in order: overlaps, holes,
// duplicates and absurd offsets must all end with the pool intact.
func FuzzReassembly(f *testing.F) {
	f.Add([]byte{0, 0, 100, 1, 0, 13, 100, 0})
	f.Add([]byte{0, 0, 100, 1, 0, 5, 100, 1, 0, 13, 100, 0})
	f.Add([]byte{0, 10, 100, 0, 0, 0, 100, 1, 0, 0, 100, 1})
	f.Add([]byte{0xff, 0xff, 8, 0})
	f.Fuzz(func(t *testing.T, desc []byte) {
		if len(desc) > 4*32 {
			return
		}
		w := newWire(t, ipv4.Options{ReassemblyDatagrams: 4, ReassemblyBuffers: 16})
		w.learn()
		for i := 0; i+4 <= len(desc); i += 4 {
			off := int(binary.BigEndian.Uint16(desc[i:])) &^ 7
			n := int(desc[i+2]) * 8
			var flags uint8
			if desc[i+3]&1 != 0 {
				flags = wire.IPv4FlagMF
			}
			data := make([]byte, n)
			w.inject(toHost(ipPacket(wire.IPv4Fields{ID: 1, Flags: flags, FragmentOffset: uint16(off), Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, data)))
		}
		w.frames()
	})
}
