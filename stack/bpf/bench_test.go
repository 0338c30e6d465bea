package bpf

import (
	"testing"
	"time"

	xbpf "golang.org/x/net/bpf"
)

// benchFilters are the filters benchmarked against x/net/bpf's VM; each
// runs over the whole corpus (mixed hits and misses) per iteration.
var benchFilters = []struct{ name, expr string }{
	{"udp", "udp"},
	{"host", "host 198.18.0.1"},
	{"port53", "udp port 53"},
	{"complex", "(udp or tcp) and not port 53 and net 198.18.0.0/15"},
}

func BenchmarkFilter(b *testing.B) {
	frames := corpus()
	for _, bf := range benchFilters {
		prog := mustCompile(b, bf.expr)
		vm, err := xbpf.NewVM(prog)
		if err != nil {
			b.Fatal(err)
		}
		p, err := NewProgram(prog)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bf.name+"/xnet-vm", func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				for _, f := range frames {
					v, _ := vm.Run(f.b)
					n += v
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(frames)), "ns/pkt")
		})
		b.Run(bf.name+"/switch", func(b *testing.B) {
			b.ReportAllocs()
			var n uint32
			for b.Loop() {
				for _, f := range frames {
					n += p.interpret(f.b)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(frames)), "ns/pkt")
		})
		b.Run(bf.name+"/program", func(b *testing.B) {
			b.ReportAllocs()
			var n uint32
			for b.Loop() {
				for _, f := range frames {
					n += p.Run(f.b)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(frames)), "ns/pkt")
		})
	}
}

// BenchmarkFilterVsVM interleaves x/net/bpf's VM, our switch loop and our
// threaded form in short slices, so that noise from other processes hits
// all three alike, and reports per-packet times and the speedup over the
// VM measured in the same run (metrics "vm-ns/pkt", "ns/pkt", "x-vm").
func BenchmarkFilterVsVM(b *testing.B) {
	frames := corpus()
	for _, bf := range benchFilters {
		prog := mustCompile(b, bf.expr)
		vm, _ := xbpf.NewVM(prog)
		p, _ := NewProgram(prog)
		b.Run(bf.name, func(b *testing.B) {
			b.ReportAllocs()
			var dv, ds, dt time.Duration
			var sink uint32
			for b.Loop() {
				t0 := time.Now()
				for _, f := range frames {
					v, _ := vm.Run(f.b)
					sink += uint32(v)
				}
				t1 := time.Now()
				for _, f := range frames {
					sink += p.interpret(f.b)
				}
				t2 := time.Now()
				for _, f := range frames {
					sink += p.Run(f.b)
				}
				t3 := time.Now()
				dv += t1.Sub(t0)
				ds += t2.Sub(t1)
				dt += t3.Sub(t2)
			}
			n := float64(b.N * len(frames))
			b.ReportMetric(float64(dv)/n, "vm-ns/pkt")
			b.ReportMetric(float64(ds)/n, "switch-ns/pkt")
			b.ReportMetric(float64(dt)/n, "ns/pkt")
			b.ReportMetric(float64(dv)/float64(dt), "x-vm")
			_ = sink
		})
	}
}
