package vlan_test

import (
	"encoding/binary"
	"errors"
	"net"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack/wire"
)

// rawPeer is an AF_PACKET socket on the Linux end of a TAP device, inside
// the test's namespace: the Linux kernel carries its frames, the test
// writes and reads them whole. With PACKET_AUXDATA it learns the 802.1Q tag
// the kernel takes off received frames (Linux moves a tag into skb metadata
// before packet sockets see the frame, and reports it as tp_vlan_tci).
type rawPeer struct {
	fd      int
	ifindex int
}

func openRawPeer(t *testing.T, ns *hosttest.Namespace, dev string) *rawPeer {
	t.Helper()
	r := &rawPeer{fd: -1}
	err := ns.Do(func() error {
		ifi, err := net.InterfaceByName(dev)
		if err != nil {
			return err
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
		if err != nil {
			return err
		}
		r.fd, r.ifindex = fd, ifi.Index
		if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
			return err
		}
		return unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_AUXDATA, 1)
	})
	if r.fd >= 0 {
		t.Cleanup(func() { unix.Close(r.fd) })
	}
	if err != nil {
		t.Fatalf("packet socket on %s: %v", dev, err)
	}
	return r
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func (r *rawPeer) send(t *testing.T, frame []byte) {
	t.Helper()
	if err := unix.Sendto(r.fd, frame, 0, &unix.SockaddrLinklayer{Ifindex: r.ifindex}); err != nil {
		t.Fatalf("packet socket send: %v", err)
	}
}

// recv returns the next frame the kernel received on the device, with its
// tag put back where it was on the wire (tagged reports whether there was
// one), or ok false at the deadline. Frames the device sent are skipped.
func (r *rawPeer) recv(deadline time.Time) (frame []byte, ok bool) {
	buf := make([]byte, 4096)
	oob := make([]byte, 256)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return nil, false
		}
		tv := unix.NsecToTimeval(left.Nanoseconds())
		_ = unix.SetsockoptTimeval(r.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
		n, oobn, _, from, err := unix.Recvmsg(r.fd, buf, oob, 0)
		if err != nil {
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				continue
			}
			return nil, false
		}
		if ll, isLL := from.(*unix.SockaddrLinklayer); isLL && ll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		f := append([]byte(nil), buf[:n]...)
		cms, _ := unix.ParseSocketControlMessage(oob[:oobn])
		for _, cm := range cms {
			if cm.Header.Level != unix.SOL_PACKET || cm.Header.Type != unix.PACKET_AUXDATA || len(cm.Data) < int(unsafe.Sizeof(unix.TpacketAuxdata{})) {
				continue
			}
			aux := (*unix.TpacketAuxdata)(unsafe.Pointer(&cm.Data[0]))
			if aux.Status&unix.TP_STATUS_VLAN_VALID != 0 && len(f) >= wire.EthernetHeaderLen {
				tpid := aux.Vlan_tpid
				if tpid == 0 {
					tpid = uint16(wire.EtherTypeVLAN)
				}
				tag := make([]byte, 4)
				binary.BigEndian.PutUint16(tag[0:2], tpid)
				binary.BigEndian.PutUint16(tag[2:4], aux.Vlan_tci)
				f = append(append(append([]byte(nil), f[:12]...), tag...), f[12:]...)
			}
		}
		return f, true
	}
}

// ipFrame builds an Ethernet frame (tagged with tci when tagged) holding an
// IPv4 packet of protocol proto from src to dst with payload l4.
func ipFrame(srcMAC, dstMAC wire.MAC, tagged bool, tci uint16, src, dst [4]byte, proto byte, l4 []byte) []byte {
	ip := make([]byte, 20, 20+len(l4))
	ip[0], ip[8], ip[9] = 0x45, 64, proto
	binary.BigEndian.PutUint16(ip[2:4], uint16(20+len(l4)))
	copy(ip[12:16], src[:])
	copy(ip[16:20], dst[:])
	binary.BigEndian.PutUint16(ip[10:12], ^wire.Checksum(ip, 0))
	f := append(append([]byte{}, dstMAC[:]...), srcMAC[:]...)
	if tagged {
		f = append(f, 0x81, 0x00, byte(tci>>8), byte(tci))
	}
	f = append(f, 0x08, 0x00)
	return append(append(f, ip...), l4...)
}

// icmpEcho is an ICMP echo message (RFC 792) of type typ.
func icmpEcho(typ byte, id, seq uint16, data []byte) []byte {
	m := make([]byte, 8, 8+len(data))
	m[0] = typ
	binary.BigEndian.PutUint16(m[4:6], id)
	binary.BigEndian.PutUint16(m[6:8], seq)
	m = append(m, data...)
	binary.BigEndian.PutUint16(m[2:4], ^wire.Checksum(m, 0))
	return m
}

// arpReply is an ARP reply frame (RFC 826) from sha/spa to tha/tpa.
func arpReply(sha, tha wire.MAC, tagged bool, tci uint16, spa, tpa [4]byte) []byte {
	f := append(append([]byte{}, tha[:]...), sha[:]...)
	if tagged {
		f = append(f, 0x81, 0x00, byte(tci>>8), byte(tci))
	}
	f = append(f, 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 2)
	f = append(append(append(append(f, sha[:]...), spa[:]...), tha[:]...), tpa[:]...)
	return f
}

// parsed is what the peer needs from a received frame.
type parsed struct {
	tagged bool
	tci    uint16
	et     wire.EtherType
	l3     []byte
}

func parse(f []byte) (p parsed, ok bool) {
	if len(f) < wire.EthernetHeaderLen {
		return p, false
	}
	p.et = wire.Ethernet(f).Type()
	p.l3 = f[wire.EthernetHeaderLen:]
	if p.et == wire.EtherTypeVLAN {
		if len(p.l3) < 4 {
			return p, false
		}
		p.tagged, p.tci = true, binary.BigEndian.Uint16(p.l3[0:2])
		p.et = wire.EtherType(binary.BigEndian.Uint16(p.l3[2:4]))
		p.l3 = p.l3[4:]
	}
	return p, true
}
