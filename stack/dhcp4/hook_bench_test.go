package dhcp4

import (
	"testing"

	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// BenchmarkHookOtherTraffic is the client's cost per received frame that
// is not DHCP (a 64-byte UDP datagram to port 9): the Ethernet-in hook's
// header checks. Compare with BenchmarkUDP64 (the whole path, one
// datagram end to end).
func BenchmarkHookOtherTraffic(b *testing.B) {
	pool := stacktest.NewPool(b, 64)
	_, hb, _, ib := stacktest.Pair(b, pool, stacktest.Config{NoPoller: true})
	c, err := New(Config{Interface: ib, IP: hb.IP})
	if err != nil {
		b.Fatal(err)
	}
	buf, err := pool.Get()
	if err != nil {
		b.Fatal(err)
	}
	defer buf.Free()
	m := MessageFields{Options: []byte{byte(OptEnd)}}
	f := FrameFields{Src: wire.MAC{2, 0, 0, 0, 0, 1}, Dst: ib.MAC(), SrcIP: wire.Addr4{198, 18, 0, 1}, DstIP: wire.Addr4{198, 18, 0, 2},
		SrcPort: 9, DstPort: 9}
	n, err := EncodeFrame(buf.Room(), &f, &m)
	if err != nil {
		b.Fatal(err)
	}
	_ = buf.SetLen(n - m.Len() + 64) // headers and 64 bytes of payload
	ip := wire.IPv4(buf.Bytes()[wire.EthernetHeaderLen:])
	ip.SetTotalLen(uint16(len(ip)))
	ip.UpdateChecksum()
	u := wire.UDP(ip.Payload())
	u.SetLength(uint16(len(u)))
	u.UpdateChecksum(ip.Src(), ip.Dst())
	idx := ib.Index()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if c.hook(pfil.In, idx, buf) != pfil.Pass {
			b.Fatal("hook took a datagram to port 9")
		}
	}
}
