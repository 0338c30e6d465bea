package tcp_test

import (
	"encoding/binary"
	"errors"
	"github.com/gopkt/gopkt/stack/ipv4"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/tcp"
	"github.com/gopkt/gopkt/stack/wire"
)

func listen80(t *testing.T, p *rawPeer, backlog int) *tcp.Listener {
	t.Helper()
	l, err := p.TCP.ListenAddrPort(addrPort("198.18.0.1:80"), backlog)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// TestPassiveOpenOptions: our SYN-ACK answers the options the SYN had
// (RFC 7323 §2.2, §3.2; RFC 2018 §2), with the MSS of the interface MTU
// (RFC 9293 §3.7.1), and an unscaled window.
func TestPassiveOpenOptions(t *testing.T) {
	p := newRawPeer(t, tcp.Options{})
	listen80(t, p, 0)
	p.send(seg{Src: 4000, Dst: 80, Seq: 1000, Flags: wire.TCPFlagSYN, Wnd: 65535,
		Opts: []byte{2, 4, 0x23, 0x28, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0}})
	sa := p.expect("SYN-ACK")
	mss, ok := option(sa.Opts, 2)
	if !ok || mss[0] != 0x05 || mss[1] != 0xb4 {
		t.Errorf("MSS option %x, want 1460 (MTU 1500 - 40)", mss)
	}
	if ws, ok := option(sa.Opts, 3); !ok || ws[0] != 7 {
		t.Errorf("window scale %v %v", ws, ok)
	}
	if _, ok := option(sa.Opts, 4); !ok {
		t.Error("no SACK-permitted")
	}
	if ts, ok := option(sa.Opts, 8); !ok || ts[7] != 9 {
		t.Errorf("timestamps %x: TSecr must echo 9", ts)
	}
	// A SYN without options gets none but the MSS.
	p.send(seg{Src: 4001, Dst: 80, Seq: 5000, Flags: wire.TCPFlagSYN, Wnd: 65535})
	sa = p.expect("SYN-ACK")
	for _, k := range []byte{3, 4, 8} {
		if _, ok := option(sa.Opts, k); ok {
			t.Errorf("option %d offered to a peer that did not send it", k)
		}
	}
}

// TestRFC5961 checks RST and SYN handling in ESTABLISHED: an in-window
// RST whose sequence number is not RCV.NXT, and any SYN, draw a challenge
// ACK and change nothing; the exact RST resets the connection.
func TestRFC5961(t *testing.T) {
	p := newRawPeer(t, tcp.Options{})
	l := listen80(t, p, 0)
	c, pn, on := p.handshake(l, 4000, true)
	defer c.Close()
	p.send(seg{Src: 4000, Dst: 80, Seq: pn + 100, Flags: wire.TCPFlagRST, Wnd: 65535})
	if a := p.expect("challenge ACK"); a.Flags != wire.TCPFlagACK || a.Ack != pn || a.Seq != on {
		t.Fatalf("challenge ACK: %+v", a)
	}
	p.send(seg{Src: 4000, Dst: 80, Seq: pn + 7, Flags: wire.TCPFlagSYN, Wnd: 65535})
	if a := p.expect("challenge ACK for SYN"); a.Flags != wire.TCPFlagACK || a.Ack != pn {
		t.Fatalf("challenge ACK: %+v", a)
	}
	if st := c.State(); st != tcp.Established {
		t.Fatalf("state %v after blind RST/SYN", st)
	}
	// An out-of-window RST is dropped silently.
	p.send(seg{Src: 4000, Dst: 80, Seq: pn + 1<<30, Flags: wire.TCPFlagRST, Wnd: 65535})
	if s, ok := p.recv(100 * time.Millisecond); ok {
		t.Fatalf("answered an out-of-window RST: %+v", s)
	}
	p.send(seg{Src: 4000, Dst: 80, Seq: pn, Flags: wire.TCPFlagRST, Wnd: 65535})
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read after RST: %v", err)
	}
	if st := p.TCP.Stats(); st.ChallengeACKs != 2 || st.EstabResets != 1 {
		t.Errorf("challenge ACKs %d, resets %d", st.ChallengeACKs, st.EstabResets)
	}
}

// TestSimultaneousOpen: our SYN crosses the peer's SYN (RFC 9293 §3.5
// Figure 8): we answer SYN-ACK from SYN-SENT and reach ESTABLISHED on the
// peer's ACK.
func TestSimultaneousOpen(t *testing.T) {
	p := newRawPeer(t, tcp.Options{})
	type res struct {
		c   *tcp.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := p.TCP.DialAddrPort(t.Context(), addrPort("198.18.0.1:3000"), addrPort("198.18.0.2:4000"))
		ch <- res{c, err}
	}()
	syn := p.expect("SYN")
	if syn.Flags != wire.TCPFlagSYN {
		t.Fatalf("%+v", syn)
	}
	p.send(seg{Src: 4000, Dst: 3000, Seq: 7000, Flags: wire.TCPFlagSYN, Wnd: 65535, Opts: []byte{2, 4, 5, 0xb4}})
	sa := p.expect("SYN-ACK")
	if sa.Flags != wire.TCPFlagSYN|wire.TCPFlagACK || sa.Seq != syn.Seq || sa.Ack != 7001 {
		t.Fatalf("SYN-ACK %+v for SYN %+v", sa, syn)
	}
	p.send(seg{Src: 4000, Dst: 3000, Seq: 7001, Ack: syn.Seq + 1, Flags: wire.TCPFlagACK, Wnd: 65535})
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer r.c.Close()
	if st := r.c.State(); st != tcp.Established {
		t.Fatalf("state %v", st)
	}
}

// TestTimeWait: the active closer stays in TIME-WAIT for 2·MSL, ACKs a
// retransmitted FIN there, then the connection is gone.
func TestTimeWait(t *testing.T) {
	p := newRawPeer(t, tcp.Options{MSL: 150 * time.Millisecond})
	l := listen80(t, p, 0)
	c, pn, on := p.handshake(l, 4000, true)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	fin := p.expect("FIN")
	if !fin.has(wire.TCPFlagFIN) || fin.Seq != on {
		t.Fatalf("FIN %+v", fin)
	}
	p.send(seg{Src: 4000, Dst: 80, Seq: pn, Ack: on + 1, Flags: wire.TCPFlagACK | wire.TCPFlagFIN, Wnd: 65535})
	if a := p.expect("ACK of our FIN"); a.Ack != pn+1 {
		t.Fatalf("%+v", a)
	}
	if st := c.State(); st != tcp.TimeWait {
		t.Fatalf("state %v, want TIME-WAIT", st)
	}
	p.send(seg{Src: 4000, Dst: 80, Seq: pn, Ack: on + 1, Flags: wire.TCPFlagACK | wire.TCPFlagFIN, Wnd: 65535})
	if a := p.expect("ACK of the retransmitted FIN"); a.Ack != pn+1 {
		t.Fatalf("%+v", a)
	}
	deadline := time.Now().Add(10 * time.Second)
	for c.State() != tcp.Closed {
		if time.Now().After(deadline) {
			t.Fatal("TIME-WAIT never ended")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(p.TCP.Connections()); n != 0 {
		t.Errorf("%d connections left", n)
	}
	// Gone from Connections, its last figures stay in Closed.
	cl := p.TCP.Closed()
	if len(cl) != 1 || cl[0].Remote.Port() != 4000 || cl[0].Local.Port() != 80 || cl[0].State != tcp.Closed || cl[0].RTO <= 0 {
		t.Errorf("Closed() = %+v, want the one connection from port 4000, CLOSED with its RTO", cl)
	}
}

// TestClosedRing: Closed keeps the newest 16 established connections,
// oldest first, and never one that did not complete its handshake.
func TestClosedRing(t *testing.T) {
	p := newRawPeer(t, tcp.Options{})
	l := listen80(t, p, 0)
	// A half-open connection reset by the peer is not recorded.
	p.send(seg{Src: 3999, Dst: 80, Seq: 1000, Flags: wire.TCPFlagSYN, Wnd: 65535, Opts: []byte{2, 4, 5, 0xb4}})
	sa := p.expect("SYN-ACK")
	p.send(seg{Src: 3999, Dst: 80, Seq: 1001, Ack: sa.Seq + 1, Flags: wire.TCPFlagRST})
	for i := range 20 {
		port := uint16(4000 + i)
		c, pn, on := p.handshake(l, port, true)
		// The peer resets it: CLOSED at once, no TIME-WAIT to wait for.
		p.send(seg{Src: port, Dst: 80, Seq: pn, Ack: on, Flags: wire.TCPFlagRST})
		deadline := time.Now().Add(10 * time.Second)
		for c.State() != tcp.Closed {
			if time.Now().After(deadline) {
				t.Fatalf("connection from %d not closed by the RST", port)
			}
			time.Sleep(time.Millisecond)
		}
		c.Close()
	}
	cl := p.TCP.Closed()
	if len(cl) != 16 {
		t.Fatalf("Closed() holds %d connections, want 16", len(cl))
	}
	for i, c := range cl {
		if want := uint16(4004 + i); c.Remote.Port() != want || c.State != tcp.Closed {
			t.Errorf("Closed()[%d] = %v %v, want port %d CLOSED", i, c.Remote, c.State, want)
		}
	}
}

// TestSynFloodCookies: with the backlog full of half-open connections,
// SYNs are answered with cookies, and an ACK carrying a valid cookie
// yields a working connection; a forged one is reset.
func TestSynFloodCookies(t *testing.T) {
	p := newRawPeer(t, tcp.Options{})
	l := listen80(t, p, 4)
	for i := range 40 {
		p.send(seg{Src: uint16(10000 + i), Dst: 80, Seq: uint32(i) * 77777, Flags: wire.TCPFlagSYN, Wnd: 65535, Opts: []byte{2, 4, 5, 0xb4}})
		p.expect("SYN-ACK")
	}
	st := p.TCP.Stats()
	if st.SynCookiesSent != 36 {
		t.Fatalf("cookies sent %d, want 36 (40 SYNs, backlog 4)", st.SynCookiesSent)
	}
	// A forged cookie: reset.
	p.send(seg{Src: 20000, Dst: 80, Seq: 501, Ack: 12345, Flags: wire.TCPFlagACK, Wnd: 65535})
	if r := p.expect("RST"); !r.has(wire.TCPFlagRST) || r.Seq != 12345 {
		t.Fatalf("forged cookie: %+v", r)
	}
	// A legitimate client behind the flood.
	p.send(seg{Src: 30000, Dst: 80, Seq: 900, Flags: wire.TCPFlagSYN, Wnd: 65535, Opts: []byte{2, 4, 5, 0xb4, 1, 3, 3, 7}})
	sa := p.expect("cookie SYN-ACK")
	if _, ok := option(sa.Opts, 3); ok {
		t.Error("a cookie SYN-ACK offered window scaling it cannot remember")
	}
	p.send(seg{Src: 30000, Dst: 80, Seq: 901, Ack: sa.Seq + 1, Flags: wire.TCPFlagACK, Wnd: 65535, Data: []byte("hi")})
	_ = l.SetDeadline(time.Now().Add(5 * time.Second))
	c, err := l.AcceptTCP()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, 10)
	n, err := c.Read(b)
	if err != nil || string(b[:n]) != "hi" {
		t.Fatalf("read %q, %v", b[:n], err)
	}
	if p.TCP.Stats().SynCookiesOK != 1 {
		t.Error("cookie not counted")
	}
}

// TestKeepalive: probes (SEG.SEQ = SND.NXT−1, RFC 9293 §3.8.4) every
// period; unanswered, the connection ends with ETIMEDOUT.
func TestKeepalive(t *testing.T) {
	p := newRawPeer(t, tcp.Options{KeepAliveProbes: 2})
	l := listen80(t, p, 0)
	c, _, on := p.handshake(l, 4000, true)
	defer c.Close()
	_ = c.SetKeepAlivePeriod(50 * time.Millisecond)
	_ = c.SetKeepAlive(true)
	for i := range 2 {
		pr := p.expect("keepalive probe")
		if pr.Seq != on-1 || len(pr.Data) != 0 || pr.Flags != wire.TCPFlagACK {
			t.Fatalf("probe %d: %+v", i, pr)
		}
	}
	if r := p.expect("RST after the last probe"); !r.has(wire.TCPFlagRST) {
		t.Fatalf("%+v", r)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, syscall.ETIMEDOUT) {
		t.Fatalf("read: %v", err)
	}
}

// TestRetransmitBackoff: unacknowledged data is sent again with growing
// intervals (RFC 6298 §5.5), the same bytes each time.
func TestRetransmitBackoff(t *testing.T) {
	p := newRawPeer(t, tcp.Options{InitialRTO: 100 * time.Millisecond, MinRTO: 100 * time.Millisecond})
	l := listen80(t, p, 0)
	c, _, on := p.handshake(l, 4000, true)
	defer func() { _ = c.SetLinger(0); c.Close() }()
	if _, err := c.Write([]byte("data")); err != nil {
		t.Fatal(err)
	}
	var at []time.Time
	for range 4 {
		s := p.expect("data")
		if s.Seq != on || string(s.Data) != "data" {
			t.Fatalf("%+v", s)
		}
		at = append(at, time.Now())
	}
	for i := 2; i < len(at); i++ {
		if at[i].Sub(at[i-1]) < at[i-1].Sub(at[i-2]) {
			// Intervals double; a delay on a loaded machine stretches one
			// but cannot make a later one shorter than 1.5× the RTO floor.
			if at[i].Sub(at[i-1]) < 150*time.Millisecond {
				t.Errorf("retransmission %d after %v, earlier gap %v", i, at[i].Sub(at[i-1]), at[i-1].Sub(at[i-2]))
			}
		}
	}
	if p.TCP.Stats().RTOExpired < 3 {
		t.Errorf("RTOs %d", p.TCP.Stats().RTOExpired)
	}
}

// TestZeroWindowPersist: behind a zero window we probe, and send the
// data once the window opens.
func TestZeroWindowPersist(t *testing.T) {
	p := newRawPeer(t, tcp.Options{InitialRTO: 100 * time.Millisecond, MinRTO: 100 * time.Millisecond})
	l := listen80(t, p, 0)
	c, pn, on := p.handshake(l, 4000, true)
	defer c.Close()
	p.send(seg{Src: 4000, Dst: 80, Seq: pn, Ack: on, Flags: wire.TCPFlagACK, Wnd: 0})
	for deadline := time.Now().Add(5 * time.Second); c.Info().SendWindow != 0; {
		if time.Now().After(deadline) {
			t.Fatal("the zero window was never seen")
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := c.Write([]byte("wait")); err != nil {
		t.Fatal(err)
	}
	pr := p.expect("window probe")
	if len(pr.Data) != 0 || pr.Seq != on-1 {
		t.Fatalf("probe %+v", pr)
	}
	p.send(seg{Src: 4000, Dst: 80, Seq: pn, Ack: on, Flags: wire.TCPFlagACK, Wnd: 1000})
	for {
		s := p.expect("data after the window opened")
		if len(s.Data) > 0 {
			if string(s.Data) != "wait" || s.Seq != on {
				t.Fatalf("%+v", s)
			}
			break
		}
	}
}

// TestDataAfterCloseResets: data arriving for a closed socket draws RST
// (RFC 9293 §3.10.4 / RFC 1122 §4.2.2.13), and Read on an unread queue at
// Close resets too.
func TestCloseWithUnreadDataResets(t *testing.T) {
	p := newRawPeer(t, tcp.Options{})
	l := listen80(t, p, 0)
	c, pn, on := p.handshake(l, 4000, true)
	p.send(seg{Src: 4000, Dst: 80, Seq: pn, Ack: on, Flags: wire.TCPFlagACK | wire.TCPFlagPSH, Wnd: 65535, Data: []byte("unread")})
	deadline := time.Now().Add(5 * time.Second)
	for c.Info().RecvQueue == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	for {
		s := p.expect("RST")
		if s.has(wire.TCPFlagRST) {
			break
		}
	}
	if _, err := c.Read(nil); !errors.Is(err, net.ErrClosed) {
		t.Errorf("read after close: %v", err)
	}
	_ = io.EOF
}

// TestICMPUnreachableInSynSent: an ICMP port unreachable quoting our SYN
// ends the attempt with ECONNREFUSED; one quoting another sequence number
// is ignored (RFC 5927 §4.1).
func TestICMPUnreachableInSynSent(t *testing.T) {
	p := newRawPeer(t, tcp.Options{})
	errc := make(chan error, 1)
	go func() {
		c, err := p.TCP.Dial("tcp", "198.18.0.2:4000")
		if err == nil {
			c.Close()
		}
		errc <- err
	}()
	syn := p.expect("SYN")
	bogus := syn
	bogus.Seq += 1 << 20
	p.sendUnreach(wire.ICMPv4PortUnreachable, bogus)
	select {
	case err := <-errc:
		t.Fatalf("a blind ICMP error ended the attempt: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	p.sendUnreach(wire.ICMPv4PortUnreachable, syn)
	select {
	case err := <-errc:
		var oe *net.OpError
		if !errors.Is(err, syscall.ECONNREFUSED) || !errors.As(err, &oe) {
			t.Fatalf("dial: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("ICMP port unreachable ignored: %+v", p.IP.Stats())
	}
}

// TestNoACKStorm: a forged in-window data segment makes B's RCV.NXT run
// ahead of what A ever sent. Each side then finds the other's ACKs
// unacceptable; answering every one would bounce ACKs forever. With the
// out-of-window ACK limit the exchange dies down to a trickle.
func TestNoACKStorm(t *testing.T) {
	n := newNet2(t, netOpts{})
	c1, c2 := n.connect(t)
	defer c1.Close()
	defer c2.Close()
	snd, rcv := c2.SeqForTest()
	seg := make([]byte, 20+100)
	binary.BigEndian.PutUint16(seg[0:], uint16(c1.LocalAddr().(*net.TCPAddr).Port))
	binary.BigEndian.PutUint16(seg[2:], uint16(c2.LocalAddr().(*net.TCPAddr).Port))
	binary.BigEndian.PutUint32(seg[4:], rcv)
	binary.BigEndian.PutUint32(seg[8:], snd)
	seg[12] = 5 << 4
	seg[13] = wire.TCPFlagACK
	binary.BigEndian.PutUint16(seg[14:], 65535)
	src, dst := wire.Addr4{198, 18, 0, 1}, wire.Addr4{198, 18, 0, 2}
	wire.TCP(seg).UpdateChecksum(src, dst)
	b, err := n.Pool.Get()
	if err != nil {
		t.Fatal(err)
	}
	d, _ := b.Append(len(seg))
	copy(d, seg)
	before := n.A.Stats().InSegs + n.B.Stats().InSegs
	n.B.Input(b, ipv4.Meta{Src: src, Dst: dst, IfIndex: 1, TTL: 64})
	time.Sleep(time.Second)
	got := n.A.Stats().InSegs + n.B.Stats().InSegs - before
	if got > 20 {
		t.Errorf("%d segments in the second after the desynchronisation: an ACK storm", got)
	}
	t.Logf("%d segments; limited ACKs A %d, B %d", got, n.A.Stats().OOWAckLimited, n.B.Stats().OOWAckLimited)
}

// TestNagleAndDelayedAck: with Nagle on, a small segment waits while
// data is unacknowledged (RFC 1122 §4.2.3.4); a lone data segment is
// acknowledged by the delayed-ACK timer, never at once, and every second
// full segment at once (RFC 9293 §3.8.6.3).
func TestNagleAndDelayedAck(t *testing.T) {
	p := newRawPeer(t, tcp.Options{DelayedAck: 200 * time.Millisecond})
	l := listen80(t, p, 0)
	c, pn, on := p.handshake(l, 4000, true)
	defer c.Close()
	_ = c.SetNoDelay(false)
	if _, err := c.Write([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if s := p.expect("first small segment"); string(s.Data) != "a" {
		t.Fatalf("%+v", s)
	}
	if _, err := c.Write([]byte("b")); err != nil {
		t.Fatal(err)
	}
	if s, ok := p.recv(150 * time.Millisecond); ok {
		t.Fatalf("Nagle: sent %+v with data unacknowledged", s)
	}
	p.send(seg{Src: 4000, Dst: 80, Seq: pn, Ack: on + 1, Flags: wire.TCPFlagACK, Wnd: 65535})
	if s := p.expect("the held segment"); string(s.Data) != "b" || s.Seq != on+1 {
		t.Fatalf("%+v", s)
	}
	p.send(seg{Src: 4000, Dst: 80, Seq: pn, Ack: on + 2, Flags: wire.TCPFlagACK, Wnd: 65535})
	// One data segment: the ACK waits for the timer.
	start := time.Now()
	p.send(seg{Src: 4000, Dst: 80, Seq: pn, Ack: on + 2, Flags: wire.TCPFlagACK, Wnd: 65535, Data: []byte("x")})
	a := p.expect("delayed ACK")
	if a.Ack != pn+1 || time.Since(start) < 200*time.Millisecond {
		t.Fatalf("ACK %+v after %v, want it delayed by the 200 ms timer", a, time.Since(start))
	}
	// Two full-sized segments: acknowledged at once (no timer wait).
	full := make([]byte, 1460)
	p.send(seg{Src: 4000, Dst: 80, Seq: pn + 1, Ack: on + 2, Flags: wire.TCPFlagACK, Wnd: 65535, Data: full})
	p.send(seg{Src: 4000, Dst: 80, Seq: pn + 1 + 1460, Ack: on + 2, Flags: wire.TCPFlagACK, Wnd: 65535, Data: full})
	// (A loaded machine may deliver the second segment after the first's
	// timer fired: an ACK of the first alone is then correct too.)
	for {
		a = p.expect("ACK of two segments")
		if a.Ack == pn+1+2*1460 {
			break
		}
		if a.Ack != pn+1+1460 {
			t.Fatalf("ACK %+v, want %d", a, pn+1+2*1460)
		}
	}
}

// TestLinger: with SetLinger(1) Close waits for the data to be
// acknowledged, at most a second, then resets the connection.
func TestLinger(t *testing.T) {
	p := newRawPeer(t, tcp.Options{})
	l := listen80(t, p, 0)
	c, _, _ := p.handshake(l, 4000, true)
	_ = c.SetLinger(1)
	if _, err := c.Write([]byte("never acknowledged")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("Close returned after %v, before the linger time", d)
	}
	for {
		s := p.expect("RST at the end of the linger time")
		if s.has(wire.TCPFlagRST) {
			break
		}
	}
}
