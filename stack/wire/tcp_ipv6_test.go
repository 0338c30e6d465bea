package wire

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
)

func TestTCPKernelFrames(t *testing.T) {
	tests := []struct {
		name  string
		frame string
		want  TCPFields
		opts  []TCPOption
	}{
		{"syn", frameTCPSyn, TCPFields{SrcPort: 41000, DstPort: 80, Seq: 310435560, Flags: TCPFlagSYN, Window: 64240, Checksum: 0x9afa},
			[]TCPOption{{TCPOptionMSS, []byte{0x05, 0xb4}}, {TCPOptionSACKPermitted, []byte{}},
				{TCPOptionTimestamps, []byte{0x47, 0xab, 0x4c, 0x5d, 0, 0, 0, 0}}, {TCPOptionNOP, nil}, {TCPOptionWindowScale, []byte{10}}}},
		{"rst", frameTCPRst, TCPFields{SrcPort: 80, DstPort: 41000, Ack: 310435561, Flags: TCPFlagRST | TCPFlagACK, Checksum: 0x91c6}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ip, err := NewIPv4(unhex(t, tt.frame)[EthernetHeaderLen:])
			if err != nil {
				t.Fatal(err)
			}
			seg, err := NewTCP(ip.Payload())
			if err != nil {
				t.Fatal(err)
			}
			if !seg.ChecksumValid(ip.Src(), ip.Dst()) {
				t.Error("kernel TCP checksum does not verify")
			}
			f := seg.Fields()
			got := f
			got.Options = nil
			if !equalTCPFields(got, tt.want) {
				t.Errorf("fields %+v, want %+v", got, tt.want)
			}
			var opts []TCPOption
			o, rest, ok, err := f.Options.Next()
			for ; ok; o, rest, ok, err = rest.Next() {
				opts = append(opts, o)
			}
			if err != nil || len(opts) != len(tt.opts) {
				t.Fatalf("options %v (%v), want %v", opts, err, tt.opts)
			}
			for i := range opts {
				if opts[i].Kind != tt.opts[i].Kind || !bytes.Equal(opts[i].Data, tt.opts[i].Data) {
					t.Errorf("option %d = %v, want %v", i, opts[i], tt.opts[i])
				}
			}
			if mss, ok := f.Options.MSS(); ok != (tt.name == "syn") || (ok && mss != 1460) {
				t.Errorf("MSS = %d, %v", mss, ok)
			}
			// Rebuild: header from Fields, checksum computed by us.
			out := make([]byte, len(seg))
			f.Checksum = 0
			s2, err := f.Encode(out)
			if err != nil {
				t.Fatal(err)
			}
			s2.UpdateChecksum(ip.Src(), ip.Dst())
			if !bytes.Equal(out, seg) {
				t.Errorf("encode:\n got %x\nwant %x", out, []byte(seg))
			}
		})
	}
	for _, tc := range []struct {
		b    []byte
		want error
	}{
		{make([]byte, 19), ErrTruncated},
		{append(make([]byte, 12), 0x40, 0, 0, 0, 0, 0, 0, 0), ErrBadLength},
		{append(make([]byte, 12), 0x60, 0, 0, 0, 0, 0, 0, 0), ErrTruncated},
	} {
		if _, err := NewTCP(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("NewTCP(%x) = %v, want %v", tc.b, err, tc.want)
		}
	}
	if _, err := (&TCPFields{Options: make(TCPOptions, 41)}).Encode(make([]byte, 80)); !errors.Is(err, ErrBadLength) {
		t.Error("41 bytes of TCP options accepted")
	}
}

func TestIPv6KernelFrames(t *testing.T) {
	a1, a2 := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
	tests := []struct {
		name  string
		frame string
		want  IPv6Fields
	}{
		{"icmpv6", frameICMPv6Echo, IPv6Fields{FlowLabel: 0x837de, PayloadLen: 16, NextHeader: IPProtocolICMPv6, HopLimit: 64, Src: a1.As16(), Dst: a2.As16()}},
		{"udp", frameUDPv6, IPv6Fields{FlowLabel: 0xdb5a4, PayloadLen: 10, NextHeader: IPProtocolUDP, HopLimit: 64, Src: a1.As16(), Dst: a2.As16()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := unhex(t, tt.frame)
			e, _ := NewEthernet(append(b, 0, 0, 0)) // trailing padding is trimmed
			if e.Type() != EtherTypeIPv6 {
				t.Fatal(e.Type())
			}
			h, err := NewIPv6(e.Payload())
			if err != nil {
				t.Fatal(err)
			}
			if f := h.Fields(); f != tt.want {
				t.Fatalf("fields %+v, want %+v", f, tt.want)
			}
			if h.SrcAddr() != a1 || h.DstAddr() != a2 || len(h.Payload()) != int(tt.want.PayloadLen) {
				t.Fatalf("addresses %v %v payload %d", h.SrcAddr(), h.DstAddr(), len(h.Payload()))
			}
			// The upper-layer checksum verifies with the RFC 8200 §8.1 pseudo-header.
			if s := Checksum(h.Payload(), PseudoHeaderChecksum6(h.NextHeader(), h.Src(), h.Dst(), uint32(len(h.Payload())))); s != 0xffff {
				t.Errorf("upper-layer checksum sums to %#04x", s)
			}
			out := make([]byte, len(h))
			f := tt.want
			h2, err := f.Encode(out)
			if err != nil {
				t.Fatal(err)
			}
			copy(h2.Payload(), h.Payload())
			if !bytes.Equal(out, h) {
				t.Errorf("encode:\n got %x\nwant %x", out, []byte(h))
			}
		})
	}
	bad := unhex(t, frameUDPv6)[EthernetHeaderLen:]
	if _, err := NewIPv6(bad[:39]); !errors.Is(err, ErrTruncated) {
		t.Error(err)
	}
	if _, err := NewIPv6(bad[:49]); !errors.Is(err, ErrTruncated) {
		t.Error(err)
	}
	v4 := append([]byte{0x45}, bad[1:]...)
	if _, err := NewIPv6(v4); !errors.Is(err, ErrBadVersion) {
		t.Error(err)
	}
}

func FuzzTCP(f *testing.F) {
	for _, s := range []string{frameTCPSyn, frameTCPRst, frameUDP} {
		f.Add(unhex(f, s)[EthernetHeaderLen+IPv4MinHeaderLen:])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		seg, err := NewTCP(b)
		if err != nil {
			return
		}
		_, _ = seg.Payload(), seg.ChecksumValid(ipA, ipB)
		_, _ = seg.Options().MSS()
		fl := seg.Fields()
		out := make([]byte, seg.HeaderLen())
		if _, err := fl.Encode(out); err != nil || !bytes.Equal(out, seg[:seg.HeaderLen()]) {
			t.Fatalf("round trip: %x != %x (%v)", out, seg[:seg.HeaderLen()], err)
		}
		cp := TCP(append([]byte(nil), seg...))
		cp.UpdateChecksum(ipA, ipB)
		if !cp.ChecksumValid(ipA, ipB) {
			t.Fatal("UpdateChecksum result does not verify")
		}
	})
}

func FuzzIPv6(f *testing.F) {
	for _, s := range []string{frameICMPv6Echo, frameUDPv6, frameUDP} {
		f.Add(unhex(f, s)[EthernetHeaderLen:])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := NewIPv6(b)
		if err != nil {
			return
		}
		if len(h) != IPv6HeaderLen+int(h.PayloadLen()) {
			t.Fatalf("view len %d, payload length %d", len(h), h.PayloadLen())
		}
		_, _ = h.SrcAddr(), h.DstAddr()
		fl := h.Fields()
		out := make([]byte, IPv6HeaderLen)
		if _, err := fl.Encode(out); err != nil || !bytes.Equal(out, h[:IPv6HeaderLen]) {
			t.Fatalf("round trip: %x != %x (%v)", out, h[:IPv6HeaderLen], err)
		}
	})
}

func equalTCPFields(a, b TCPFields) bool {
	return a.SrcPort == b.SrcPort && a.DstPort == b.DstPort && a.Seq == b.Seq && a.Ack == b.Ack && a.Flags == b.Flags &&
		a.Reserved == b.Reserved && a.Window == b.Window && a.Checksum == b.Checksum && a.Urgent == b.Urgent &&
		bytes.Equal(a.Options, b.Options)
}
