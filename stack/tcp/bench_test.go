package tcp_test

import (
	"io"
	"testing"

	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/tcp"
)

// BenchmarkThroughput is bulk transfer between two of our stacks over the
// in-memory link: b.N chunks of 64 KiB, reported as bytes/s and
// allocations per 64 KiB (about 45 segments at MTU 1500, 8 at 9000).
func BenchmarkThroughput(b *testing.B) {
	for _, bc := range []struct {
		name string
		mtu  int
		cc   string
	}{{"mtu1500-cubic", 1500, "cubic"}, {"mtu1500-newreno", 1500, "newreno"}, {"mtu9000-cubic", 9000, "cubic"}} {
		b.Run(bc.name, func(b *testing.B) {
			n := newNet2(b, netOpts{TCP: tcp.Options{Congestion: bc.cc, ReadBuffer: 1 << 20, MaxReadBuffer: 1 << 20, WriteBuffer: 1 << 20},
				Buffers: 8192, Link: link.Options{MTU: bc.mtu, Queue: 4096}})
			c1, c2 := n.connect(b)
			bulk(b, c1, c2)
		})
	}
}

// BenchmarkThroughput6 is BenchmarkThroughput over IPv6 (40-byte network
// header, MSS MTU − 60 − 12).
func BenchmarkThroughput6(b *testing.B) {
	for _, bc := range []struct {
		name string
		mtu  int
	}{{"mtu1500-cubic", 1500}, {"mtu9000-cubic", 9000}} {
		b.Run(bc.name, func(b *testing.B) {
			a, bb, _, _, _ := dualPair(b, netOpts{TCP: tcp.Options{ReadBuffer: 1 << 20, MaxReadBuffer: 1 << 20, WriteBuffer: 1 << 20},
				Buffers: 8192, Link: link.Options{MTU: bc.mtu, Queue: 4096}})
			l, err := bb.TCP.Listen("tcp6", ":0")
			if err != nil {
				b.Fatal(err)
			}
			c1, c2 := dialAccept(b, a.TCP, l, "tcp6", "[2001:db8::2]:"+portOf(l))
			_ = l.Close()
			bulk(b, c1, c2)
		})
	}
}

// bulk writes b.N chunks of 64 KiB from c1 and reads them at c2.
func bulk(b *testing.B, c1, c2 *tcp.Conn) {
	defer c1.Close()
	defer c2.Close()
	chunk := make([]byte, 64<<10)
	done := make(chan int64)
	go func() {
		buf := make([]byte, 64<<10)
		var got int64
		for {
			k, err := c2.Read(buf)
			got += int64(k)
			if err == io.EOF || err != nil {
				done <- got
				return
			}
		}
	}()
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := c1.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	_ = c1.CloseWrite()
	got := <-done
	b.StopTimer()
	if got != int64(b.N*len(chunk)) {
		b.Fatalf("received %d of %d bytes", got, b.N*len(chunk))
	}
}
