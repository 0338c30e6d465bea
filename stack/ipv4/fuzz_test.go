package ipv4_test

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/wire"
)

// fuzzHost is one host on one wire for every input of a fuzz worker: the
// Fuzz function builds it before f.Fuzz (once per worker process) and each
// input runs between begin and end. Building a stack and a 512-buffer pool
// per input cost far more than the input itself.
//
// Reuse must not hide state leaking between inputs, so begin asserts the
// clean state (pool full, nothing in reassembly or neighbour queues, the
// neighbour cache holding exactly the learned peer, nothing on the wire)
// and end first accounts for every buffer still in use (each must be held
// by reassembly or a neighbour queue), then drops that per-packet state,
// teaches the host the peer again and asserts the clean state once more.
type fuzzHost struct {
	*testWire
	clean []ipv4.Neighbour // the neighbour cache right after learn
	last  []byte           // the previous input, for a dirty fixture's report
	ip    ipv4.Stats       // counters at begin
	ifc   stack.Counters   // eth0's counters at begin
	lo    stack.Counters   // lo0's
}

func newFuzzHost(f testing.TB, o ipv4.Options) *fuzzHost {
	// No timer: an ARP retry, an entry going stale or a reassembly timeout
	// must not fire in the middle of some later input. The fuzz inputs
	// never waited for timers anyway.
	o.Tick = time.Hour
	fh := &fuzzHost{testWire: newWire(f, o)}
	fh.learn()
	if lo := fh.h.S.Interface(1); lo == nil || lo.Name() != "lo0" {
		f.Fatal("lo0 is not interface 1")
	}
	fh.clean = fh.h.IP.Neighbours()
	if len(fh.clean) != 1 || fh.clean[0].State != ipv4.Reachable {
		f.Fatalf("neighbour cache after learning the peer: %+v", fh.clean)
	}
	fh.checkClean(f, func() string { return "after building" })
	return fh
}

// checkClean fails unless the host is as newFuzzHost left it; when says
// at which point.
func (fh *fuzzHost) checkClean(t testing.TB, when func() string) {
	t.Helper()
	if n := fh.pool.InUse(); n != 0 {
		t.Fatalf("fixture not clean %s: %d mbufs in use", when(), n)
	}
	if dg, rb, rs, qs := fh.h.IP.HeldBufs(); dg+rb+rs+qs != 0 {
		t.Fatalf("fixture not clean %s: %d datagrams in reassembly (%d/%d mbufs), %d mbufs queued on neighbours", when(), dg, rb, rs, qs)
	}
	if nb := fh.h.IP.Neighbours(); !slices.Equal(nb, fh.clean) {
		t.Fatalf("fixture not clean %s: neighbour cache %+v, want %+v", when(), nb, fh.clean)
	}
	if fr := fh.frames(); len(fr) != 0 {
		t.Fatalf("fixture not clean %s: %d frames on the wire", when(), len(fr))
	}
}

// begin starts an input (its bytes, for the next input's report).
func (fh *fuzzHost) begin(t *testing.T, input ...[]byte) {
	fh.t = t
	fh.checkClean(t, func() string { return fmt.Sprintf("before the input (the previous one was %x)", fh.last) })
	fh.last = fh.last[:0]
	for _, b := range input {
		fh.last = append(fh.last, b...)
	}
	fh.ip, fh.ifc, fh.lo = fh.h.IP.Stats(), fh.ifc0(), fh.h.S.Interface(1).Counters()
	// An input that fails half way must not leave the host dirty for the
	// next one (the fuzzer minimises a failing input in the same worker).
	t.Cleanup(func() {
		if t.Failed() {
			fh.settle(nil)
			fh.reset()
		}
	})
}

// reset drops the per-packet state and teaches the host the peer again.
func (fh *fuzzHost) reset() {
	fh.h.IP.ResetPerPacketState()
	fh.frames()
	fh.learn()
}

func (fh *fuzzHost) ifc0() stack.Counters { return fh.testWire.ifc.Counters() }

// settle waits for lo0 to go quiet, collecting what the host sends on the
// wire meanwhile. The stack polls its loopback interface with a goroutine
// of its own, and an input can make the host send to its own address (an
// ICMP error about a packet with our address as its source, say), which
// then runs through the stack after inject has returned. Quiet means: lo0
// has nothing pending, has received all it sent, and every buffer in use
// is held by reassembly or a neighbour queue. After two seconds settle
// gives up and lets end's checks report what is left.
func (fh *fuzzHost) settle(sent [][]byte) [][]byte {
	lo := fh.h.S.Interface(1)
	pending := lo.Port().(interface{ Pending() int })
	deadline := time.Now().Add(2 * time.Second)
	for {
		sent = append(sent, fh.frames()...)
		c := lo.Counters()
		_, _, rs, qs := fh.h.IP.HeldBufs()
		if pending.Pending() == 0 && c.InPackets == c.OutPackets && fh.pool.InUse() == rs+qs || time.Now().After(deadline) {
			return sent
		}
		runtime.Gosched()
	}
}

// end checks what the input left (sent is what the host transmitted, as
// collected by the caller), then resets the host for the next input.
func (fh *fuzzHost) end(t *testing.T, sent [][]byte) ipv4.Stats {
	t.Helper()
	sent = fh.settle(sent)
	now := fh.ifc0()
	if got, want := uint64(len(sent)), now.OutPackets-fh.ifc.OutPackets; got != want || now.OutDrops != fh.ifc.OutDrops || now.OutErrors != fh.ifc.OutErrors {
		t.Errorf("%d frames on the wire, interface counted %d sent, %d dropped, %d errors", got, want, now.OutDrops-fh.ifc.OutDrops, now.OutErrors-fh.ifc.OutErrors)
	}
	st := fh.h.IP.Stats()
	var arpReq, arpRep uint64
	for _, f := range sent {
		e, err := wire.NewEthernet(f)
		if err != nil || e.Src() != hostMAC {
			t.Fatalf("host sent a frame that is not Ethernet from its own MAC: %x", f)
		}
		switch e.Type() {
		case wire.EtherTypeARP:
			a, err := wire.NewARP(f[wire.EthernetHeaderLen:])
			if err != nil {
				t.Fatalf("host sent a malformed ARP packet: %x", f)
			}
			switch a.Op() {
			case wire.ARPRequest:
				arpReq++
			case wire.ARPReply:
				arpRep++
			}
		case wire.EtherTypeIPv4:
			// Forwarded or originated, every IPv4 header we send must
			// be valid (checksum updated after the TTL decrement,
			// fragment headers rebuilt).
			h, err := wire.NewIPv4(f[wire.EthernetHeaderLen:])
			if err != nil || !h.ChecksumValid() {
				t.Fatalf("host sent a bad IPv4 header (%v): %x", err, f)
			}
		default:
			t.Fatalf("host sent EtherType %#04x", e.Type())
		}
	}
	if arpReq != st.ARPOutRequests-fh.ip.ARPOutRequests || arpRep != st.ARPOutReplies-fh.ip.ARPOutReplies {
		t.Errorf("ARP on the wire: %d requests, %d replies; counted %d, %d", arpReq, arpRep,
			st.ARPOutRequests-fh.ip.ARPOutRequests, st.ARPOutReplies-fh.ip.ARPOutReplies)
	}
	// Every buffer still out is held by reassembly or a neighbour queue.
	dg, rb, rs, qs := fh.h.IP.HeldBufs()
	if rb != rs {
		t.Errorf("reassembly counts %d mbufs, its fragments hold %d", rb, rs)
	}
	if n := fh.pool.InUse(); n != rs+qs {
		t.Errorf("leak: %d mbufs in use, reassembly holds %d (%d datagrams), neighbour queues %d", n, rs, dg, qs)
	}
	fh.h.IP.ResetPerPacketState()
	fh.frames()
	if n := fh.pool.InUse(); n != 0 {
		t.Fatalf("leak: %d mbufs in use after dropping reassembly and neighbour state", n)
	}
	fh.learn()
	fh.checkClean(t, func() string { return "after the reset" })
	return st
}

// FuzzInput feeds arbitrary bytes to the host as the payload of an IPv4 or
// ARP frame addressed to it. Nothing may panic; every frame the host sends
// must be well formed and counted; every buffer must be back in the pool
// or held by reassembly or a neighbour queue (see fuzzHost).
func FuzzInput(f *testing.F) {
	f.Add(true, ipPacket(wire.IPv4Fields{Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, echoRequest(1, 2, []byte("seed"))))
	f.Add(true, ipPacket(wire.IPv4Fields{Protocol: wire.IPProtocolUDP, Src: peerIP, Dst: hostIP}, udpDatagram(peerIP, hostIP, 1, 9, []byte("seed"))))
	f.Add(true, ipPacket(wire.IPv4Fields{Protocol: wire.IPProtocolUDP, Src: peerIP, Dst: hostIP}, udpDatagram(peerIP, hostIP, 1, 4444, nil)))
	f.Add(true, ipPacket(wire.IPv4Fields{Flags: wire.IPv4FlagMF, ID: 3, Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, make([]byte, 16)))
	f.Add(true, ipPacket(wire.IPv4Fields{Options: []byte{7, 7, 4, 0, 0, 0, 0, 1}, Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, echoRequest(1, 2, nil)))
	f.Add(true, ipPacket(wire.IPv4Fields{TTL: 1, Protocol: wire.IPProtocolUDP, Src: peerIP, Dst: wire.Addr4{198, 18, 9, 9}}, nil))
	f.Add(false, arpFrame(wire.ARPRequest, peerMAC, peerIP, wire.MAC{}, hostIP, wire.BroadcastMAC())[14:])
	// Forwarded on-link to a neighbour nobody resolved: queued, ARP request out.
	f.Add(true, ipPacket(wire.IPv4Fields{Protocol: wire.IPProtocolUDP, Src: peerIP, Dst: wire.Addr4{198, 18, 0, 7}}, udpDatagram(peerIP, wire.Addr4{198, 18, 0, 7}, 1, 9, nil)))
	// Forwarded back to the peer itself (resolved): out again with TTL-1.
	f.Add(true, ipPacket(wire.IPv4Fields{TTL: 2, Protocol: wire.IPProtocolICMP, Src: wire.Addr4{198, 18, 0, 9}, Dst: peerIP}, echoRequest(1, 2, nil)))
	// Last fragment only, and a fragment at offset 0 with DF set.
	f.Add(true, ipPacket(wire.IPv4Fields{ID: 4, FragmentOffset: 64, Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, make([]byte, 8)))
	f.Add(true, ipPacket(wire.IPv4Fields{ID: 5, Flags: wire.IPv4FlagMF | wire.IPv4FlagDF, Protocol: wire.IPProtocolUDP, Src: peerIP, Dst: hostIP}, make([]byte, 24)))
	// Unknown protocol (protocol unreachable), directed broadcast, limited broadcast.
	f.Add(true, ipPacket(wire.IPv4Fields{Protocol: 99, Src: peerIP, Dst: hostIP}, []byte("?")))
	f.Add(true, ipPacket(wire.IPv4Fields{Protocol: wire.IPProtocolUDP, Src: peerIP, Dst: wire.Addr4{198, 18, 0, 255}}, udpDatagram(peerIP, wire.Addr4{198, 18, 0, 255}, 1, 4444, nil)))
	f.Add(true, ipPacket(wire.IPv4Fields{Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: wire.Addr4{255, 255, 255, 255}}, echoRequest(7, 7, nil)))
	// Link padding beyond Total Length; Total Length beyond the frame.
	f.Add(true, append(ipPacket(wire.IPv4Fields{Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, echoRequest(1, 3, nil)), make([]byte, 18)...))
	f.Add(true, ipPacket(wire.IPv4Fields{TotalLen: 200, Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, echoRequest(1, 4, nil)))
	// An ICMP error quoting a UDP datagram of ours; an echo reply nobody waits for.
	f.Add(true, ipPacket(wire.IPv4Fields{Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, icmpError(3, 3, ipPacket(wire.IPv4Fields{Protocol: wire.IPProtocolUDP, Src: hostIP, Dst: peerIP}, udpDatagram(hostIP, peerIP, 5000, 53, nil)))))
	f.Add(true, ipPacket(wire.IPv4Fields{Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, echoReply(9, 9, nil)))
	// ARP: a reply from a stranger, a probe, a conflict, a gratuitous update of the peer.
	f.Add(false, arpFrame(wire.ARPReply, wire.MAC{2, 0, 0, 0, 0, 7}, wire.Addr4{198, 18, 0, 7}, hostMAC, hostIP, hostMAC)[14:])
	f.Add(false, arpFrame(wire.ARPRequest, wire.MAC{2, 0, 0, 0, 0, 7}, wire.Addr4{}, wire.MAC{}, hostIP, wire.BroadcastMAC())[14:])
	f.Add(false, arpFrame(wire.ARPRequest, wire.MAC{2, 0, 0, 0, 0, 7}, hostIP, wire.MAC{}, hostIP, wire.BroadcastMAC())[14:])
	f.Add(false, arpFrame(wire.ARPRequest, wire.MAC{2, 0, 0, 0, 0, 8}, peerIP, wire.MAC{}, peerIP, wire.BroadcastMAC())[14:])

	// Our own address as the source: the ICMP errors and replies go to
	// ourselves, through lo0 (found by this target once it ran fast).
	f.Add(true, ipPacket(wire.IPv4Fields{Protocol: wire.IPProtocolUDP, Src: hostIP, Dst: wire.Addr4{0, 1, 198, 18}}, udpDatagram(hostIP, wire.Addr4{0, 1, 198, 18}, 1, 9, nil)))
	f.Add(true, ipPacket(wire.IPv4Fields{Protocol: wire.IPProtocolICMP, Src: hostIP, Dst: hostIP}, echoRequest(1, 5, nil)))
	f.Add(true, ipPacket(wire.IPv4Fields{Protocol: wire.IPProtocolUDP, Src: hostIP, Dst: hostIP}, udpDatagram(hostIP, hostIP, 1, 4444, nil)))

	fh := newFuzzHost(f, ipv4.Options{Forwarding: true})
	f.Fuzz(func(t *testing.T, ip bool, payload []byte) {
		if len(payload) > 1500 {
			return
		}
		fh.begin(t, []byte{b2u8(ip)}, payload)
		et := wire.EtherTypeARP
		if ip {
			et = wire.EtherTypeIPv4
		}
		fh.inject(eth(hostMAC, peerMAC, et, payload))
		st := fh.end(t, nil)
		// One frame in: IPv4 counts it received (plus whatever the host
		// sent itself through lo0), ARP by its opcode.
		in := st.InReceives - fh.ip.InReceives
		arpIn := st.ARPInRequests + st.ARPInReplies + st.ARPInErrors - fh.ip.ARPInRequests - fh.ip.ARPInReplies - fh.ip.ARPInErrors
		var wantIn, wantARP uint64 = fh.h.S.Interface(1).Counters().InPackets - fh.lo.InPackets, 1
		if ip {
			wantIn, wantARP = wantIn+1, 0
		}
		if in != wantIn || arpIn != wantARP {
			t.Errorf("one %v frame in: IPv4 counted %d received (want %d), ARP %d (want %d)", et, in, wantIn, arpIn, wantARP)
		}
	})
}

// FuzzReassembly splits the input into fragment descriptors (offset, length,
// more-fragments) of one datagram and feeds them in order: overlaps, holes,
// duplicates and absurd offsets must all end with every buffer accounted
// for and the reassembly limits (4 datagrams, 16 mbufs) kept.
func FuzzReassembly(f *testing.F) {
	f.Add([]byte{0, 0, 100, 1, 0, 13, 100, 0})
	f.Add([]byte{0, 0, 100, 1, 0, 5, 100, 1, 0, 13, 100, 0})
	f.Add([]byte{0, 10, 100, 0, 0, 0, 100, 1, 0, 0, 100, 1})
	f.Add([]byte{0xff, 0xff, 8, 0})
	f.Add([]byte{0, 0, 1, 1, 0, 8, 1, 0})                                                         // two 8-byte pieces, complete
	f.Add([]byte{0, 8, 1, 0, 0, 0, 1, 1})                                                         // last piece first
	f.Add([]byte{0, 0, 0, 1, 0, 0, 1, 0})                                                         // an empty first fragment
	f.Add([]byte{0, 0, 100, 1, 0, 0, 100, 1, 3, 32, 100, 0})                                      // exact duplicate, then the end
	f.Add([]byte{0, 0, 180, 1, 5, 160, 180, 1, 11, 64, 180, 0})                                   // 4320 bytes: chains of several mbufs
	f.Add([]byte{0, 0, 100, 1, 0, 0, 100, 0, 0, 0, 100, 1, 0, 0, 100, 0})                         // complete twice (same ID)
	f.Add([]byte{0, 0, 187, 1, 5, 216, 187, 1, 11, 176, 187, 1, 17, 136, 187, 1, 23, 96, 187, 0}) // beyond the mbuf cap

	fh := newFuzzHost(f, ipv4.Options{ReassemblyDatagrams: 4, ReassemblyBuffers: 16})
	f.Fuzz(func(t *testing.T, desc []byte) {
		if len(desc) > 4*32 {
			return
		}
		fh.begin(t, desc)
		var sent [][]byte
		for i := 0; i+4 <= len(desc); i += 4 {
			off := int(binary.BigEndian.Uint16(desc[i:])) &^ 7
			n := int(desc[i+2]) * 8
			var flags uint8
			if desc[i+3]&1 != 0 {
				flags = wire.IPv4FlagMF
			}
			data := make([]byte, n)
			fh.inject(toHost(ipPacket(wire.IPv4Fields{ID: 1, Flags: flags, FragmentOffset: uint16(off), Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, data)))
			if dg, rb, _, _ := fh.h.IP.HeldBufs(); dg > 4 || rb > 16 {
				t.Fatalf("after fragment %d: %d datagrams and %d mbufs in reassembly, limits 4 and 16", i/4, dg, rb)
			}
			sent = append(sent, fh.frames()...)
		}
		fh.end(t, sent)
	})
}

// icmpError builds an ICMP error message of typ and code quoting q.
func icmpError(typ wire.ICMPv4Type, code uint8, q []byte) []byte {
	m := make([]byte, 8+len(q))
	f := wire.ICMPv4Fields{Type: typ, Code: code}
	msg, _ := f.Encode(m)
	copy(m[8:], q)
	msg.UpdateChecksum()
	return m
}

func b2u8(b bool) byte {
	if b {
		return 1
	}
	return 0
}
