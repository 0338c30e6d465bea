package udp_test

import (
	"net/netip"
	"testing"

	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// FuzzInput hands arbitrary bytes to UDP as a datagram from 198.18.0.1 to
// 198.18.0.2 (a socket listens on port 9). Nothing may panic; a datagram
// Input refuses (no socket) stays with the caller, who frees it; the pool
// must be full at the end.
func FuzzInput(f *testing.F) {
	src, dst := wire.Addr4{198, 18, 0, 1}, wire.Addr4{198, 18, 0, 2}
	seed := func(port uint16, data []byte, fix bool) []byte {
		u := make([]byte, 8+len(data))
		fl := wire.UDPFields{SrcPort: 1000, DstPort: port, Length: uint16(len(u))}
		v, _ := fl.Encode(u)
		copy(u[8:], data)
		if fix {
			v.UpdateChecksum(src, dst)
		}
		return u
	}
	f.Add(seed(9, []byte("hello"), true))
	f.Add(seed(9, []byte("bad sum"), false))
	f.Add(seed(10, nil, true))
	f.Add([]byte{0, 1, 0, 9, 0, 200, 0, 0})
	f.Fuzz(func(t *testing.T, d []byte) {
		if len(d) > 2000 {
			return
		}
		pool := stacktest.NewPool(t, 16)
		h := stacktest.NewHost(t, pool, stacktest.Config{})
		c, err := h.UDP.ListenPacket(netip.MustParseAddrPort("0.0.0.0:9"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		b, _ := pool.Get()
		p, _ := b.Append(len(d))
		copy(p, d)
		if !h.UDP.Input(b, ipv4.Meta{Src: src, Dst: dst, IfIndex: 1, TTL: 64}) {
			b.Free()
		}
	})
}
