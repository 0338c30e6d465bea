package em_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/netif/em"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/udp"
)

type host struct {
	s   *stack.Stack
	ip  *ipv4.IPv4
	udp *udp.UDP
	ifc *em.Interface
}

func newHost(t *testing.T, bus *e1000test.Bus, pool *mbuf.Pool, mac [6]byte, addr string) *host {
	t.Helper()
	u := udp.New(udp.Options{})
	ip := ipv4.New(ipv4.Options{Transports: []ipv4.Transport{u}})
	s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{ip}})
	if err != nil {
		t.Fatal(err)
	}
	p := e1000test.NewPort(bus, e1000test.Options{MAC: mac}) // default model: the 82540EM QEMU emulates
	ifc, err := em.Attach(s, "em0", p.Function(), e1000.Config{RxDescs: 256, TxDescs: 256, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddAddress(ifc.Interface, netip.MustParsePrefix(addr)); err != nil {
		t.Fatal(err)
	}
	return &host{s: s, ip: ip, udp: u, ifc: ifc}
}

func (h *host) close(t *testing.T) {
	if err := h.ifc.Detach(); err != nil {
		t.Error(err)
	}
	if err := h.s.Close(); err != nil {
		t.Error(err)
	}
}

func TestStackOverE1000Models(t *testing.T) {
	bus := e1000test.NewBus()
	pool, err := mbuf.NewPool(bus.Memory(), mbuf.PoolOptions{Name: "em", Buffers: 2048})
	if err != nil {
		t.Fatal(err)
	}
	a := newHost(t, bus, pool, [6]byte{2, 0, 0x5e, 0, 0, 1}, "198.18.0.1/24")
	b := newHost(t, bus, pool, [6]byte{2, 0, 0x5e, 0, 0, 2}, "198.18.0.2/24")

	for _, size := range []int{56, 1472, 8000} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		r, err := a.ip.Ping(ctx, netip.MustParseAddr("198.18.0.2"), ipv4.PingOptions{Size: size})
		cancel()
		if err != nil || r.Size != size {
			t.Fatalf("ping -s %d over e1000: %+v %v", size, r, err)
		}
	}
	srv, err := b.udp.ListenPacket(netip.MustParseAddrPort("0.0.0.0:7"))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 65536)
		for {
			n, from, err := srv.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			_, _ = srv.WriteToUDPAddrPort(buf[:n], from)
		}
	}()
	c, err := a.udp.Dial(netip.AddrPort{}, netip.MustParseAddrPort("198.18.0.2:7"))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 65536)
	for _, size := range []int{1, 1472, 20000} {
		msg := bytes.Repeat([]byte{byte(size)}, size)
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := c.Read(buf)
		if err != nil || !bytes.Equal(buf[:n], msg) {
			t.Fatalf("UDP echo of %d bytes over e1000: %d %v", size, n, err)
		}
	}
	if st := a.ifc.Device.Stats(); st.TxPackets == 0 || st.RxPackets == 0 {
		t.Errorf("device stats %+v", st)
	}
	c.Close()
	srv.Close()
	a.close(t)
	b.close(t)
	if n := pool.InUse(); n != 0 {
		t.Errorf("leak: %d mbufs in use", n)
	}
	if err := pool.Close(); err != nil {
		t.Error(err)
	}
	if err := bus.Close(); err != nil {
		t.Error(err)
	}
}
