package tcp

// sackBoard is the sender's SACK scoreboard (RFC 6675 §3): the ranges
// above SND.UNA the receiver reported holding, sorted and disjoint. It is
// a fixed array (no allocation); when full, the highest range is
// forgotten, which only makes recovery more conservative.
type sackBoard struct {
	n int
	r [32]sackBlock
}

func (b *sackBoard) reset() { b.n = 0 }

// add merges blk in.
func (b *sackBoard) add(blk sackBlock) {
	// Find the insertion point, then merge neighbours that touch.
	i := 0
	for i < b.n && seqLT(b.r[i].end, blk.start) {
		i++
	}
	j := i
	for j < b.n && seqLEQ(b.r[j].start, blk.end) {
		blk.start = seqMin(blk.start, b.r[j].start)
		blk.end = seqMax(blk.end, b.r[j].end)
		j++
	}
	// b.r[i:j] are replaced by blk.
	if j == i {
		if b.n == len(b.r) {
			if i == b.n {
				return
			}
			b.n-- // forget the highest
		}
		copy(b.r[i+1:b.n+1], b.r[i:b.n])
		b.n++
	} else if j > i+1 {
		copy(b.r[i+1:], b.r[j:b.n])
		b.n -= j - i - 1
	}
	b.r[i] = blk
}

// advance drops what SND.UNA now covers.
func (b *sackBoard) advance(una uint32) {
	k := 0
	for k < b.n && seqLEQ(b.r[k].end, una) {
		k++
	}
	if k > 0 {
		copy(b.r[:], b.r[k:b.n])
		b.n -= k
	}
	if b.n > 0 && seqLT(b.r[0].start, una) {
		b.r[0].start = una
	}
}

// isLost is RFC 6675 §4 IsLost(seq): DupThresh (3) discontiguous SACKed
// ranges above seq, or more than (DupThresh−1)·SMSS bytes SACKed above it.
func (b *sackBoard) isLost(seq uint32, mss int) bool {
	ranges, bytes := 0, 0
	for i := b.n - 1; i >= 0 && seqGT(b.r[i].end, seq); i-- {
		ranges++
		bytes += int(b.r[i].end - seqMax(b.r[i].start, seq+1))
	}
	return ranges >= 3 || bytes > 2*mss
}

// pipe is RFC 6675 §4 SetPipe: bytes outstanding between una and
// highData that are neither SACKed nor lost, plus those retransmitted
// (up to highRxt). Each hole (unSACKed range) is lost or not as a whole:
// the SACKed bytes above every byte of a hole are the same.
func (b *sackBoard) pipe(una, highData, highRxt uint32, mss int) int {
	p := 0
	start := una
	for i := 0; i <= b.n; i++ {
		end := highData
		if i < b.n {
			end = b.r[i].start
		}
		if seqLT(start, end) {
			if !b.isLost(start, mss) {
				p += int(end - start)
			} else if seqGT(highRxt, start) { // retransmitted part of a lost hole
				p += int(seqMin(highRxt, end) - start)
			}
		}
		if i < b.n {
			start = b.r[i].end
		}
	}
	return p
}

// nextLost is RFC 6675 §4 NextSeg rule 1: the first unSACKed byte at or
// after from that is lost; n is how much of its hole follows (ok false
// if none below highData).
func (b *sackBoard) nextLost(from, highData uint32, mss int) (seq uint32, n int, ok bool) {
	start := from
	for i := 0; i <= b.n; i++ {
		end := highData
		if i < b.n {
			end = b.r[i].start
			if seqLEQ(b.r[i].end, from) {
				continue
			}
		}
		s := seqMax(start, from)
		if seqLT(s, end) && b.isLost(s, mss) {
			return s, int(end - s), true
		}
		if i < b.n {
			start = b.r[i].end
		}
	}
	return 0, 0, false
}
