package mbuf_test

import (
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
)

// BenchmarkCacheAllocFree32 is the DPDK mempool_perf pattern: bulk get and put
// of 32 through a per-core cache. bench/mbuf/run.sh runs DPDK's mempool on
// the same pattern and prints the ratio of cost per buffer.
func BenchmarkCacheAllocFree32(b *testing.B) {
	p, _ := newPool(b, 8192)
	c := p.NewCache(256)
	bufs := make([]*mbuf.Buf, 32)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.Alloc(bufs)
		c.Free(bufs)
	}
	b.StopTimer()
	c.Flush()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*32), "ns/buf")
}

// BenchmarkPoolAllocFree32 is the same without a cache (one lock per batch).
func BenchmarkPoolAllocFree32(b *testing.B) {
	p, _ := newPool(b, 8192)
	bufs := make([]*mbuf.Buf, 32)
	b.ReportAllocs()
	for b.Loop() {
		p.Alloc(bufs)
		p.Free(bufs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*32), "ns/buf")
}
