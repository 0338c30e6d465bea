package tcp

// SeqForTest returns SND.NXT and RCV.NXT (for the fuzz target to aim
// segments into the window).
func (c *Conn) SeqForTest() (sndNxt, rcvNxt uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sndNxt, c.rcvNxt
}
