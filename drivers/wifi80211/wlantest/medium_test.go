package wlantest

import (
	"net"
	"testing"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
)

func TestMediumDeliveryAndAcks(t *testing.T) {
	var m Medium
	a := m.NewRadio(net.HardwareAddr{2, 0, 0, 0, 0, 1}, 2412, nil)
	b := m.NewRadio(net.HardwareAddr{2, 0, 0, 0, 0, 2}, 2412, nil)
	c := m.NewRadio(net.HardwareAddr{2, 0, 0, 0, 0, 3}, 2437, nil)
	var gotB, gotC int
	var status []net80211.TxStatus
	b.Handler = func(p []byte, rx *net80211.RxInfo) {
		gotB++
		if rx.FreqMHz != 2412 || rx.SignalDBm != a.SignalDBm {
			t.Errorf("rx info %+v", rx)
		}
	}
	c.Handler = func([]byte, *net80211.RxInfo) { gotC++ }
	a.Status = func(s *net80211.TxStatus) { status = append(status, *s) }
	send := func(to net.HardwareAddr, cookie uint64) {
		h := frame.HeaderFields{FC: frame.MakeFC(frame.TypeData, frame.SubData, 0), Addr1: to, Addr2: a.MAC(), Addr3: to}
		if err := a.Transmit(frame.AppendHeader(nil, &h), &net80211.TxInfo{Cookie: cookie, Retries: 7, NoAck: to[0]&1 != 0}); err != nil {
			t.Fatal(err)
		}
	}
	send(b.MAC(), 1)                                              // acked: b is on the channel
	send(c.MAC(), 2)                                              // not acked: c is on another channel
	send(net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 3) // broadcast: no status
	if n := m.Run(100); n != 3+2 {
		t.Fatalf("ran %d events", n)
	}
	if gotB != 3 || gotC != 0 {
		t.Fatalf("b got %d, c got %d", gotB, gotC)
	}
	if len(status) != 2 || !status[0].Acked || status[0].Cookie != 1 || status[1].Acked || status[1].Retries != 7 {
		t.Fatalf("status %+v", status)
	}
	// A filter that drops everything: unicast is not acknowledged.
	m.Filter = func(*Radio, []byte) []byte { return nil }
	send(b.MAC(), 4)
	m.Run(100)
	if gotB != 3 || status[2].Acked {
		t.Fatal("filtered frame delivered or acknowledged")
	}
	_ = c.SetChannel(2412)
	if c.Freq() != 2412 || c.Tunes != 1 {
		t.Fatal("SetChannel")
	}
	c.Detached = true
	if err := c.Transmit([]byte{0xd4, 0, 0, 0, 1, 2, 3, 4, 5, 6}, &net80211.TxInfo{}); err == nil {
		t.Fatal("detached radio transmitted")
	}
}
