package vcard_test

import (
	"encoding/hex"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/vcard"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/air"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/vcardsim"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// card is a model, its driver and the pool in the model's DMA memory.
type card struct {
	m    *vcardsim.Model
	d    *vcard.Device
	pool *mbuf.Pool
}

func mac(s string) net.HardwareAddr {
	a, err := net.ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return a
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newCard attaches a driver to a fresh model on medium md, tuned to 2412 MHz.
// Cleanup detaches it and checks that the pool is full.
func newCard(t testing.TB, md *air.Local, addr string, mode vcard.Mode) *card {
	t.Helper()
	m := vcardsim.New(vcardsim.Config{MAC: mac(addr), INTx: mode == vcard.Interrupt && strings.HasSuffix(addr, "2")})
	f := m.Function()
	pool, err := mbuf.NewPool(f.DMA(), mbuf.PoolOptions{Name: addr, Buffers: 256})
	if err != nil {
		t.Fatal(err)
	}
	d, err := vcard.Attach(f, vcard.Config{Pool: pool, RxDescs: 64, TxDescs: 64, Mode: mode})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetChannel(2412); err != nil {
		t.Fatal(err)
	}
	m.SetMedium(md)
	md.Join(m)
	c := &card{m: m, d: d, pool: pool}
	t.Cleanup(func() {
		md.Leave(m)
		if err := d.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		m.Close()
		if n := pool.InUse(); n != 0 {
			t.Errorf("%s: %d buffers still in use after detach", addr, n)
		}
	})
	return c
}

// send transmits one frame and waits for its status.
func (c *card) send(t testing.TB, frame []byte, ti vcard.TxInfo) vcard.TxStatus {
	t.Helper()
	b, err := c.pool.Get()
	if err != nil {
		t.Fatal(err)
	}
	dst, _ := b.Append(len(frame))
	copy(dst, frame)
	if c.d.Transmit([]*mbuf.Buf{b}, []vcard.TxInfo{ti}) != 1 {
		b.Free()
		t.Fatal("Transmit refused the frame")
	}
	var st [1]vcard.TxStatus
	deadline := time.Now().Add(5 * time.Second)
	for c.d.Reap(st[:]) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no TX status within 5 s")
		}
		time.Sleep(50 * time.Microsecond)
	}
	return st[0]
}

// recv returns the frames received so far (copied) and frees the buffers.
func (c *card) recv() ([][]byte, []vcard.RxInfo) {
	var bufs [16]*mbuf.Buf
	var info [16]vcard.RxInfo
	var frames [][]byte
	var infos []vcard.RxInfo
	for {
		n := c.d.Receive(bufs[:], info[:])
		if n == 0 {
			return frames, infos
		}
		for i := range n {
			frames = append(frames, append([]byte(nil), bufs[i].Bytes()...))
			infos = append(infos, info[i])
			bufs[i].Free()
		}
	}
}

// dataFrame is a non-QoS ToDS data frame from sa to the AP bssid, for da.
func dataFrame(bssid, sa, da net.HardwareAddr, seq uint16, payload string) []byte {
	f := []byte{0x08, 0x01, 0, 0}
	f = append(f, bssid...)
	f = append(f, sa...)
	f = append(f, da...)
	f = append(f, byte(seq<<4), byte(seq>>4))
	f = append(f, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00)
	return append(f, payload...)
}
