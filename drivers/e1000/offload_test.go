package e1000_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
)

// csum is RFC 1071, written here independently of the model's.
func csum(b []byte, sum uint32) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

func pseudo(ip []byte, proto byte, l4len int) uint32 {
	s := uint32(proto) + uint32(l4len)
	for i := 12; i < 20; i += 2 {
		s += uint32(ip[i])<<8 | uint32(ip[i+1])
	}
	return s
}

// ipv4Packet builds Ethernet + IPv4 + (TCP or UDP) + payload with every
// checksum field zero.
func ipv4Packet(dst, src [6]byte, proto byte, payload []byte) []byte {
	l4 := 20
	if proto == 17 {
		l4 = 8
	}
	p := make([]byte, 14+20+l4+len(payload))
	copy(p, dst[:])
	copy(p[6:], src[:])
	binary.BigEndian.PutUint16(p[12:], 0x0800)
	ip := p[14:]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+l4+len(payload)))
	binary.BigEndian.PutUint16(ip[4:], 0x1234)
	ip[8] = 64
	ip[9] = proto
	copy(ip[12:], []byte{198, 18, 0, 1})
	copy(ip[16:], []byte{198, 18, 0, 2})
	t := ip[20:]
	binary.BigEndian.PutUint16(t[0:], 40000)
	binary.BigEndian.PutUint16(t[2:], 7)
	if proto == 6 {
		binary.BigEndian.PutUint32(t[4:], 1000000)
		t[12] = 5 << 4
		t[13] = 0x18 | 0x01 // PSH ACK FIN
		binary.BigEndian.PutUint16(t[14:], 65535)
	} else {
		binary.BigEndian.PutUint16(t[4:], uint16(8+len(payload)))
	}
	copy(t[l4:], payload)
	return p
}

func verifyIPv4(t *testing.T, f []byte) (ip, l4 []byte) {
	t.Helper()
	ip = f[14:]
	tot := int(binary.BigEndian.Uint16(ip[2:]))
	if tot > len(ip) {
		t.Fatalf("IP total length %d > %d", tot, len(ip))
	}
	ip = ip[:tot]
	if c := csum(ip[:20], 0); c != 0 {
		t.Errorf("IP header checksum does not verify (%#x)", c)
	}
	l4 = ip[20:]
	if c := csum(l4, pseudo(ip, ip[9], len(l4))); c != 0 {
		t.Errorf("L4 checksum does not verify (%#x)", c)
	}
	return ip, l4
}

func TestTxChecksumOffload(t *testing.T) {
	for _, proto := range []byte{6, 17} {
		r := newRig(t, 2, e1000test.ID82540EM, nil, nil)
		a, b := r.devs[0], r.devs[1]
		payload := bytes.Repeat([]byte("gopkt!"), 200)
		pkt := ipv4Packet(mac(1), mac(0), proto, payload)
		l4 := 20
		if proto == 17 {
			l4 = 8
		}
		// The stack seeds the L4 checksum with the pseudo-header sum
		// including the length (SDM §3.3.6); the IP checksum field is 0.
		ps := pseudo(pkt[14:], proto, l4+len(payload))
		ps = ps&0xffff + ps>>16
		off := 14 + 20 + 16
		if proto == 17 {
			off = 14 + 20 + 6
		}
		binary.BigEndian.PutUint16(pkt[off:], uint16(ps))
		buf := r.frame(t, pkt)
		buf.Meta.Flags = mbuf.FlagTxIPCsum | mbuf.FlagTxL4Csum
		if proto == 17 {
			buf.Meta.Flags |= mbuf.FlagTxUDP
		}
		buf.Meta.L2Len, buf.Meta.L3Len, buf.Meta.L4Len = 14, 20, uint8(l4)
		sendAll(t, a, []*mbuf.Buf{buf}, nil)
		got := 0
		recvAll(b, 1, func(x *mbuf.Buf) {
			got++
			f := bytesOf(x)
			_, l4b := verifyIPv4(t, f)
			if !bytes.Equal(l4b[l4:], payload) {
				t.Error("payload changed")
			}
		})
		if got != 1 {
			t.Fatalf("proto %d: received %d frames", proto, got)
		}
		r.close(t)
		r.devs = nil
	}
}

// TestTSO sends one 20 000-byte TCP packet as a chain and checks the
// segments the device cut: count, lengths, IP IDs, sequence numbers, flags,
// checksums, and the reassembled payload.
func TestTSO(t *testing.T) {
	r := newRig(t, 2, e1000test.ID82545EM, nil, nil)
	a, b := r.devs[0], r.devs[1]
	if !a.Offloads().Has(port.TxTSO) {
		t.Fatal("no TSO")
	}
	payload := make([]byte, 20000)
	for i := range payload {
		payload[i] = byte(i * 13)
	}
	pkt := ipv4Packet(mac(1), mac(0), 6, payload)
	// For TSO the checksum seed is the pseudo header without the length
	// (SDM §3.5.4); the device adds each segment's length.
	ps := pseudo(pkt[14:], 6, 0)
	ps = ps&0xffff + ps>>16
	binary.BigEndian.PutUint16(pkt[14+20+16:], uint16(ps))
	buf := r.frame(t, pkt)
	const mss = 1460
	buf.Meta.Flags = mbuf.FlagTxTSO | mbuf.FlagTxIPCsum | mbuf.FlagTxL4Csum
	buf.Meta.L2Len, buf.Meta.L3Len, buf.Meta.L4Len, buf.Meta.MSS = 14, 20, 20, mss
	sendAll(t, a, []*mbuf.Buf{buf}, nil)
	var got []byte
	segs := 0
	recvAll(b, 100, func(x *mbuf.Buf) {
		f := bytesOf(x)
		ip, l4 := verifyIPv4(t, f)
		if id := binary.BigEndian.Uint16(ip[4:]); id != 0x1234+uint16(segs) {
			t.Errorf("segment %d: IP ID %#x", segs, id)
		}
		if seq := binary.BigEndian.Uint32(l4[4:]); seq != 1000000+uint32(len(got)) {
			t.Errorf("segment %d: seq %d, want %d", segs, seq, 1000000+len(got))
		}
		last := len(got)+len(l4)-20 == len(payload)
		if fl := l4[13]; last && fl != 0x19 || !last && fl != 0x10 {
			t.Errorf("segment %d: flags %#x (last %v)", segs, fl, last)
		}
		if !last && len(l4)-20 != mss {
			t.Errorf("segment %d carries %d bytes, want %d", segs, len(l4)-20, mss)
		}
		got = append(got, l4[20:]...)
		segs++
	})
	if want := (len(payload) + mss - 1) / mss; segs != want {
		t.Fatalf("%d segments, want %d", segs, want)
	}
	if !bytes.Equal(got, payload) {
		t.Error("reassembled payload differs")
	}
	if hw := a.HWStats(); hw.TSOContexts != uint64(segs) {
		t.Errorf("TSCTC %d, want %d", hw.TSOContexts, segs)
	}
}

func TestTxRejectsBadOffloadRequests(t *testing.T) {
	r := newRig(t, 2, e1000test.ID82540EM, nil, nil)
	a, b := r.devs[0], r.devs[1]
	pkt := ipv4Packet(mac(1), mac(0), 6, make([]byte, 100))
	for _, m := range []mbuf.Meta{
		{Flags: mbuf.FlagTxTSO, L2Len: 14, L3Len: 20, L4Len: 20, MSS: 0},                   // no MSS
		{Flags: mbuf.FlagTxL4Csum, L2Len: 14, L3Len: 20, L4Len: 2},                         // L4 header too short
		{Flags: mbuf.FlagTxIPCsum, L2Len: 4, L3Len: 20},                                    // L2 shorter than Ethernet
		{Flags: mbuf.FlagTxTSO | mbuf.FlagTxUDP, L2Len: 14, L3Len: 20, L4Len: 8, MSS: 100}, // UDP TSO
	} {
		buf := r.frame(t, pkt)
		buf.Meta = m
		if n := a.TxBurst([]*mbuf.Buf{buf}); n != 1 {
			t.Fatalf("TxBurst = %d: a malformed request is accepted and dropped", n)
		}
	}
	empty, err := r.pool.Get() // a zero-length frame
	if err != nil {
		t.Fatal(err)
	}
	if n := a.TxBurst([]*mbuf.Buf{empty}); n != 1 {
		t.Fatalf("TxBurst(empty) = %d", n)
	}
	if got := recvAll(b, 5, nil); got != 0 {
		t.Errorf("%d malformed frames reached the wire", got)
	}
	if st := a.Stats(); st.TxDropped != 5 || st.TxPackets != 0 {
		t.Errorf("TxDropped %d TxPackets %d, want 5 and 0", st.TxDropped, st.TxPackets)
	}
}

func TestRxChecksum82574(t *testing.T) {
	r := newRig(t, 2, e1000test.ID82574L, nil, nil)
	a, b := r.devs[0], r.devs[1]
	if !b.Offloads().Has(port.RxIPCsum | port.RxL4Csum) {
		t.Fatalf("82574L offloads %v", b.Offloads())
	}
	good := ipv4Packet(mac(1), mac(0), 17, []byte("hello"))
	binary.BigEndian.PutUint16(good[14+10:], csum(good[14:34], 0))
	binary.BigEndian.PutUint16(good[34+6:], csum(good[34:], pseudo(good[14:], 17, len(good)-34)))
	badIP := append([]byte(nil), good...)
	badIP[14+10] ^= 0xff
	badL4 := append([]byte(nil), good...)
	badL4[len(badL4)-1] ^= 0x55
	want := []mbuf.Flags{
		mbuf.FlagIPCsumOK | mbuf.FlagL4CsumOK,
		mbuf.FlagIPCsumBad | mbuf.FlagL4CsumOK,
		mbuf.FlagIPCsumOK | mbuf.FlagL4CsumBad,
	}
	for _, f := range [][]byte{good, badIP, badL4} {
		sendAll(t, a, []*mbuf.Buf{r.frame(t, f)}, nil)
	}
	i := 0
	recvAll(b, 3, func(x *mbuf.Buf) {
		const mask = mbuf.FlagIPCsumOK | mbuf.FlagIPCsumBad | mbuf.FlagL4CsumOK | mbuf.FlagL4CsumBad
		if got := x.Meta.Flags & mask; i < len(want) && got != want[i] {
			t.Errorf("frame %d: flags %#x, want %#x", i, got, want[i])
		}
		i++
	})
	if i != 3 {
		t.Fatalf("received %d", i)
	}
	// The 8254x models (like QEMU's) report IXSM: no verdict, no flags.
	r2 := newRig(t, 2, e1000test.ID82540EM, nil, nil)
	sendAll(t, r2.devs[0], []*mbuf.Buf{r2.frame(t, badIP)}, nil)
	recvAll(r2.devs[1], 1, func(x *mbuf.Buf) {
		if x.Meta.Flags&(mbuf.FlagIPCsumOK|mbuf.FlagIPCsumBad) != 0 {
			t.Errorf("82540EM set checksum flags %#x", x.Meta.Flags)
		}
	})
	_ = e1000.MaxMTU
}
