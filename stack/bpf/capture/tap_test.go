package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gopkt/gopkt/clock/clocktest"
	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/wire"
)

func newPool(t testing.TB, n int) *mbuf.Pool {
	t.Helper()
	p, err := mbuf.NewPool(dma.NewMemory(dma.NewSpace(), dma.MemoryOptions{NoHugepages: true}), mbuf.PoolOptions{Name: "capture", Buffers: n})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.InUse() != 0 {
			t.Errorf("pool leak: %d buffers in use", p.InUse())
		}
	})
	return p
}

var (
	macA = wire.MAC{2, 0, 0, 0, 0, 0xa}
	macB = wire.MAC{2, 0, 0, 0, 0, 0xb}
	ipA  = wire.Addr4{198, 18, 0, 1}
	ipB  = wire.Addr4{198, 18, 0, 2}
)

// udpFrame builds an Ethernet/IPv4/UDP frame with n payload bytes.
func udpFrame(dport uint16, n int) []byte {
	b := make([]byte, 14+20+8+n)
	(&wire.EthernetFields{Dst: macB, Src: macA, Type: wire.EtherTypeIPv4}).Encode(b)
	ip, _ := (&wire.IPv4Fields{TotalLen: uint16(28 + n), TTL: 64, Protocol: wire.IPProtocolUDP, Src: ipA, Dst: ipB}).Encode(b[14:])
	ip.UpdateChecksum()
	u, _ := (&wire.UDPFields{SrcPort: 40000, DstPort: dport, Length: uint16(8 + n)}).Encode(b[34:])
	for i := range n {
		b[42+i] = byte(i)
	}
	u.UpdateChecksum(ipA, ipB)
	return b
}

func arpFrame() []byte {
	b := make([]byte, 14+28)
	(&wire.EthernetFields{Dst: wire.BroadcastMAC(), Src: macA, Type: wire.EtherTypeARP}).Encode(b)
	(&wire.ARPFields{Op: wire.ARPRequest, SenderMAC: macA, SenderIP: ipA, TargetIP: ipB}).Encode(b[14:])
	return b
}

// mbufOf copies frame into a buffer (or a chain of segments of at most
// seg bytes) with the given metadata.
func mbufOf(t testing.TB, p *mbuf.Pool, frame []byte, seg int, meta mbuf.Meta) *mbuf.Buf {
	t.Helper()
	var head, last *mbuf.Buf
	for len(frame) > 0 {
		b, err := p.Get()
		if err != nil {
			t.Fatal(err)
		}
		n := min(seg, len(frame))
		room, err := b.Append(n)
		if err != nil {
			t.Fatal(err)
		}
		copy(room, frame[:n])
		frame = frame[n:]
		if head == nil {
			head = b
		} else {
			last.SetNext(b)
		}
		last = b
	}
	head.Meta = meta
	return head
}

func read(t *testing.T, tap *Tap) (Info, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	buf := make([]byte, 65536)
	in, err := tap.Read(ctx, buf)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return in, buf[:in.CaptureLength]
}

func TestTapFilterDirectionSnaplen(t *testing.T) {
	pool := newPool(t, 16)
	clk := clocktest.New(time.Unix(1_700_000_000, 0))
	tap, err := New(Options{Filter: "udp port 53", Snaplen: 50, Dir: Both, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer tap.Close()
	dns := udpFrame(53, 40)
	for _, tc := range []struct {
		frame []byte
		meta  mbuf.Meta
	}{
		{dns, mbuf.Meta{Port: 3, Time: 42}},                 // in, with RX timestamp
		{udpFrame(54, 40), mbuf.Meta{Port: 3}},              // filtered out
		{arpFrame(), mbuf.Meta{Port: 3}},                    // filtered out
		{dns, mbuf.Meta{Port: 4, Flags: mbuf.FlagOutbound}}, // out, clock timestamp
	} {
		b := mbufOf(t, pool, tc.frame, 2048, tc.meta)
		tap.Tap(b)
		if b.Refs() != 1 {
			t.Fatal("tap kept a reference")
		}
		b.Free()
	}
	in, data := read(t, tap)
	want := Info{Time: 42, Length: len(dns), CaptureLength: 50, Dir: In, IfIndex: 3}
	if in != want || !bytes.Equal(data, dns[:50]) {
		t.Fatalf("first: %+v %x, want %+v %x", in, data, want, dns[:50])
	}
	in, data = read(t, tap)
	if in.Dir != Out || in.IfIndex != 4 || in.Time != clk.Now().UnixNano() || !bytes.Equal(data, dns[:50]) {
		t.Fatalf("second: %+v", in)
	}
	if s := tap.Stats(); s != (Stats{Seen: 4, Accepted: 2}) {
		t.Fatalf("stats %+v", s)
	}

	// Direction mask.
	inOnly, _ := New(Options{Dir: In})
	b := mbufOf(t, pool, arpFrame(), 2048, mbuf.Meta{Flags: mbuf.FlagOutbound})
	inOnly.Tap(b)
	b.Free()
	if s := inOnly.Stats(); s.Seen != 0 {
		t.Fatalf("In-only tap saw an outbound frame: %+v", s)
	}
}

// TestTapChainAndVLAN checks the slow path: a chained jumbo frame is
// captured whole, and a frame whose tag the NIC stripped is captured with
// the 802.1Q tag reinserted so "vlan 100" filters match it.
func TestTapChainAndVLAN(t *testing.T) {
	pool := newPool(t, 16)
	tap, _ := New(Options{Filter: "vlan 100 and udp port 53 or greater 5000"})
	defer tap.Close()

	jumbo := udpFrame(9, 6000)
	b := mbufOf(t, pool, jumbo, 2048, mbuf.Meta{})
	if b.Segs() != 3 {
		t.Fatalf("%d segments", b.Segs())
	}
	tap.Tap(b)
	b.Free()
	_, data := read(t, tap)
	if !bytes.Equal(data, jumbo) {
		t.Fatalf("chained frame captured as %d bytes, want %d", len(data), len(jumbo))
	}

	dns := udpFrame(53, 10)
	b = mbufOf(t, pool, dns, 2048, mbuf.Meta{Flags: mbuf.FlagVLAN, VLAN: 0xa064}) // PCP 5, VID 100
	tap.Tap(b)
	b.Free()
	in, data := read(t, tap)
	want := append(append(append([]byte{}, dns[:12]...), 0x81, 0x00, 0xa0, 0x64), dns[12:]...)
	if !bytes.Equal(data, want) || in.Length != len(dns)+4 {
		t.Fatalf("tagged capture:\n got %x\nwant %x", data, want)
	}
	// The same frame with VLAN 101 does not match.
	b = mbufOf(t, pool, dns, 2048, mbuf.Meta{Flags: mbuf.FlagVLAN, VLAN: 101})
	tap.Tap(b)
	b.Free()
	if s := tap.Stats(); s.Accepted != 2 || s.Seen != 3 {
		t.Fatalf("stats %+v", s)
	}
}

func TestTapDropsWhenFull(t *testing.T) {
	pool := newPool(t, 4)
	tap, _ := New(Options{BufferSize: 4096})
	defer tap.Close()
	frame := udpFrame(1, 1000) // 1042 bytes → 1072-byte records: 3 fit
	for range 5 {
		b := mbufOf(t, pool, frame, 2048, mbuf.Meta{})
		tap.Tap(b)
		b.Free()
	}
	if s := tap.Stats(); s.Accepted != 5 || s.Dropped != 2 {
		t.Fatalf("stats %+v, want 5 accepted, 2 dropped", s)
	}
	for range 3 {
		read(t, tap)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := tap.Read(ctx, make([]byte, 10)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Read on empty ring: %v, want DeadlineExceeded", err)
	}
}

func TestTapCloseDrains(t *testing.T) {
	tap, _ := New(Options{})
	tap.Capture(arpFrame(), Out, 1, 7)
	tap.Close()
	tap.Capture(arpFrame(), Out, 1, 8) // ignored after Close
	in, data, err := tap.Next(context.Background())
	if err != nil || in.Time != 7 || !bytes.Equal(data, arpFrame()) {
		t.Fatalf("Next after Close: %+v %v", in, err)
	}
	if _, _, err := tap.Next(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("drained: %v, want ErrClosed", err)
	}
	if err := tap.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestTapConcurrent runs several producers (RX and TX paths) against a
// blocking reader; every frame is either read or counted as dropped.
func TestTapConcurrent(t *testing.T) {
	tap, _ := New(Options{BufferSize: 16 << 10, Filter: "udp"})
	const producers, each = 4, 2000
	var wg sync.WaitGroup
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			frame := udpFrame(uint16(p), 64)
			for range each {
				tap.Capture(frame, In, p, 0)
				tap.Capture(arpFrame(), In, p, 0) // rejected by the filter
			}
		}()
	}
	done := make(chan int)
	corrupt := make(chan string, 1)
	go func() {
		n := 0
		buf := make([]byte, 2048)
		for {
			in, err := tap.Read(context.Background(), buf)
			if err != nil {
				done <- n
				return
			}
			u, err := wire.NewUDP(buf[34:in.CaptureLength])
			if err != nil || int(u.DstPort()) != in.IfIndex {
				select {
				case corrupt <- fmt.Sprintf("frame %d corrupted: %x", n, buf[:in.CaptureLength]):
				default:
				}
			}
			n++
		}
	}()
	wg.Wait()
	tap.Close()
	n := <-done
	select {
	case msg := <-corrupt:
		t.Fatal(msg)
	default:
	}
	s := tap.Stats()
	if s.Seen != 2*producers*each || s.Accepted != producers*each || uint64(n)+s.Dropped != s.Accepted {
		t.Fatalf("read %d, stats %+v", n, s)
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(Options{Filter: "port"}); err == nil {
		t.Error("bad filter accepted")
	}
	if _, err := New(Options{BufferSize: 16}); err == nil {
		t.Error("tiny buffer accepted")
	}
}

// BenchmarkTap measures the data-path cost per frame: a filter miss
// (the common case for a narrow capture) and a hit that is copied into
// the ring and read back.
func BenchmarkTap(b *testing.B) {
	pool := newPool(b, 4)
	frame := udpFrame(53, 18)
	m := mbufOf(b, pool, frame, 2048, mbuf.Meta{Time: 1})
	defer m.Free()
	b.Run("miss", func(b *testing.B) {
		tap, _ := New(Options{Filter: "tcp port 80"})
		b.ReportAllocs()
		for b.Loop() {
			tap.Tap(m)
		}
	})
	b.Run("hit+read", func(b *testing.B) {
		tap, _ := New(Options{Filter: "udp port 53"})
		buf := make([]byte, 2048)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			tap.Tap(m)
			if _, err := tap.Read(ctx, buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}
