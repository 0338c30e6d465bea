package bridge_test

import (
	"net/netip"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/bridge"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// nullPort receives nothing and frees what it sends: the egress of the
// benchmarks, so they measure the stack, not a device.
type nullPort struct{ mac [6]byte }

func (*nullPort) RxBurst([]*mbuf.Buf) int { return 0 }
func (*nullPort) TxBurst(bufs []*mbuf.Buf) int {
	if len(bufs) > 0 {
		bufs[0].Pool().Free(bufs) // one pool lock per burst, as a driver's TX completion
	}
	return len(bufs)
}
func (p *nullPort) MAC() [6]byte          { return p.mac }
func (*nullPort) MTU() int                { return 1500 }
func (*nullPort) SetMTU(int) error        { return nil }
func (*nullPort) Offloads() port.Offloads { return 0 }
func (*nullPort) Link() port.LinkState {
	return port.LinkState{Up: true, SpeedMbps: 10000, FullDuplex: true}
}
func (*nullPort) LinkEvents() <-chan port.LinkState { return nil }
func (*nullPort) Stats() port.Stats                 { return port.Stats{} }

var (
	hostA = wire.MAC{2, 0, 0, 0, 0, 0xa}
	hostB = wire.MAC{2, 0, 0, 0, 0, 0xb}
)

// udpFrame is a UDP datagram with 64 payload bytes, 198.18.50.1 ->
// 198.18.51.2, from hostA to dst.
func udpFrame(dst wire.MAC) []byte {
	f := make([]byte, 14+20+8+64)
	e := wire.Ethernet(f)
	e.SetDst(dst)
	e.SetSrc(hostA)
	e.SetType(wire.EtherTypeIPv4)
	h := wire.IPv4Fields{TotalLen: 92, ID: 1, TTL: 64, Protocol: wire.IPProtocolUDP, Src: wire.Addr4{198, 18, 50, 1}, Dst: wire.Addr4{198, 18, 51, 2}}
	ip, _ := h.Encode(f[14:])
	ip.UpdateChecksum()
	u := wire.UDPFields{SrcPort: 1000, DstPort: 9, Length: 72}
	uv, _ := u.Encode(f[34:])
	uv.UpdateChecksum(h.Src, h.Dst)
	return f
}

// run sends b.N copies of frame into in, in bursts of 32.
func run(b *testing.B, pool *mbuf.Pool, in *stack.Interface, frame []byte) {
	const burst = 32
	bufs := make([]*mbuf.Buf, burst)
	b.ReportAllocs()
	runtime.LockOSThread() // for the thread's CPU time: the machine is shared
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	c0 := threadCPU()
	for done := 0; done < b.N; done += burst {
		k := min(burst, b.N-done)
		if pool.Alloc(bufs[:k]) != k {
			b.Fatal("pool empty")
		}
		for _, m := range bufs[:k] {
			d, _ := m.Append(len(frame))
			copy(d, frame)
		}
		in.Input(bufs[:k])
	}
	b.StopTimer()
	b.ReportMetric(float64(threadCPU()-c0)/float64(b.N), "cpu-ns/op")
	if n := pool.InUse(); n != 0 {
		b.Fatalf("%d mbufs in use after the run", n)
	}
}

// BenchmarkForward compares, per packet of a 106-byte UDP frame in bursts
// of 32, with the egress port freeing what it is given:
//
//	bridge-fast  known destination: member burst -> egress TxBurst (TransmitBurst)
//	bridge-full  the same relay, each frame through the egress Transmit (hooks, taps, queue)
//	bridge-flood unknown destination, flooded to 3 members by clones
//	ip-full      the full IP path: Ethernet demux, IPv4 input, route, TTL, ARP cache, output
//	ip-fast      routed fast forwarding: the IPv4 flow cache, burst -> egress TxBurst (ipv4 fastfwd.go)
func BenchmarkForward(b *testing.B) {
	for _, mode := range []string{"bridge-fast", "bridge-full", "bridge-flood"} {
		b.Run(mode, func(b *testing.B) {
			pool := stacktest.NewPool(b, 512)
			o := bridge.Options{NoFastPath: mode == "bridge-full", FloodRate: -1}
			s, err := stack.New(stack.Options{Pool: pool, Cloners: []stack.Cloner{&bridge.Cloner{Options: o}}})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			br, err := (&bridge.Cloner{}).Add(s, "bridge0")
			if err != nil {
				b.Fatal(err)
			}
			var members []*stack.Interface
			for i := range 4 {
				ifc, err := s.Attach("m"+string(rune('0'+i)), &nullPort{mac: [6]byte{2, 0, 0, 1, 0, byte(i)}}, stack.IfOptions{NoPoller: true})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := br.AddMember(ifc); err != nil {
					b.Fatal(err)
				}
				members = append(members, ifc)
			}
			dst := hostB
			if mode == "bridge-flood" {
				dst = wire.MAC{2, 0, 0, 0, 0, 0xc} // never seen
			}
			// hostB speaks once on m1, so the bridge knows where it is.
			learn := udpFrame(hostA)
			wire.Ethernet(learn).SetSrc(hostB)
			lb, _ := pool.Get()
			d, _ := lb.Append(len(learn))
			copy(d, learn)
			members[1].Input([]*mbuf.Buf{lb})
			run(b, pool, members[0], udpFrame(dst))
		})
	}
	for _, mode := range []string{"ip-full", "ip-fast"} {
		b.Run(mode, func(b *testing.B) { benchIP(b, mode == "ip-fast") })
	}
}

func benchIP(b *testing.B, fast bool) {
	pool := stacktest.NewPool(b, 512)
	ip := ipv4.New(ipv4.Options{Forwarding: true, NoFastForward: !fast})
	s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{ip}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	in, _ := s.Attach("eth0", &nullPort{mac: [6]byte{2, 0, 0, 2, 0, 0}}, stack.IfOptions{NoPoller: true})
	out, _ := s.Attach("eth1", &nullPort{mac: [6]byte{2, 0, 0, 2, 0, 1}}, stack.IfOptions{NoPoller: true})
	_ = s.AddAddress(in, netip.MustParsePrefix("198.18.50.254/24"))
	_ = s.AddAddress(out, netip.MustParsePrefix("198.18.51.254/24"))
	ip.AddStaticNeighbour(out, netip.MustParseAddr("198.18.51.2"), hostB)
	run(b, pool, in, udpFrame(in.MAC()))
	if st := ip.Stats(); fast && b.N > 64 && st.FastHits == 0 {
		b.Fatalf("nothing fast-forwarded: %+v", st)
	}
}

// threadCPU is the calling thread's CPU time, reported beside wall time.
func threadCPU() time.Duration {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}
