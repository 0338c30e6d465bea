package tcp_test

import (
	"crypto/sha256"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/tcp"
)

// TestLinuxAutoTune: Linux sends to us over a path with 20 ms of delay
// (every frame from Linux held back on our side). A fixed 256 KiB window
// caps the transfer at 256 KiB per 20 ms; auto-tuning must grow the
// window beyond it. The same transfer with tuning off is the comparison
// (throughput is reported, not asserted: speed targets live in
// benchmarks).
func TestLinuxAutoTune(t *testing.T) {
	const size = 24 << 20
	for _, tc := range []struct {
		name string
		max  int
	}{{"tuned", 0}, {"fixed", 256 << 10}} {
		t.Run(tc.name, func(t *testing.T) {
			p := newLinuxPeer(t, "tcpw"+tc.name[:1], tcp.Options{ReadBuffer: 256 << 10, MaxReadBuffer: tc.max})
			p.delay(t, 100, 0, 20*time.Millisecond, 20*time.Millisecond)
			l, err := p.tcp.Listen("tcp", "198.18.6.1:5004")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			data := blob(11, size)
			sent := make(chan error, 1)
			go func() {
				var lc net.Conn
				err := p.ns.Do(func() (err error) {
					lc, err = net.DialTimeout("tcp4", "198.18.6.1:5004", 10*time.Second)
					return
				})
				if err == nil {
					_ = lc.SetDeadline(time.Now().Add(90 * time.Second))
					_, err = lc.Write(data)
					lc.Close()
				}
				sent <- err
			}()
			_ = l.SetDeadline(time.Now().Add(10 * time.Second))
			c, err := l.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			our := c.(*tcp.Conn)
			_ = c.SetDeadline(time.Now().Add(90 * time.Second))
			start := time.Now()
			h := sha256.New()
			n, err := io.Copy(h, c)
			el := time.Since(start)
			if err != nil || n != size {
				t.Fatalf("received %d of %d bytes: %v", n, size, err)
			}
			if want := sha256.Sum256(data); string(h.Sum(nil)) != string(want[:]) {
				t.Fatal("digest mismatch")
			}
			if err := <-sent; err != nil {
				t.Fatalf("Linux side: %v", err)
			}
			buf, at := our.ReadBufferForTest(), p.tcp.AutoTune()
			t.Logf("%s: %d MB in %v (%.1f MB/s), receive buffer %d KiB (initial 256 KiB); stack-wide reserved %d of %d mbufs, %d grows, %d refused",
				tc.name, size>>20, el.Round(time.Millisecond), float64(size)/el.Seconds()/1e6, buf>>10, at.Reserved, at.Limit, at.Grows, at.Refused)
			if tc.name == "tuned" && buf <= 256<<10 {
				t.Errorf("the window never grew beyond the initial 256 KiB")
			}
			if tc.name == "fixed" && buf != 256<<10 {
				t.Errorf("tuning off, yet the buffer is %d", buf)
			}
		})
	}
}

// TestAutoTuneStackLimit: many sockets receiving at once can together
// reserve no more than the stack-wide share, whatever each would like;
// the quota is never exceeded; every reservation comes back on close.
func TestAutoTuneStackLimit(t *testing.T) {
	const conns, size, share = 8, 8 << 20, 64
	n := newNet2(t, netOpts{TCP: tcp.Options{ReadBuffer: 64 << 10, AutoTuneBuffers: share}, Buffers: 4096})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var maxRes, maxQ int
	var mu sync.Mutex
	go func() { // sample the reservation and the quota while data flows
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Microsecond):
			}
			r, q := n.B.AutoTune().Reserved, n.B.Quota().InUse()
			mu.Lock()
			maxRes, maxQ = max(maxRes, r), max(maxQ, q)
			mu.Unlock()
		}
	}()
	var readers []*tcp.Conn
	for range conns {
		c1, c2 := n.connect(t)
		readers = append(readers, c2)
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := c1.Write(make([]byte, size)); err != nil {
				t.Error(err)
			}
			_ = c1.CloseWrite()
		}()
		go func() {
			defer wg.Done()
			if k, err := io.Copy(io.Discard, c2); err != nil || k != size {
				t.Errorf("received %d of %d: %v", k, size, err)
			}
		}()
	}
	wg.Wait()
	close(stop)
	at := n.B.AutoTune()
	grown := 0
	for _, c := range readers {
		if c.ReadBufferForTest() > 64<<10 {
			grown++
		}
	}
	mu.Lock()
	t.Logf("%d sockets: %d grew; reserved at most %d of %d mbufs (now %d); quota peak %d of %d; %d grows, %d refused",
		conns, grown, maxRes, at.Limit, at.Reserved, maxQ, n.B.Quota().Limit(), at.Grows, at.Refused)
	if maxRes > share || at.Reserved > share {
		t.Errorf("reserved %d mbufs, above the share of %d", max(maxRes, at.Reserved), share)
	}
	if maxQ > n.B.Quota().Limit() {
		t.Errorf("quota in use %d above its limit %d", maxQ, n.B.Quota().Limit())
	}
	mu.Unlock()
	if grown == 0 || at.Refused == 0 {
		t.Errorf("want some windows grown and the share reached: %d grown, %d refused", grown, at.Refused)
	}
	for _, c := range readers {
		c.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for n.B.AutoTune().Reserved != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if r := n.B.AutoTune().Reserved; r != 0 {
		t.Errorf("%d mbufs still reserved after every socket closed", r)
	}
}
