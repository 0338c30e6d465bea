package tcp

import (
	"net/netip"
	"sync"
	"time"

	"github.com/gopkt/gopkt/clock"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// Conn is a TCP connection: the RFC 9293 transmission control block and
// its Go socket (net.Conn plus CloseWrite, SetNoDelay, SetKeepAlive,
// SetLinger, SetReadBuffer, SetWriteBuffer; see conn.go).
//
// Locking: mu guards the whole control block. The receive path (the
// interface's goroutine), the timer callback and the application's
// goroutines each take it; segments are built and handed to IPv4 while it
// is held (IPv4 output never calls back into TCP).
type Conn struct {
	t            *TCP
	k            fourTuple
	r            route     // where segments go (the family's network layer)
	fromListener bool      // spawned by a listener: the port is the listener's
	l            *Listener // while a passive open is half done
	active       bool      // we sent the first SYN (Dial)

	mu         sync.Mutex
	state      State
	userClosed bool  // Close was called
	err        error // why the connection ended abnormally (ECONNRESET, ...)

	// Send sequence variables (RFC 9293 §3.3.1).
	iss, sndUna, sndNxt, sndMax uint32
	sndWnd, maxSndWnd           uint32 // bytes (scaled)
	sndWL1, sndWL2              uint32
	sndWS                       uint8 // the peer's window shift
	sb                          sendBuf
	sbSeq                       uint32 // sequence number of sb's first byte
	finQueued                   bool   // CloseWrite/Close: FIN follows the data at finSeq
	mss                         int    // data bytes per segment (options excluded)
	resend                      bool   // sendData lowered mss and rewound SND.NXT (icmp.go lowerMSS)
	nodelay                     bool

	// Receive sequence variables.
	irs, rcvNxt uint32
	rcvWS       uint8  // our window shift
	rcvAdv      uint32 // right edge of the window we advertised
	rcvEdge     uint32 // the edge we promised before the scale's rounding up (window)
	rcvAdvMax   uint32 // the farthest right edge any of our segments advertised (input's window)
	rcvbuf      int
	rq          recvQueue
	rt          rcvTune // receive-window auto-tuning (rcvtune.go)
	finRcvd     bool    // the peer's FIN is in sequence (EOF after the queue)
	oooFin      bool    // a FIN beyond a gap is known at oooFinSeq
	oooFinSeq   uint32  //
	ackNow      bool    // send an ACK before returning from input
	ackPending  int     // full segments received since the last ACK (RFC 9293 §3.8.6.3)
	lastOOWAck  int64   // when oowAck last answered (TCP clock)

	// Options in effect (RFC 7323, RFC 2018).
	tsOK, sackOK bool
	tsRecent     uint32
	tsOffset     uint32
	lastAckSent  uint32

	// Timers: deadlines on the TCP clock (ns since New), 0 when off.
	timer                                 clock.Timer
	timerAt                               int64
	rtoAt, persistAt, dackAt, kaAt, endAt int64
	tlpAt                                 int64 // tail loss probe (RFC 8985 §7)
	tlpOut                                bool  // a probe is out; no other until an ACK advances SND.UNA
	rackAt                                int64 // RACK reordering timer (RFC 8985 §8)
	rto, srtt, rttvar                     time.Duration
	hasRTT                                bool
	backoff                               int // RTO expirations in a row (RFC 6298 §5.5)
	rttTiming                             bool
	rttSeq                                uint32
	rttStart                              int64
	keepalive                             bool
	kaIdle                                time.Duration
	kaSent                                int
	linger                                int // seconds; -1: default (graceful close in the background)

	// Congestion control and loss recovery.
	cc         congestion
	dupAcks    int
	inRecovery bool
	// rtoRecovery: with SACK, the loss recovery that follows an RTO
	// (RFC 6675 §5.1, RFC 8985 §6.3; Linux's CA_Loss) until SND.UNA
	// reaches recover: the scoreboard's lost marks are resent in slow
	// start and RACK keeps marking, lost retransmissions included.
	rtoRecovery bool
	recover     uint32     // RFC 6582 "recover", RFC 6675 RecoveryPoint
	highRxt     uint32     // RFC 6675 HighRxt
	board       scoreboard // RFC 6675 scoreboard with RACK's per-segment state (sack.go)
	rk          rackState  // RFC 8985 (rack.go)

	// Wake-ups for the application.
	rdNotify, wrNotify chan struct{}
	estab              chan struct{} // closed when the handshake ends, either way
	estabDone          bool
	synced             bool          // the handshake completed: the connection was established
	closing            chan struct{} // closed by Close
	finished           chan struct{} // closed on CLOSED
	finishedDone       bool
	rd, wd             *deadline
	closeOnce          sync.Once
}

func (t *TCP) newConn(k fourTuple) *Conn {
	c := &Conn{t: t, k: k, rcvbuf: t.o.ReadBuffer, rto: t.o.InitialRTO, linger: -1, kaIdle: t.o.KeepAliveIdle, nodelay: true,
		rdNotify: make(chan struct{}, 1), wrNotify: make(chan struct{}, 1), estab: make(chan struct{}),
		closing: make(chan struct{}), finished: make(chan struct{}), rd: newDeadline(), wd: newDeadline(),
		cc: newCongestion(t.o.Congestion)}
	c.rq.q = t.q
	c.rk.reset()
	c.initRcvTune()
	c.sb = newSendBuf(t.o.WriteBuffer)
	c.rq.in = make([]*mbuf.Buf, 0, 64)
	c.tsOffset = uint32(t.tsKey.sipTuple(&k, 0))
	c.r = t.routeFor(&k)
	c.timer = t.o.Clock.AfterFunc(time.Hour, c.onTimer)
	c.timer.Stop()
	return c
}

func (c *Conn) tuple() fourTuple { return c.k }

// State returns the connection state.
func (c *Conn) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Info describes the connection (one netstat line).
func (c *Conn) Info() ConnInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.infoLocked()
}

func (c *Conn) infoLocked() ConnInfo {
	return ConnInfo{Local: netip.AddrPortFrom(c.r.src, c.k.lport),
		Remote: netip.AddrPortFrom(c.r.dst, c.k.rport), State: c.state,
		SendQueue: c.sb.n, RecvQueue: c.rq.bytes, SendWindow: int(c.sndWnd), RTT: c.srtt, RTO: c.currentRTO(), Backoff: c.backoff, Cwnd: c.cc.cwnd(),
		Congestion: c.cc.name()}
}

// tsNow is our timestamp clock (RFC 7323 §5.4: 1 ms ticks, a random
// offset per connection).
func (c *Conn) tsNow() uint32 { return uint32(c.t.now()/int64(time.Millisecond)) + c.tsOffset }

// flight is the data outstanding (RFC 5681 FlightSize).
func (c *Conn) flight() int { return int(c.sndMax - c.sndUna) }

// initSend sets the send variables for our SYN.
func (c *Conn) initSend() {
	c.iss = c.t.isn(&c.k)
	c.sndUna, c.sndNxt, c.sndMax = c.iss, c.iss, c.iss
	c.sbSeq = c.iss + 1
	c.recover = c.iss
	c.highRxt = c.iss
}

// negotiate applies the options of the peer's SYN (RFC 9293 §3.7.1 MSS,
// RFC 7323 §2.2 window scale and §3.2 timestamps, RFC 2018 §2 SACK): an
// option is on only when both sides sent it; ours were (or will be) sent
// according to Options.
func (c *Conn) negotiate(s *segment) {
	o := &c.t.o
	peerMSS := 536 // RFC 9293 §3.7.1: the default when the option is absent
	if s.hasMSS && s.mss > 0 {
		peerMSS = int(s.mss)
	}
	c.mss = max(64, min(peerMSS, c.t.routeMSS(&c.k)))
	if s.hasWS && !o.NoWindowScale {
		c.sndWS, c.rcvWS = s.ws, ourWindowShift
	} else {
		c.sndWS, c.rcvWS = 0, 0
	}
	c.sackOK = s.sackPerm && !o.NoSACK
	c.tsOK = s.hasTS && !o.NoTimestamps
	if c.tsOK {
		c.tsRecent = s.tsVal
		c.mss -= 12 // RFC 6691: the option bytes come out of the MSS
	}
	c.cc.init(c.mss)
}

// ourWindowShift is the window scale we offer (RFC 7323 §2.3): windows up
// to 8 MiB with 128-byte granularity, as Linux's default.
const ourWindowShift = 7

// wake tells blocked readers and writers to look again.
func (c *Conn) wakeReaders() {
	select {
	case c.rdNotify <- struct{}{}:
	default:
	}
}

func (c *Conn) wakeWriters() {
	select {
	case c.wrNotify <- struct{}{}:
	default:
	}
}

// establishedLocked ends the handshake successfully.
func (c *Conn) establishedLocked() {
	c.state = Established
	c.synced = true
	c.kaAt = 0
	if c.keepalive {
		c.kaAt = c.t.now() + int64(c.kaIdle)
	}
	if !c.estabDone {
		c.estabDone = true
		close(c.estab)
	}
}

// closeLocked enters CLOSED: err (nil for a normal end) is reported to
// the application; the connection leaves the tables and its timers stop.
func (c *Conn) closeLocked(err error) {
	if c.state == Closed && c.finishedDone {
		return
	}
	c.state = Closed
	if err != nil && c.err == nil {
		c.err = err
	}
	if c.synced {
		// Its last figures, for Closed (taken before the queues go).
		c.t.recordClosed(c.infoLocked())
	}
	c.rtoAt, c.persistAt, c.dackAt, c.kaAt, c.endAt, c.tlpAt, c.rackAt = 0, 0, 0, 0, 0, 0, 0
	c.timer.Stop()
	c.timerAt = 0
	c.endRcvTune()
	c.sb.release()
	if c.userClosed || err != nil {
		c.rq.flush()
	}
	if c.l != nil {
		c.l.halfOpenDone()
		c.l = nil
	}
	if !c.estabDone {
		c.estabDone = true
		close(c.estab)
	}
	if !c.finishedDone {
		c.finishedDone = true
		close(c.finished)
	}
	c.t.unregister(c) // lock order: c.mu, then t.mu (nothing holds t.mu while taking a c.mu)
	c.wakeReaders()
	c.wakeWriters()
}
