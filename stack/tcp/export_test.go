package tcp

import "fmt"

// SeqForTest returns SND.NXT and RCV.NXT (for the fuzz target to aim
// segments into the window).
func (c *Conn) SeqForTest() (sndNxt, rcvNxt uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sndNxt, c.rcvNxt
}

// DebugForTest describes the receive side for a failing test's log.
func (c *Conn) DebugForTest() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprintf("state %v rcvNxt %d rcvAdv %d (window %d) rq %d bytes %d bufs, ooo %d segs %d bytes, finRcvd %v oooFin %v; tsOK %v tsRecent %d lastAckSent %d; sndUna %d sndNxt %d sndMax %d sndWnd %d sb %d finQueued %v inRecovery %v timers rto %d tlp %d persist %d dack %d",
		c.state, c.rcvNxt, c.rcvAdv, int32(c.rcvAdv-c.rcvNxt), c.rq.bytes, c.rq.bufs, len(c.rq.ooo), c.rq.oooB, c.finRcvd, c.oooFin,
		c.tsOK, c.tsRecent, c.lastAckSent, c.sndUna, c.sndNxt, c.sndMax, c.sndWnd, c.sb.n, c.finQueued, c.inRecovery,
		c.rtoAt, c.tlpAt, c.persistAt, c.dackAt)
}

// ReadBufferForTest returns the receive buffer in effect (auto-tuned).
func (c *Conn) ReadBufferForTest() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rcvbuf
}

// SendBufferHeldForTest reports whether the send buffer's ring is allocated.
func (c *Conn) SendBufferHeldForTest() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sb.b != nil
}
