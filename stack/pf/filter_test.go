package pf_test

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/pf"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

type nullPort struct{ mac [6]byte }

func (*nullPort) RxBurst([]*mbuf.Buf) int { return 0 }
func (*nullPort) TxBurst(bufs []*mbuf.Buf) int {
	for i, b := range bufs {
		bufs[i] = nil
		b.Free()
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

// newStack has tap0 (index 2) and tap1 (index 3) besides lo0 (1).
func newStack(t testing.TB) *stack.Stack {
	pool := stacktest.NewPool(t, 64)
	s, err := stack.New(stack.Options{Pool: pool})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	for i := range 2 {
		if _, err := s.Attach(fmt.Sprintf("tap%d", i), &nullPort{mac: [6]byte{2, 0, 0, 0, 0, byte(i)}}, stack.IfOptions{NoPoller: true}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// pkt is a test packet description.
type pkt struct {
	proto        wire.IPProtocol
	src, dst     string
	sport, dport uint16
	flags        uint8 // TCP
	icmpType     uint8
	icmpID       uint16
	fragOff      uint16
	// IPv6 (src and dst are IPv6 addresses): the hop limit (0: 64) and
	// a destination options header before the upper layer.
	hop      uint8
	destOpts bool
}

func (p pkt) bytes() []byte {
	var l4 []byte
	switch p.proto {
	case wire.IPProtocolTCP:
		l4 = make([]byte, 20)
		binary.BigEndian.PutUint16(l4[0:2], p.sport)
		binary.BigEndian.PutUint16(l4[2:4], p.dport)
		l4[12], l4[13] = 5<<4, p.flags
	case wire.IPProtocolUDP:
		l4 = make([]byte, 8)
		binary.BigEndian.PutUint16(l4[0:2], p.sport)
		binary.BigEndian.PutUint16(l4[2:4], p.dport)
	case wire.IPProtocolICMP, wire.IPProtocolICMPv6:
		l4 = make([]byte, 8)
		l4[0] = p.icmpType
		binary.BigEndian.PutUint16(l4[4:6], p.icmpID)
	default:
		l4 = make([]byte, 8)
	}
	if strings.Contains(p.src, ":") {
		return p.bytes6(l4)
	}
	b := make([]byte, 20+len(l4))
	b[0], b[8], b[9] = 0x45, 64, byte(p.proto)
	binary.BigEndian.PutUint16(b[2:4], uint16(len(b)))
	binary.BigEndian.PutUint16(b[6:8], p.fragOff)
	var a wire.Addr4
	fmt.Sscanf(p.src, "%d.%d.%d.%d", &a[0], &a[1], &a[2], &a[3])
	copy(b[12:16], a[:])
	fmt.Sscanf(p.dst, "%d.%d.%d.%d", &a[0], &a[1], &a[2], &a[3])
	copy(b[16:20], a[:])
	copy(b[20:], l4)
	return b
}

// bytes6 is the IPv6 form: fixed header, the extension headers asked
// for (destination options; a fragment header when fragOff is set, in
// bytes), then l4.
func (p pkt) bytes6(l4 []byte) []byte {
	b := make([]byte, 40, 40+16+len(l4))
	b[0], b[6], b[7] = 0x60, byte(p.proto), 64
	if p.hop != 0 {
		b[7] = p.hop
	}
	s, d := netip.MustParseAddr(p.src).As16(), netip.MustParseAddr(p.dst).As16()
	copy(b[8:24], s[:])
	copy(b[24:40], d[:])
	last := 6 // the next-header field to point at what follows
	if p.destOpts {
		b[last] = byte(wire.IPv6DestOpts)
		last = len(b)
		b = append(b, byte(p.proto), 0, 1, 4, 0, 0, 0, 0) // PadN
	}
	if p.fragOff != 0 {
		b[last] = byte(wire.IPv6Fragment)
		b = append(b, byte(p.proto), 0, byte(p.fragOff>>8), byte(p.fragOff)&^7, 0, 0, 0, 1)
	}
	b = append(b, l4...)
	binary.BigEndian.PutUint16(b[4:6], uint16(len(b)-40))
	return b
}

const tcp, udp, icmp, icmp6 = wire.IPProtocolTCP, wire.IPProtocolUDP, wire.IPProtocolICMP, wire.IPProtocolICMPv6

// TestRuleTable: each case loads a rule set (states flushed) and checks
// one packet.
func TestRuleTable(t *testing.T) {
	s := newStack(t)
	f := pf.New(s, pf.Options{})
	const tap0, tap1 = 2, 3
	web := pkt{proto: tcp, src: "198.19.1.1", dst: "198.18.0.2", sport: 40000, dport: 80, flags: 0x02}
	dns := pkt{proto: udp, src: "198.18.0.9", dst: "198.18.0.2", sport: 5353, dport: 53}
	ping := pkt{proto: icmp, src: "198.18.0.9", dst: "198.18.0.2", icmpType: 8, icmpID: 7}
	cases := []struct {
		rules string
		dir   pf.Dir
		ifc   int
		p     pkt
		want  pf.Action
	}{
		{"", pf.In, tap0, web, pf.Pass},
		{"block all", pf.In, tap0, web, pf.Block},
		{"block all\npass all", pf.In, tap0, web, pf.Pass},
		{"pass all\nblock all", pf.In, tap0, web, pf.Block},
		{"block quick all\npass all", pf.In, tap0, web, pf.Block},
		{"pass quick all\nblock all", pf.In, tap0, web, pf.Pass},
		{"block in all", pf.Out, tap0, web, pf.Pass},
		{"block out all", pf.Out, tap0, web, pf.Block},
		{"block in all", pf.In, tap0, web, pf.Block},
		{"block on tap1", pf.In, tap0, web, pf.Pass},
		{"block on tap1", pf.In, tap1, web, pf.Block},
		{"block proto udp", pf.In, tap0, web, pf.Pass},
		{"block proto tcp", pf.In, tap0, web, pf.Block},
		{"block proto 6", pf.In, tap0, web, pf.Block},
		{"block from 198.19.0.0/16", pf.In, tap0, web, pf.Block},
		{"block from 198.18.0.0/16", pf.In, tap0, web, pf.Pass},
		{"block from ! 198.18.0.0/16", pf.In, tap0, web, pf.Block},
		{"block to 198.18.0.2", pf.In, tap0, web, pf.Block},
		{"block to 198.18.0.3", pf.In, tap0, web, pf.Pass},
		{"block from any to 198.18.0.0/24", pf.In, tap0, web, pf.Block},
		{"block proto tcp to any port 80", pf.In, tap0, web, pf.Block},
		{"block proto tcp to any port 81", pf.In, tap0, web, pf.Pass},
		{"block proto tcp to any port != 80", pf.In, tap0, web, pf.Pass},
		{"block proto tcp to any port < 1024", pf.In, tap0, web, pf.Block},
		{"block proto tcp to any port > 1024", pf.In, tap0, web, pf.Pass},
		{"block proto tcp to any port 1:100", pf.In, tap0, web, pf.Block},
		{"block proto tcp from any port 40000:40010", pf.In, tap0, web, pf.Block},
		{"block proto tcp from any port 1:1023", pf.In, tap0, web, pf.Pass},
		{"block proto tcp flags S/SA", pf.In, tap0, web, pf.Block},
		{"block proto tcp flags S/SA", pf.In, tap0, pkt{proto: tcp, src: "198.19.1.1", dst: "198.18.0.2", sport: 40000, dport: 80, flags: 0x12}, pf.Pass},
		{"block proto tcp flags A/A", pf.In, tap0, web, pf.Pass},
		{"block proto tcp flags any", pf.In, tap0, web, pf.Block},
		{"block proto udp to any port 53", pf.In, tap0, dns, pf.Block},
		{"block proto udp from any port 53", pf.In, tap0, dns, pf.Pass},
		{"block proto icmp icmp-type echoreq", pf.In, tap0, ping, pf.Block},
		{"block proto icmp icmp-type echorep", pf.In, tap0, ping, pf.Pass},
		{"block proto icmp icmp-type 8 code 0", pf.In, tap0, ping, pf.Block},
		{"block proto icmp icmp-type 8 code 1", pf.In, tap0, ping, pf.Pass},
		{"block proto icmp", pf.In, tap0, ping, pf.Block},
		{"block all\npass in on tap0 proto tcp to 198.18.0.2 port 80", pf.In, tap0, web, pf.Pass},
		{"block all\npass in on tap1 proto tcp to 198.18.0.2 port 80", pf.In, tap0, web, pf.Block},
		{"pass all\nblock in quick proto tcp\npass in proto tcp", pf.In, tap0, web, pf.Block},
		// A later fragment has no ports: a port rule does not match it.
		{"block proto udp to any port 53", pf.In, tap0, pkt{proto: udp, src: "198.18.0.9", dst: "198.18.0.2", sport: 5353, dport: 53, fragOff: 100}, pf.Pass},
		{"block proto udp", pf.In, tap0, pkt{proto: udp, src: "198.18.0.9", dst: "198.18.0.2", fragOff: 100}, pf.Block},
		{"block proto gre", pf.In, tap0, pkt{proto: wire.IPProtocolGRE, src: "198.18.0.9", dst: "198.18.0.2"}, pf.Block},
		// Loopback is never filtered.
		{"block all", pf.In, 1, web, pf.Pass},
	}
	for i, c := range cases {
		if err := f.Load(c.rules); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		f.FlushStates()
		b := c.p.bytes()
		if got := f.Check(c.dir, c.ifc, b, len(b)); got != c.want {
			t.Errorf("case %d: rules %q, %v packet %+v on #%d: %v, want %v", i, c.rules, c.dir, c.p, c.ifc, got, c.want)
		}
	}
	if len(cases) < 40 {
		t.Errorf("only %d cases", len(cases))
	}
}

func TestStatefulUDPAndICMP(t *testing.T) {
	s := newStack(t)
	f := pf.New(s, pf.Options{UDPTimeout: 200 * time.Millisecond})
	if err := f.Load("block in all\npass out all\npass in proto icmp icmp-type echoreq no state"); err != nil {
		t.Fatal(err)
	}
	out := pkt{proto: udp, src: "198.18.0.2", dst: "198.18.0.9", sport: 4000, dport: 53}
	reply := pkt{proto: udp, src: "198.18.0.9", dst: "198.18.0.2", sport: 53, dport: 4000}
	other := pkt{proto: udp, src: "198.18.0.9", dst: "198.18.0.2", sport: 53, dport: 4001}
	check := func(d pf.Dir, p pkt) pf.Action { b := p.bytes(); return f.Check(d, 2, b, len(b)) }
	if check(pf.In, reply) != pf.Block {
		t.Error("unsolicited reply passed")
	}
	if check(pf.Out, out) != pf.Pass || check(pf.In, reply) != pf.Pass {
		t.Error("reply to our datagram blocked")
	}
	if check(pf.In, other) != pf.Block {
		t.Error("datagram to another port passed on the state")
	}
	time.Sleep(400 * time.Millisecond)
	if check(pf.In, reply) != pf.Block {
		t.Error("reply passed after the state expired")
	}
	// ICMP: our echo request lets its reply in, not a request from there.
	req := pkt{proto: icmp, src: "198.18.0.2", dst: "198.18.0.9", icmpType: 8, icmpID: 9}
	rep := pkt{proto: icmp, src: "198.18.0.9", dst: "198.18.0.2", icmpType: 0, icmpID: 9}
	theirReq := pkt{proto: icmp, src: "198.18.0.9", dst: "198.18.0.2", icmpType: 8, icmpID: 9}
	if check(pf.In, rep) != pf.Block {
		t.Error("unsolicited echo reply passed")
	}
	if check(pf.Out, req) != pf.Pass || check(pf.In, rep) != pf.Pass {
		t.Error("echo reply blocked")
	}
	if err := f.Load("block in all\npass out all"); err != nil {
		t.Fatal(err)
	}
	if check(pf.In, theirReq) != pf.Block {
		t.Error("their echo request passed on our state")
	}
	if st := f.Stats(); st.StateMatches < 2 || st.StatesMade < 2 {
		t.Errorf("stats %+v", st)
	}
}

// TestStateTableBounded: 20000 flows through a table of 10000 states: the
// table holds at most its limit, refuses and counts the rest, every packet
// still passes by its rule, and checking allocates nothing.
func TestStateTableBounded(t *testing.T) {
	s := newStack(t)
	f := pf.New(s, pf.Options{MaxStates: 10000})
	if err := f.Load("pass out proto udp"); err != nil {
		t.Fatal(err)
	}
	b := pkt{proto: udp, src: "198.18.0.2", dst: "198.19.0.0", sport: 1000, dport: 9}.bytes()
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	for i := range 20000 {
		binary.BigEndian.PutUint16(b[20:22], uint16(1000+i%60000))
		b[18], b[19] = byte(i>>8), byte(i)
		if f.Check(pf.Out, 2, b, len(b)) != pf.Pass {
			t.Fatal("blocked")
		}
	}
	runtime.ReadMemStats(&ms1)
	st := f.Stats()
	if st.States > 10000+16 || st.StatesRefused == 0 || st.StatesMade+st.StatesRefused != 20000 {
		t.Errorf("stats %+v", st)
	}
	if grown := int64(ms1.HeapAlloc) - int64(ms0.HeapAlloc); grown > 1<<20 {
		t.Errorf("heap grew %d bytes for 20000 flows", grown)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		b[19]++
		f.Check(pf.Out, 2, b, len(b))
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per packet", allocs)
	}
}

// TestAtomicReplace: packets are checked while the rule set flips between
// two sets that decide UDP opposite ways; every packet gets exactly one
// verdict and nothing races (run with -race).
func TestAtomicReplace(t *testing.T) {
	s := newStack(t)
	f := pf.New(s, pf.Options{})
	setA, setB := "pass in proto udp no state\nblock in proto tcp", "block in proto udp\npass in proto tcp no state"
	if err := f.Load(setA); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	counted := uint64(0)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := pkt{proto: udp, src: "198.18.0.9", dst: "198.18.0.2", sport: 1, dport: 2}.bytes()
			n := uint64(0)
			for {
				select {
				case <-stop:
					mu.Lock()
					counted += n
					mu.Unlock()
					return
				default:
				}
				f.Check(pf.In, 2, b, len(b))
				n++
			}
		}()
	}
	for i := range 200 {
		set := setA
		if i%2 == 1 {
			set = setB
		}
		if err := f.Load(set); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	st := f.Stats()
	if st.Passed+st.Blocked != counted {
		t.Errorf("verdicts %d+%d for %d packets", st.Passed, st.Blocked, counted)
	}
	if !strings.Contains(f.Rules()[0].Text, "udp") {
		t.Error("rules text lost")
	}
}
