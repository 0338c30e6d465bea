package ipv6_test

import (
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/udp"
	"github.com/gopkt/gopkt/stack/wire"
)

// sinkTransport takes every packet of its protocol.
type sinkTransport struct {
	p wire.IPProtocol
	n atomic.Int64
}

func (s *sinkTransport) Protocol() wire.IPProtocol { return s.p }
func (s *sinkTransport) Attach(*ipv6.IPv6) error   { return nil }
func (s *sinkTransport) Input(b *mbuf.Buf, _ ipv6.Meta) bool {
	s.n.Add(1)
	b.Free()
	return true
}

// TestTransportAddRemove: UDP added at run time answers an unbound port
// with port unreachable; removed, the next header is unrecognised (a
// parameter problem, code 1, pointing at the Next Header field, RFC 8200
// §4) and counted; ICMPv6 cannot be removed or replaced; a number is
// served once.
func TestTransportAddRemove(t *testing.T) {
	w := newWireHost(t)
	u := udp.New(udp.Options{})
	if err := w.ip.AddTransport(u.V6()); err != nil {
		t.Fatal(err)
	}
	if err := w.ip.AddTransport(&sinkTransport{p: wire.IPProtocolUDP}); !errors.Is(err, ipv6.ErrProtocolTaken) {
		t.Fatalf("second transport for UDP: %v", err)
	}
	if err := w.ip.AddTransport(&sinkTransport{p: wire.IPProtocolICMPv6}); !errors.Is(err, ipv6.ErrProtocolTaken) {
		t.Fatalf("a transport for ICMPv6: %v", err)
	}
	if _, err := w.ip.RemoveTransport(wire.IPProtocolICMPv6); err == nil {
		t.Fatal("ICMPv6 removed")
	}
	dgram := func() []byte {
		d := make([]byte, 12)
		binary.BigEndian.PutUint16(d[0:], 5000)
		binary.BigEndian.PutUint16(d[2:], 9)
		binary.BigEndian.PutUint16(d[4:], 12)
		s := wire.Checksum(d, wire.PseudoHeaderChecksum6(wire.IPProtocolUDP, peerAddr, hostAddr, 12))
		binary.BigEndian.PutUint16(d[6:], ^s)
		return pkt(peerAddr, hostAddr, wire.IPProtocolUDP, 64, d)
	}
	out := w.inject(t, w.ifc.MAC(), dgram())
	if len(out) != 1 || wire.ICMPv6(out[0][40:]).Type() != wire.ICMPv6DestUnreach || wire.ICMPv6(out[0][40:]).Code() != wire.ICMPv6PortUnreachable {
		t.Fatalf("UDP loaded, unbound port: sent %x", out)
	}
	got, err := w.ip.RemoveTransport(wire.IPProtocolUDP)
	if err != nil || got == nil {
		t.Fatalf("remove UDP: %v %v", got, err)
	}
	if err := u.Unload(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ip.RemoveTransport(wire.IPProtocolUDP); !errors.Is(err, ipv6.ErrNoTransport) {
		t.Fatalf("remove UDP twice: %v", err)
	}
	before := w.ip.Stats().InUnknownProtos
	paramProblem(t, w.inject(t, w.ifc.MAC(), dgram()), wire.ICMPv6UnknownNextHdr, 6)
	if w.ip.Stats().InUnknownProtos != before+1 {
		t.Fatal("InUnknownProtos did not move")
	}
	// A new instance loads again.
	u2 := udp.New(udp.Options{})
	if err := w.ip.AddTransport(u2.V6()); err != nil {
		t.Fatal(err)
	}
	if out := w.inject(t, w.ifc.MAC(), dgram()); len(out) != 1 || wire.ICMPv6(out[0][40:]).Type() != wire.ICMPv6DestUnreach {
		t.Fatalf("UDP loaded again: sent %x", out)
	}
	w.clean(t)
}

// TestTransportRemoveRace: packets keep arriving while a transport is
// removed and added again; each is delivered or answered as unknown,
// never lost track of (run with -race).
func TestTransportRemoveRace(t *testing.T) {
	w := newWireHost(t)
	const proto = 253 // RFC 3692 experimentation
	s := &sinkTransport{p: proto}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := w.ip.AddTransport(s); err != nil {
				t.Error(err)
				return
			}
			if _, err := w.ip.RemoveTransport(proto); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	const n = 2000
	before := w.ip.Stats().InUnknownProtos
	for range n {
		w.inject(t, w.ifc.MAC(), pkt(peerAddr, hostAddr, proto, 64, []byte{1, 2, 3, 4, 5, 6, 7, 8}))
	}
	close(stop)
	wg.Wait()
	unknown := w.ip.Stats().InUnknownProtos - before
	if int(s.n.Load())+int(unknown) != n {
		t.Fatalf("delivered %d + unknown %d != %d", s.n.Load(), unknown, n)
	}
	w.clean(t)
}
