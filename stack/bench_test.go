package stack_test

import (
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/bpf/capture"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/wire"
)

// BenchmarkEtherInput is the interface layer alone: a burst of 32 frames
// through Input to a protocol handler that frees them. "notap" pays one
// atomic pointer load per frame for the taps; "tap" has a capture tap whose
// filter rejects everything (the cost of evaluating a filter per frame).
func BenchmarkEtherInput(b *testing.B) {
	for _, withTap := range []bool{false, true} {
		name := "notap"
		if withTap {
			name = "tap"
		}
		b.Run(name, func(b *testing.B) {
			r := &sink{}
			pool := newPool(b)
			s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{r}})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			pa, pb := link.Pair(link.Options{})
			defer pa.Close()
			defer pb.Close()
			ifc, _ := s.Attach("eth0", pa, stack.IfOptions{NoPoller: true})
			if withTap {
				tp, err := capture.New(capture.Options{Filter: "udp port 7"})
				if err != nil {
					b.Fatal(err)
				}
				defer tp.Close()
				ifc.AddTap(tp)
			}
			const burst = 32
			bufs := make([]*mbuf.Buf, burst)
			b.ReportAllocs()
			b.ResetTimer()
			for done := 0; done < b.N; done += burst {
				k := min(burst, b.N-done)
				pool.Alloc(bufs[:k])
				for _, m := range bufs[:k] {
					d, _ := m.Append(60)
					e := wire.Ethernet(d)
					e.SetDst(ifc.MAC())
					e.SetType(etExperimental)
				}
				ifc.Input(bufs[:k])
			}
		})
	}
}

type sink struct{}

func (*sink) Attach(s *stack.Stack) error                 { return s.HandleEtherType(etExperimental, &sink{}) }
func (*sink) HandleEther(_ *stack.Interface, b *mbuf.Buf) { b.Free() }

func newPool(b *testing.B) *mbuf.Pool {
	b.Helper()
	return stacktestPool(b, 256)
}
