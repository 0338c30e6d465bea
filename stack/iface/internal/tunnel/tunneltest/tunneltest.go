// Package tunneltest is what the gre and gif tests share: two of our
// stacks with a tunnel module each on one recorded in-memory link, a ping
// helper, and the input fuzz harness. Only their tests import it.
package tunneltest

import (
	"bytes"
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// Module is a tunnel kind with configuration C (gre.Module, gif.Module).
type Module[C any] interface {
	ipv4.Transport
	stack.Cloner
	Add(s *stack.Stack, name string, cfg C) (*stack.Interface, error)
}

// The two hosts' link addresses (198.18.70.0/24).
var (
	AddrA = netip.MustParseAddr("198.18.70.1")
	AddrB = netip.MustParseAddr("198.18.70.2")
)

// Host is one stack with a tunnel module M on eth0.
type Host[M Module[C], C any] struct {
	S   *stack.Stack
	IP  *ipv4.IPv4
	M   M
	Eth *stack.Interface
}

// NewHost builds a host on p with address addr (a prefix).
func NewHost[M Module[C], C any](t testing.TB, pool *mbuf.Pool, bg *mbuf.Budget, p *link.Port, m M, addr string) *Host[M, C] {
	t.Helper()
	ip := ipv4.New(ipv4.Options{Transports: []ipv4.Transport{m}})
	s, err := stack.New(stack.Options{Pool: pool, Budget: bg, Protocols: []stack.Protocol{ip}, Cloners: []stack.Cloner{m}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	eth, err := s.Attach("eth0", p, stack.IfOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddAddress(eth, netip.MustParsePrefix(addr)); err != nil {
		t.Fatal(err)
	}
	return &Host[M, C]{S: s, IP: ip, M: m, Eth: eth}
}

// Tunnel adds the tunnel interface name with cfg and address addr.
func (h *Host[M, C]) Tunnel(t testing.TB, name string, cfg C, addr string) *stack.Interface {
	t.Helper()
	ifc, err := h.M.Add(h.S, name, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.S.AddAddress(ifc, netip.MustParsePrefix(addr)); err != nil {
		t.Fatal(err)
	}
	return ifc
}

// Pair is two hosts on one link (AddrA and AddrB); frames on it are
// recorded.
type Pair[M Module[C], C any] struct {
	A, B   *Host[M, C]
	mu     sync.Mutex
	frames [][]byte
}

// NewPair builds the two hosts, each with a module from newModule.
func NewPair[M Module[C], C any](t *testing.T, newModule func() M) *Pair[M, C] {
	pool := stacktest.NewPool(t, 1024)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pr := &Pair[M, C]{}
	pa, pb := link.Pair(link.Options{Filter: func(_ int, b *mbuf.Buf) bool {
		pr.mu.Lock()
		pr.frames = append(pr.frames, bytes.Clone(b.Bytes()))
		pr.mu.Unlock()
		return true
	}})
	t.Cleanup(func() { _ = pa.Close(); _ = pb.Close() })
	pr.A = NewHost[M, C](t, pool, bg, pa, newModule(), AddrA.String()+"/24")
	pr.B = NewHost[M, C](t, pool, bg, pb, newModule(), AddrB.String()+"/24")
	return pr
}

// Frames returns the frames seen on the link so far.
func (pr *Pair[M, C]) Frames() [][]byte {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return pr.frames[:len(pr.frames):len(pr.frames)]
}

// Ping sends one echo request of size bytes to dst and waits up to d for
// the reply.
func Ping(ip *ipv4.IPv4, dst string, size int, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, err := ip.Ping(ctx, netip.MustParseAddr(dst), ipv4.PingOptions{Size: size})
	return err
}
