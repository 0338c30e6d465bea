package igb

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/vfio"
)

// The TestGuest* tests run inside the backports VM lane's guest (vm_test.go):
// TestGuestRSS drives NIC0, an igb bound to vfio-pci, and TestGuestFlowPeer
// runs as the Linux peer inside the network namespace that holds NIC1, an
// e1000 under the Linux driver. They skip anywhere else.

const (
	flowCount = 64
	flowPort  = 7777
	peerPort0 = 20001
	// peerDeadline bounds TestGuestFlowPeer; TestGuestRSS waits longer so
	// that it outlives its peer.
	peerDeadline = 60 * time.Second
)

// TestGuestRSS attaches the igb with GOPKT_IGB_QUEUES queue pairs and RSS
// (polled, or with GOPKT_IGB_IRQ=1 one MSI-X vector per queue pair),
// receives flowCount UDP flows from the Linux peer, and for every IPv4 frame
// checks that the hash and type the device wrote equal FlowHash over the
// frame and that the frame arrived on the queue the redirection table names.
// It answers each UDP datagram on the queue it came in on (addresses and
// ports swapped), waits for the transmit rings to drain, and checks that
// every queue received flows and that the pool is full after Close.
func TestGuestRSS(t *testing.T) {
	addr := os.Getenv("NIC0_ADDR")
	if os.Getenv("GOPKT_IGB_GUEST") != "1" || addr == "" {
		t.Skip("needs the backports VM lane's guest (GOPKT_IGB_GUEST=1, NIC0 an igb bound to vfio-pci); run go test -run TestVM ./drivers/igb on the host")
	}
	nq, _ := strconv.Atoi(os.Getenv("GOPKT_IGB_QUEUES"))
	irq := os.Getenv("GOPKT_IGB_IRQ") == "1"
	dev, err := vfio.Open(addr, vfio.Options{DMABytes: 32 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	pool, err := mbuf.NewPool(dev.DMA(), mbuf.PoolOptions{Buffers: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	d, err := Attach(dev, Config{Pool: pool, Queues: nq, RxRing: 256, TxRing: 256, Interrupts: irq})
	if err != nil {
		t.Fatal(err)
	}
	key, fields := d.Key()
	reta := d.RETA()
	t.Logf("attached %s: MAC %x, %d queue pairs, link %v", addr, d.MAC(), d.Queues(), d.LinkUp())
	if err := os.WriteFile("/tmp/igb.ready", nil, 0o644); err != nil {
		t.Fatal(err)
	}

	// One goroutine per queue pair, as a program would run them: each
	// receives, checks and answers on its own queue; with interrupts it
	// sleeps on its queue's MSI-X vector when idle.
	var mu sync.Mutex
	flows := map[uint16]int{} // peer port -> queue
	perQueue := make([]int, d.Queues())
	hashed := 0
	deadline := time.Now().Add(2 * time.Minute)
	done := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(flows) >= flowCount || time.Now().After(deadline)
	}
	var wg sync.WaitGroup
	for qi := range d.Queues() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := d.Queue(qi)
			bufs := make([]*mbuf.Buf, 32)
			for !done() {
				n := q.RxBurst(bufs)
				if n == 0 {
					if irq {
						if err := q.Wait(100 * time.Millisecond); err != nil && !errors.Is(err, ErrTimeout) {
							t.Error(err)
							return
						}
					} else {
						time.Sleep(time.Millisecond)
					}
					continue
				}
				out := bufs[:0]
				for _, b := range bufs[:n] {
					f := b.Bytes()
					h, ty := FlowHash(key[:], fields, f)
					mu.Lock()
					if ty != HashNone {
						hashed++
						if b.Meta.Hash != h || HashType(b.Meta.HashType) != ty {
							t.Errorf("queue %d: device hash %#08x %v, software %#08x %v for % x",
								qi, b.Meta.Hash, HashType(b.Meta.HashType), h, ty, f[:min(len(f), 42)])
						}
						if want := reta.Queue(h); want != qi && d.Queues() > 1 {
							t.Errorf("hash %#08x arrived on queue %d, RETA names %d", h, qi, want)
						}
					}
					p, isFlow := udpTo(f, flowPort)
					if isFlow {
						if _, seen := flows[p]; !seen {
							flows[p] = qi
							perQueue[qi]++
						}
					}
					mu.Unlock()
					if isFlow {
						reply(f)
						out = append(out, b)
						continue
					}
					b.Free()
				}
				if len(out) > 0 {
					if m := q.TxBurst(out); m < len(out) {
						pool.Free(out[m:])
					}
				}
			}
		}()
	}
	wg.Wait()
	if len(flows) < flowCount {
		t.Fatalf("saw %d of %d flows before the deadline", len(flows), flowCount)
	}
	for qi := range d.Queues() {
		for d.Queue(qi).InFlight() > 0 && time.Now().Before(deadline.Add(10*time.Second)) {
			time.Sleep(time.Millisecond)
		}
	}
	// Give the peer time to read the replies before the rings go.
	time.Sleep(500 * time.Millisecond)
	if irq {
		// A queue whose frames were all in its ring at its first poll
		// (the peer may send before its goroutine runs) and whose loop
		// then ended with the last flow never slept on its vector: the
		// interrupt those frames raised waits in the vector's eventfd.
		for qi := range d.Queues() {
			if q := d.Queue(qi); q.Stats().Interrupts.Load() == 0 {
				if err := q.Wait(time.Second); err != nil {
					t.Logf("queue %d: no interrupt pending after its loop: %v", qi, err)
				}
			}
		}
	}
	for qi := range d.Queues() {
		s := d.Queue(qi).Stats()
		fmt.Printf("igb queue %d: flows %d rx %d tx %d rx-bytes %d interrupts %d wait-timeouts %d irq-late %d nombuf %d badlen %d chained %d errors %d\n",
			qi, perQueue[qi], s.RxPackets.Load(), s.TxPackets.Load(), s.RxBytes.Load(), s.Interrupts.Load(),
			s.WaitTimeouts.Load(), s.IRQLate.Load(), s.RxNoMbuf.Load(), s.RxBadLength.Load(), s.RxChained.Load(), s.RxErrors.Load())
		if d.Queues() > 1 && perQueue[qi] == 0 {
			t.Errorf("queue %d received none of the %d flows", qi, flowCount)
		}
		if irq && s.Interrupts.Load() == 0 {
			t.Errorf("queue %d saw no MSI-X interrupt", qi)
		}
	}
	fmt.Printf("igb rss (interrupts %v): %d queues, %d flows, %d hashed frames, all device hashes equal the software Toeplitz hash: %v\n",
		irq, d.Queues(), len(flows), hashed, !t.Failed())
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if n := pool.InUse(); n != 0 {
		t.Fatalf("pool has %d buffers in use after Close", n)
	}
}

// udpTo reports whether f is an IPv4 UDP datagram to port (no options
// assumed beyond IHL) and returns its source port.
func udpTo(f []byte, port uint16) (uint16, bool) {
	if len(f) < 42 || f[12] != 0x08 || f[13] != 0x00 || f[23] != 17 {
		return 0, false
	}
	ihl := int(f[14]&0x0f) * 4
	if ihl < 20 || len(f) < 14+ihl+8 {
		return 0, false
	}
	u := f[14+ihl:]
	if uint16(u[2])<<8|uint16(u[3]) != port {
		return 0, false
	}
	return uint16(u[0])<<8 | uint16(u[1]), true
}

// reply turns a UDP datagram into its answer in place: Ethernet, IPv4
// addresses and UDP ports swapped. Both checksums stay valid (one's
// complement sums do not depend on the order of their words).
func reply(f []byte) {
	var tmp [6]byte
	copy(tmp[:], f[0:6])
	copy(f[0:6], f[6:12])
	copy(f[6:12], tmp[:])
	var a [4]byte
	copy(a[:], f[26:30])
	copy(f[26:30], f[30:34])
	copy(f[30:34], a[:])
	u := f[14+int(f[14]&0x0f)*4:]
	u[0], u[1], u[2], u[3] = u[2], u[3], u[0], u[1]
}

// TestGuestFlowPeer is the Linux side: from flowCount source ports it sends
// one datagram each to the igb's address and reads every reply back through
// the Linux socket. A flow not answered within a second is sent again, as a
// UDP client would (a datagram may meet the rings before they are filled);
// the whole exchange is bounded by peerDeadline.
func TestGuestFlowPeer(t *testing.T) {
	dst := os.Getenv("GOPKT_IGB_PEER")
	if dst == "" {
		t.Skip("runs as the Linux peer in the backports VM lane's guest (GOPKT_IGB_PEER=ADDRESS)")
	}
	raddr := &net.UDPAddr{IP: net.ParseIP(dst), Port: flowPort}
	conns := make([]*net.UDPConn, flowCount)
	for i := range conns {
		c, err := net.DialUDP("udp4", &net.UDPAddr{Port: peerPort0 + i}, raddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	deadline := time.Now().Add(peerDeadline)
	var answered [flowCount]atomic.Bool
	var wg sync.WaitGroup
	for i, c := range conns {
		c.SetReadDeadline(deadline)
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 2048)
			want := fmt.Sprintf("gopkt igb flow %d", i)
			n, err := c.Read(buf)
			if err != nil {
				t.Errorf("flow %d (port %d): no reply: %v", i, peerPort0+i, err)
				return
			}
			if !bytes.Equal(buf[:n], []byte(want)) {
				t.Errorf("flow %d: reply %q, want %q", i, buf[:n], want)
				return
			}
			answered[i].Store(true)
		}()
	}
	sends := 0
	for round := 0; time.Now().Before(deadline); round++ {
		left := 0
		for i, c := range conns {
			if answered[i].Load() {
				continue
			}
			left++
			if _, err := fmt.Fprintf(c, "gopkt igb flow %d", i); err != nil {
				t.Fatal(err)
			}
			sends++
		}
		if left == 0 {
			break
		}
		if round > 0 {
			fmt.Printf("igb peer: round %d: %d flows unanswered, sent again\n", round, left)
		}
		time.Sleep(time.Second)
	}
	wg.Wait()
	got := 0
	for i := range answered {
		if answered[i].Load() {
			got++
		}
	}
	fmt.Printf("igb peer: %d of %d flows answered (%d datagrams sent)\n", got, flowCount, sends)
}
