package tcp

// sendBuf is a socket's send buffer (SO_SNDBUF): a byte ring holding the
// data from SND.UNA (sent but unacknowledged) to the end of what the
// application wrote (not yet sent). Write copies into it once; every
// (re)transmission copies the bytes it sends into a fresh mbuf behind the
// headers, so retransmission never depends on what a driver did with an
// earlier copy. It never allocates after the socket is created (or its
// size is changed).
type sendBuf struct {
	b    []byte
	head int // index of the first byte (SND.UNA's data)
	n    int // bytes held
}

func (s *sendBuf) free() int { return len(s.b) - s.n }

// write appends as much of p as fits and returns how much.
func (s *sendBuf) write(p []byte) int {
	k := min(len(p), s.free())
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
	s.head = (s.head + n) % len(s.b)
	s.n -= n
	if s.n == 0 {
		s.head = 0
	}
}

// resize changes the capacity (never below what is held).
func (s *sendBuf) resize(size int) {
	size = max(size, s.n, 1)
	nb := make([]byte, size)
	s.copyAt(nb[:s.n], 0)
	s.b, s.head = nb, 0
}
