package tcp_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/tcp"
	"github.com/gopkt/gopkt/stack/wire"
)

// TestActiveOpenWindow: the window a dialed connection advertises in its
// handshake ACK is its receive buffer, whatever the peer's ISN. Our SYN
// went out before RCV.NXT was known; an edge recorded from it once made
// every connection whose peer ISN lay below it in sequence space (half of
// them) advertise the largest window the field holds (65535 << 7, 8 MB),
// which the receive quota then refused segment by segment.
func TestActiveOpenWindow(t *testing.T) {
	const rcvbuf = 256 << 10
	for i, isn := range []uint32{0xf0000000, 0x80000000, 5000, 0x7fff0000} {
		p := newRawPeer(t, tcp.Options{ReadBuffer: rcvbuf, MaxReadBuffer: rcvbuf})
		lport := uint16(3000 + i)
		ch := make(chan error, 1)
		go func() {
			c, err := p.TCP.DialAddrPort(t.Context(), addrPort("198.18.0.1:"+strconv.Itoa(int(lport))), addrPort("198.18.0.2:4000"))
			if err == nil {
				t.Cleanup(func() { c.Close() })
			}
			ch <- err
		}()
		syn := p.expect("SYN")
		wsOpt, ok := option(syn.Opts, 3)
		if !ok || len(wsOpt) != 1 {
			t.Fatalf("no window scale in our SYN: %+v", syn)
		}
		// SYN-ACK with MSS, window scale 7, SACK permitted.
		p.send(seg{Src: 4000, Dst: lport, Seq: isn, Ack: syn.Seq + 1, Flags: wire.TCPFlagSYN | wire.TCPFlagACK, Wnd: 65535,
			Opts: []byte{2, 4, 0x05, 0xb4, 1, 3, 3, 7, 1, 1, 4, 2}})
		ack := p.expect("handshake ACK")
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
		if ack.Ack != isn+1 {
			t.Fatalf("peer ISN %#x: ACK %+v", isn, ack)
		}
		if w := int(ack.Wnd) << wsOpt[0]; w > rcvbuf+(1<<wsOpt[0])-1 {
			t.Errorf("peer ISN %#x: we advertised %d bytes with a %d-byte receive buffer", isn, w, rcvbuf)
		}
	}
}

// TestWindowRetractionAccepted: the window scale rounds the advertised
// window up to a multiple of 2^S from RCV.NXT, so with the promised edge
// fixed the advertised one moves left by up to 2^S-1 bytes from one ACK
// to the next (RFC 7323 §2.4, appendix F). Data the peer sent up to the
// earlier edge, before the later ACK reached it, is in the window it was
// offered (RFC 9293 §3.8.6): it is taken whole, not trimmed at the newer
// edge (which cost a retransmission and a flight's worth of out-of-order
// segments behind the hole on every such ACK).
func TestWindowRetractionAccepted(t *testing.T) {
	// A 1000-byte buffer the application does not read: the promised edge
	// stays at 1001+1000 = 2001 while the data fills it.
	p := newRawPeer(t, tcp.Options{ReadBuffer: 1000, MaxReadBuffer: 1000, DelayedAck: time.Millisecond})
	l, err := p.TCP.Listen("tcp", "198.18.0.1:80")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, peerNxt, ourNxt := p.handshake(l, 5000, false)
	defer c.Close()
	const edge = 1001 + 1000
	send := func(n int) seg {
		p.send(seg{Src: 5000, Dst: 80, Seq: peerNxt, Ack: ourNxt, Flags: wire.TCPFlagACK, Wnd: 65535, Opts: tsOpt(3, 0), Data: make([]byte, n)})
		peerNxt += uint32(n)
		last := p.expect("ACK")
		for last.Ack != peerNxt {
			a, ok := p.recv(time.Second)
			if !ok {
				break
			}
			last = a
		}
		return last
	}
	right := func(a seg) uint32 { return a.Ack + uint32(a.Wnd)<<7 }
	// 100 bytes: 900 left to the edge, rounded up to 1024: the ACK offers
	// up to 2125.
	a1 := send(100)
	if r := right(a1); r != edge+124 {
		t.Fatalf("after 100 bytes the right edge is %d, want %d", r, edge+124)
	}
	// 4 bytes more: 896 left, a multiple of 128: the next ACK offers up to
	// 2001, 124 bytes left of the first.
	a2 := send(4)
	if r := right(a2); r != edge {
		t.Fatalf("after 104 bytes the right edge is %d, want %d", r, edge)
	}
	// The peer, not yet having seen a2, fills the window a1 offered.
	a3 := send(int(right(a1) - peerNxt))
	if a3.Ack != right(a1) {
		t.Fatalf("data up to the earlier edge %d: acknowledged to %d", right(a1), a3.Ack)
	}
	if st := p.TCP.Stats(); st.DropOutOfWindow != 0 {
		t.Errorf("out-of-window drops: %d", st.DropOutOfWindow)
	}
}
