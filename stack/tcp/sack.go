package tcp

// scoreboard is the sender's record of what is outstanding (RFC 6675 §3's
// scoreboard, with RFC 8985 §6.1's per-segment state): one record per
// transmitted segment from SND.UNA to SND.MAX, in sequence order and
// contiguous, each with its last transmission time and whether the
// receiver SACKed it, RACK marked it lost, or it was retransmitted.
// SACK blocks and retransmissions split records at their edges, so a
// record is always SACKed, lost or retransmitted as a whole.
//
// The records live in one slice used as a queue (live ones are
// r[head:]); it grows to the largest flight and is reused after that, so
// steady-state transfer does not allocate. Beyond maxRecords a new
// segment is merged into the last record and splits are refused: the
// board gets coarser (a partially SACKed record counts as not SACKed),
// never wrong.
type scoreboard struct {
	r    []txRec
	head int
	// nSACKed counts records SACKed, nRetrans records ever retransmitted
	// (RACK's loss detection can skip its scan when both are zero: every
	// outstanding segment was then sent after the newest delivered one).
	nSACKed, nRetrans int
}

// txRec is one transmitted segment (RFC 8985 §6.1 "Per-segment
// variables"): the sequence range it covers (a FIN counts), when it was
// last and first sent (the TCP clock), and its flags.
type txRec struct {
	start, end uint32
	xmit, orig int64
	flags      uint8
}

const (
	recSACKed   uint8 = 1 << iota // the receiver holds it (RFC 2018)
	recLost                       // RACK marked it lost (RFC 8985 §6.2 step 5, §6.3)
	recInFlight                   // retransmitted since it was marked lost: counts in pipe again
	recRetrans                    // retransmitted at least once (RFC 8985 Segment.retransmitted)
	maxRecords  = 1 << 14
)

func (b *scoreboard) live() []txRec { return b.r[b.head:] }

// forgetSACKs clears the SACKed, lost and in-flight marks (RFC 2018 §8:
// after a retransmission timeout the receiver may have reneged; RFC 6675
// §5.1), keeping the records and their transmission times.
func (b *scoreboard) forgetSACKs() {
	r := b.live()
	for i := range r {
		r[i].flags &^= recSACKed | recLost | recInFlight
	}
	b.nSACKed = 0
}

// find returns the index (in live) of the record holding seq, or len.
func (b *scoreboard) find(seq uint32) int {
	r := b.live()
	lo, hi := 0, len(r)
	for lo < hi {
		m := (lo + hi) / 2
		if seqLEQ(r[m].end, seq) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// split makes seq a record boundary; false when it cannot (the board is
// full), leaving the record whole.
func (b *scoreboard) split(seq uint32) bool {
	i := b.find(seq)
	r := b.live()
	if i == len(r) || r[i].start == seq {
		return true
	}
	if len(r) >= maxRecords {
		return false
	}
	b.compact()
	i += b.head
	b.r = append(b.r, txRec{})
	copy(b.r[i+1:], b.r[i:])
	b.r[i].end = seq
	b.r[i+1].start = seq
	if b.r[i].flags&recSACKed != 0 {
		b.nSACKed++
	}
	if b.r[i].flags&recRetrans != 0 {
		b.nRetrans++
	}
	return true
}

// compact moves the live records to the front when the slice is full.
func (b *scoreboard) compact() {
	if b.head > 0 && len(b.r) == cap(b.r) {
		k := copy(b.r, b.r[b.head:])
		b.r, b.head = b.r[:k], 0
	}
}

// sent records a transmission of [start, end) at now: the part below the
// last record's end is a retransmission (its records get the new time and
// the retransmitted marks), the part above it is new.
func (b *scoreboard) sent(start, end uint32, now int64) {
	r := b.live()
	top := start
	if len(r) > 0 {
		top = r[len(r)-1].end
	}
	if seqLT(start, top) {
		hi := seqMin(end, top)
		b.split(start)
		b.split(hi)
		for i := b.find(start); i < len(b.live()) && seqLT(b.live()[i].start, hi); i++ {
			x := &b.live()[i]
			if x.flags&recRetrans == 0 {
				b.nRetrans++
			}
			x.flags |= recRetrans
			if x.flags&recLost != 0 {
				x.flags |= recInFlight
			}
			x.xmit = now
		}
		start = hi
		r = b.live()
	}
	if !seqLT(start, end) {
		return
	}
	if len(r) > 0 && seqLT(top, start) {
		start = top // never leave a gap (cannot happen: data leaves in order)
	}
	if len(r) >= maxRecords {
		last := &b.r[len(b.r)-1]
		last.end, last.xmit = end, now
		return
	}
	b.compact()
	b.r = append(b.r, txRec{start: start, end: end, xmit: now, orig: now})
}

// pop removes the first record (cumulatively acknowledged).
func (b *scoreboard) pop() {
	x := b.r[b.head]
	if x.flags&recSACKed != 0 {
		b.nSACKed--
	}
	if x.flags&recRetrans != 0 {
		b.nRetrans--
	}
	b.r[b.head] = txRec{}
	b.head++
	if b.head == len(b.r) {
		b.r, b.head = b.r[:0], 0
	}
}

// pipe is RFC 6675 §4 SetPipe with RACK's lost marks standing for
// IsLost (RFC 8985 replaces the DupThresh inference): the bytes of every
// record not SACKed and either not lost or retransmitted after it was
// marked lost.
func (b *scoreboard) pipe() int {
	p := 0
	for _, x := range b.live() {
		if x.flags&recSACKed == 0 && (x.flags&recLost == 0 || x.flags&recInFlight != 0) {
			p += int(x.end - x.start)
		}
	}
	return p
}

// nextLost is RFC 6675 §4 NextSeg rule 1 with RACK's marks: the first
// record marked lost, not SACKed and not retransmitted since.
func (b *scoreboard) nextLost() (start, end uint32, ok bool) {
	for _, x := range b.live() {
		if x.flags&(recSACKed|recLost|recInFlight) == recLost {
			return x.start, x.end, true
		}
	}
	return 0, 0, false
}

// sackedBytes is the data the receiver SACKed.
func (b *scoreboard) sackedBytes() int {
	n := 0
	if b.nSACKed == 0 {
		return 0
	}
	for _, x := range b.live() {
		if x.flags&recSACKed != 0 {
			n += int(x.end - x.start)
		}
	}
	return n
}
