package e1000_test

import (
	"testing"

	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
	"github.com/gopkt/gopkt/hw/mbuf"
)

const benchBurst = 32

// BenchmarkTxBurst transmits bursts of 32 64-byte frames into a port with no
// peer (the model consumes the descriptors and drops the frames), the way
// e1000-test pktgen does: allocate from a cache the driver also frees its
// completions into (port.CacheUser), fill, send. One op is one burst;
// allocs/op is the driver's (and the model's) allocation.
func BenchmarkTxBurst(b *testing.B) {
	r := newRig(b, 1, e1000test.ID82540EM, nil, nil)
	d := r.devs[0]
	cache := r.pool.NewCache(64)
	defer cache.Flush()
	if err := d.SetTxCache(cache); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = d.SetTxCache(nil) }()
	frame := make([]byte, 60)
	e1000test.FillLoop(frame, mac(1), mac(0), 0)
	var burst [benchBurst]*mbuf.Buf
	b.ReportAllocs()
	b.SetBytes(benchBurst * 60)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := cache.Alloc(burst[:])
		for _, x := range burst[:n] {
			p, _ := x.Append(60)
			copy(p, frame)
		}
		sent := d.TxBurst(burst[:n])
		cache.Free(burst[sent:n])
	}
}

// BenchmarkRxBurst receives bursts from a port whose model generates 64-byte
// frames into every free descriptor.
func BenchmarkRxBurst(b *testing.B) {
	r := newRig(b, 1, e1000test.ID82540EM, nil, nil)
	d := r.devs[0]
	frame := make([]byte, 60)
	e1000test.FillLoop(frame, mac(0), mac(1), 0)
	r.ports[0].SetSource(frame)
	defer r.ports[0].SetSource(nil)
	cache := r.pool.NewCache(256)
	defer cache.Flush()
	var burst [benchBurst]*mbuf.Buf
	got := 0
	b.ReportAllocs()
	b.SetBytes(benchBurst * 60)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := d.RxBurst(burst[:])
		got += n
		cache.Free(burst[:n])
	}
	b.StopTimer()
	if got == 0 {
		b.Fatal("nothing received")
	}
	b.ReportMetric(float64(got)/float64(b.N), "frames/op")
}

// BenchmarkForward is ixy-fwd on the model: receive a burst on port 1 (fed
// by a generator) and transmit it on port 0.
func BenchmarkForward(b *testing.B) {
	r := newRig(b, 2, e1000test.ID82540EM, nil, nil)
	frame := make([]byte, 60)
	e1000test.FillLoop(frame, mac(1), mac(0), 0)
	r.ports[1].SetSource(frame)
	defer r.ports[1].SetSource(nil)
	in, out := r.devs[1], r.devs[0]
	var burst [benchBurst]*mbuf.Buf
	fwd := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := in.RxBurst(burst[:])
		sent := out.TxBurst(burst[:n])
		fwd += sent
		for _, x := range burst[sent:n] {
			x.Free()
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(fwd)/float64(b.N), "frames/op")
}
