package net80211_test

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/gopkt/gopkt/clock/clocktest"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
)

var (
	staMAC = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x01}
	apMAC  = net.HardwareAddr{0x02, 0, 0, 0, 0, 0xa0}
	chans  = []int{2412, 2437, 2462}
)

// bench is one STA and one test AP on an in-process medium.
type bench struct {
	t      testing.TB
	clock  *clocktest.Clock
	medium *wlantest.Medium
	sta    *wlantest.Radio
	com    *net80211.Com
	vap    *net80211.Vap
	ap     *wlantest.AP
	events []net80211.Event
	rx     [][]byte // Ethernet frames delivered to the stack
	count  int      // frames delivered (also when discarding)
	keep   bool     // keep copies in rx
}

type benchOpts struct {
	passphrase string // AP passphrase ("" = open)
	pairwise   ie.Suite
	apCfg      func(*wlantest.APConfig)
	hw         *wlantest.KeyCache // gives the STA radio a key cache
	comCfg     func(*net80211.ComConfig)
	vapCfg     func(*net80211.VapConfig)
}

func newBench(t testing.TB, o benchOpts) *bench {
	t.Helper()
	b := &bench{t: t, clock: wlantest.NewClock(), medium: &wlantest.Medium{}, keep: true}
	b.sta = b.medium.NewRadio(staMAC, 2412, chans)
	apRadio := b.medium.NewRadio(apMAC, 2437, chans)
	apRadio.SignalDBm = -52
	cfg := wlantest.APConfig{SSID: []byte("gopkt-test"), Passphrase: o.passphrase, Pairwise: o.pairwise, Clock: b.clock}
	if o.apCfg != nil {
		o.apCfg(&cfg)
	}
	ap, err := wlantest.NewAP(apRadio, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.ap = ap
	var radio net80211.Radio = b.sta
	if o.hw != nil {
		radio = wlantest.HWRadio{Radio: b.sta, Cache: o.hw}
		b.sta.AttachKeyCache(o.hw)
	}
	cc := net80211.ComConfig{Radio: radio, Clock: b.clock}
	if o.comCfg != nil {
		o.comCfg(&cc)
	}
	com, err := net80211.NewCom(cc)
	if err != nil {
		t.Fatal(err)
	}
	b.com = com
	b.sta.Handler = com.Input
	b.sta.Status = com.TxDone
	vc := net80211.VapConfig{
		Sink: net80211.EtherSinkFunc(func(f []byte) {
			b.count++
			if b.keep {
				b.rx = append(b.rx, bytes.Clone(f))
			}
		}),
		Events: func(e net80211.Event) { b.events = append(b.events, e) },
	}
	if o.vapCfg != nil {
		o.vapCfg(&vc)
	}
	b.vap, err = com.NewVap(vc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// step advances the clock by d, runs timers on both sides, and drains the medium.
func (b *bench) step(d time.Duration) {
	b.clock.Advance(d)
	b.ap.Tick()
	b.com.Tick()
	b.medium.Run(100000)
}

// runFor steps in 10 ms increments.
func (b *bench) runFor(d time.Duration) {
	for t := time.Duration(0); t < d; t += 10 * time.Millisecond {
		b.step(10 * time.Millisecond)
	}
}

// connect joins and waits up to 5 s of fake time for the port to open.
func (b *bench) connect(pass string) {
	b.t.Helper()
	if err := b.vap.Connect([]byte("gopkt-test"), pass); err != nil {
		b.t.Fatal(err)
	}
	for i := 0; i < 500 && !b.vap.PortOpen(); i++ {
		b.step(10 * time.Millisecond)
	}
	if !b.vap.PortOpen() {
		b.t.Fatalf("not connected: state %v events %v stats %+v ap %+v", b.vap.State(), b.kinds(), b.vap.Stats(), b.ap.Stats)
	}
}

func (b *bench) kinds() []net80211.EventKind {
	var k []net80211.EventKind
	for _, e := range b.events {
		k = append(k, e.Kind)
	}
	return k
}

func (b *bench) has(kind net80211.EventKind) bool {
	for _, e := range b.events {
		if e.Kind == kind {
			return true
		}
	}
	return false
}

// ether builds an Ethernet II frame.
func ether(dst, src net.HardwareAddr, payload string) []byte {
	e := append(append(append([]byte(nil), dst...), src...), 0x08, 0x00)
	return append(e, payload...)
}

// pingPong sends one frame each way and checks both arrive.
func (b *bench) pingPong(tag string) {
	b.t.Helper()
	peer := net.HardwareAddr{0x02, 0, 0, 0, 0, 0x77}
	nrx, nap := len(b.rx), len(b.ap.Received)
	if err := b.vap.Output(ether(peer, staMAC, "up "+tag)); err != nil {
		b.t.Fatalf("output %s: %v", tag, err)
	}
	if err := b.ap.SendEther(ether(staMAC, peer, "down "+tag)); err != nil {
		b.t.Fatalf("ap send %s: %v", tag, err)
	}
	b.medium.Run(1000)
	if len(b.ap.Received) != nap+1 || !bytes.HasSuffix(b.ap.Received[nap], []byte("up "+tag)) {
		b.t.Fatalf("%s: AP did not get the uplink frame (%d frames, stats %+v)", tag, len(b.ap.Received)-nap, b.ap.Stats)
	}
	if len(b.rx) != nrx+1 || !bytes.Equal(b.rx[nrx], ether(staMAC, peer, "down "+tag)) {
		b.t.Fatalf("%s: STA did not deliver the downlink frame (stats %+v)", tag, b.vap.Stats())
	}
}

// BenchmarkDataPath measures the layer's per-frame cost for 1500-octet
// CCMP frames: Output (LLC, header, encrypt, hand to the radio) and Input
// (duplicate check, replay check, decrypt, LLC to Ethernet, deliver).
func BenchmarkDataPath(bm *testing.B) {
	b := newBench(bm, benchOpts{passphrase: "benchmark"})
	b.connect("benchmark")
	peer := net.HardwareAddr{2, 0, 0, 0, 0, 0x77}
	payload := string(make([]byte, 1500-14))
	var down []byte
	b.medium.Trace = func(_ *wlantest.Radio, p []byte) {
		if len(p) > 1500 {
			down = bytes.Clone(p)
		}
	}
	if err := b.ap.SendEther(ether(staMAC, peer, payload)); err != nil {
		bm.Fatal(err)
	}
	b.medium.Run(10)
	b.medium.Trace = nil
	if down == nil {
		bm.Fatal("no downlink frame captured")
	}
	b.keep = false
	b.sta.Discard = true
	up := ether(peer, staMAC, payload)
	bm.Run("output", func(bm *testing.B) {
		bm.ReportAllocs()
		bm.SetBytes(int64(len(up)))
		for bm.Loop() {
			if err := b.vap.Output(up); err != nil {
				bm.Fatal(err)
			}
		}
	})
	key := b.vap.PairwiseKey()
	buf := make([]byte, len(down))
	rx := &net80211.RxInfo{Rate: 108, SignalDBm: -40, FreqMHz: 2437}
	bm.Run("input", func(bm *testing.B) {
		bm.ReportAllocs()
		bm.SetBytes(int64(len(down)))
		n := b.count
		for bm.Loop() {
			copy(buf, down)
			key.SetRxPN(0)  // the same frame again: rewind the replay counter
			buf[22] ^= 0x10 // new sequence number for the duplicate cache
			down[22] = buf[22]
			b.com.Input(buf, rx)
		}
		if b.count-n != bm.N {
			bm.Fatalf("delivered %d of %d (stats %+v)", b.count-n, bm.N, b.vap.Stats())
		}
	})
}
