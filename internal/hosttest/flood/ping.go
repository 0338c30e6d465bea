package flood

import (
	"encoding/binary"
	"errors"
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
//
// The round trip is the kernel's: from the return of sendto (the request
// is on the link's queue) to the kernel's receive timestamp of the reply
// (SO_TIMESTAMPNS). A pinger starved of CPU by the flood next to it
// therefore neither sends its requests late by its own clock nor reads
// its replies late into a timeout: what is measured is the target.
type Pinger struct {
	Target   string
	Interval time.Duration // 20 ms unless set
	Window   time.Duration
	Timeout  time.Duration // 1 s unless set
}

// PingResult is what the pinger saw.
type PingResult struct {
	Sent, Answered int
	// Late replies came after Timeout (not answered); the rest of the
	// requests never had a reply.
	Late   int
	MaxRTT time.Duration // of the answered requests
	// Slow counts the answers that took over 100 ms; SlowestAt is when
	// the slowest request was sent, from the start of the window (a
	// stall shows as a run of slow answers there).
	Slow      int
	SlowestAt time.Duration
	// Took is how long sending took (Window when the pinger kept pace).
	Took time.Duration
}

// String is the one-line summary tests log.
func (r PingResult) String() string {
	pct := 0.0
	if r.Sent > 0 {
		pct = 100 * float64(r.Answered) / float64(r.Sent)
	}
	return fmt.Sprintf("%d of %d answered (%.2f%%), %d late, %d unanswered; %d over 100 ms, max rtt %v (sent at %v); sending took %v",
		r.Answered, r.Sent, pct, r.Late, r.Sent-r.Answered-r.Late, r.Slow, r.MaxRTT.Round(time.Microsecond),
		r.SlowestAt.Round(time.Millisecond), r.Took.Round(time.Millisecond))
}

// Run pings. It must run inside the namespace whose link reaches the
// target. The receiver reads until Timeout (plus a margin) after the last
// request, however late the sender was, then takes what is still queued.
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
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		return PingResult{}, err
	}
	id := uint16(os.Getpid())
	sa := &unix.SockaddrInet4{Addr: target.As4()}
	n := int(p.Window / p.Interval)
	sentAt := make([]int64, n)      // when sendto returned (the sender's)
	rxAt := make([]atomic.Int64, n) // the first reply's kernel timestamp (the receiver's)
	done := make(chan struct{})
	var lastSent atomic.Int64
	lastSent.Store(1 << 62) // until the sender is done
	go func() {
		defer close(done)
		buf, oob := make([]byte, 1500), make([]byte, 128)
		for {
			flags := 0
			if time.Now().UnixNano() >= lastSent.Load()+int64(p.Timeout+100*time.Millisecond) {
				flags = unix.MSG_DONTWAIT // past the last timeout: only what is queued
			}
			k, oobn, _, _, err := unix.Recvmsg(fd, buf, oob, flags)
			if err != nil {
				if flags != 0 && (errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EWOULDBLOCK)) {
					return
				}
				continue
			}
			seq, ok := echoReply(buf[:k], id)
			if !ok || seq >= n {
				continue
			}
			if at := received(oob[:oobn]); at != 0 {
				rxAt[seq].CompareAndSwap(0, at)
			}
		}
	}()
	msg := make([]byte, 64)
	tick := time.NewTicker(p.Interval)
	var sendErr error
	start := time.Now()
	for seq := range n {
		msg[0], msg[1] = 8, 0 // echo request
		binary.BigEndian.PutUint16(msg[4:], id)
		binary.BigEndian.PutUint16(msg[6:], uint16(seq))
		msg[2], msg[3] = 0, 0
		binary.BigEndian.PutUint16(msg[2:], ^checksum(msg))
		err := unix.Sendto(fd, msg, 0, sa)
		sentAt[seq] = time.Now().UnixNano()
		if err != nil && sendErr == nil {
			sendErr = fmt.Errorf("echo request %d: %w", seq, err)
		}
		<-tick.C
	}
	tick.Stop()
	r := PingResult{Sent: n, Took: time.Since(start)}
	lastSent.Store(time.Now().UnixNano())
	<-done
	for i := range rxAt {
		at := rxAt[i].Load()
		if at == 0 {
			continue
		}
		// A reply can beat the sender's clock read after sendto.
		d := time.Duration(max(at-sentAt[i], 1))
		if d > p.Timeout {
			r.Late++
			continue
		}
		r.Answered++
		if d > 100*time.Millisecond {
			r.Slow++
		}
		if d > r.MaxRTT {
			r.MaxRTT, r.SlowestAt = d, time.Duration(sentAt[i]-sentAt[0])
		}
	}
	return r, sendErr
}

// echoReply returns the sequence number of an ICMP echo reply with our
// identifier in the IPv4 packet b (a raw socket reads the IP header too).
func echoReply(b []byte, id uint16) (int, bool) {
	if len(b) < 20 || len(b) < int(b[0]&0xf)*4+8 {
		return 0, false
	}
	ic := b[int(b[0]&0xf)*4:]
	if ic[0] != 0 || binary.BigEndian.Uint16(ic[4:]) != id {
		return 0, false
	}
	return int(binary.BigEndian.Uint16(ic[6:])), true
}

// received is the kernel's receive time (SCM_TIMESTAMPNS, a struct
// timespec in the host's byte order) in the control messages, in Unix
// nanoseconds, or 0.
func received(oob []byte) int64 {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return 0
	}
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMPNS && len(m.Data) >= 16 {
			ts := unix.Timespec{
				Sec:  int64(binary.NativeEndian.Uint64(m.Data[0:])),
				Nsec: int64(binary.NativeEndian.Uint64(m.Data[8:])),
			}
			return ts.Nano()
		}
	}
	return 0
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
