package tcp_test

import (
	"testing"
	"time"

	"github.com/gopkt/gopkt/clock/clocktest"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/tcp"
	"github.com/gopkt/gopkt/stack/wire"
)

// TestTimeWaitClock: on the injected clock, TIME-WAIT lasts exactly
// 2·MSL at the default MSL (30 s: a minute of TIME-WAIT, RFC 9293
// §3.6.1) without the test waiting for it: the connection is still there
// a second before, and gone once the clock passes the deadline.
func TestTimeWaitClock(t *testing.T) {
	clk := clocktest.New(time.Unix(1_700_000_000, 0))
	p := newRawPeer(t, tcp.Options{Clock: clk})
	l := listen80(t, p, 0)
	c, pn, on := p.handshake(l, 4000, true)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if fin := p.expect("FIN"); !fin.has(wire.TCPFlagFIN) || fin.Seq != on {
		t.Fatalf("FIN %+v", fin)
	}
	p.send(seg{Src: 4000, Dst: 80, Seq: pn, Ack: on + 1, Flags: wire.TCPFlagACK | wire.TCPFlagFIN, Wnd: 65535})
	if a := p.expect("ACK of our FIN"); a.Ack != pn+1 {
		t.Fatalf("%+v", a)
	}
	if st := c.State(); st != tcp.TimeWait {
		t.Fatalf("state %v, want TIME-WAIT", st)
	}
	clk.Advance(59 * time.Second)
	time.Sleep(20 * time.Millisecond) // a timer that fired early would have run by now
	if st := c.State(); st != tcp.TimeWait {
		t.Fatalf("state %v 59 s into TIME-WAIT", st)
	}
	clk.Advance(time.Second)
	if !stacktest.Eventually(5*time.Second, func() bool { return c.State() == tcp.Closed }) {
		t.Fatalf("state %v after 2·MSL", c.State())
	}
	if n := len(p.TCP.Connections()); n != 0 {
		t.Errorf("%d connections left", n)
	}
}
