package stacktest

import (
	"log/slog"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/udp"
)

// NewPool returns a pool of n buffers in heap "DMA" memory; at cleanup it
// fails the test if any buffer is still in use.
func NewPool(tb testing.TB, n int) *mbuf.Pool {
	tb.Helper()
	p, err := mbuf.NewPool(dma.NewMemory(dma.NewSpace(), dma.MemoryOptions{NoHugepages: true}), mbuf.PoolOptions{Name: tb.Name(), Buffers: n})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if n := p.InUse(); n != 0 {
			tb.Errorf("leak: %d mbufs still in use at the end of the test", n)
		}
		_ = p.Close()
	})
	return p
}

// Host is one stack with IPv4 and UDP.
type Host struct {
	S   *stack.Stack
	IP  *ipv4.IPv4
	UDP *udp.UDP
}

// Config shapes the hosts the helpers build.
type Config struct {
	IP       ipv4.Options // Transports is filled in
	UDP      udp.Options
	NoPoller bool // interfaces are polled by the caller (Interface.Poll)
	Link     link.Options
	// Budget of the pool; nil: NewHost makes a default one per stack,
	// Pair one for both stacks (they share the pool).
	Budget *mbuf.Budget
	// Logger of the stacks; nil: warnings and errors to stderr, nothing
	// below, so a "link down" at cleanup does not land between a
	// benchmark's result lines.
	Logger *slog.Logger
}

func (c Config) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// NewHost builds a stack with IPv4 (+ICMP) and UDP on pool.
func NewHost(tb testing.TB, pool *mbuf.Pool, c Config) *Host {
	tb.Helper()
	u := udp.New(c.UDP)
	o := c.IP
	o.Transports = append(o.Transports, u)
	ip := ipv4.New(o)
	s, err := stack.New(stack.Options{Pool: pool, Budget: c.Budget, Protocols: []stack.Protocol{ip}, Logger: c.logger()})
	if err != nil {
		tb.Fatal(err)
	}
	h := &Host{S: s, IP: ip, UDP: u}
	tb.Cleanup(func() {
		_ = s.Close()
		hold, reass := ip.Quotas()
		for _, q := range []*mbuf.Quota{u.Quota(), hold, reass} {
			if n := q.InUse(); n != 0 {
				tb.Errorf("quota %s: %d mbufs still charged after the stack closed", q.Name(), n)
			}
		}
	})
	return h
}

// AttachAddr attaches p as name with address addr (like 198.18.0.1/24).
func (h *Host) AttachAddr(tb testing.TB, name string, p *link.Port, addr string, noPoller bool) *stack.Interface {
	tb.Helper()
	ifc, err := h.S.Attach(name, p, stack.IfOptions{NoPoller: noPoller})
	if err != nil {
		tb.Fatal(err)
	}
	if err := h.S.AddAddress(ifc, netip.MustParsePrefix(addr)); err != nil {
		tb.Fatal(err)
	}
	return ifc
}

// Pair builds two hosts, 198.18.0.1/24 on A and 198.18.0.2/24 on B, joined
// by one link. The link ports are closed at cleanup.
func Pair(tb testing.TB, pool *mbuf.Pool, c Config) (a, b *Host, ia, ib *stack.Interface) {
	tb.Helper()
	if c.Budget == nil {
		bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
		if err != nil {
			tb.Fatal(err)
		}
		c.Budget = bg
	}
	pa, pb := link.Pair(c.Link)
	tb.Cleanup(func() { _ = pa.Close(); _ = pb.Close() })
	a, b = NewHost(tb, pool, c), NewHost(tb, pool, c)
	ia = a.AttachAddr(tb, "eth0", pa, "198.18.0.1/24", c.NoPoller)
	ib = b.AttachAddr(tb, "eth0", pb, "198.18.0.2/24", c.NoPoller)
	return a, b, ia, ib
}

// Drain polls the interfaces until none has work (for NoPoller setups).
func Drain(ifcs ...*stack.Interface) {
	for {
		n := 0
		for _, ifc := range ifcs {
			n += ifc.Poll()
		}
		if n == 0 {
			return
		}
	}
}

// Eventually polls cond every millisecond until it holds or d passes.
func Eventually(d time.Duration, cond func() bool) bool {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if cond() {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return cond()
}
