package net80211_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
)

func newPool(t testing.TB, n int) *mbuf.Pool {
	t.Helper()
	mem := dma.NewMemory(dma.NewSpace(), dma.MemoryOptions{NoHugepages: true})
	p, err := mbuf.NewPool(mem, mbuf.PoolOptions{Name: "wifi-test", Buffers: n})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
		_ = mem.Close()
	})
	return p
}

// TestPort runs the stack-facing port.Port: frames the radio hands over in
// mbufs (Com.InputBuf) come out of RxBurst in the same mbuf, converted to
// Ethernet in place; TxBurst sends; the link follows the 4-way handshake;
// the pool is full at the end.
func TestPort(t *testing.T) {
	pool := newPool(t, 64)
	b := newBench(t, benchOpts{passphrase: "port of call"})
	var fromRadio int
	b.sta.Handler = func(p []byte, rx *net80211.RxInfo) {
		m, err := pool.Get()
		if err != nil {
			t.Fatal(err)
		}
		dst, _ := m.Append(len(p))
		copy(dst, p)
		fromRadio++
		b.com.InputBuf(m, rx)
	}
	pt, err := b.vap.NewPort(pool, 8)
	if err != nil {
		t.Fatal(err)
	}
	if st := <-pt.LinkEvents(); st.Up {
		t.Fatal("link up before connecting")
	}
	if err := b.vap.Connect([]byte("gopkt-test"), "port of call"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200 && !pt.Link().Up; i++ {
		b.step(10 * time.Millisecond)
	}
	if st := <-pt.LinkEvents(); !st.Up || st.SpeedMbps != 54 {
		t.Fatalf("link event %v", st)
	}
	if pool.InUse() != 0 {
		t.Fatalf("%d buffers held after the handshake", pool.InUse())
	}
	// Waiter: the link event left a token; once it is taken and the queue
	// is empty, Wait times out; a queued frame makes it return at once.
	_ = pt.Wait(0)
	_ = pt.Wait(time.Millisecond)
	if err := pt.Wait(5 * time.Millisecond); !errors.Is(err, port.ErrTimeout) {
		t.Fatalf("Wait on an empty queue: %v, want ErrTimeout", err)
	}
	peer := []byte{2, 0, 0, 0, 0, 0x77}
	for i := range 3 {
		if err := b.ap.SendEther(ether(staMAC, peer, "downlink "+string(rune('0'+i)))); err != nil {
			t.Fatal(err)
		}
	}
	b.medium.Run(100)
	if err := pt.Wait(-1); err != nil {
		t.Fatalf("Wait with frames queued: %v", err)
	}
	bufs := make([]*mbuf.Buf, 8)
	n := pt.RxBurst(bufs)
	if n != 3 {
		t.Fatalf("RxBurst %d", n)
	}
	for i := range n {
		if want := ether(staMAC, peer, "downlink "+string(rune('0'+i))); !bytes.Equal(bufs[i].Bytes(), want) {
			t.Fatalf("frame %d: %x", i, bufs[i].Bytes())
		}
		if bufs[i].Headroom() <= mbuf.Headroom {
			t.Fatal("frame was copied, not converted in place")
		}
	}
	// Send them back up through TxBurst (ownership moves to the port).
	for i := range n {
		e := bufs[i].Bytes()
		copy(e[0:6], peer)
		copy(e[6:12], staMAC)
	}
	if pt.TxBurst(bufs[:n]) != n {
		t.Fatal("TxBurst refused frames")
	}
	b.medium.Run(100)
	if len(b.ap.Received) != 3 || !bytes.HasSuffix(b.ap.Received[2], []byte("downlink 2")) {
		t.Fatalf("AP got %d frames", len(b.ap.Received))
	}
	st := pt.Stats()
	if st.RxPackets != 3 || st.TxPackets != 3 || st.LinkFlaps != 1 {
		t.Fatalf("stats %+v", st)
	}
	if err := pt.SetMTU(3000); !errors.Is(err, port.ErrMTU) {
		t.Fatalf("SetMTU 3000: %v", err)
	}
	// A frame left in the queue is freed by Close.
	_ = b.ap.SendEther(ether(staMAC, peer, "left over"))
	b.medium.Run(100)
	if err := pt.Close(); err != nil {
		t.Fatal(err)
	}
	if err := pt.Wait(-1); !errors.Is(err, port.ErrClosed) {
		t.Fatalf("Wait after Close: %v, want ErrClosed", err)
	}
	if _, ok := <-pt.LinkEvents(); ok {
		// drain the last state; the channel must then be closed
		if _, ok := <-pt.LinkEvents(); ok {
			t.Fatal("LinkEvents not closed")
		}
	}
	b.vap.Disconnect()
	if pool.InUse() != 0 || fromRadio == 0 {
		t.Fatalf("pool in use %d after close", pool.InUse())
	}
}

// BenchmarkPortRx measures the zero-copy receive path: a 1500-octet CCMP
// frame in an mbuf through InputBuf (replay check, decrypt, Ethernet in
// place) and RxBurst, then Free.
func BenchmarkPortRx(bm *testing.B) {
	pool := newPool(bm, 64)
	b := newBench(bm, benchOpts{passphrase: "benchmark"})
	b.connect("benchmark")
	var down []byte
	b.medium.Trace = func(_ *wlantest.Radio, p []byte) {
		if len(p) > 1500 {
			down = bytes.Clone(p)
		}
	}
	_ = b.ap.SendEther(ether(staMAC, []byte{2, 0, 0, 0, 0, 0x77}, string(make([]byte, 1486))))
	b.medium.Run(10)
	pt, err := b.vap.NewPort(pool, 8)
	if err != nil {
		bm.Fatal(err)
	}
	key := b.vap.PairwiseKey()
	rx := &net80211.RxInfo{Rate: 108, SignalDBm: -40, FreqMHz: 2437}
	bufs := make([]*mbuf.Buf, 1)
	bm.ReportAllocs()
	bm.SetBytes(int64(len(down)))
	for bm.Loop() {
		m, err := pool.Get()
		if err != nil {
			bm.Fatal(err)
		}
		dst, _ := m.Append(len(down))
		copy(dst, down)
		dst[22] ^= 0x10 // new sequence number for the duplicate cache
		down[22] = dst[22]
		key.SetRxPN(0)
		b.com.InputBuf(m, rx)
		if pt.RxBurst(bufs) != 1 {
			bm.Fatalf("nothing received: %+v", b.vap.Stats())
		}
		bufs[0].Free()
	}
}

// TestSinkReentrantInputBuf: a Sink that hands the radio's last frame to
// Com.InputBuf again from inside its delivery (the lock is released for
// it, as another goroutine's InputBuf could be) leaves every mbuf returned:
// the delivering frame's buffer is set aside, not lost to the inner call.
func TestSinkReentrantInputBuf(t *testing.T) {
	pool := newPool(t, 16)
	var b *bench
	var last []byte
	var lastRx net80211.RxInfo
	input := func(p []byte, rx *net80211.RxInfo) {
		m, err := pool.Get()
		if err != nil {
			t.Fatal(err)
		}
		dst, _ := m.Append(len(p))
		copy(dst, p)
		b.com.InputBuf(m, rx)
	}
	armed, delivered, inner := false, 0, 0
	b = newBench(t, benchOpts{passphrase: "come back in", vapCfg: func(c *net80211.VapConfig) {
		c.Sink = net80211.EtherSinkFunc(func(f []byte) {
			if !armed {
				return
			}
			delivered++
			if inner < 3 {
				inner++
				input(last, &lastRx) // a replay: dropped, its mbuf freed
			}
		})
	}})
	b.sta.Handler = func(p []byte, rx *net80211.RxInfo) {
		last, lastRx = bytes.Clone(p), *rx
		input(p, rx)
	}
	b.connect("come back in")
	armed = true
	for i := range 5 {
		eth := append(append(append([]byte{}, staMAC[:]...), apMAC[:]...), 0x08, 0x00)
		eth = append(eth, bytes.Repeat([]byte{byte(i)}, 64)...)
		if err := b.ap.SendEther(eth); err != nil {
			t.Fatal(err)
		}
		b.medium.Run(100)
	}
	if delivered != 5 || inner != 3 {
		t.Fatalf("delivered %d frames (want 5), %d inner InputBufs (want 3); stats %+v", delivered, inner, b.vap.Stats())
	}
	if n := pool.InUse(); n != 0 {
		t.Fatalf("%d mbufs in use after the deliveries, want 0", n)
	}
}
