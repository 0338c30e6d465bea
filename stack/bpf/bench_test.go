package bpf

import (
	"slices"
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
// threaded form round by round (a few passes over the corpus each), so that
// noise from other processes hits all three alike, and reports the median
// per-packet time of each and the ratio of the medians ("x-vm"), all from
// the same run. Allocation-free operation is shown by BenchmarkFilter.
func BenchmarkFilterVsVM(b *testing.B) {
	const passes = 8 // per round, so the clock reads are negligible
	frames := corpus()
	for _, bf := range benchFilters {
		prog := mustCompile(b, bf.expr)
		vm, _ := xbpf.NewVM(prog)
		p, _ := NewProgram(prog)
		b.Run(bf.name, func(b *testing.B) {
			var dv, ds, dt []time.Duration
			var sink uint32
			for b.Loop() {
				t0 := time.Now()
				for range passes {
					for _, f := range frames {
						v, _ := vm.Run(f.b)
						sink += uint32(v)
					}
				}
				t1 := time.Now()
				for range passes {
					for _, f := range frames {
						sink += p.interpret(f.b)
					}
				}
				t2 := time.Now()
				for range passes {
					for _, f := range frames {
						sink += p.Run(f.b)
					}
				}
				t3 := time.Now()
				dv, ds, dt = append(dv, t1.Sub(t0)), append(ds, t2.Sub(t1)), append(dt, t3.Sub(t2))
			}
			n := float64(passes * len(frames))
			mv, ms, mt := median(dv), median(ds), median(dt)
			b.ReportMetric(float64(mv)/n, "vm-ns/pkt")
			b.ReportMetric(float64(ms)/n, "switch-ns/pkt")
			b.ReportMetric(float64(mt)/n, "ns/pkt")
			b.ReportMetric(float64(mv)/float64(mt), "x-vm")
			_ = sink
		})
	}
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}
