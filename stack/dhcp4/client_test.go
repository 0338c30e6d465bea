package dhcp4_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopkt/gopkt/clock/clocktest"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/dhcp4"
	"github.com/gopkt/gopkt/stack/dhcp4/dhcp4test"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// The unit tests run the client on one stack and dhcp4test.Server on a
// second, joined by an in-memory link; the client's timers run on a manual
// clock, so a 20-second lease takes no real time.

var (
	serverAddr = netip.MustParseAddr("198.18.0.1")
	firstAddr  = netip.MustParseAddr("198.18.0.100")
	bcastIP    = wire.Addr4{255, 255, 255, 255}
	t0         = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
)

type env struct {
	clk    *clocktest.Clock
	cli    *stacktest.Host
	srvH   *stacktest.Host
	cifc   *stack.Interface
	sifc   *stack.Interface
	srv    *dhcp4test.Server
	c      *dhcp4.Client
	events chan dhcp4.Event
	policy atomic.Pointer[func(dhcp4.MessageType, dhcp4.Message) dhcp4test.Action]
}

func newEnv(t *testing.T, cfg func(*dhcp4.Config), scfg func(*dhcp4test.ServerConfig)) *env {
	t.Helper()
	pool := stacktest.NewPool(t, 256)
	pa, pb := link.Pair(link.Options{})
	t.Cleanup(func() { _ = pa.Close(); _ = pb.Close() })
	e := &env{clk: clocktest.New(t0), events: make(chan dhcp4.Event, 64)}
	e.cli = stacktest.NewHost(t, pool, stacktest.Config{})
	e.srvH = stacktest.NewHost(t, pool, stacktest.Config{})
	var err error
	if e.cifc, err = e.cli.S.Attach("eth0", pa, stack.IfOptions{}); err != nil {
		t.Fatal(err)
	}
	e.sifc = e.srvH.AttachAddr(t, "eth0", pb, serverAddr.String()+"/24", false)
	sc := dhcp4test.ServerConfig{Interface: e.sifc, First: firstAddr, Last: netip.MustParseAddr("198.18.0.199"), Bits: 24,
		Routers: []netip.Addr{serverAddr}, DNS: []netip.Addr{netip.MustParseAddr("198.18.0.53")}, Lease: 20 * time.Second,
		Policy: func(typ dhcp4.MessageType, m dhcp4.Message) dhcp4test.Action {
			if p := e.policy.Load(); p != nil {
				return (*p)(typ, m)
			}
			return dhcp4test.Answer
		}}
	if scfg != nil {
		scfg(&sc)
	}
	if e.srv, err = dhcp4test.NewServer(sc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.srv.Close() })
	c := dhcp4.Config{Interface: e.cifc, IP: e.cli.IP, Clock: e.clk, Rand: rand.New(rand.NewPCG(1, 2)),
		ProbeWait: -1, RenewMin: time.Second, Logger: slog.New(slog.DiscardHandler), OnEvent: func(ev dhcp4.Event) { e.events <- ev }}
	if cfg != nil {
		cfg(&c)
	}
	if e.c, err = dhcp4.New(c); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.c.Close() })
	return e
}

// setPolicy makes the server ask f; nil restores plain answers.
func (e *env) setPolicy(f func(dhcp4.MessageType, dhcp4.Message) dhcp4test.Action) {
	if f == nil {
		e.policy.Store(nil)
		return
	}
	e.policy.Store(&f)
}

// ignore makes the server drop every message of the given types.
func (e *env) ignore(types ...dhcp4.MessageType) {
	e.setPolicy(func(t dhcp4.MessageType, _ dhcp4.Message) dhcp4test.Action {
		if slices.Contains(types, t) {
			return dhcp4test.Ignore
		}
		return dhcp4test.Answer
	})
}

func (e *env) start(t *testing.T) {
	t.Helper()
	if err := e.c.Start(); err != nil {
		t.Fatal(err)
	}
}

// req returns the next message the server received, which must be of type
// want.
func (e *env) req(t *testing.T, want dhcp4.MessageType) dhcp4test.Request {
	t.Helper()
	select {
	case r := <-e.srv.Requests:
		if r.Type != want {
			t.Fatalf("server got %v, want %v", r.Type, want)
		}
		return r
	case <-time.After(5 * time.Second):
		t.Fatalf("no %v reached the server (client %v, %+v)", want, e.c.State(), e.c.Stats())
	}
	panic("unreachable")
}

func (e *env) noReq(t *testing.T) {
	t.Helper()
	select {
	case r := <-e.srv.Requests:
		t.Fatalf("unexpected %v (xid %x)", r.Type, r.XID)
	case <-time.After(50 * time.Millisecond):
	}
}

func (e *env) event(t *testing.T, want dhcp4.EventKind) dhcp4.Event {
	t.Helper()
	select {
	case ev := <-e.events:
		if ev.Kind != want {
			t.Fatalf("event %v (%v), want %v", ev.Kind, ev.Err, want)
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatalf("no %v event (client %v, %+v)", want, e.c.State(), e.c.Stats())
	}
	panic("unreachable")
}

// next lets the client finish what it is doing and returns the deadline
// its timer is armed for, which must be in the future.
func (e *env) next(t *testing.T) time.Time {
	t.Helper()
	e.c.Sync()
	at, armed := e.clk.Next()
	if !armed || !at.After(e.clk.Now()) {
		t.Fatalf("client armed no timer (state %v, next %v armed %v)", e.c.State(), at, armed)
	}
	return at
}

func (e *env) advanceTo(at time.Time) { e.clk.Advance(at.Sub(e.clk.Now())) }

// bind runs DISCOVER, OFFER, REQUEST, ACK and returns the lease.
func (e *env) bind(t *testing.T) dhcp4.Lease {
	t.Helper()
	e.start(t)
	e.req(t, dhcp4.Discover)
	e.req(t, dhcp4.Request)
	return e.event(t, dhcp4.EventBound).Lease
}

func TestAcquire(t *testing.T) {
	e := newEnv(t, nil, nil)
	changed := e.c.Changed()
	e.start(t)
	mac := e.cifc.MAC()
	d := e.req(t, dhcp4.Discover)
	if d.SrcIP != (wire.Addr4{}) || d.DstIP != bcastIP || d.DstMAC != wire.BroadcastMAC() || d.CIAddr != (wire.Addr4{}) {
		t.Errorf("DISCOVER from %v to %v (%v), ciaddr %v", d.SrcIP, d.DstIP, d.DstMAC, d.CIAddr)
	}
	if want := append([]byte{1}, mac[:]...); string(d.ClientID) != string(want) || !d.Params.Has(dhcp4.OptParamRequest) || !d.Params.Has(dhcp4.OptMaxMessageSize) {
		t.Errorf("DISCOVER options: client id %x, %+v", d.ClientID, d.Params)
	}
	// The whole DISCOVER, byte for byte (RFC 2131 §2 and Table 5), with
	// the random xid patched in.
	wantD := fmt.Sprintf("01010600 %08x 0000 0000 00000000 00000000 00000000 00000000 020000000001 00000000000000000000", d.XID) +
		strings.Repeat("00", 64+128) + "63825363 350101 370a0103060f1a1c33363a3b 390205c0 3d07010200000000 01 ff" +
		strings.Repeat("00", 300-240-29)
	if got := hex.EncodeToString(d.Raw); got != strings.Join(strings.Fields(wantD), "") {
		t.Errorf("DISCOVER bytes\n got %s\nwant %s", got, strings.Join(strings.Fields(wantD), ""))
	}
	r := e.req(t, dhcp4.Request)
	wantR := "350103 3204c6120064 3604c6120001 370a0103060f1a1c33363a3b 390205c0 3d07010200000000 01 ff"
	if got := hex.EncodeToString(r.Raw[240 : 240+41]); got != strings.Join(strings.Fields(wantR), "") {
		t.Errorf("REQUEST options\n got %s\nwant %s", got, strings.Join(strings.Fields(wantR), ""))
	}
	if r.XID != d.XID || r.Params.RequestedIP != firstAddr.As4() || r.Params.ServerID != serverAddr.As4() || r.CIAddr != (wire.Addr4{}) || r.DstIP != bcastIP {
		t.Errorf("REQUEST: xid %x (discover %x), requested %v, server %v, ciaddr %v, to %v", r.XID, d.XID,
			r.Params.RequestedIP, r.Params.ServerID, r.CIAddr, r.DstIP)
	}
	l := e.event(t, dhcp4.EventBound).Lease
	want := dhcp4.Lease{Addr: netip.MustParsePrefix("198.18.0.100/24"), Server: serverAddr, Routers: []netip.Addr{serverAddr},
		DNS: []netip.Addr{netip.MustParseAddr("198.18.0.53")}, Duration: 20 * time.Second, T1: 10 * time.Second, T2: 17500 * time.Millisecond, Start: t0}
	if l.Addr != want.Addr || l.Server != want.Server || !slices.Equal(l.Routers, want.Routers) || !slices.Equal(l.DNS, want.DNS) ||
		l.Duration != want.Duration || l.T1 != want.T1 || l.T2 != want.T2 || !l.Start.Equal(t0) || l.Infinite {
		t.Fatalf("lease %+v\nwant  %+v", l, want)
	}
	select {
	case <-changed:
	default:
		t.Fatal("Changed() channel not closed after binding")
	}
	if got, ok := e.c.Lease(); !ok || got.Addr != l.Addr || e.c.State() != dhcp4.StateBound {
		t.Fatalf("Lease() %+v %v, state %v", got, ok, e.c.State())
	}
	if a := e.cifc.Addresses(); len(a) != 1 || a[0] != l.Addr {
		t.Fatalf("interface addresses %v", a)
	}
	if r, ok := e.cli.S.Routes().Lookup(wire.Addr4{198, 19, 1, 1}); !ok || r.Gateway != serverAddr || r.IfIndex != e.cifc.Index() {
		t.Fatalf("default route %v %v", r, ok)
	}
	// The address works: the server's stack pings it.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := e.srvH.IP.Ping(ctx, l.Addr.Addr(), ipv4.PingOptions{}); err != nil {
		t.Fatalf("ping the leased address: %v", err)
	}
	e.c.Sync()
	st := e.c.Stats()
	if st.Sent[dhcp4.Discover] != 1 || st.Sent[dhcp4.Request] != 1 || st.Received[dhcp4.Offer] != 1 || st.Received[dhcp4.Ack] != 1 ||
		st.Malformed != 0 || st.Retransmits != 0 {
		t.Fatalf("stats %+v", st)
	}
	wctx, wcancel := context.WithTimeout(context.Background(), time.Second)
	defer wcancel()
	if got, err := e.c.WaitBound(wctx); err != nil || got.Addr != l.Addr {
		t.Fatalf("WaitBound: %v %v", got, err)
	}
}

func TestRenewThenRebind(t *testing.T) {
	e := newEnv(t, nil, nil)
	l := e.bind(t)

	// T1: unicast to the server, from our address, ciaddr set, no
	// server id or requested address (RFC 2131 §4.3.2 RENEWING).
	t1 := e.next(t)
	if !t1.Equal(t0.Add(10 * time.Second)) {
		t.Fatalf("T1 armed for %v, want %v", t1, t0.Add(10*time.Second))
	}
	e.advanceTo(t1)
	r := e.req(t, dhcp4.Request)
	ours := l.Addr.Addr().As4()
	if r.DstIP != serverAddr.As4() || r.DstMAC != e.sifc.MAC() || r.SrcIP != ours || r.CIAddr != ours ||
		r.Params.Has(dhcp4.OptServerID) || r.Params.Has(dhcp4.OptRequestedIP) {
		t.Fatalf("renewing REQUEST: to %v/%v from %v, ciaddr %v, %+v", r.DstIP, r.DstMAC, r.SrcIP, r.CIAddr, r.Params)
	}
	ev := e.event(t, dhcp4.EventRenewed)
	if !ev.Lease.Start.Equal(t1) || ev.Lease.Addr != l.Addr || e.c.State() != dhcp4.StateBound {
		t.Fatalf("renewed lease %+v, state %v", ev.Lease, e.c.State())
	}

	// The server goes quiet: RENEWING retransmits after half the time to
	// T2, then at T2 the client broadcasts (REBINDING).
	e.ignore(dhcp4.Request)
	t1 = e.next(t)
	e.advanceTo(t1)
	r1 := e.req(t, dhcp4.Request)
	e.c.Sync()
	if e.c.State() != dhcp4.StateRenewing {
		t.Fatalf("state %v, want RENEWING", e.c.State())
	}
	re := e.next(t)
	if want := t1.Add(3750 * time.Millisecond); !re.Equal(want) {
		t.Fatalf("renew retransmission at %v, want %v (half of T2-T1)", re, want)
	}
	e.advanceTo(re)
	r2 := e.req(t, dhcp4.Request)
	if r2.XID != r1.XID || r2.DstIP != serverAddr.As4() {
		t.Fatalf("retransmission xid %x (first %x) to %v", r2.XID, r1.XID, r2.DstIP)
	}
	// Half the remaining time again (1.875 s), not yet T2.
	if at, want := e.next(t), re.Add(1875*time.Millisecond); !at.Equal(want) {
		t.Fatalf("second renew retransmission at %v, want %v", at, want)
	}
	t2 := ev.Lease.Start.Add(17500 * time.Millisecond)
	e.setPolicy(nil)
	e.advanceTo(t2)
	r = e.req(t, dhcp4.Request)
	if r.DstIP != bcastIP || r.DstMAC != wire.BroadcastMAC() || r.SrcIP != ours || r.CIAddr != ours || r.Params.Has(dhcp4.OptServerID) {
		t.Fatalf("rebinding REQUEST: to %v/%v from %v ciaddr %v", r.DstIP, r.DstMAC, r.SrcIP, r.CIAddr)
	}
	if ev := e.event(t, dhcp4.EventRebound); !ev.Lease.Start.Equal(t2) {
		t.Fatalf("rebound lease %+v", ev.Lease)
	}
	e.c.Sync()
	if st := e.c.Stats(); st.Retransmits != 1 || st.Sent[dhcp4.Request] != 5 || st.Received[dhcp4.Ack] != 3 {
		t.Fatalf("stats %+v", st)
	}
}

func TestLeaseExpires(t *testing.T) {
	e := newEnv(t, nil, nil)
	l := e.bind(t)
	e.ignore(dhcp4.Request, dhcp4.Discover)
	// Jump straight past the end of the lease.
	e.advanceTo(l.Start.Add(l.Duration))
	e.event(t, dhcp4.EventExpired)
	if a := e.cifc.Addresses(); len(a) != 0 {
		t.Fatalf("address kept after expiry: %v", a)
	}
	if _, ok := e.cli.S.Routes().Lookup(wire.Addr4{198, 19, 1, 1}); ok {
		t.Fatal("default route kept after expiry")
	}
	e.req(t, dhcp4.Discover)
	e.c.Sync()
	if _, ok := e.c.Lease(); ok || e.c.State() != dhcp4.StateSelecting {
		t.Fatalf("after expiry: state %v", e.c.State())
	}
}

func TestNakWhileRenewing(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.bind(t)
	e.setPolicy(func(t dhcp4.MessageType, _ dhcp4.Message) dhcp4test.Action {
		if t == dhcp4.Request {
			return dhcp4test.Refuse
		}
		return dhcp4test.Answer
	})
	e.advanceTo(e.next(t))
	e.req(t, dhcp4.Request)
	ev := e.event(t, dhcp4.EventNak)
	if ev.Message != "address not leased to you" {
		t.Fatalf("NAK message %q", ev.Message)
	}
	e.c.Sync()
	if a := e.cifc.Addresses(); len(a) != 0 || e.c.State() != dhcp4.StateInit {
		t.Fatalf("after NAK: addresses %v, state %v", a, e.c.State())
	}
	// INIT waits a random time under Retransmit (4 s), then discovers.
	restart := e.next(t)
	if d := restart.Sub(e.clk.Now()); d <= 0 || d > 4*time.Second {
		t.Fatalf("restart after %v", d)
	}
	e.noReq(t)
	e.advanceTo(restart)
	e.req(t, dhcp4.Discover)
}

// TestDiscoverBackoff checks RFC 2131 §4.1: retransmissions after 4, 8,
// 16, 32, 64, 64 s, each ±1 s, with the same xid and a growing secs field.
func TestDiscoverBackoff(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.ignore(dhcp4.Discover)
	e.start(t)
	d := e.req(t, dhcp4.Discover)
	xid := d.XID
	for i, base := range []time.Duration{4, 8, 16, 32, 64, 64} {
		base *= time.Second
		at := e.next(t)
		wait := at.Sub(e.clk.Now())
		if wait < base-time.Second || wait > base+time.Second {
			t.Fatalf("retransmission %d after %v, want %v ± 1 s", i+1, wait, base)
		}
		e.advanceTo(at)
		d := e.req(t, dhcp4.Discover)
		if d.XID != xid || d.Secs != uint16(e.clk.Now().Sub(t0)/time.Second) {
			t.Fatalf("retransmission %d: xid %x (want %x), secs %d at %v", i+1, d.XID, xid, d.Secs, e.clk.Now().Sub(t0))
		}
	}
	e.c.Sync()
	if st := e.c.Stats(); st.Retransmits != 6 || st.Sent[dhcp4.Discover] != 7 {
		t.Fatalf("stats %+v", st)
	}
}

func TestRequestUnansweredBackToInit(t *testing.T) {
	e := newEnv(t, func(c *dhcp4.Config) { c.RequestRetries = 3 }, nil)
	e.ignore(dhcp4.Request)
	e.start(t)
	d := e.req(t, dhcp4.Discover)
	for i := 0; i < 3; i++ {
		if i > 0 {
			e.advanceTo(e.next(t))
		}
		if r := e.req(t, dhcp4.Request); r.XID != d.XID {
			t.Fatalf("REQUEST %d xid %x, want %x", i, r.XID, d.XID)
		}
	}
	e.advanceTo(e.next(t))
	d2 := e.req(t, dhcp4.Discover)
	if d2.XID == d.XID {
		t.Fatal("INIT reused the old xid")
	}
}

// TestDecline: the server's own stack already uses the first pool address,
// so the client's ARP probe gets an answer, it declines, waits 10 s and
// gets the next address.
func TestDecline(t *testing.T) {
	e := newEnv(t, func(c *dhcp4.Config) { c.ProbeWait = time.Second }, nil)
	if err := e.srvH.S.AddAddress(e.sifc, netip.PrefixFrom(firstAddr, 24)); err != nil {
		t.Fatal(err)
	}
	e.start(t)
	e.req(t, dhcp4.Discover)
	e.req(t, dhcp4.Request)
	dec := e.req(t, dhcp4.Decline)
	if dec.Params.RequestedIP != firstAddr.As4() || dec.Params.ServerID != serverAddr.As4() || dec.CIAddr != (wire.Addr4{}) || dec.DstIP != bcastIP {
		t.Fatalf("DECLINE: requested %v server %v ciaddr %v to %v", dec.Params.RequestedIP, dec.Params.ServerID, dec.CIAddr, dec.DstIP)
	}
	e.event(t, dhcp4.EventDeclined)
	if a := e.cifc.Addresses(); len(a) != 0 {
		t.Fatalf("declined address configured: %v", a)
	}
	restart := e.next(t)
	if d := restart.Sub(e.clk.Now()); d != 10*time.Second {
		t.Fatalf("restart %v after DECLINE, want 10 s (RFC 2131 §3.1.5)", d)
	}
	e.advanceTo(restart)
	e.req(t, dhcp4.Discover)
	e.req(t, dhcp4.Request)
	// Two probes half a second apart, nobody answers, bound after 1 s.
	if !stacktest.Eventually(5*time.Second, func() bool { return e.c.State() == dhcp4.StateChecking }) {
		t.Fatalf("state %v, want CHECKING", e.c.State())
	}
	checkStart := e.clk.Now()
	for range 2 {
		e.advanceTo(e.next(t))
	}
	if d := e.clk.Now().Sub(checkStart); d != time.Second {
		t.Fatalf("address check took %v, want ProbeWait (1 s)", d)
	}
	if l := e.event(t, dhcp4.EventBound).Lease; l.Addr != netip.MustParsePrefix("198.18.0.101/24") {
		t.Fatalf("second lease %v", l.Addr)
	}
}

func TestInitReboot(t *testing.T) {
	t.Run("Known", func(t *testing.T) {
		e := newEnv(t, nil, nil)
		l := e.bind(t)
		// Stop without releasing: the server keeps the lease.
		if err := e.c.Close(); err != nil {
			t.Fatal(err)
		}
		c2, err := dhcp4.New(dhcp4.Config{Interface: e.cifc, IP: e.cli.IP, Clock: e.clk, ProbeWait: -1, RequestedAddr: l.Addr.Addr(),
			Logger:  slog.New(slog.DiscardHandler),
			OnEvent: func(ev dhcp4.Event) { e.events <- ev }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c2.Close() })
		if err := c2.Start(); err != nil {
			t.Fatal(err)
		}
		r := e.req(t, dhcp4.Request)
		if r.Params.RequestedIP != l.Addr.Addr().As4() || r.Params.Has(dhcp4.OptServerID) || r.CIAddr != (wire.Addr4{}) || r.DstIP != bcastIP {
			t.Fatalf("INIT-REBOOT REQUEST %+v ciaddr %v", r.Params, r.CIAddr)
		}
		if got := e.event(t, dhcp4.EventBound).Lease; got.Addr != l.Addr {
			t.Fatalf("rebooted into %v", got.Addr)
		}
		if st := c2.Stats(); st.Sent[dhcp4.Discover] != 0 || st.Sent[dhcp4.Request] != 1 {
			t.Fatal("INIT-REBOOT sent a DISCOVER")
		}
	})
	t.Run("Refused", func(t *testing.T) {
		e := newEnv(t, func(c *dhcp4.Config) { c.RequestedAddr = netip.MustParseAddr("198.18.0.250") }, nil)
		e.start(t)
		e.req(t, dhcp4.Request)
		e.event(t, dhcp4.EventNak)
		e.advanceTo(e.next(t))
		e.req(t, dhcp4.Discover)
		e.req(t, dhcp4.Request)
		if l := e.event(t, dhcp4.EventBound).Lease; l.Addr.Addr() != firstAddr {
			t.Fatalf("lease %v", l.Addr)
		}
	})
}

func TestRelease(t *testing.T) {
	e := newEnv(t, nil, nil)
	l := e.bind(t)
	if err := e.c.Release(); err != nil {
		t.Fatal(err)
	}
	r := e.req(t, dhcp4.Release)
	ours := l.Addr.Addr().As4()
	if r.CIAddr != ours || r.SrcIP != ours || r.DstIP != serverAddr.As4() || r.DstMAC != e.sifc.MAC() || r.Params.ServerID != serverAddr.As4() {
		t.Fatalf("RELEASE ciaddr %v from %v to %v/%v server %v", r.CIAddr, r.SrcIP, r.DstIP, r.DstMAC, r.Params.ServerID)
	}
	e.event(t, dhcp4.EventReleased)
	if a := e.cifc.Addresses(); len(a) != 0 {
		t.Fatalf("address kept after release: %v", a)
	}
	if _, ok := e.cli.S.Routes().Lookup(wire.Addr4{198, 19, 1, 1}); ok {
		t.Fatal("default route kept after release")
	}
	if _, ok := e.srv.Leased(e.cifc.MAC()); ok {
		t.Fatal("server still holds the lease")
	}
	if e.c.State() != dhcp4.StateStopped {
		t.Fatalf("state %v", e.c.State())
	}
	if err := e.c.Release(); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := e.c.WaitBound(ctx); !errors.Is(err, dhcp4.ErrClosed) {
		t.Fatalf("WaitBound after release: %v", err)
	}
}

func TestReleaseWithoutLease(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.ignore(dhcp4.Discover)
	e.start(t)
	e.req(t, dhcp4.Discover)
	if err := e.c.Release(); !errors.Is(err, dhcp4.ErrNotBound) {
		t.Fatalf("Release in SELECTING: %v", err)
	}
	e.noReq(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := e.c.WaitBound(ctx); !errors.Is(err, dhcp4.ErrClosed) {
		t.Fatalf("WaitBound: %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	e := newEnv(t, nil, nil)
	for _, c := range []dhcp4.Config{
		{},
		{Interface: e.cifc},
		{Interface: e.cli.S.Loopback(), IP: e.cli.IP},
		{Interface: e.cifc, IP: e.cli.IP, RequestedAddr: netip.MustParseAddr("2001:db8::1")},
	} {
		var op *dhcp4.OpError
		if _, err := dhcp4.New(c); !errors.As(err, &op) || !errors.Is(err, dhcp4.ErrMissingField) || op.Fix == "" {
			t.Errorf("New(%+v): %v", c, err)
		}
	}
	e.start(t)
	if err := e.c.Start(); !errors.Is(err, dhcp4.ErrRunning) {
		t.Fatalf("second Start: %v", err)
	}
	// A second client on the same interface cannot install its hook.
	c2, _ := dhcp4.New(dhcp4.Config{Interface: e.cifc, IP: e.cli.IP, Clock: e.clk})
	if err := c2.Start(); err == nil {
		t.Fatal("two clients on one interface")
	}
}

func TestInfiniteLeaseNoApply(t *testing.T) {
	e := newEnv(t, func(c *dhcp4.Config) { c.NoApply = true },
		func(s *dhcp4test.ServerConfig) { s.Lease = time.Duration(dhcp4.Infinite) * time.Second })
	l := e.bind(t)
	if !l.Infinite || l.Duration != 0 || l.T1 != 0 || !l.Expiry().IsZero() {
		t.Fatalf("lease %+v", l)
	}
	if a := e.cifc.Addresses(); len(a) != 0 {
		t.Fatalf("NoApply configured %v", a)
	}
	if _, ok := e.cli.S.Routes().Lookup(wire.Addr4{198, 19, 1, 1}); ok {
		t.Fatal("NoApply installed a default route")
	}
	e.c.Sync()
	if at, armed := e.clk.Next(); armed {
		t.Fatalf("timer armed for %v with an infinite lease", at)
	}
}

func TestNoDefaultRoute(t *testing.T) {
	e := newEnv(t, func(c *dhcp4.Config) { c.NoDefaultRoute = true }, nil)
	l := e.bind(t)
	if a := e.cifc.Addresses(); len(a) != 1 || a[0] != l.Addr {
		t.Fatalf("addresses %v", a)
	}
	if _, ok := e.cli.S.Routes().Lookup(wire.Addr4{198, 19, 1, 1}); ok {
		t.Fatal("NoDefaultRoute installed a default route")
	}
	if _, ok := e.cli.S.Routes().Lookup(wire.Addr4{198, 18, 0, 7}); !ok {
		t.Fatal("no connected route for the lease's subnet")
	}
}
