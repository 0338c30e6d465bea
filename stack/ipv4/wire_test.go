package ipv4_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// A wire is a host under test (198.18.0.2/24 on eth0) whose link's other end
// belongs to the test: it injects frames and inspects what the host sends.
type testWire struct {
	t    testing.TB
	pool *mbuf.Pool
	h    *stacktest.Host
	ifc  *stack.Interface
	peer *link.Port
}

var (
	peerMAC = wire.MAC{2, 0, 0, 0, 0, 1}
	hostMAC = wire.MAC{2, 0, 0, 0, 0, 2}
	peerIP  = wire.Addr4{198, 18, 0, 1}
	hostIP  = wire.Addr4{198, 18, 0, 2}
)

func newWire(t testing.TB, o ipv4.Options) *testWire {
	pool := stacktest.NewPool(t, 512)
	h := stacktest.NewHost(t, pool, stacktest.Config{IP: o})
	pa, pb := link.Pair(link.Options{A: peerMAC, B: hostMAC})
	t.Cleanup(func() { pa.Close(); pb.Close() })
	ifc := h.AttachAddr(t, "eth0", pb, "198.18.0.2/24", true)
	w := &testWire{t: t, pool: pool, h: h, ifc: ifc, peer: pa}
	w.frames() // the gratuitous ARP
	return w
}

// inject sends raw frames to the host and runs its receive path.
func (w *testWire) inject(frames ...[]byte) {
	for _, f := range frames {
		b, err := w.pool.Get()
		if err != nil {
			w.t.Fatal(err)
		}
		d, _ := b.Append(len(f))
		copy(d, f)
		w.peer.TxBurst([]*mbuf.Buf{b})
	}
	stacktest.Drain(w.ifc)
}

// frames returns (copies of) every frame the host sent since the last call.
func (w *testWire) frames() [][]byte {
	var out [][]byte
	bufs := make([]*mbuf.Buf, 64)
	for {
		n := w.peer.RxBurst(bufs)
		if n == 0 {
			return out
		}
		for _, b := range bufs[:n] {
			out = append(out, append([]byte(nil), b.Bytes()...))
		}
		w.pool.Free(bufs[:n])
	}
}

// waitFrames collects frames for up to d (timer-driven output).
func (w *testWire) waitFrames(d time.Duration, want int) [][]byte {
	var out [][]byte
	end := time.Now().Add(d)
	for time.Now().Before(end) && len(out) < want {
		stacktest.Drain(w.ifc)
		out = append(out, w.frames()...)
		time.Sleep(2 * time.Millisecond)
	}
	return out
}

// learn teaches the host the peer's MAC with an ARP request from the peer.
func (w *testWire) learn() {
	w.inject(arpFrame(wire.ARPRequest, peerMAC, peerIP, wire.MAC{}, hostIP, wire.BroadcastMAC()))
	w.frames()
}

func eth(dst, src wire.MAC, et wire.EtherType, payload []byte) []byte {
	f := make([]byte, 14+len(payload))
	e := wire.Ethernet(f)
	e.SetDst(dst)
	e.SetSrc(src)
	e.SetType(et)
	copy(f[14:], payload)
	return f
}

func arpFrame(op wire.ARPOp, sha wire.MAC, spa wire.Addr4, tha wire.MAC, tpa wire.Addr4, dst wire.MAC) []byte {
	a := make([]byte, wire.ARPLen)
	f := wire.ARPFields{Op: op, SenderMAC: sha, SenderIP: spa, TargetMAC: tha, TargetIP: tpa}
	_, _ = f.Encode(a)
	return eth(dst, sha, wire.EtherTypeARP, a)
}

// ipPacket builds an IPv4 datagram (header checksum filled in).
func ipPacket(f wire.IPv4Fields, payload []byte) []byte {
	hl := f.HeaderLen()
	p := make([]byte, hl+len(payload))
	if f.TotalLen == 0 {
		f.TotalLen = uint16(len(p))
	}
	if f.TTL == 0 {
		f.TTL = 64
	}
	h, _ := f.Encode(p)
	copy(p[hl:], payload)
	h.UpdateChecksum()
	return p
}

func echoRequest(id, seq uint16, data []byte) []byte {
	m := make([]byte, 8+len(data))
	f := wire.ICMPv4Fields{Type: wire.ICMPv4Echo, Rest: wire.EchoRest(id, seq)}
	msg, _ := f.Encode(m)
	copy(m[8:], data)
	msg.UpdateChecksum()
	return m
}

func udpDatagram(src, dst wire.Addr4, sport, dport uint16, data []byte) []byte {
	u := make([]byte, 8+len(data))
	f := wire.UDPFields{SrcPort: sport, DstPort: dport, Length: uint16(len(u))}
	v, _ := f.Encode(u)
	copy(u[8:], data)
	v.UpdateChecksum(src, dst)
	return u
}

func toHost(p []byte) []byte { return eth(hostMAC, peerMAC, wire.EtherTypeIPv4, p) }

func netipAP(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

var ifOptsNoPoller = stack.IfOptions{NoPoller: true}

func netipPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func netipAddr(s string) netip.Addr     { return netip.MustParseAddr(s) }
