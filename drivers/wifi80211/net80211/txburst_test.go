package net80211_test

import (
	"bytes"
	"fmt"
	"net"
	"testing"
	"unsafe"

	"github.com/gopkt/gopkt/crypto"
	"github.com/gopkt/gopkt/crypto/soft"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// softRegistry returns a registry holding one software engine, and the
// engine.
func softRegistry(t testing.TB) (*crypto.Registry, *soft.Engine) {
	t.Helper()
	eng := soft.New(soft.Options{})
	reg := &crypto.Registry{}
	if err := reg.Register(eng); err != nil {
		t.Fatal(err)
	}
	return reg, eng
}

// closePort closes pt and checks that every buffer is back in pool.
func closePort(t testing.TB, pt *net80211.Port, pool *mbuf.Pool) {
	t.Helper()
	_ = pt.Close()
	if n := pool.InUse(); n != 0 {
		t.Fatalf("%d buffers held at the end", n)
	}
}

// spyRadio records where each transmitted frame lies in memory.
type spyRadio struct {
	net80211.Radio
	at []uintptr
}

func (r *spyRadio) Transmit(b []byte, info *net80211.TxInfo) error {
	r.at = append(r.at, uintptr(unsafe.Pointer(&b[0])))
	return r.Radio.Transmit(b, info)
}

// KeyCache passes the wrapped radio's key cache through (HW keys).
func (r *spyRadio) KeyCache() net80211.KeyCache {
	if kc, ok := r.Radio.(net80211.KeyCacheRadio); ok {
		return kc.KeyCache()
	}
	return nil
}

// txFrames allocates n Ethernet frames of size octets from pool, payload
// "frame i" padded with zeros.
func txFrames(t testing.TB, pool *mbuf.Pool, n, size int) []*mbuf.Buf {
	t.Helper()
	peer := net.HardwareAddr{2, 0, 0, 0, 0, 0x77}
	bufs := make([]*mbuf.Buf, n)
	for i := range bufs {
		m, err := pool.Get()
		if err != nil {
			t.Fatal(err)
		}
		e := ether(peer, staMAC, fmt.Sprintf("frame %d", i))
		e = append(e, make([]byte, size-len(e))...)
		dst, _ := m.Append(len(e))
		copy(dst, e)
		bufs[i] = m
	}
	return bufs
}

// TestTxBurstInPlace sends bursts through Port.TxBurst with each kind of
// key the in-place path takes: CCMP through a software engine of the
// crypto offload API (one batch per burst), CCMP with the primitive
// directly (no registry), CCMP in the card's key cache, and an open
// network; and TKIP, which takes the copying path. Every frame must reach
// the AP, in order (the AP checks packet numbers: a frame sent out of PN
// order would be dropped as a replay), the in-place ones transmitted from
// their own mbuf, and the pool must be full at the end.
func TestTxBurstInPlace(t *testing.T) {
	for _, tc := range []struct {
		name     string
		pass     string
		reg      bool
		hw       bool
		tkip     bool
		inPlace  bool
		batches  uint64
		perBurst int
	}{
		{name: "ccmp-soft-engine", pass: "in place", reg: true, inPlace: true, batches: 2, perBurst: 40},
		{name: "ccmp-primitive", pass: "in place", inPlace: true, perBurst: 40},
		{name: "ccmp-key-cache", pass: "in place", hw: true, inPlace: true, perBurst: 40},
		{name: "open", inPlace: true, perBurst: 40},
		{name: "tkip", pass: "in place", tkip: true, perBurst: 40},
		{name: "ccmp-soft-engine-over-64", pass: "in place", reg: true, inPlace: true, batches: 4, perBurst: 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pool := newPool(t, 256)
			reg, eng := softRegistry(t)
			var spy *spyRadio
			o := benchOpts{passphrase: tc.pass, comCfg: func(cc *net80211.ComConfig) {
				spy = &spyRadio{Radio: cc.Radio}
				cc.Radio = spy
				if tc.reg {
					cc.Crypto = reg
				}
			}}
			if tc.hw {
				o.hw = &wlantest.KeyCache{Slots: 4, Suites: []uint32{uint32(ie.CipherCCMP128)}}
			}
			if tc.tkip {
				o.pairwise = ie.CipherTKIP
			}
			b := newBench(t, o)
			pt, err := b.vap.NewPort(pool, 8)
			if err != nil {
				t.Fatal(err)
			}
			b.connect(tc.pass)
			if !pt.Link().Up {
				t.Fatal("link down after connecting")
			}
			if k := b.vap.PairwiseKey(); k != nil {
				if hw := k.Flags&net80211.KeyHW != 0; hw != tc.hw {
					t.Fatalf("pairwise key in the key cache: %v, want %v", hw, tc.hw)
				}
				if sess := k.Session() != nil; sess != tc.reg {
					t.Fatalf("pairwise key on an offload session: %v, want %v", sess, tc.reg)
				}
			}
			b0 := eng.Stats().Batches
			var want [][]byte
			for burst := range 2 {
				bufs := txFrames(t, pool, tc.perBurst, 1500)
				lo := map[uintptr]bool{}
				for _, m := range bufs {
					want = append(want, bytes.Clone(m.Bytes()))
					// The slot's first byte: Bytes()[0] less the headroom.
					lo[uintptr(unsafe.Pointer(&m.Bytes()[0]))-uintptr(m.Headroom())] = true
				}
				spy.at = spy.at[:0]
				if n := pt.TxBurst(bufs); n != len(bufs) {
					t.Fatalf("burst %d: TxBurst took %d of %d", burst, n, len(bufs))
				}
				if len(spy.at) != len(bufs) {
					t.Fatalf("burst %d: %d frames transmitted, want %d", burst, len(spy.at), len(bufs))
				}
				inPlace := 0
				for _, a := range spy.at {
					for s := range lo {
						if a >= s && a < s+mbuf.SlotSize {
							inPlace++
							break
						}
					}
				}
				if tc.inPlace && inPlace != len(bufs) || !tc.inPlace && inPlace != 0 {
					t.Fatalf("burst %d: %d of %d frames sent from their own mbuf (in place: %v)", burst, inPlace, len(bufs), tc.inPlace)
				}
				b.medium.Run(100000)
			}
			if len(b.ap.Received) != len(want) {
				t.Fatalf("AP got %d frames, want %d (vap %+v)", len(b.ap.Received), len(want), b.vap.Stats())
			}
			for i := range want {
				if !bytes.Equal(b.ap.Received[i], want[i]) {
					t.Fatalf("frame %d differs:\n got %x\nwant %x", i, b.ap.Received[i][:40], want[i][:40])
				}
			}
			if got := eng.Stats().Batches - b0; got != tc.batches {
				t.Errorf("crypto batches %d, want %d", got, tc.batches)
			}
			if st := pt.Stats(); st.TxPackets != uint64(len(want)) || st.TxDropped != 0 {
				t.Errorf("port stats %+v", st)
			}
			closePort(t, pt, pool)
		})
	}
}

// TestTxBurstSharedInMiddle puts a shared buffer (a clone, as a tap or a
// bridge flood leaves) in the middle of a batched burst: it takes the
// copying path, the frames before it are sent first, and all arrive in
// order.
func TestTxBurstSharedInMiddle(t *testing.T) {
	pool := newPool(t, 64)
	reg, _ := softRegistry(t)
	b := newBench(t, benchOpts{passphrase: "shared medium", comCfg: func(cc *net80211.ComConfig) { cc.Crypto = reg }})
	pt, err := b.vap.NewPort(pool, 8)
	if err != nil {
		t.Fatal(err)
	}
	b.connect("shared medium")
	bufs := txFrames(t, pool, 10, 600)
	var want [][]byte
	for _, m := range bufs {
		want = append(want, bytes.Clone(m.Bytes()))
	}
	clone, err := bufs[4].Clone()
	if err != nil {
		t.Fatal(err)
	}
	pt.TxBurst(bufs)
	if !bytes.Equal(clone.Bytes(), want[4]) {
		t.Fatal("the shared buffer was rewritten")
	}
	clone.Free()
	b.medium.Run(100000)
	if len(b.ap.Received) != len(want) {
		t.Fatalf("AP got %d frames, want %d (vap %+v)", len(b.ap.Received), len(want), b.vap.Stats())
	}
	for i := range want {
		if !bytes.Equal(b.ap.Received[i], want[i]) {
			t.Fatalf("frame %d differs", i)
		}
	}
	closePort(t, pt, pool)
}

// BenchmarkTxBurst is Port.TxBurst with bursts of 32 1500-octet frames
// under CCMP: through a software engine (one batch per burst, CCM four
// frames at a time) and with the primitive frame by frame. ns/op is per
// frame and includes filling each mbuf with its Ethernet frame.
func BenchmarkTxBurst(bm *testing.B) {
	for _, name := range []string{"batched", "per-frame"} {
		bm.Run(name, func(bm *testing.B) {
			pool := newPool(bm, 256)
			reg, _ := softRegistry(bm)
			b := newBench(bm, benchOpts{passphrase: "benchmark", comCfg: func(cc *net80211.ComConfig) {
				if name == "batched" {
					cc.Crypto = reg
				}
			}})
			pt, err := b.vap.NewPort(pool, 8)
			if err != nil {
				bm.Fatal(err)
			}
			b.connect("benchmark")
			b.keep = false
			b.sta.Discard = true
			frame := ether(net.HardwareAddr{2, 0, 0, 0, 0, 0x77}, staMAC, string(make([]byte, 1500-14)))
			bufs := make([]*mbuf.Buf, 32)
			bm.ReportAllocs()
			bm.SetBytes(int64(len(frame)))
			for i := 0; i < bm.N; i += len(bufs) {
				if pool.Alloc(bufs) != len(bufs) {
					bm.Fatal("pool empty")
				}
				for _, m := range bufs {
					d, _ := m.Append(len(frame))
					copy(d, frame)
				}
				pt.TxBurst(bufs)
			}
			if st := pt.Stats(); st.TxDropped != 0 {
				bm.Fatalf("dropped %d", st.TxDropped)
			}
		})
	}
}

// TestInputBurstBatched hands a burst of frames from the AP to
// Com.InputBurst with CCMP on a software engine: the data frames are
// decrypted as one batch, in their own mbufs, and reach the port in order;
// a frame with a corrupted MIC is counted as a decryption error and a
// replayed one as a replay, without disturbing the others; the pool is
// full at the end.
func TestInputBurstBatched(t *testing.T) {
	for _, qos := range []bool{false, true} {
		t.Run(fmt.Sprintf("qos=%v", qos), func(t *testing.T) { testInputBurst(t, qos) })
	}
}

func testInputBurst(t *testing.T, qos bool) {
	pool := newPool(t, 128)
	reg, eng := softRegistry(t)
	b := newBench(t, benchOpts{passphrase: "in bursts", comCfg: func(cc *net80211.ComConfig) { cc.Crypto = reg },
		apCfg: func(c *wlantest.APConfig) { c.QoS = qos }})
	pt, err := b.vap.NewPort(pool, 64)
	if err != nil {
		t.Fatal(err)
	}
	b.connect("in bursts")
	if k := b.vap.PairwiseKey(); k == nil || k.Session() == nil {
		t.Fatal("pairwise key not on an offload session")
	}
	// From now on the STA radio collects frames for one burst.
	var bufs []*mbuf.Buf
	var infos []net80211.RxInfo
	var raw [][]byte
	b.sta.Handler = func(p []byte, rx *net80211.RxInfo) {
		m, err := pool.Get()
		if err != nil {
			t.Fatal(err)
		}
		d, _ := m.Append(len(p))
		copy(d, p)
		bufs = append(bufs, m)
		infos = append(infos, *rx)
		raw = append(raw, bytes.Clone(p))
	}
	peer := net.HardwareAddr{2, 0, 0, 0, 0, 0x77}
	var want [][]byte
	for i := range 20 {
		e := ether(staMAC, peer, fmt.Sprintf("downlink %d", i))
		e = append(e, make([]byte, (i*397)%1400)...) // lengths differ within a four-lane group
		if err := b.ap.SendEther(e); err != nil {
			t.Fatal(err)
		}
		if i != 7 {
			want = append(want, e)
		}
	}
	b.medium.Run(100000)
	if len(bufs) != 20 {
		t.Fatalf("%d frames on the medium, want 20", len(bufs))
	}
	bufs[7].Bytes()[60] ^= 1 // MIC failure
	// A replay of frame 3 at the end (the same bytes again).
	m, _ := pool.Get()
	d, _ := m.Append(len(raw[3]))
	copy(d, raw[3])
	bufs = append(bufs, m)
	infos = append(infos, infos[3])
	s0, b0 := b.vap.Stats(), eng.Stats()
	b.com.InputBurst(bufs, infos)
	s1, b1 := b.vap.Stats(), eng.Stats()
	// 21 ops: the replayed copy of frame 3 is in the same burst, so the
	// batch, which runs before any frame advances the replay counter,
	// decrypts it too; the ordinary path then drops it.
	if b1.Batches-b0.Batches != 1 || b1.Ops-b0.Ops != 21 {
		t.Errorf("engine: %d batches, %d ops; want 1 batch of 21", b1.Batches-b0.Batches, b1.Ops-b0.Ops)
	}
	if d := s1.RxDecryptErr - s0.RxDecryptErr; d != 1 {
		t.Errorf("decryption errors %d, want 1", d)
	}
	if d := (s1.RxReplay + s1.RxDup) - (s0.RxReplay + s0.RxDup); d != 1 {
		t.Errorf("replays and duplicates %d, want 1", d)
	}
	got := make([]*mbuf.Buf, 64)
	n := pt.RxBurst(got)
	if n != len(want) {
		t.Fatalf("port delivered %d frames, want %d (stats %+v)", n, len(want), s1)
	}
	for i := range n {
		if !bytes.Equal(got[i].Bytes(), want[i]) {
			t.Fatalf("frame %d differs", i)
		}
		if got[i].Headroom() <= mbuf.Headroom {
			t.Fatalf("frame %d was copied, not converted in place", i)
		}
	}
	pool.Free(got[:n])
	closePort(t, pt, pool)
}

// BenchmarkInputBurst is the receive side of BenchmarkTxBurst: 32 CCMP
// data frames of 1500 octets from the AP per burst, through
// Com.InputBurst (one decryption batch) or Com.InputBuf frame by frame
// (the same software engine, one op at a time), each delivered to the
// port in its own mbuf and drained with RxBurst. ns/op is per frame and
// includes copying each frame into its mbuf.
func BenchmarkInputBurst(bm *testing.B) {
	for _, name := range []string{"batched", "per-frame"} {
		bm.Run(name, func(bm *testing.B) {
			pool := newPool(bm, 256)
			reg, _ := softRegistry(bm)
			b := newBench(bm, benchOpts{passphrase: "benchmark", comCfg: func(cc *net80211.ComConfig) { cc.Crypto = reg }})
			pt, err := b.vap.NewPort(pool, 64)
			if err != nil {
				bm.Fatal(err)
			}
			b.connect("benchmark")
			var frames [][]byte
			b.medium.Trace = func(_ *wlantest.Radio, p []byte) {
				if len(p) > 1400 {
					frames = append(frames, bytes.Clone(p))
				}
			}
			peer := net.HardwareAddr{2, 0, 0, 0, 0, 0x77}
			for range 32 {
				if err := b.ap.SendEther(ether(staMAC, peer, string(make([]byte, 1500-14)))); err != nil {
					bm.Fatal(err)
				}
			}
			b.medium.Run(100000)
			b.medium.Trace = nil
			out := make([]*mbuf.Buf, 64)
			pool.Free(out[:pt.RxBurst(out)])
			if len(frames) != 32 {
				bm.Fatalf("captured %d frames", len(frames))
			}
			key := b.vap.PairwiseKey()
			infos := make([]net80211.RxInfo, 32)
			bufs := make([]*mbuf.Buf, 32)
			bm.ReportAllocs()
			bm.SetBytes(1500)
			for i := 0; i < bm.N; i += len(bufs) {
				key.SetRxPN(0) // the same frames again: rewind the replay counter
				if pool.Alloc(bufs) != len(bufs) {
					bm.Fatal("pool empty")
				}
				for j, m := range bufs {
					d, _ := m.Append(len(frames[j]))
					copy(d, frames[j])
					infos[j] = net80211.RxInfo{Rate: 108, SignalDBm: -40, FreqMHz: 2437}
				}
				if name == "batched" {
					b.com.InputBurst(bufs, infos)
				} else {
					for j, m := range bufs {
						b.com.InputBuf(m, &infos[j])
					}
				}
				k := pt.RxBurst(out)
				if k != len(bufs) {
					bm.Fatalf("delivered %d of %d (stats %+v)", k, len(bufs), b.vap.Stats())
				}
				pool.Free(out[:k])
			}
		})
	}
}

// FuzzInputBurst feeds arbitrary bursts to Com.InputBurst on a station
// whose CCMP key runs in the software engine (the batch path): the input
// is split into up to eight frames at the 0xff 0xfe marker, and each frame
// also goes in once more with its last octet flipped (a MIC failure in the
// same batch). Seeds are a real connection's frames. No panic, and every
// buffer goes back to the pool.
func FuzzInputBurst(f *testing.F) {
	seedBench := newBench(f, benchOpts{passphrase: "fuzz the burst"})
	var seeds [][]byte
	seedBench.medium.Trace = func(_ *wlantest.Radio, p []byte) { seeds = append(seeds, bytes.Clone(p)) }
	seedBench.connect("fuzz the burst")
	seedBench.pingPong("seed")
	seedBench.medium.Run(100)
	for i, s := range seeds {
		f.Add(s)
		if i > 0 {
			f.Add(bytes.Join([][]byte{seeds[i-1], s}, []byte{0xff, 0xfe}))
		}
	}
	pool := newPool(f, 64)
	reg, _ := softRegistry(f)
	b := newBench(f, benchOpts{passphrase: "fuzz the burst", comCfg: func(cc *net80211.ComConfig) { cc.Crypto = reg }})
	pt, err := b.vap.NewPort(pool, 64)
	if err != nil {
		f.Fatal(err)
	}
	b.connect("fuzz the burst")
	b.keep = false
	out := make([]*mbuf.Buf, 64)
	f.Fuzz(func(t *testing.T, p []byte) {
		parts := bytes.SplitN(p, []byte{0xff, 0xfe}, 8)
		var bufs []*mbuf.Buf
		var infos []net80211.RxInfo
		for _, q := range parts {
			for flip := range 2 {
				if len(q) == 0 || len(q) > mbuf.DataRoom {
					continue
				}
				m, err := pool.Get()
				if err != nil {
					t.Fatal(err)
				}
				d, _ := m.Append(len(q))
				copy(d, q)
				if flip == 1 {
					d[len(d)-1] ^= 0x5a
				}
				bufs = append(bufs, m)
				infos = append(infos, net80211.RxInfo{Rate: 2, SignalDBm: -40, FreqMHz: 2437})
			}
		}
		b.com.InputBurst(bufs, infos)
		b.medium.Run(100)
		pool.Free(out[:pt.RxBurst(out)])
		_ = b.vap.Status()
		if n := pool.InUse(); n != 0 {
			t.Fatalf("%d buffers held after the burst", n)
		}
	})
}

// TestInputBurstBlockAck: under a Block Ack agreement, with CCMP in the
// software engine, bursts whose MPDUs arrive out of order are decrypted in
// one batch, held already decrypted, and delivered in sequence order with
// no decryption error or replay.
func TestInputBurstBlockAck(t *testing.T) {
	pool := newPool(t, 64)
	reg, _ := softRegistry(t)
	b := newBABenchOn(t, "block ack batch", reg)
	pt, err := b.vap.NewPort(pool, 64)
	if err != nil {
		t.Fatal(err)
	}
	h := b.hold(12)
	burst := func(order ...int) {
		var bufs []*mbuf.Buf
		var infos []net80211.RxInfo
		for _, i := range order {
			m, _ := pool.Get()
			d, _ := m.Append(len(b.held[h[i]]))
			copy(d, b.held[h[i]])
			bufs = append(bufs, m)
			infos = append(infos, net80211.RxInfo{Rate: 108, SignalDBm: -40, FreqMHz: 2437})
		}
		b.com.InputBurst(bufs, infos)
	}
	burst(2, 1, 0, 3)
	burst(5)
	burst(4, 7, 6)
	burst(9, 10)
	burst(8, 11)
	out := make([]*mbuf.Buf, 64)
	n := pt.RxBurst(out)
	st := b.vap.Stats()
	if n != 12 || st.RxDecryptErr != 0 || st.RxReplay != 0 {
		t.Fatalf("delivered %d of 12; stats %+v", n, st)
	}
	for i := range n {
		if want := ether(staMAC, baPeer, fmt.Sprintf("msdu %d", i)); !bytes.Equal(out[i].Bytes(), want) {
			t.Errorf("frame %d: %q", i, out[i].Bytes())
		}
	}
	pool.Free(out[:n])
	closePort(t, pt, pool)
}
