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
			eng := soft.New(soft.Options{})
			var spy *spyRadio
			o := benchOpts{passphrase: tc.pass, comCfg: func(cc *net80211.ComConfig) {
				spy = &spyRadio{Radio: cc.Radio}
				cc.Radio = spy
				if tc.reg {
					cc.Crypto = &crypto.Registry{}
					if err := cc.Crypto.Register(eng); err != nil {
						t.Fatal(err)
					}
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
			_ = pt.Close()
			if n := pool.InUse(); n != 0 {
				t.Fatalf("%d buffers held at the end", n)
			}
		})
	}
}

// TestTxBurstSharedInMiddle puts a shared buffer (a clone, as a tap or a
// bridge flood leaves) in the middle of a batched burst: it takes the
// copying path, the frames before it are sent first, and all arrive in
// order.
func TestTxBurstSharedInMiddle(t *testing.T) {
	pool := newPool(t, 64)
	reg := &crypto.Registry{}
	if err := reg.Register(soft.New(soft.Options{})); err != nil {
		t.Fatal(err)
	}
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
	_ = pt.Close()
	if n := pool.InUse(); n != 0 {
		t.Fatalf("%d buffers held at the end", n)
	}
}

// BenchmarkTxBurst is Port.TxBurst with bursts of 32 1500-octet frames
// under CCMP: through a software engine (one batch per burst, CCM four
// frames at a time) and with the primitive frame by frame. ns/op is per
// frame and includes filling each mbuf with its Ethernet frame.
func BenchmarkTxBurst(bm *testing.B) {
	for _, name := range []string{"batched", "per-frame"} {
		bm.Run(name, func(bm *testing.B) {
			pool := newPool(bm, 256)
			reg := &crypto.Registry{}
			if err := reg.Register(soft.New(soft.Options{})); err != nil {
				bm.Fatal(err)
			}
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
