package tcp

// sendBuf is a socket's send buffer (SO_SNDBUF): a byte ring holding the
// data from SND.UNA (sent but unacknowledged) to the end of what the
// application wrote (not yet sent). Write copies into it once; every
// (re)transmission copies the bytes it sends into a fresh mbuf behind the
// headers, so retransmission never depends on what a driver did with an
// earlier copy. The ring is allocated by the first write, not when the
// socket is created (a connection that never sends, such as an HTTP
// server's idle keep-alive or one refused by its application, costs no
// buffer), and dropped when the send side is done (our FIN acknowledged:
// TIME_WAIT and FIN_WAIT_2 hold none) or the connection closes; in
// between it never allocates (unless its size is changed).
type sendBuf struct {
	b    []byte // nil until the first write and after release
	size int    // its capacity, SO_SNDBUF
	head int    // index of the first byte (SND.UNA's data)
	n    int    // bytes held
}

func newSendBuf(size int) sendBuf { return sendBuf{size: max(size, 1)} }

func (s *sendBuf) free() int { return s.size - s.n }

// write appends as much of p as fits and returns how much.
func (s *sendBuf) write(p []byte) int {
	k := min(len(p), s.free())
	if k == 0 {
		return 0
	}
	if s.b == nil {
		s.b, s.head = make([]byte, s.size), 0
	}
	tail := (s.head + s.n) % len(s.b)
	c := copy(s.b[tail:], p[:k])
	copy(s.b, p[c:k])
	s.n += k
	return k
}

// copyAt copies len(dst) bytes starting off bytes after the head.
func (s *sendBuf) copyAt(dst []byte, off int) {
	i := (s.head + off) % len(s.b)
	c := copy(dst, s.b[i:])
	copy(dst[c:], s.b)
}

// consume drops n acknowledged bytes from the front.
func (s *sendBuf) consume(n int) {
	if n <= 0 {
		return
	}
	s.head = (s.head + n) % len(s.b)
	s.n -= n
	if s.n == 0 {
		s.head = 0
	}
}

// resize changes the capacity (never below what is held).
func (s *sendBuf) resize(size int) {
	size = max(size, s.n, 1)
	s.size = size
	if s.b == nil {
		return
	}
	nb := make([]byte, size)
	s.copyAt(nb[:s.n], 0)
	s.b, s.head = nb, 0
}

// release drops the ring if it holds nothing; the next write allocates
// it again.
func (s *sendBuf) release() {
	if s.n == 0 {
		s.b, s.head = nil, 0
	}
}
