package stack_test

import (
	"fmt"
	"net/netip"

	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/udp"
)

// Example is the stack as a library: a packet pool, a stack with IPv4 and
// UDP, and a UDP echo over the loopback interface lo0 (every stack has
// one). No root needed: the pool is in ordinary memory (dma.Space), and a
// NIC would be one more line, em.Attach(s, "em0", fn, cfg) for an e1000
// through VFIO (pool from the vfio.Container's Memory) or
// s.Attach("tap0", port, stack.IfOptions{}) for tap.Open's Linux TAP.
func Example() {
	mem := dma.NewMemory(dma.NewSpace(), dma.MemoryOptions{NoHugepages: true})
	pool, _ := mbuf.NewPool(mem, mbuf.PoolOptions{Name: "example", Buffers: 1024})
	u := udp.New(udp.Options{})
	ip := ipv4.New(ipv4.Options{Transports: []ipv4.Transport{u}})
	s, _ := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{ip}})

	srv, _ := u.ListenPacket(netip.MustParseAddrPort("127.0.0.1:7"))
	go func() { // RFC 862 echo, one datagram
		buf := make([]byte, 1500)
		n, from, _ := srv.ReadFromUDPAddrPort(buf)
		_, _ = srv.WriteToUDPAddrPort(buf[:n], from)
	}()
	c, _ := u.Dial(netip.AddrPort{}, netip.MustParseAddrPort("127.0.0.1:7"))
	_, _ = c.Write([]byte("hello, gopkt"))
	buf := make([]byte, 1500)
	n, _ := c.Read(buf)
	fmt.Printf("%s from %v\n", buf[:n], c.RemoteAddr())

	_ = c.Close()
	_ = srv.Close()
	_ = s.Close()
	fmt.Println("buffers in use:", pool.InUse())
	_ = pool.Close()
	_ = mem.Close()
	// Output:
	// hello, gopkt from 127.0.0.1:7
	// buffers in use: 0
}
