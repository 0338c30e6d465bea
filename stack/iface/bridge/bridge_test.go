package bridge_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/bridge"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// lab is n hosts (stacks with IPv4, 198.18.30.(i+1)/24) each on a link to
// member mi of bridge0 in a stack of its own, which carries
// 198.18.30.100/24. Frames the hosts send are recorded per host.
type lab struct {
	pool    *mbuf.Pool
	s       *stack.Stack
	ip      *ipv4.IPv4
	br      *bridge.Bridge
	members []*stack.Interface
	hosts   []*stacktest.Host
	hostIfc []*stack.Interface

	mu   sync.Mutex
	seen [][][]byte // frames delivered to host i (sent by the bridge's member)
}

func newLab(t *testing.T, n int, o bridge.Options) *lab {
	t.Helper()
	pool := stacktest.NewPool(t, 1024)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l := &lab{pool: pool, seen: make([][][]byte, n)}
	l.ip = ipv4.New(ipv4.Options{})
	l.s, err = stack.New(stack.Options{Pool: pool, Budget: bg, Protocols: []stack.Protocol{l.ip}, Cloners: []stack.Cloner{&bridge.Cloner{Options: o}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.s.Close() })
	ifc, err := l.s.Create("bridge0")
	if err != nil {
		t.Fatal(err)
	}
	if l.br, err = bridge.Of(ifc); err != nil {
		t.Fatal(err)
	}
	if err := l.s.AddAddress(ifc, netip.MustParsePrefix("198.18.30.100/24")); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		hostMAC := [6]byte{2, 0, 0, 0, 0x30, byte(i + 1)}
		pa, pb := link.Pair(link.Options{A: hostMAC, B: [6]byte{2, 0, 0, 0, 0x31, byte(i + 1)}, Filter: func(from int, b *mbuf.Buf) bool {
			if from == 1 {
				l.mu.Lock()
				l.seen[i] = append(l.seen[i], bytes.Clone(b.Bytes()))
				l.mu.Unlock()
			}
			return true
		}})
		t.Cleanup(func() { _ = pa.Close(); _ = pb.Close() })
		h := stacktest.NewHost(t, pool, stacktest.Config{Budget: bg})
		l.hosts = append(l.hosts, h)
		l.hostIfc = append(l.hostIfc, h.AttachAddr(t, "eth0", pa, netip.AddrFrom4([4]byte{198, 18, 30, byte(i + 1)}).String()+"/24", false))
		m, err := l.s.Attach("m"+string(rune('1'+i)), &wirePort{Port: pb}, stack.IfOptions{})
		if err != nil {
			t.Fatal(err)
		}
		l.members = append(l.members, m)
		if _, err := l.br.AddMember(m); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func ping(ip *ipv4.IPv4, dst string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := ip.Ping(ctx, netip.MustParseAddr(dst), ipv4.PingOptions{})
	return err
}

func (l *lab) member(i int) *bridge.Member {
	for _, m := range l.br.Members() {
		if m.Interface() == l.members[i] {
			return m
		}
	}
	return nil
}

func (l *lab) fdb() map[wire.MAC]string {
	out := map[wire.MAC]string{}
	for _, e := range l.br.FDB() {
		out[e.MAC] = e.Member
	}
	return out
}

func TestBridgeForwardsLearnsAndCarriesAnAddress(t *testing.T) {
	l := newLab(t, 3, bridge.Options{})
	for _, c := range []struct {
		from int
		to   string
	}{{0, "198.18.30.2"}, {1, "198.18.30.3"}, {2, "198.18.30.1"}, {0, "198.18.30.100"}} {
		if err := ping(l.hosts[c.from].IP, c.to); err != nil {
			t.Errorf("host %d pings %s: %v", c.from, c.to, err)
		}
	}
	if err := ping(l.ip, "198.18.30.3"); err != nil {
		t.Errorf("the bridge's address pings host 3: %v", err)
	}
	fdb := l.fdb()
	for i, h := range l.hostIfc {
		if got, want := fdb[h.MAC()], l.members[i].Name(); got != want {
			t.Errorf("fdb: %v on %q, want %q (all: %v)", h.MAC(), got, want, fdb)
		}
	}
	// Once learned, frames between hosts 1 and 2 are forwarded, not
	// flooded: host 3 sees none of a second ping's frames.
	l.mu.Lock()
	before := len(l.seen[2])
	l.mu.Unlock()
	if err := ping(l.hosts[0].IP, "198.18.30.2"); err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	for _, f := range l.seen[2][before:] {
		if e := wire.Ethernet(f); e.Type() == wire.EtherTypeIPv4 {
			t.Errorf("host 3 saw a unicast IPv4 frame between hosts 1 and 2: %v -> %v", e.Src(), e.Dst())
		}
	}
	l.mu.Unlock()
	st := l.member(0).Stats()
	if st.Forwarded == 0 || st.RxPackets != st.Forwarded+st.Flooded+st.Local+st.Filtered+st.Dropped {
		t.Errorf("member 1 counters do not add up: %+v", st)
	}
	if c := l.br.Counters(); c.CloneFails != 0 || c.LocalIn == 0 || c.LocalOut == 0 {
		t.Errorf("bridge counters: %+v", c)
	}
}

// inject hands raw frames to member i as if its port had received them.
func (l *lab) inject(t *testing.T, i int, frames ...[]byte) {
	t.Helper()
	bufs := make([]*mbuf.Buf, len(frames))
	if l.pool.Alloc(bufs) != len(bufs) {
		t.Fatal("pool empty")
	}
	for k, f := range frames {
		d, _ := bufs[k].Append(len(f))
		copy(d, f)
	}
	l.members[i].Input(bufs)
}

func frame(dst, src wire.MAC, payload string) []byte {
	f := append(append(append([]byte{}, dst[:]...), src[:]...), 0x88, 0xb5)
	return append(f, payload...)
}

// delivered waits until host i saw a frame with payload p and reports it.
func (l *lab) delivered(i int, p string) bool {
	return stacktest.Eventually(2*time.Second, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, f := range l.seen[i] {
			if bytes.HasSuffix(f, []byte(p)) {
				return true
			}
		}
		return false
	})
}

func (l *lab) sawNow(i int, p string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, f := range l.seen[i] {
		if bytes.HasSuffix(f, []byte(p)) {
			return true
		}
	}
	return false
}

func TestFloodFilterReservedAndMalformed(t *testing.T) {
	l := newLab(t, 3, bridge.Options{})
	x, y := wire.MAC{2, 0xaa, 0, 0, 0, 1}, wire.MAC{2, 0xbb, 0, 0, 0, 2}
	// Unknown unicast from member 1 reaches members 2 and 3, byte for byte.
	l.inject(t, 0, frame(y, x, "flood-me"))
	for _, i := range []int{1, 2} {
		if !l.delivered(i, "flood-me") {
			t.Errorf("unknown unicast not flooded to member %d", i+1)
		}
	}
	// y answers from member 3: x is known on member 1, so only member 1 gets it.
	l.inject(t, 2, frame(x, y, "to-x"))
	if !l.delivered(0, "to-x") {
		t.Error("known unicast not forwarded")
	}
	time.Sleep(20 * time.Millisecond)
	if l.sawNow(1, "to-x") {
		t.Error("known unicast flooded to member 2")
	}
	// To a station on the port it came from: filtered.
	l.inject(t, 2, frame(y, wire.MAC{2, 0xcc, 0, 0, 0, 3}, "same-port"))
	if st := l.member(2).Stats(); st.Filtered != 1 {
		t.Errorf("same-port frame: %+v", st)
	}
	// Reserved group (STP BPDU), multicast source, short frame: dropped.
	l.inject(t, 0, frame(wire.MAC{0x01, 0x80, 0xc2, 0, 0, 0}, x, "bpdu"), frame(y, wire.MAC{3, 0, 0, 0, 0, 1}, "mcast-src"), []byte{1, 2, 3})
	if st := l.member(0).Stats(); st.Dropped != 3 {
		t.Errorf("member 1 dropped %d, want 3: %+v", st.Dropped, st)
	}
	// Broadcast reaches every other member and the bridge interface.
	in := l.br.Counters().LocalIn
	l.inject(t, 1, frame(wire.BroadcastMAC(), wire.MAC{2, 0xdd, 0, 0, 0, 4}, "broadcast"))
	for _, i := range []int{0, 2} {
		if !l.delivered(i, "broadcast") {
			t.Errorf("broadcast not flooded to member %d", i+1)
		}
	}
	if l.br.Counters().LocalIn != in+1 {
		t.Error("broadcast not handed up through the bridge interface")
	}
	if c := l.br.Counters(); c.CloneFails != 0 {
		t.Errorf("clone failures: %+v", c)
	}
}

func TestAgeing(t *testing.T) {
	l := newLab(t, 2, bridge.Options{AgeingTime: 200 * time.Millisecond})
	x := wire.MAC{2, 0xaa, 0, 0, 0, 1}
	l.inject(t, 0, frame(wire.BroadcastMAC(), x, "hello"))
	if _, ok := l.fdb()[x]; !ok {
		t.Fatal("source not learned")
	}
	if !stacktest.Eventually(5*time.Second, func() bool { _, ok := l.fdb()[x]; return !ok }) {
		t.Fatal("entry did not age out")
	}
	// Aged out means unknown again: unicast to x floods (to member 1 too).
	l.inject(t, 1, frame(x, wire.MAC{2, 0xbb, 0, 0, 0, 2}, "after-ageing"))
	if !l.delivered(0, "after-ageing") {
		t.Error("frame to an aged-out station not flooded")
	}
}

func TestMembersAtRuntime(t *testing.T) {
	l := newLab(t, 3, bridge.Options{})
	if err := ping(l.hosts[0].IP, "198.18.30.3"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.br.AddMember(l.members[0]); !errors.Is(err, bridge.ErrMember) {
		t.Errorf("adding a member twice: %v", err)
	}
	if err := l.br.RemoveMember(l.members[2]); err != nil {
		t.Fatal(err)
	}
	if err := l.br.RemoveMember(l.members[2]); !errors.Is(err, bridge.ErrNotMember) {
		t.Errorf("removing twice: %v", err)
	}
	if _, ok := l.fdb()[l.hostIfc[2].MAC()]; ok {
		t.Error("addresses learned on a removed member still in the fdb")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	if _, err := l.hosts[0].IP.Ping(ctx, netip.MustParseAddr("198.18.30.3"), ipv4.PingOptions{}); err == nil {
		t.Error("ping through a removed member succeeded")
	}
	cancel()
	if err := ping(l.hosts[0].IP, "198.18.30.2"); err != nil {
		t.Errorf("remaining members: %v", err)
	}
	if _, err := l.br.AddMember(l.members[2]); err != nil {
		t.Fatal(err)
	}
	if err := ping(l.hosts[0].IP, "198.18.30.3"); err != nil {
		for _, m := range l.br.Members() {
			t.Logf("%s: %+v", m.Interface().Name(), m.Stats())
		}
		t.Logf("m3 port %+v pending %d", l.members[2].Port().Stats(), l.members[2].Port().(*wirePort).Pending())
		t.Logf("fdb %v counters %+v; m3 %+v host3 %+v", l.fdb(), l.br.Counters(), l.members[2].Counters(), l.hostIfc[2].Counters())
		t.Errorf("after re-adding: %v", err)
	}
	// Destroying the bridge hands the members back to the stack.
	if err := l.s.Destroy("bridge0"); err != nil {
		t.Fatal(err)
	}
	if len(l.br.Members()) != 0 {
		t.Errorf("members after destroy: %d", len(l.br.Members()))
	}
	if err := l.s.AddAddress(l.members[0], netip.MustParsePrefix("198.18.31.1/24")); err != nil {
		t.Fatal(err)
	}
	if err := l.hosts[0].S.AddAddress(l.hostIfc[0], netip.MustParsePrefix("198.18.31.2/24")); err != nil {
		t.Fatal(err)
	}
	if err := ping(l.ip, "198.18.31.2"); err != nil {
		t.Errorf("former member as a plain interface: %v", err)
	}
}

// TestConcurrentTrafficAndMembership runs flooding traffic on every member
// while members leave and rejoin (run with -race).
func TestConcurrentTrafficAndMembership(t *testing.T) {
	l := newLab(t, 3, bridge.Options{})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
				_, _ = l.hosts[i].IP.Ping(ctx, netip.MustParseAddr("198.18.30.100"), ipv4.PingOptions{})
				cancel()
			}
		}()
	}
	for k := range 20 {
		m := l.members[k%3]
		if err := l.br.RemoveMember(m); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
		if _, err := l.br.AddMember(m); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	for i := range 3 {
		if err := ping(l.hosts[i].IP, "198.18.30.100"); err != nil {
			t.Errorf("host %d after the churn: %v", i+1, err)
		}
	}
}

// wirePort is a link end whose transmissions are copied into fresh
// buffers, as a real wire does: the in-memory link would otherwise hand the
// bridge's read-only flood clones to the host's stack, which (rightly)
// does not answer an echo request in a shared buffer in place.
type wirePort struct {
	*link.Port
}

func (w *wirePort) TxBurst(bufs []*mbuf.Buf) int {
	out := make([]*mbuf.Buf, 0, len(bufs))
	for i, b := range bufs {
		bufs[i] = nil
		c, err := b.Pool().Get()
		if err == nil {
			d, _ := c.Append(b.PktLen())
			b.CopyTo(d)
			out = append(out, c)
		}
		b.Free()
	}
	w.Port.TxBurst(out)
	return len(bufs)
}

// TestFloodRateLimit: a member flooding faster than FloodRate gets its
// excess dropped and counted, and the bridge says so in the log once.
func TestFloodRateLimit(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	var logBuf syncBuffer
	s, err := stack.New(stack.Options{Pool: pool, Cloners: []stack.Cloner{&bridge.Cloner{Options: bridge.Options{FloodRate: 100}}},
		Logger: slog.New(slog.NewTextHandler(&logBuf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	br, err := (&bridge.Cloner{}).Add(s, "bridge0")
	if err != nil {
		t.Fatal(err)
	}
	var in *stack.Interface
	for i := range 2 {
		ifc, err := s.Attach("m"+string(rune('0'+i)), &countPort{}, stack.IfOptions{NoPoller: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := br.AddMember(ifc); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			in = ifc
		}
	}
	bufs := make([]*mbuf.Buf, 32)
	for range 10 {
		pool.Alloc(bufs)
		for _, b := range bufs {
			d, _ := b.Append(60)
			copy(d, frame(wire.BroadcastMAC(), wire.MAC{2, 0xaa, 0, 0, 0, 1}, "storm"))
		}
		in.Input(bufs)
	}
	st := br.Members()[0].Stats()
	// 320 broadcasts: the bucket holds 10 and refills at 100/s, so a few
	// dozen at most get through in the time the loop takes.
	if st.Flooded+st.FloodLimited != 320 || st.FloodLimited < 200 || st.Dropped != st.FloodLimited {
		t.Errorf("stats %+v", st)
	}
	if n := strings.Count(logBuf.String(), "flood rate limit reached"); n < 1 || n > 2 {
		t.Errorf("%d log lines:\n%s", n, logBuf.String())
	}
}

// countPort receives nothing and frees what it sends.
type countPort struct{ nullPort }

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
