package dhcp4

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/wire"
)

func TestLeaseFromAck(t *testing.T) {
	const sid = "3604c6120001 "
	s := time.Second
	for _, tc := range []struct {
		name   string
		yiaddr wire.Addr4
		opts   string
		ok     bool
		addr   string
		t1, t2 time.Duration
		dur    time.Duration
		inf    bool
	}{
		{"plain", wire.Addr4{198, 18, 0, 9}, sid + "3304000004b0 0104ffffff00", true, "198.18.0.9/24", 600 * s, 1050 * s, 1200 * s, false},
		{"server T1 T2", wire.Addr4{198, 18, 0, 9}, sid + "3304000004b0 0104fffe0000 3a0400000064 3b04000000c8", true, "198.18.0.9/15", 100 * s, 200 * s, 1200 * s, false},
		{"T2 beyond lease", wire.Addr4{198, 18, 0, 9}, sid + "3304000004b0 3a0400000064 3b04000004b0", true, "198.18.0.9/24", 100 * s, 1050 * s, 1200 * s, false},
		{"T1 after T2", wire.Addr4{198, 18, 0, 9}, sid + "3304000004b0 3a0400000384 3b04000000c8", true, "198.18.0.9/24", 100 * s, 200 * s, 1200 * s, false},
		{"classful /8", wire.Addr4{10, 1, 2, 3}, sid + "3304000004b0", true, "10.1.2.3/8", 600 * s, 1050 * s, 1200 * s, false},
		{"classful /16", wire.Addr4{172, 16, 0, 1}, sid + "3304000004b0", true, "172.16.0.1/16", 600 * s, 1050 * s, 1200 * s, false},
		{"infinite", wire.Addr4{198, 18, 0, 9}, sid + "3304ffffffff 0104ffffff00", true, "198.18.0.9/24", 0, 0, 0, true},
		{"mask with holes", wire.Addr4{198, 18, 0, 9}, sid + "3304000004b0 0104ff00ff00", false, "", 0, 0, 0, false},
		{"mask zero", wire.Addr4{198, 18, 0, 9}, sid + "3304000004b0 010400000000", false, "", 0, 0, 0, false},
		{"no lease time", wire.Addr4{198, 18, 0, 9}, sid, false, "", 0, 0, 0, false},
		{"zero lease time", wire.Addr4{198, 18, 0, 9}, sid + "330400000000", false, "", 0, 0, 0, false},
		{"no server id", wire.Addr4{198, 18, 0, 9}, "3304000004b0", false, "", 0, 0, 0, false},
		{"yiaddr zero", wire.Addr4{}, sid + "3304000004b0", false, "", 0, 0, 0, false},
		{"yiaddr loopback", wire.Addr4{127, 0, 0, 1}, sid + "3304000004b0", false, "", 0, 0, 0, false},
		{"yiaddr multicast", wire.Addr4{224, 0, 0, 1}, sid + "3304000004b0", false, "", 0, 0, 0, false},
	} {
		f := MessageFields{Op: BootReply, HType: 1, HLen: 6, YIAddr: tc.yiaddr, Options: unhex(t, "350105 "+tc.opts+" ff")}
		m, err := f.Encode(make([]byte, 600))
		if err != nil {
			t.Fatal(err)
		}
		p, err := m.Params()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var c Client
		c.state = StateRebooting
		l, ok := c.leaseFrom(m, &p)
		if ok != tc.ok {
			t.Errorf("%s: ok %v, want %v (%+v)", tc.name, ok, tc.ok, l)
			continue
		}
		if !ok {
			continue
		}
		if l.Addr != netip.MustParsePrefix(tc.addr) || l.T1 != tc.t1 || l.T2 != tc.t2 || l.Duration != tc.dur || l.Infinite != tc.inf ||
			l.Server != netip.MustParseAddr("198.18.0.1") {
			t.Errorf("%s: %+v", tc.name, l)
		}
		if tc.inf && !l.Expiry().IsZero() {
			t.Errorf("%s: infinite lease expires at %v", tc.name, l.Expiry())
		}
	}
}

func TestStrings(t *testing.T) {
	if StateRebinding.String() != "REBINDING" || State(99).String() != "state(99)" || Nak.String() != "NAK" ||
		MessageType(0).String() != "type(0)" || EventRenewed.String() != "renewed" || EventKind(42).String() != "event(42)" {
		t.Fatal("String methods")
	}
	e := &OpError{Op: "start", Interface: "tap0", Err: ErrRunning, Fix: "one client per interface"}
	if e.Error() != "dhcp4: start tap0: client already started; one client per interface" {
		t.Fatal(e.Error())
	}
}
