package wire

import (
	"bytes"
	"testing"
)

// Each fuzz target parses arbitrary bytes, calls every accessor on a view
// the constructor accepted (none may panic), and checks that decoding to
// Fields and encoding back reproduces the header bytes exactly.

func seedFrames(f *testing.F, off int) {
	for _, s := range []string{frameARPRequest, frameARPReply, frameEchoRequest, frameEchoReply, frameUDP, framePortUnreach, frameRecordRoute} {
		b := unhex(f, s)
		if off <= len(b) {
			f.Add(b[off:])
		}
	}
	f.Add([]byte{})
}

func FuzzEthernet(f *testing.F) {
	seedFrames(f, 0)
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := NewEthernet(b)
		if err != nil {
			return
		}
		_ = e.Payload()
		fl := e.Fields()
		out := make([]byte, EthernetHeaderLen)
		if _, err := fl.Encode(out); err != nil || !bytes.Equal(out, b[:EthernetHeaderLen]) {
			t.Fatalf("round trip: %x != %x (%v)", out, b[:EthernetHeaderLen], err)
		}
		if e.Type() == EtherTypeVLAN {
			if v, err := NewVLAN(e.Payload()); err == nil {
				vf := v.Fields()
				out := make([]byte, VLANTagLen)
				vf.Encode(out)
				if !bytes.Equal(out, v[:VLANTagLen]) || len(v.Payload()) != len(v)-VLANTagLen {
					t.Fatalf("vlan round trip: %x != %x", out, v[:VLANTagLen])
				}
			}
		}
	})
}

func FuzzARP(f *testing.F) {
	seedFrames(f, EthernetHeaderLen)
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := NewARP(b)
		if err != nil {
			return
		}
		fl := a.Fields()
		out := make([]byte, ARPLen)
		if _, err := fl.Encode(out); err != nil || !bytes.Equal(out, a) {
			t.Fatalf("round trip: %x != %x (%v)", out, []byte(a), err)
		}
	})
}

func FuzzIPv4(f *testing.F) {
	seedFrames(f, EthernetHeaderLen)
	f.Fuzz(func(t *testing.T, b []byte) {
		ip, err := NewIPv4(b)
		if err != nil {
			return
		}
		if len(ip) != int(ip.TotalLen()) || ip.HeaderLen() > len(ip) {
			t.Fatalf("view len %d, total %d, hl %d", len(ip), ip.TotalLen(), ip.HeaderLen())
		}
		_, _, _, _, _ = ip.Version(), ip.IsFragment(), ip.MoreFragments(), ip.DontFragment(), ip.SrcAddr()
		_, _ = ip.DstAddr(), ip.Payload()
		_ = ip.ChecksumValid()
		n := 0
		o, rest, ok, _ := ip.Options().Next()
		for ; ok; o, rest, ok, _ = rest.Next() {
			n += 1 + len(o.Data)
			_ = o.Copied()
		}
		if n > len(ip.Options()) {
			t.Fatalf("options walk covered %d bytes of %d", n, len(ip.Options()))
		}
		_ = ip.Options().Validate()
		fl := ip.Fields()
		out := make([]byte, ip.HeaderLen())
		if _, err := fl.Encode(out); err != nil || !bytes.Equal(out, ip.Header()) {
			t.Fatalf("round trip: %x != %x (%v)", out, ip.Header(), err)
		}
		// Incremental TTL update must agree with a full recomputation.
		cp := IPv4(append([]byte(nil), ip...))
		if cp.TTL() > 0 {
			cp.UpdateChecksum()
			cp.DecTTL()
			if !cp.ChecksumValid() {
				t.Fatal("DecTTL broke the checksum")
			}
		}
	})
}

func FuzzICMPv4(f *testing.F) {
	seedFrames(f, EthernetHeaderLen+IPv4MinHeaderLen)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := NewICMPv4(b)
		if err != nil {
			return
		}
		_, _, _, _, _ = m.ID(), m.Seq(), m.MTU(), m.Pointer(), m.Type().IsError()
		_ = m.ChecksumValid()
		fl := m.Fields()
		out := make([]byte, ICMPv4HeaderLen)
		if _, err := fl.Encode(out); err != nil || !bytes.Equal(out, m[:ICMPv4HeaderLen]) {
			t.Fatalf("round trip: %x != %x (%v)", out, m[:ICMPv4HeaderLen], err)
		}
		cp := ICMPv4(append([]byte(nil), m...))
		cp.UpdateChecksum()
		if !cp.ChecksumValid() {
			t.Fatal("UpdateChecksum result does not verify")
		}
	})
}

func FuzzUDP(f *testing.F) {
	seedFrames(f, EthernetHeaderLen+IPv4MinHeaderLen)
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := NewUDP(b)
		if err != nil {
			return
		}
		if len(u) != int(u.Length()) {
			t.Fatalf("view len %d != length field %d", len(u), u.Length())
		}
		_ = u.ChecksumValid(ipA, ipB)
		fl := u.Fields()
		out := make([]byte, UDPHeaderLen)
		if _, err := fl.Encode(out); err != nil || !bytes.Equal(out, u[:UDPHeaderLen]) {
			t.Fatalf("round trip: %x != %x (%v)", out, u[:UDPHeaderLen], err)
		}
		cp := UDP(append([]byte(nil), u...))
		cp.UpdateChecksum(ipA, ipB)
		if !cp.ChecksumValid(ipA, ipB) || cp.Checksum() == 0 || cp.ComputeChecksum(ipA, ipB) != cp.Checksum() {
			t.Fatalf("UpdateChecksum: field %#04x, compute %#04x", cp.Checksum(), cp.ComputeChecksum(ipA, ipB))
		}
	})
}
