package stack_test

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// mqPort is a fake multi-queue NIC: each queue has its own wire (frames
// the test injects, frames the stack sent), hashes what it receives like
// an RSS device (Meta.Hash, HashType 1, the queue the hash names), copies
// each received frame into a buffer it allocates from the queue's refill
// cache, and completes every transmission at once into the queue's
// completion cache: the port.CacheUser contract, so the test sees whether
// the stack's caches are used from one goroutine at a time. Each queue
// counts overlapping RxBurst or TxBurst calls (single consumer).
type mqPort struct {
	mac    [6]byte
	queues []*mqQueue
	link   chan port.LinkState
}

type mqQueue struct {
	idx    int
	pool   *mbuf.Pool
	own    *mbuf.Cache
	rxc    *mbuf.Cache
	txc    *mbuf.Cache
	waitCh chan struct{}

	mu   sync.Mutex
	in   []mqFrame // waiting to be received
	sent [][]byte  // what the stack transmitted

	inRx, inTx, overlap atomic.Int32
	cacheUse            atomic.Int32 // goroutines inside the cache right now
	cacheRace           atomic.Int32
}

type mqFrame struct {
	b    []byte
	hash uint32
}

func newMQPort(pool *mbuf.Pool, n int) *mqPort {
	p := &mqPort{mac: [6]byte{0x02, 0, 0x5e, 0, 0, 1}, link: make(chan port.LinkState, 1)}
	for i := range n {
		own := pool.NewCache(16)
		p.queues = append(p.queues, &mqQueue{idx: i, pool: pool, own: own, rxc: own, txc: own, waitCh: make(chan struct{}, 1)})
	}
	return p
}

func (p *mqPort) Queues() int               { return len(p.queues) }
func (p *mqPort) Queue(i int) port.Queue    { return p.queues[i] }
func (p *mqPort) RxBurst(b []*mbuf.Buf) int { return p.queues[0].RxBurst(b) }
func (p *mqPort) TxBurst(b []*mbuf.Buf) int { return p.queues[0].TxBurst(b) }
func (p *mqPort) MAC() [6]byte              { return p.mac }
func (p *mqPort) MTU() int                  { return 1500 }
func (p *mqPort) SetMTU(int) error          { return nil }
func (p *mqPort) Offloads() port.Offloads   { return 0 }
func (p *mqPort) Link() port.LinkState {
	return port.LinkState{Up: true, SpeedMbps: 1000, FullDuplex: true}
}
func (p *mqPort) LinkEvents() <-chan port.LinkState { return p.link }
func (p *mqPort) Stats() port.Stats                 { return port.Stats{} }
func (q *mqQueue) SetRxCache(c *mbuf.Cache) error   { q.rxc = q.orOwn(c); return nil }
func (q *mqQueue) SetTxCache(c *mbuf.Cache) error   { q.txc = q.orOwn(c); return nil }
func (q *mqQueue) orOwn(c *mbuf.Cache) *mbuf.Cache {
	if c == nil {
		return q.own
	}
	return c
}

// inject queues a frame for the queue its hash names (hash mod queues, as
// a round-robin redirection table does).
func (p *mqPort) inject(f []byte, hash uint32) {
	q := p.queues[hash%uint32(len(p.queues))]
	q.mu.Lock()
	q.in = append(q.in, mqFrame{f, hash})
	q.mu.Unlock()
	select {
	case q.waitCh <- struct{}{}:
	default:
	}
}

// Wait implements port.Waiter on the queue's own "interrupt".
func (q *mqQueue) Wait(d time.Duration) error {
	select {
	case <-q.waitCh:
		return nil
	case <-time.After(d):
		return port.ErrTimeout
	}
}

// useCache marks the queue's caches in use; two goroutines at once is the
// race the stack must not let happen (a Cache is not safe for concurrent
// use, and the fake shares one between refill and completion only when
// the stack gives it the same cache for both).
func (q *mqQueue) useCache() func() {
	if q.cacheUse.Add(1) > 1 && q.rxc == q.txc {
		q.cacheRace.Add(1)
	}
	return func() { q.cacheUse.Add(-1) }
}

func (q *mqQueue) RxBurst(bufs []*mbuf.Buf) int {
	if q.inRx.Add(1) > 1 {
		q.overlap.Add(1)
	}
	defer q.inRx.Add(-1)
	q.mu.Lock()
	n := min(len(bufs), len(q.in))
	in := q.in[:n]
	q.mu.Unlock()
	done := q.useCache()
	got := q.rxc.Alloc(bufs[:n])
	done()
	for i, b := range bufs[:got] {
		d, _ := b.Append(len(in[i].b))
		copy(d, in[i].b)
		b.Meta.Hash, b.Meta.HashType = in[i].hash, 1
	}
	q.mu.Lock()
	q.in = q.in[got:]
	q.mu.Unlock()
	return got
}

func (q *mqQueue) TxBurst(bufs []*mbuf.Buf) int {
	if q.inTx.Add(1) > 1 {
		q.overlap.Add(1)
	}
	defer q.inTx.Add(-1)
	q.mu.Lock()
	for _, b := range bufs {
		q.sent = append(q.sent, append([]byte(nil), b.Bytes()...))
	}
	q.mu.Unlock()
	done := q.useCache()
	q.txc.Free(bufs) // completed at once
	done()
	return len(bufs)
}

func (q *mqQueue) sentFrames() [][]byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([][]byte(nil), q.sent...)
}

// replies counts the IPv4 frames the port sent.
func replies(p *mqPort) int {
	n := 0
	for _, q := range p.queues {
		for _, f := range q.sentFrames() {
			if binary.BigEndian.Uint16(f[12:]) == 0x0800 {
				n++
			}
		}
	}
	return n
}

// echoRequest builds an ICMP echo request (RFC 792) from src to dst.
func echoRequest(src, dst [6]byte, sip, dip wire.Addr4, id uint16) []byte {
	f := make([]byte, 14+20+8+16)
	copy(f[0:6], dst[:])
	copy(f[6:12], src[:])
	binary.BigEndian.PutUint16(f[12:], 0x0800)
	ip := f[14:]
	ip[0], ip[8], ip[9] = 0x45, 64, 1
	binary.BigEndian.PutUint16(ip[2:], uint16(len(ip)))
	copy(ip[12:16], sip[:])
	copy(ip[16:20], dip[:])
	binary.BigEndian.PutUint16(ip[10:], ^wire.Checksum(ip[:20], 0))
	ic := ip[20:]
	ic[0] = 8
	binary.BigEndian.PutUint16(ic[4:], id)
	binary.BigEndian.PutUint16(ic[6:], 1)
	copy(ic[8:], "gopkt mq echo!!!")
	binary.BigEndian.PutUint16(ic[2:], ^wire.Checksum(ic, 0))
	return f
}

// TestMultiQueueEcho runs the stack on a four-queue port with a receive
// goroutine per queue: 64 flows (one ICMP echo identifier each, from 64
// peer addresses) arrive spread by their hash, each several times, and
// every echo reply must leave on the queue its request's hash names (the
// flow's queue), per-queue counters must show all four queues used both
// ways, no queue may see two RxBursts or two TxBursts at once, the pair's
// shared cache must never be used by two goroutines at once, and the pool
// must be full at the end. Run it with -race.
func TestMultiQueueEcho(t *testing.T) {
	const queues, flows, rounds = 4, 64, 8
	pool := stacktest.NewPool(t, 2048)
	h := stacktest.NewHost(t, pool, stacktest.Config{})
	p := newMQPort(pool, queues)
	ifc, err := h.S.Attach("mq0", p, stack.IfOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ifc.Queues() != queues {
		t.Fatalf("interface runs %d queues, want %d", ifc.Queues(), queues)
	}
	if err := h.S.AddAddress(ifc, netip.MustParsePrefix("198.18.0.1/16")); err != nil {
		t.Fatal(err)
	}
	me := wire.Addr4{198, 18, 0, 1}
	peerMAC := [6]byte{0x02, 0, 0x5e, 0, 0, 2}
	hashOf := func(i int) uint32 { return uint32(i)*0x9e3779b1 + 7 } // a flow's "RSS hash"
	for i := range flows {
		a := netip.AddrFrom4([4]byte{198, 18, 1, byte(i)})
		if err := h.IP.AddStaticNeighbour(ifc, a, peerMAC); err != nil {
			t.Fatal(err)
		}
	}
	for r := range rounds {
		for i := range flows {
			p.inject(echoRequest(peerMAC, p.mac, wire.Addr4{198, 18, 1, byte(i)}, me, uint16(1000+i)), hashOf(i))
		}
		_ = r
	}
	want := flows * rounds
	if !stacktest.Eventually(10*time.Second, func() bool {
		return replies(p) >= want
	}) {
		t.Fatalf("replies: %v", ifc.QueueCounters())
	}
	for qi, q := range p.queues {
		for _, f := range q.sentFrames() {
			if binary.BigEndian.Uint16(f[12:]) == 0x0806 {
				continue // the address's gratuitous ARP
			}
			if len(f) < 14+20+8 || f[14+9] != 1 || f[14+20] != 0 {
				t.Fatalf("queue %d sent a frame that is no echo reply: % x", qi, f)
			}
			id := int(binary.BigEndian.Uint16(f[14+20+4:])) - 1000
			if id < 0 || id >= flows {
				t.Fatalf("queue %d: reply to unknown identifier %d", qi, id+1000)
			}
			if wantQ := int(hashOf(id) % queues); wantQ != qi {
				t.Errorf("flow %d (hash %#x) answered on queue %d, want %d", id, hashOf(id), qi, wantQ)
			}
		}
		if n := q.overlap.Load(); n != 0 {
			t.Errorf("queue %d: %d overlapping bursts", qi, n)
		}
		if n := q.cacheRace.Load(); n != 0 {
			t.Errorf("queue %d: its cache was used by two goroutines at once %d times", qi, n)
		}
		if q.rxc == q.own || q.rxc != q.txc {
			t.Errorf("queue %d: the stack did not give the pair one cache", qi)
		}
	}
	qc := ifc.QueueCounters()
	var in, out uint64
	for i, c := range qc {
		t.Logf("queue %d: %+v", i, c)
		if c.InPackets == 0 || c.OutPackets == 0 {
			t.Errorf("queue %d unused: %+v", i, c)
		}
		in += c.InPackets
		out += c.OutPackets
	}
	if c := ifc.Counters(); in != c.InPackets || out != c.OutPackets || in != uint64(want) || replies(p) != want {
		t.Errorf("per-queue sums in %d out %d, interface %+v, %d replies, want %d requests and replies", in, out, c, replies(p), want)
	}
	if err := h.S.Detach(ifc); err != nil {
		t.Fatal(err)
	}
	for _, q := range p.queues {
		if q.rxc != q.own || q.txc != q.own {
			t.Errorf("queue %d: Detach left the stack's cache in the port", q.idx)
		}
		q.own.Flush()
	}
}

// TestSingleQueuePort: a port without port.MultiQueue is one queue, the
// port itself, as before.
func TestSingleQueuePort(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	a, b, ia, ib := stacktest.Pair(t, pool, stacktest.Config{})
	_ = b
	if ia.Queues() != 1 || ib.Queues() != 1 {
		t.Fatalf("queues %d %d, want 1", ia.Queues(), ib.Queues())
	}
	c, err := a.UDP.Dial(netip.AddrPort{}, netip.MustParseAddrPort("198.18.0.2:9"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 3 {
		if _, err := fmt.Fprint(c, "x"); err != nil {
			t.Fatal(err)
		}
	}
	if !stacktest.Eventually(5*time.Second, func() bool { return ia.QueueCounters()[0].OutPackets >= 3 }) {
		t.Errorf("queue 0 counters %+v", ia.QueueCounters())
	}
}
