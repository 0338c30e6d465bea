package tcp

import (
	"github.com/gopkt/gopkt/hw/mbuf"
)

// recvQueue holds received data in the mbufs it arrived in (zero copy):
// in-order bytes waiting for Read, and out-of-order segments waiting for
// the gap before them to fill (RFC 9293 §3.10.7.4 seventh step: segments
// beyond RCV.NXT are held, not dropped). Every mbuf held is charged to
// the stack's "tcp-rcvq" quota, so the receive queues of all sockets
// together never take the buffers receive refill needs.
type recvQueue struct {
	q     *mbuf.Quota
	in    []*mbuf.Buf // in order; in[head:] are live
	head  int
	bytes int // in-order bytes
	ooo   []oooSeg
	oooB  int // out-of-order bytes
	bufs  int // mbufs charged
	// lastOOO is the start of the most recent out-of-order segment, for
	// the first SACK block (RFC 2018 §4).
	lastOOO uint32
}

type oooSeg struct {
	seq uint32
	b   *mbuf.Buf // one segment (no chain)
}

// rcvGuarantee is the number of mbufs every receive queue may hold even
// when the other sockets have taken the quota, as Linux guarantees each
// socket tcp_rmem[0] under memory pressure. The windows of the sockets
// together promise more than the quota (it bounds what is queued, not
// what is advertised), so one socket whose unread data fills the quota
// would otherwise starve every other receiver; and when its reader waits
// on one of those (an echo or a relay through one stack writes what it
// reads), nothing moves again. The last eighth of the quota is kept for
// queues below the guarantee. In-order data counts only the in-order
// buffers, so out-of-order segments a queue holds can never keep out the
// one that fills the hole before them.
const rcvGuarantee = 4

// charge accounts one more parked mbuf; false when the quota refuses.
// held is what the queue holds of the kind being added (in-order or
// out-of-order buffers), compared with rcvGuarantee in the quota's last
// eighth; -1 skips that check (a buffer moving from the out-of-order to
// the in-order queue, which was admitted before).
func (r *recvQueue) charge(held int) bool {
	if held >= rcvGuarantee && r.q != nil && r.q.InUse() >= r.q.Limit()-r.q.Limit()/8 {
		return false
	}
	if r.q.Charge(1) != nil {
		return false
	}
	r.bufs++
	return true
}

func (r *recvQueue) uncharge() {
	r.bufs--
	r.q.Uncharge(1)
}

// push appends in-order payload b (one segment, non-empty). A small
// payload is copied into the tail buffer when it has room, so a stream of
// tiny segments does not hold one mbuf each; otherwise the buffer itself
// is queued. It returns false (b untouched) when the quota refuses.
func (r *recvQueue) push(b *mbuf.Buf) bool { return r.pushHeld(b, r.bufs-len(r.ooo)) }

// pushHeld is push with charge's held argument.
func (r *recvQueue) pushHeld(b *mbuf.Buf, held int) bool {
	n := b.Len()
	if k := len(r.in); k > r.head && n <= 512 {
		last := r.in[k-1]
		if last.Tailroom() >= n && last.Writable() {
			d, _ := last.Append(n)
			copy(d, b.Bytes())
			r.bytes += n
			b.Free()
			return true
		}
	}
	if !r.charge(held) {
		return false
	}
	if r.head > 0 && len(r.in) == cap(r.in) {
		k := copy(r.in, r.in[r.head:])
		clear(r.in[k:])
		r.in = r.in[:k]
		r.head = 0
	}
	r.in = append(r.in, b)
	r.bytes += n
	return true
}

// read copies up to len(p) in-order bytes into p, freeing buffers it
// empties.
func (r *recvQueue) read(p []byte) int {
	n := 0
	for n < len(p) && r.head < len(r.in) {
		b := r.in[r.head]
		k := copy(p[n:], b.Bytes())
		n += k
		if k == b.Len() {
			r.in[r.head] = nil
			r.head++
			b.Free()
			r.uncharge()
		} else {
			_, _ = b.Pull(k)
		}
	}
	r.bytes -= n
	if r.head == len(r.in) {
		r.in, r.head = r.in[:0], 0
	}
	return n
}

// insertOOO holds b (one segment, data starting at seq) until the gap
// before it is filled. Overlaps are kept and trimmed when the data is
// pulled in order. False (b untouched) when the quota refuses.
func (r *recvQueue) insertOOO(seq uint32, b *mbuf.Buf) bool {
	// A duplicate of a held segment is dropped.
	i := len(r.ooo)
	for i > 0 && seqGT(r.ooo[i-1].seq, seq) {
		i--
	}
	if i > 0 && r.ooo[i-1].seq == seq && r.ooo[i-1].b.Len() >= b.Len() {
		b.Free()
		r.lastOOO = seq
		return true
	}
	if !r.charge(r.bufs) {
		return false
	}
	r.ooo = append(r.ooo, oooSeg{})
	copy(r.ooo[i+1:], r.ooo[i:])
	r.ooo[i] = oooSeg{seq, b}
	r.oooB += b.Len()
	r.lastOOO = seq
	return true
}

// pullOOO moves held segments that are now in order (start ≤ nxt) to the
// in-order queue, trimming what was already received, and returns the new
// RCV.NXT.
func (r *recvQueue) pullOOO(nxt uint32) uint32 {
	for len(r.ooo) > 0 && seqLEQ(r.ooo[0].seq, nxt) {
		s := r.ooo[0]
		copy(r.ooo, r.ooo[1:])
		r.ooo[len(r.ooo)-1] = oooSeg{}
		r.ooo = r.ooo[:len(r.ooo)-1]
		r.oooB -= s.b.Len()
		end := s.seq + uint32(s.b.Len())
		if seqLEQ(end, nxt) { // all old
			s.b.Free()
			r.uncharge()
			continue
		}
		_, _ = s.b.Pull(int(nxt - s.seq))
		r.uncharge() // push charges again
		if !r.pushHeld(s.b, -1) {
			// Cannot happen: we just gave one back. Drop to stay safe.
			s.b.Free()
			continue
		}
		nxt = end
	}
	return nxt
}

// sackBlocks writes up to len(dst) SACK blocks describing the held
// out-of-order data (RFC 2018 §4): the block holding the most recent
// segment first, then the others in sequence order.
func (r *recvQueue) sackBlocks(dst []sackBlock) int {
	if len(r.ooo) == 0 || len(dst) == 0 {
		return 0
	}
	var all [16]sackBlock
	n := 0
	for _, s := range r.ooo {
		end := s.seq + uint32(s.b.Len())
		if n > 0 && seqLEQ(s.seq, all[n-1].end) {
			all[n-1].end = seqMax(all[n-1].end, end)
			continue
		}
		if n == len(all) {
			break
		}
		all[n] = sackBlock{s.seq, end}
		n++
	}
	k := 0
	first := -1
	for i := range n {
		if seqGEQ(r.lastOOO, all[i].start) && seqLT(r.lastOOO, all[i].end) {
			first = i
			dst[0] = all[i]
			k = 1
			break
		}
	}
	for i := 0; i < n && k < len(dst); i++ {
		if i != first {
			dst[k] = all[i]
			k++
		}
	}
	return k
}

// flush frees everything.
func (r *recvQueue) flush() {
	for _, b := range r.in[r.head:] {
		b.Free()
		r.uncharge()
	}
	clear(r.in)
	r.in, r.head, r.bytes = r.in[:0], 0, 0
	for _, s := range r.ooo {
		s.b.Free()
		r.uncharge()
	}
	clear(r.ooo)
	r.ooo, r.oooB = r.ooo[:0], 0
}
