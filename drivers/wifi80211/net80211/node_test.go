package net80211

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
)

func TestACL(t *testing.T) {
	a, b := net.HardwareAddr{2, 0, 0, 0, 0, 1}, net.HardwareAddr{2, 0, 0, 0, 0, 2}
	var nilACL *ACL
	if !nilACL.Check(a) {
		t.Fatal("nil ACL must be open")
	}
	acl := &ACL{Policy: ACLAllow}
	acl.Add(a)
	if !acl.Check(a) || acl.Check(b) {
		t.Fatal("allow policy")
	}
	acl.Policy = ACLDeny
	if acl.Check(a) || !acl.Check(b) {
		t.Fatal("deny policy")
	}
	acl.Remove(a)
	if !acl.Check(a) || acl.Len() != 0 {
		t.Fatal("remove")
	}
	acl.Policy = ACLOpen
	acl.Add(b)
	if !acl.Check(b) {
		t.Fatal("open policy")
	}
}

func TestNodeTable(t *testing.T) {
	var nt NodeTable
	t0 := time.Unix(100, 0)
	a := nt.Create(net.HardwareAddr{2, 0, 0, 0, 0, 1}, t0)
	if nt.Create(net.HardwareAddr{2, 0, 0, 0, 0, 1}, t0) != a || nt.Len() != 1 {
		t.Fatal("create is not idempotent")
	}
	b := nt.Create(net.HardwareAddr{2, 0, 0, 0, 0, 2}, t0)
	b.observe(-50, t0.Add(50*time.Second))
	if b.AvgRSSI != -400 || b.RSSI != -50 {
		t.Fatalf("rssi %d avg %d", b.RSSI, b.AvgRSSI)
	}
	b.observe(-58, t0.Add(50*time.Second))
	if b.AvgRSSI != -408 { // 7/8 of -400 plus -58
		t.Fatalf("avg %d", b.AvgRSSI)
	}
	k, _ := NewKey(CCMP{}, 0, bytes.Repeat([]byte{1}, 16), RoleSupplicant, 0)
	a.PTK = k
	if n := nt.AgeOut(t0.Add(61*time.Second), time.Minute, nil); n != 1 || nt.Find(a.MAC) != nil || nt.Find(b.MAC) != b {
		t.Fatalf("age out removed %d", n)
	}
	if !allZero(k.material[:]) {
		t.Fatal("removed node's key not wiped")
	}
	if nt.AgeOut(t0.Add(time.Hour), time.Minute, b.MAC) != 0 {
		t.Fatal("kept node aged out")
	}
	// Duplicate cache: same sequence control with Retry is a duplicate.
	if b.isDup(0, 0x100, false) || !b.isDup(0, 0x100, true) || b.isDup(0, 0x110, true) || b.isDup(1, 0x110, true) {
		t.Fatal("duplicate detection")
	}
	for i := range 4097 {
		if s := b.nextSeq(); s != uint16(i)&0xfff {
			t.Fatalf("seq %d = %d", i, s)
		}
	}
}

func TestLLC(t *testing.T) {
	h := frame.HeaderFields{FC: frame.MakeFC(frame.TypeData, frame.SubData, frame.FlagFromDS),
		Addr1: net.HardwareAddr{2, 0, 0, 0, 0, 1}, Addr2: net.HardwareAddr{2, 0, 0, 0, 0, 0xa}, Addr3: net.HardwareAddr{2, 0, 0, 0, 0, 9}}
	b := frame.AppendHeader(nil, &h)
	b = AppendLLC(b, 0x0800)
	b = append(b, "payload"...)
	e, err := ToEther(b, 24)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 9, 8, 0}, "payload"...)
	if !bytes.Equal(e, want) {
		t.Fatalf("ether %x", e)
	}
	if got := AppendLLC(nil, 0x8137); !bytes.Equal(got, []byte{0xaa, 0xaa, 3, 0, 0, 0xf8, 0x81, 0x37}) {
		t.Fatalf("802.1H %x", got)
	}
	// No SNAP: an 802.3 frame with a length field.
	raw := append(frame.AppendHeader(nil, &h), 0xf0, 0xf0, 3, 1, 2)
	e, _ = ToEther(raw, 24)
	if !bytes.Equal(e, []byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 9, 0, 5, 0xf0, 0xf0, 3, 1, 2}) {
		t.Fatalf("802.3 %x", e)
	}
}

func TestDefrag(t *testing.T) {
	var d defrag
	var st VapStats
	now := time.Unix(0, 0)
	frag := func(seq uint16, n uint8, more bool, body string) []byte {
		fl := frame.FlagFromDS
		if more {
			fl |= frame.FlagMoreFrag
		}
		h := frame.HeaderFields{FC: frame.MakeFC(frame.TypeData, frame.SubData, fl), Addr1: net.HardwareAddr{2, 0, 0, 0, 0, 1},
			Addr2: net.HardwareAddr{2, 0, 0, 0, 0, 2}, Addr3: net.HardwareAddr{2, 0, 0, 0, 0, 3}, SeqCtl: frame.SeqCtlOf(seq, n)}
		return append(frame.AppendHeader(nil, &h), body...)
	}
	if out := d.add(frag(5, 0, false, "whole"), 24, now, &st); string(out[24:]) != "whole" {
		t.Fatal("unfragmented frame not passed through")
	}
	if d.add(frag(6, 0, true, "ab"), 24, now, &st) != nil || d.add(frag(6, 1, true, "cd"), 24, now, &st) != nil {
		t.Fatal("partial returned")
	}
	out := d.add(frag(6, 2, false, "ef"), 24, now, &st)
	if string(out[24:]) != "abcdef" || frame.Frame(out).FC()&frame.FlagMoreFrag != 0 {
		t.Fatalf("reassembled %q", out)
	}
	// A gap drops the MSDU.
	d.add(frag(7, 0, true, "ab"), 24, now, &st)
	if d.add(frag(7, 2, false, "ef"), 24, now, &st) != nil || st.RxFragDropped != 1 {
		t.Fatal("gap not dropped")
	}
	// A stale partial MSDU is dropped when the next fragment is too late.
	d.add(frag(8, 0, true, "ab"), 24, now, &st)
	if d.add(frag(8, 1, false, "cd"), 24, now.Add(time.Second), &st) != nil || st.RxFragDropped != 3 {
		t.Fatalf("late fragment accepted (dropped %d)", st.RxFragDropped)
	}
	// Too long.
	d.add(frag(9, 0, true, string(make([]byte, 2000))), 24, now, &st)
	if d.add(frag(9, 1, false, string(make([]byte, 400))), 24, now, &st) != nil || st.RxTooLong != 1 {
		t.Fatal("oversized MSDU accepted")
	}
}

func TestScanCacheAging(t *testing.T) {
	c := ScanCache{MaxAge: time.Minute}
	now := time.Unix(0, 0)
	body := make(frame.Beacon, 12)
	body.Encode(&frame.BeaconFields{Interval: 100, Capability: frame.CapESS})
	for i, sig := range []int8{-70, -40, -55} {
		set := ieSetFor(t, "net", uint8(1+5*i))
		c.update(net.HardwareAddr{2, 0, 0, 0, 0, byte(i)}, 2412, sig, body, &set, now.Add(time.Duration(i)*40*time.Second))
	}
	e := c.Entries()
	if len(e) != 3 || e[0].SignalDBm != -40 || e[2].SignalDBm != -70 || e[1].Channel != 11 || e[1].FreqMHz != 2462 {
		t.Fatalf("entries %+v", e)
	}
	// A hidden-SSID beacon (zeroed SSID) does not erase the known name.
	hidden := ieSetFor(t, "\x00\x00\x00", 1)
	c.update(net.HardwareAddr{2, 0, 0, 0, 0, 0}, 2412, -70, body, &hidden, now)
	if got := string(c.entries[[6]byte{2, 0, 0, 0, 0, 0}].SSID); got != "net" {
		t.Fatalf("hidden beacon changed the SSID to %q", got)
	}
	if n := c.AgeOut(now.Add(90 * time.Second)); n != 1 || len(c.Entries()) != 2 {
		t.Fatalf("aged %d", n)
	}
}
