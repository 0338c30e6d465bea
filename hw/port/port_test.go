package port

import "testing"

func TestOffloadsString(t *testing.T) {
	for _, tc := range []struct {
		o    Offloads
		want string
	}{
		{0, "none"},
		{TxIPCsum, "tx-ipcsum"},
		{TxL4Csum | TxTSO | Chains, "tx-l4csum,tso,chains"},
		{VLANInsert | VLANStrip, "vlan-insert,vlan-strip"},
	} {
		if got := tc.o.String(); got != tc.want {
			t.Errorf("%#x: got %q, want %q", uint32(tc.o), got, tc.want)
		}
	}
	if !(TxIPCsum | TxTSO).Has(TxTSO) || TxIPCsum.Has(TxIPCsum|TxTSO) {
		t.Error("Has is wrong")
	}
}

func TestLinkStateString(t *testing.T) {
	for _, tc := range []struct {
		l    LinkState
		want string
	}{
		{LinkState{}, "down"},
		{LinkState{Up: true, SpeedMbps: 1000, FullDuplex: true}, "up 1000 Mb/s full-duplex"},
		{LinkState{Up: true, SpeedMbps: 10}, "up 10 Mb/s half-duplex"},
	} {
		if got := tc.l.String(); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.l, got, tc.want)
		}
	}
}
