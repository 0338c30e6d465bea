package flood

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Pinger is the peer that pings the target during a hostile run: an ICMP
// echo request (RFC 792) every Interval for Window on a raw socket, each
// counted as answered when its reply came within Timeout (like ping -W),
// so no request is cut off by the end of the run.
type Pinger struct {
	Target   string
	Interval time.Duration // 20 ms unless set
	Window   time.Duration
	Timeout  time.Duration // 1 s unless set
}

// PingResult is what the pinger saw.
type PingResult struct {
	Sent, Answered int
	MaxRTT         time.Duration // of the answered requests
	// Slow counts the answers that took over 100 ms; SlowestAt is when
	// the slowest request was sent, from the start of the window (a
	// stall shows as a run of slow answers there).
	Slow      int
	SlowestAt time.Duration
}

// String is the one-line summary tests log.
func (r PingResult) String() string {
	pct := 0.0
	if r.Sent > 0 {
		pct = 100 * float64(r.Answered) / float64(r.Sent)
	}
	return fmt.Sprintf("%d of %d answered (%.2f%%), %d over 100 ms, max rtt %v (sent at %v)",
		r.Answered, r.Sent, pct, r.Slow, r.MaxRTT.Round(time.Microsecond), r.SlowestAt.Round(time.Millisecond))
}

// Run pings. It must run inside the namespace whose link reaches the
// target. The receiver stops Timeout (plus a margin) after the last
// request, however late the sender was.
func (p Pinger) Run() (PingResult, error) {
	if p.Interval <= 0 {
		p.Interval = 20 * time.Millisecond
	}
	if p.Timeout <= 0 {
		p.Timeout = time.Second
	}
	target, err := netip.ParseAddr(p.Target)
	if err != nil {
		return PingResult{}, err
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP)
	if err != nil {
		return PingResult{}, err
	}
	defer unix.Close(fd)
	tv := unix.NsecToTimeval(int64(100 * time.Millisecond))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return PingResult{}, err
	}
	id := uint16(os.Getpid())
	sa := &unix.SockaddrInet4{Addr: target.As4()}
	n := int(p.Window / p.Interval)
	sentAt := make([]atomic.Int64, n)
	rtt := make([]atomic.Int64, n) // 0: not answered in time
	done := make(chan struct{})
	var lastSent atomic.Int64
	lastSent.Store(1 << 62) // until the sender is done
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for time.Now().UnixNano() < lastSent.Load()+int64(p.Timeout+100*time.Millisecond) {
			k, _, err := unix.Recvfrom(fd, buf, 0)
			if err != nil || k < 28 {
				continue
			}
			ic := buf[int(buf[0]&0xf)*4 : k]
			if len(ic) < 8 || ic[0] != 0 || binary.BigEndian.Uint16(ic[4:]) != id {
				continue
			}
			seq := int(binary.BigEndian.Uint16(ic[6:]))
			if seq >= n || sentAt[seq].Load() == 0 {
				continue
			}
			if d := time.Now().UnixNano() - sentAt[seq].Load(); d <= int64(p.Timeout) {
				rtt[seq].Store(max(d, 1))
			}
		}
	}()
	msg := make([]byte, 64)
	tick := time.NewTicker(p.Interval)
	var sendErr error
	for seq := range n {
		msg[0], msg[1] = 8, 0 // echo request
		binary.BigEndian.PutUint16(msg[4:], id)
		binary.BigEndian.PutUint16(msg[6:], uint16(seq))
		msg[2], msg[3] = 0, 0
		binary.BigEndian.PutUint16(msg[2:], ^checksum(msg))
		sentAt[seq].Store(time.Now().UnixNano())
		if err := unix.Sendto(fd, msg, 0, sa); err != nil && sendErr == nil {
			sendErr = fmt.Errorf("echo request %d: %w", seq, err)
		}
		<-tick.C
	}
	tick.Stop()
	lastSent.Store(time.Now().UnixNano())
	<-done
	r := PingResult{Sent: n}
	for i := range rtt {
		d := time.Duration(rtt[i].Load())
		if d == 0 {
			continue
		}
		r.Answered++
		if d > 100*time.Millisecond {
			r.Slow++
		}
		if d > r.MaxRTT {
			r.MaxRTT, r.SlowestAt = d, time.Duration(sentAt[i].Load()-sentAt[0].Load())
		}
	}
	return r, sendErr
}

// checksum is the ones' complement sum of b (RFC 1071).
func checksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}
