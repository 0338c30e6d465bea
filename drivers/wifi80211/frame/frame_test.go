package frame

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net"
	"testing"

	"github.com/gopkt/gopkt/drivers/wifi80211/internal/capture"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mac(s string) net.HardwareAddr {
	a, err := net.ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return a
}

func TestParseHeaders(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		typ    Type
		sub    uint8
		hlen   int
		a1, a2 string
		a3, a4 string
		seq    uint16
		tid    uint8
		err    error
	}{
		{name: "beacon", in: "80000000ffffffffffff00146c7e408000146c7e4080100781 61ea00000000 00fa00", typ: TypeMgmt, sub: SubBeacon, hlen: 24,
			a1: "ff:ff:ff:ff:ff:ff", a2: "00:14:6c:7e:40:80", a3: "00:14:6c:7e:40:80", seq: 113},
		{name: "data-fromds", in: "08023a0100134 6fe320c00146c7e408000146c7e40802015aaaa", typ: TypeData, sub: SubData, hlen: 24,
			a1: "00:13:46:fe:32:0c", a2: "00:14:6c:7e:40:80", a3: "00:14:6c:7e:40:80", seq: 0x152},
		{name: "ack", in: "d4000000000fb5abcb9d", typ: TypeCtrl, sub: SubACK, hlen: 10, a1: "00:0f:b5:ab:cb:9d"},
		{name: "rts", in: "b4000000020000000000020000000001", typ: TypeCtrl, sub: SubRTS, hlen: 16,
			a1: "02:00:00:00:00:00", a2: "02:00:00:00:00:01"},
		{name: "qos-4addr", in: "88030000" + "020000000001" + "020000000002" + "020000000003" + "1000" + "020000000004" + "0500" + "aaaa",
			typ: TypeData, sub: SubQoSData, hlen: 32, a1: "02:00:00:00:00:01", a2: "02:00:00:00:00:02",
			a3: "02:00:00:00:00:03", a4: "02:00:00:00:00:04", seq: 1, tid: 5},
		{name: "qos-htc", in: "88818000" + "020000000001" + "020000000002" + "020000000003" + "2000" + "0700" + "01020304",
			typ: TypeData, sub: SubQoSData, hlen: 30, a1: "02:00:00:00:00:01", a2: "02:00:00:00:00:02",
			a3: "02:00:00:00:00:03", seq: 2, tid: 7},
		{name: "short-ack", in: "d40000000000000000", err: ErrTruncated},
		{name: "short-data", in: "0802000000", err: ErrTruncated},
		{name: "short-qos", in: "8802" + "0000" + "020000000001020000000002020000000003" + "2000", err: ErrTruncated},
		{name: "version", in: "81000000ffffffffffff", err: ErrVersion},
		{name: "ext", in: "0c00000000", err: ErrType},
		{name: "ctrl-reserved", in: "14000000000000000000", err: ErrType},
		{name: "bar-short", in: "84000000020000000001020000000002" + "0400", err: ErrTruncated},
		{name: "one-byte", in: "08", err: ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := unhex(t, stripSpaces(tt.in))
			f, err := Parse(in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Parse err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if f.Type() != tt.typ || f.Subtype() != tt.sub || f.HeaderLen() != tt.hlen {
				t.Fatalf("type %v sub %d hlen %d, want %v %d %d", f.Type(), f.Subtype(), f.HeaderLen(), tt.typ, tt.sub, tt.hlen)
			}
			checkAddr(t, "a1", f.Addr1(), tt.a1)
			checkAddr(t, "a2", f.Addr2(), tt.a2)
			checkAddr(t, "a3", f.Addr3(), tt.a3)
			checkAddr(t, "a4", f.Addr4(), tt.a4)
			if f.Seq() != tt.seq || f.TID() != tt.tid {
				t.Fatalf("seq %d tid %d, want %d %d", f.Seq(), f.TID(), tt.seq, tt.tid)
			}
			// Round trip: Fields then Encode reproduces the header bytes.
			h := f.Fields()
			out := AppendHeader(nil, &h)
			if !bytes.Equal(out, in[:tt.hlen]) {
				t.Fatalf("round trip\n got %x\nwant %x", out, in[:tt.hlen])
			}
		})
	}
}

func stripSpaces(s string) string {
	return string(bytes.ReplaceAll(bytes.ReplaceAll([]byte(s), []byte(" "), nil), []byte("\n"), nil))
}

func checkAddr(t *testing.T, name string, got net.HardwareAddr, want string) {
	t.Helper()
	if want == "" {
		if got != nil {
			t.Fatalf("%s = %v, want none", name, got)
		}
		return
	}
	if got.String() != want {
		t.Fatalf("%s = %v, want %s", name, got, want)
	}
}

func TestPSPoll(t *testing.T) {
	f, err := Parse(unhex(t, "a4000dc0020000000001020000000002"))
	if err != nil || f.AID() != 13 || f.Addr2().String() != "02:00:00:00:00:02" {
		t.Fatalf("ps-poll %v aid %d", err, f.AID())
	}
}

func TestDSAddresses(t *testing.T) {
	a1, a2, a3, a4 := mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"), mac("02:00:00:00:00:03"), mac("02:00:00:00:00:04")
	tests := []struct {
		flags      FrameControl
		bssid      net.HardwareAddr
		da, sa     net.HardwareAddr
		headerSize int
	}{
		{0, a3, a1, a2, 24},
		{FlagToDS, a1, a3, a2, 24},
		{FlagFromDS, a2, a1, a3, 24},
		{FlagToDS | FlagFromDS, nil, a3, a4, 30},
	}
	for _, tt := range tests {
		h := HeaderFields{FC: MakeFC(TypeData, SubData, tt.flags), Addr1: a1, Addr2: a2, Addr3: a3, Addr4: a4}
		f, err := Parse(AppendHeader(nil, &h))
		if err != nil {
			t.Fatal(err)
		}
		if f.HeaderLen() != tt.headerSize || !bytes.Equal(f.BSSID(), tt.bssid) || !bytes.Equal(f.DA(), tt.da) || !bytes.Equal(f.SA(), tt.sa) {
			t.Errorf("flags %#x: hlen %d bssid %v da %v sa %v", tt.flags, f.HeaderLen(), f.BSSID(), f.DA(), f.SA())
		}
	}
}

func TestMgmtBodies(t *testing.T) {
	// Beacon body of wpa2.eapol.cap.
	b, err := ParseBeacon(unhex(t, "ea00000000000000fa0031040008"))
	if err != nil {
		t.Fatal(err)
	}
	if b.Timestamp() != 0xea || b.Interval() != 250 || b.Capability() != 0x0431 || !bytes.Equal(b.Elements(), []byte{0, 8}) {
		t.Fatalf("beacon %+v", b.Fields())
	}
	bf := b.Fields()
	out := make(Beacon, BeaconFixedLen)
	out.Encode(&bf)
	if !bytes.Equal(out, b[:BeaconFixedLen]) {
		t.Fatalf("beacon round trip %x", out)
	}
	// Authentication from wep.open.system.authentication.cap.
	a, err := ParseAuth(unhex(t, "000002000000"))
	if err != nil || a.Algorithm() != AuthOpen || a.Seq() != 2 || a.Status() != StatusSuccess {
		t.Fatalf("auth %v %+v", err, a.Fields())
	}
	r, err := ParseAssocResp(unhex(t, "0100000001c00104"))
	if err != nil || r.Capability() != 1 || r.Status() != 0 || r.AID() != 1 {
		t.Fatalf("assoc resp %v %+v", err, r.Fields())
	}
	rf := r.Fields()
	ro := make(AssocResp, AssocRespFixedLen)
	ro.Encode(&rf)
	if !bytes.Equal(ro, r[:AssocRespFixedLen]) {
		t.Fatalf("assoc resp round trip %x", ro)
	}
	q, err := ParseAssocReq(unhex(t, "31040a000200000000090000"), true)
	if err != nil || q.Capability() != 0x431 || q.ListenInterval() != 10 || q.CurrentAP().String() != "02:00:00:00:00:09" || len(q.Elements()) != 2 {
		t.Fatalf("reassoc %v", err)
	}
	qf := q.Fields()
	if got := AppendAssocReq(nil, &qf); !bytes.Equal(got, q.b[:10]) {
		t.Fatalf("reassoc round trip %x", got)
	}
	for _, short := range []func() error{
		func() error { _, err := ParseBeacon(make([]byte, 11)); return err },
		func() error { _, err := ParseAuth(make([]byte, 5)); return err },
		func() error { _, err := ParseAssocResp(make([]byte, 5)); return err },
		func() error { _, err := ParseAssocReq(make([]byte, 9), true); return err },
		func() error { _, err := ParseReason(make([]byte, 1)); return err },
		func() error { _, err := ParseAction(nil); return err },
	} {
		if err := short(); !errors.Is(err, ErrTruncated) {
			t.Fatalf("short body err = %v", err)
		}
	}
}

func TestBlockAck(t *testing.T) {
	// Compressed BA for TID 3 starting at seq 100, MSDUs 100 and 102 received.
	body := unhex(t, "0530"+"4006"+"0500000000000000")
	ba, err := ParseBlockAck(body)
	if err != nil {
		t.Fatal(err)
	}
	if ba.TID() != 3 || ba.StartSeq() != 100 || !ba.Acked(100) || ba.Acked(101) || !ba.Acked(102) || ba.Acked(99) {
		t.Fatalf("ba tid %d ssn %d", ba.TID(), ba.StartSeq())
	}
	if _, err := ParseBlockAck(body[:10]); !errors.Is(err, ErrTruncated) {
		t.Fatalf("short BA err %v", err)
	}
	bar, err := ParseBlockAckReq(unhex(t, "04504006"))
	if err != nil || bar.TID() != 5 || bar.StartSeq() != 100 {
		t.Fatalf("bar %v", err)
	}
}

// TestCaptures parses every frame of every capture.
func TestCaptures(t *testing.T) {
	for _, name := range capture.Names() {
		c, err := capture.Read(name)
		if errors.Is(err, capture.ErrNoTestdata) {
			t.Skip(err)
		}
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range c.Frames() {
			f, err := Parse(p)
			if err != nil {
				t.Fatalf("%s #%d: %v", name, i+1, err)
			}
			if f.Type() == TypeMgmt && f.Subtype() == SubBeacon {
				if _, err := ParseBeacon(f.Body()); err != nil {
					t.Fatalf("%s #%d beacon: %v", name, i+1, err)
				}
			}
			h := f.Fields()
			if got := AppendHeader(nil, &h); !bytes.Equal(got, p[:f.HeaderLen()]) {
				t.Fatalf("%s #%d: header round trip %x != %x", name, i+1, got, p[:f.HeaderLen()])
			}
		}
	}
}
