package main

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/drivers/igb"
)

// TestReserveArithmetic pins the reserve of the daemon's default e1000:
// 512 RX descriptors + a refill cache of up to 2×128 + 512 TX descriptors
// + a TX cache of up to 128 + the burst and transmit queue (64).
func TestReserveArithmetic(t *testing.T) {
	if n := reserveFor(&e1000Driver{cfg: e1000.Config{RxDescs: 512, TxDescs: 512}}); n != 1472 {
		t.Errorf("e1000 512/512 reserve %d, want 1472", n)
	}
	// igb, per queue pair: 256 + 256 descriptors, its own refill and
	// completion caches (2×64 each), the stack's pair cache (2×64), 64.
	if n := reserveFor(&igbDriver{cfg: igb.Config{Queues: 2, RxRing: 256, TxRing: 256}}); n != 2*(256+256+256+128+64) {
		t.Errorf("igb 2×256/256 reserve %d, want %d", n, 2*(256+256+256+128+64))
	}
	if n := reserveFor(&tapDriver{}); n != 65 {
		t.Errorf("tap reserve %d, want 65", n)
	}
}

// TestDaemonStatusBudget: the status shows the pool, the budget and every
// quota with its limit, use and refusals, the UDP per-socket limits, the
// refusals of ARP hold queues and reassembly, and the --udp-sink sockets.
func TestDaemonStatusBudget(t *testing.T) {
	r := startRun([]string{"-d", "loop", "-p", "ipv4", "-p", "udp,rcvbuf=65536", "--buffers", "256", "--udp-sink", "9000-9009"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	r.status <- syscall.SIGUSR1
	waitFor(t, &r.out, "udp per socket", 10*time.Second)
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s", code, r.errOut.String())
	}
	out := r.out.String()
	// 256 buffers, one loop interface: the reserve is a quarter of the
	// pool (64) or the loop's 65, whichever is more; 191 may be parked:
	// udp half, the ARP hold queues and reassembly a quarter each.
	for _, want := range []string{
		"pool: 0 of 256 buffers in use\n",
		"budget: reserve 65 (receive refill, rings, in flight), parkable 191, parked 0, refused 0\n",
		"  quota arp-hold   limit    47 in use     0 peak     0 refused 0 (quota) 0 (budget)\n",
		"  quota reassembly limit    47 in use     0 peak     0 refused 0 (quota) 0 (budget)\n",
		"  quota udp-rcvq   limit    95 in use     0 peak     0 refused 0 (quota) 0 (budget)\n",
		"  udp per socket: 256 mbufs, 65536 bytes; refused: socket-mbufs 0 socket-bytes 0 closing 0\n",
		"     hold queues: dropped 0; refused 0 (quota) 0 (budget)\n",
		"reassembled 0 of 0 needed, failed 0, timeouts 0, overlaps 0, evicted 0; refused 0 (quota) 0 (budget)\n",
		"udp-sink ports 9000-9009: 10 sockets, never read\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
}
