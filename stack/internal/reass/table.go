package reass

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
)

// Verdict is what Add did with a fragment.
type Verdict uint8

const (
	Held         Verdict = iota // filed; the datagram is not complete
	Complete                    // the datagram is whole: Add returned it
	Duplicate                   // the same piece again: dropped alone
	Overlap                     // overlaps a piece held: the datagram was abandoned
	Inconsistent                // disagrees with the length a last fragment gave: the datagram was abandoned
	Refused                     // no quota for it and nothing else to evict: the datagram was abandoned
)

// Counters count what the table did; the family reports them.
type Counters struct {
	OKs, Fails, Timeouts, Overlaps, Duplicates, Evicted atomic.Uint64
}

// Options size a table.
type Options struct {
	Quota     *mbuf.Quota   // charged for the buffers held
	Timeout   time.Duration // per datagram, from its first fragment
	Datagrams int           // in progress at most
}

type piece struct {
	off, end int
	b        *mbuf.Buf
}

type datagram[K comparable, X any] struct {
	key     K
	pieces  []piece // sorted by offset, never overlapping
	total   int     // data length, known once the last fragment arrived; -1 before
	have    int     // data bytes held
	bufs    int     // mbuf segments held
	first   X       // what the family noted with the first fragment
	expires time.Time
	// prev and next link the datagrams in progress oldest first: since
	// every datagram gets the same timeout, creation order is expiry
	// order, so eviction and expiry never scan the whole table.
	prev, next *datagram[K, X]
}

// spareMax bounds the datagram records kept for reuse.
const spareMax = 64

// Table holds the datagrams in reassembly. K is the family's fragment key,
// X what it notes about the first fragment (IPv6: where its Fragment
// header is).
type Table[K comparable, X any] struct {
	C     Counters
	o     Options
	mu    sync.Mutex
	m     map[K]*datagram[K, X]
	old   *datagram[K, X] // oldest in progress
	young *datagram[K, X] // youngest in progress
	spare []*datagram[K, X]
}

// New returns an empty table.
func New[K comparable, X any](o Options) *Table[K, X] {
	return &Table[K, X]{o: o, m: map[K]*datagram[K, X]{}}
}

// SetQuota sets the quota the buffers held are charged to, for a family
// whose quota exists only once it is attached to a stack; call it before
// the first Add.
func (t *Table[K, X]) SetQuota(q *mbuf.Quota) {
	t.mu.Lock()
	t.o.Quota = q
	t.mu.Unlock()
}

// newLocked starts datagram k, the youngest.
func (t *Table[K, X]) newLocked(k K, now time.Time) *datagram[K, X] {
	var d *datagram[K, X]
	if n := len(t.spare); n > 0 {
		d = t.spare[n-1]
		t.spare = t.spare[:n-1]
		*d = datagram[K, X]{pieces: d.pieces[:0]}
	} else {
		d = &datagram[K, X]{pieces: make([]piece, 0, 8)}
	}
	d.total, d.expires = -1, now.Add(t.o.Timeout)
	d.prev = t.young
	if t.young != nil {
		t.young.next = d
	} else {
		t.old = d
	}
	t.young = d
	d.key = k
	t.m[k] = d
	return d
}

// removeLocked takes d out of the table.
func (t *Table[K, X]) removeLocked(d *datagram[K, X]) {
	if d.prev != nil {
		d.prev.next = d.next
	} else {
		t.old = d.next
	}
	if d.next != nil {
		d.next.prev = d.prev
	} else {
		t.young = d.prev
	}
	d.prev, d.next = nil, nil
	delete(t.m, d.key)
}

// recycleLocked keeps d (out of the map, its buffers handed on or freed).
func (t *Table[K, X]) recycleLocked(d *datagram[K, X]) {
	if len(t.spare) < spareMax {
		clear(d.pieces[:cap(d.pieces)])
		d.pieces = d.pieces[:0]
		var zero X
		d.first = zero
		t.spare = append(t.spare, d)
	}
}

func (t *Table[K, X]) dropLocked(d *datagram[K, X]) {
	for _, p := range d.pieces {
		p.b.Free()
	}
	t.o.Quota.Uncharge(d.bufs)
	t.removeLocked(d)
	t.recycleLocked(d)
}

// evictOldestLocked frees the oldest datagram other than keep.
func (t *Table[K, X]) evictOldestLocked(keep *datagram[K, X]) bool {
	vd := t.old
	if vd == keep && vd != nil {
		vd = vd.next
	}
	if vd == nil {
		return false
	}
	t.dropLocked(vd)
	t.C.Evicted.Add(1)
	t.C.Fails.Add(1)
	return true
}

// Add files b, the piece [off, end) of datagram k's data; last says it
// is the last piece (MF or M clear). b is positioned as the family wants
// it in the result: the piece at offset 0 at its IP header (and first is
// noted with it), the others at their data. Add owns b. When the datagram
// is whole it returns its pieces chained in order, the data length and the
// note; the family rebuilds the header.
func (t *Table[K, X]) Add(k K, b *mbuf.Buf, off, end int, last bool, first X, now time.Time) (*mbuf.Buf, int, X, Verdict) {
	var zero X
	t.mu.Lock()
	d := t.m[k]
	if d == nil {
		if len(t.m) >= t.o.Datagrams {
			t.evictOldestLocked(nil)
		}
		d = t.newLocked(k, now)
	}
	bad := false
	if last {
		bad = d.total >= 0 && d.total != end || d.total < 0 && len(d.pieces) > 0 && d.pieces[len(d.pieces)-1].end > end
		d.total = end
	} else if d.total >= 0 && end > d.total {
		bad = true
	}
	if bad {
		return t.abandonLocked(d, b, Inconsistent)
	}
	i, _ := slices.BinarySearchFunc(d.pieces, off, func(p piece, off int) int { return p.off - off })
	for _, j := range []int{i - 1, i} {
		if j < 0 || j >= len(d.pieces) || !(off < d.pieces[j].end && d.pieces[j].off < end) {
			continue
		}
		if d.pieces[j].off == off && d.pieces[j].end == end {
			t.C.Duplicates.Add(1)
			t.mu.Unlock()
			b.Free()
			return nil, 0, zero, Duplicate
		}
		t.C.Overlaps.Add(1)
		return t.abandonLocked(d, b, Overlap)
	}
	segs := b.Segs()
	for t.o.Quota.Charge(segs) != nil {
		if !t.evictOldestLocked(d) {
			return t.abandonLocked(d, b, Refused)
		}
	}
	if off == 0 {
		d.first = first
	}
	d.pieces = slices.Insert(d.pieces, i, piece{off: off, end: end, b: b})
	d.have += end - off
	d.bufs += segs
	if d.total < 0 || d.have != d.total {
		t.mu.Unlock()
		return nil, 0, zero, Held
	}
	// Non-overlapping pieces summing to total tile [0, total).
	t.o.Quota.Uncharge(d.bufs)
	t.removeLocked(d)
	head := d.pieces[0].b
	tail := head.Last()
	for _, p := range d.pieces[1:] {
		tail.SetNext(p.b)
		tail = p.b.Last()
	}
	total, note := d.total, d.first
	t.recycleLocked(d)
	t.mu.Unlock()
	t.C.OKs.Add(1)
	return head, total, note, Complete
}

func (t *Table[K, X]) abandonLocked(d *datagram[K, X], b *mbuf.Buf, v Verdict) (*mbuf.Buf, int, X, Verdict) {
	var zero X
	t.C.Fails.Add(1)
	t.dropLocked(d)
	t.mu.Unlock()
	b.Free()
	return nil, 0, zero, v
}

// Expire drops the datagrams past their timeout. For each one whose first
// piece had arrived, expired gets that piece (at its IP header) after the
// lock is released, to quote in a time exceeded message, and frees it.
func (t *Table[K, X]) Expire(now time.Time, expired func(first *mbuf.Buf)) {
	var first []*mbuf.Buf
	t.mu.Lock()
	for t.old != nil && !now.Before(t.old.expires) {
		d := t.old
		if len(d.pieces) > 0 && d.pieces[0].off == 0 {
			first = append(first, d.pieces[0].b)
			d.pieces = slices.Delete(d.pieces, 0, 1)
		}
		t.dropLocked(d)
		t.C.Timeouts.Add(1)
		t.C.Fails.Add(1)
	}
	t.mu.Unlock()
	for _, b := range first {
		expired(b)
	}
}

// Pending is the number of datagrams in progress.
func (t *Table[K, X]) Pending() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

// Held reports the datagrams in progress, the segments charged for them,
// and the segments their pieces hold counted piece by piece: the last two
// must agree (the fuzz targets check it).
func (t *Table[K, X]) Held() (datagrams, charged, segs int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, d := range t.m {
		charged += d.bufs
		for _, p := range d.pieces {
			segs += p.b.Segs()
		}
	}
	return len(t.m), charged, segs
}

// Flush frees everything (Close).
func (t *Table[K, X]) Flush() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, d := range t.m {
		t.dropLocked(d)
	}
}
