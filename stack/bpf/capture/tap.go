package capture

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	xbpf "golang.org/x/net/bpf"

	"github.com/gopkt/gopkt/clock"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/bpf"
	"github.com/gopkt/gopkt/stack/wire"
)

// Direction says which way a frame was going through the interface. As a
// Tap option it is a mask.
type Direction uint8

// Directions.
const (
	In   Direction = 1 << iota // received
	Out                        // sent
	Both = In | Out
)

func (d Direction) String() string {
	switch d {
	case In:
		return "In"
	case Out:
		return "Out"
	case Both:
		return "In/Out"
	}
	return "none"
}

// Info describes one captured frame.
type Info struct {
	Time          int64     // ns since the Unix epoch: the mbuf's RX timestamp, or the clock at capture
	Length        int       // length of the frame as it was on the interface
	CaptureLength int       // bytes kept (≤ Length, ≤ snap length); after Read, bytes copied out
	Dir           Direction // In or Out
	IfIndex       int       // interface index (mbuf Meta.Port)
}

// Timestamp returns Time as a time.Time.
func (in Info) Timestamp() time.Time { return time.Unix(0, in.Time) }

// ErrClosed is returned by Read once the tap is closed and drained.
var ErrClosed = errors.New("capture: tap closed")

// Options configure a Tap. The zero value captures everything in both
// directions with a 256 KiB snap length into a 4 MiB ring.
type Options struct {
	// Filter is a tcpdump-style expression (see package bpf); empty
	// accepts every frame. Ignored if Program is set.
	Filter string
	// Program is a classic BPF program to use instead of Filter.
	Program []xbpf.Instruction
	// LinkType of the interface the tap is attached to; default Ethernet.
	LinkType bpf.LinkType
	// Snaplen caps the bytes kept per frame; 0 means bpf.DefaultSnaplen.
	Snaplen int
	// BufferSize is the ring size in bytes; 0 means 4 MiB. Frames that do
	// not fit while the reader is behind are dropped and counted.
	BufferSize int
	// Dir selects the directions captured; 0 means Both.
	Dir Direction
	// Clock stamps frames without an RX timestamp; nil means
	// clock.System(). Tests pass a clocktest.Clock.
	Clock clock.Clock
}

// Stats are a tap's counters (pcap_stats(3) in spirit).
type Stats struct {
	Seen     uint64 // frames offered in the tap's directions
	Accepted uint64 // frames the filter accepted
	Dropped  uint64 // accepted frames lost because the ring was full
}

// Tap is a capture point listener: it filters the frames an interface
// shows it, copies the accepted ones into its ring and lets readers take
// them out. It implements the stack's Tap interface (method Tap) and
// pktdump's Source. All methods are safe for concurrent use.
type Tap struct {
	prog    *bpf.Program // nil accepts everything
	snap    uint32
	dirs    Direction
	link    bpf.LinkType
	clk     clock.Clock
	notify  chan struct{} // capacity 1: "the ring is not empty"
	done    chan struct{} // closed by Close
	once    sync.Once
	closed  atomic.Bool
	seen    atomic.Uint64
	accepts atomic.Uint64
	drops   atomic.Uint64

	mu      sync.Mutex
	ring    ring
	scratch []byte // contiguous copy of chained or VLAN-stripped frames
}

// New compiles the filter and allocates the ring.
func New(opts Options) (*Tap, error) {
	if opts.LinkType == 0 {
		opts.LinkType = bpf.LinkEthernet
	}
	if opts.Snaplen <= 0 {
		opts.Snaplen = bpf.DefaultSnaplen
	}
	if opts.BufferSize <= 0 {
		opts.BufferSize = 4 << 20
	}
	if opts.BufferSize < recLen(1) {
		return nil, fmt.Errorf("capture: buffer size %d is below one record (%d bytes); use 0 for the 4 MiB default", opts.BufferSize, recLen(1))
	}
	if opts.Dir == 0 {
		opts.Dir = Both
	}
	t := &Tap{
		snap:   uint32(opts.Snaplen),
		dirs:   opts.Dir,
		link:   opts.LinkType,
		clk:    clock.Or(opts.Clock),
		notify: make(chan struct{}, 1),
		done:   make(chan struct{}),
		ring:   newRing(opts.BufferSize),
	}
	prog := opts.Program
	if prog == nil && opts.Filter != "" {
		var err error
		prog, err = bpf.Compile(opts.Filter, opts.LinkType, uint32(opts.Snaplen))
		if err != nil {
			return nil, fmt.Errorf("capture: %w", err)
		}
	}
	if prog != nil {
		p, err := bpf.NewProgram(prog)
		if err != nil {
			return nil, fmt.Errorf("capture: %w", err)
		}
		t.prog = p
	}
	return t, nil
}

// LinkType returns the link type frames are captured with.
func (t *Tap) LinkType() bpf.LinkType { return t.link }

// Snaplen returns the snap length.
func (t *Tap) Snaplen() int { return int(t.snap) }

// Stats returns the counters.
func (t *Tap) Stats() Stats {
	return Stats{Seen: t.seen.Load(), Accepted: t.accepts.Load(), Dropped: t.drops.Load()}
}

// Tap is the data-path entry the interface layer calls for every frame in
// both directions (b.Meta.Port is the interface index, mbuf.FlagOutbound
// the direction). It copies what the filter accepts and never keeps,
// modifies or frees b. A frame whose 802.1Q tag the NIC stripped into
// b.Meta.VLAN is captured with the tag put back, as it was on the wire.
func (t *Tap) Tap(b *mbuf.Buf) {
	dir := In
	if b.Meta.Flags&mbuf.FlagOutbound != 0 {
		dir = Out
	}
	if t.dirs&dir == 0 || t.closed.Load() {
		return
	}
	ts := b.Meta.Time // 0: read the clock only if the frame is accepted
	if b.Next() == nil && b.Meta.Flags&mbuf.FlagVLAN == 0 {
		t.capture(b.Bytes(), dir, int(b.Meta.Port), ts)
		return
	}
	// Chained or tag-stripped: rebuild the frame contiguously first (rare).
	t.mu.Lock()
	n := b.PktLen()
	tagged := b.Meta.Flags&mbuf.FlagVLAN != 0 && n >= 12
	if tagged {
		n += wire.VLANTagLen
	}
	if cap(t.scratch) < n {
		t.scratch = make([]byte, n)
	}
	frame := t.scratch[:n]
	if tagged {
		// dst, src, then the 802.1Q tag (TPID 0x8100, TCI), then the
		// original EtherType and payload (IEEE 802.1Q clause 9.3).
		copyFrom(frame[:12], b, 0)
		binary.BigEndian.PutUint16(frame[12:], uint16(wire.EtherTypeVLAN))
		binary.BigEndian.PutUint16(frame[14:], b.Meta.VLAN)
		copyFrom(frame[16:], b, 12)
	} else {
		b.CopyTo(frame)
	}
	woke := t.captureHeld(frame, dir, int(b.Meta.Port), ts)
	t.mu.Unlock()
	if woke {
		t.wake()
	}
}

// copyFrom copies the chain's bytes from offset skip into dst.
func copyFrom(dst []byte, b *mbuf.Buf, skip int) {
	for s := b; s != nil && len(dst) > 0; s = s.Next() {
		seg := s.Bytes()
		if skip >= len(seg) {
			skip -= len(seg)
			continue
		}
		n := copy(dst, seg[skip:])
		dst = dst[n:]
		skip = 0
	}
}

// Capture offers one contiguous frame to the tap, for callers that do not
// hold an mbuf (e.g. a radio layer building radiotap frames). frame is
// copied if accepted and not retained; ts 0 means "now".
func (t *Tap) Capture(frame []byte, dir Direction, ifIndex int, ts int64) {
	if t.dirs&dir == 0 || t.closed.Load() {
		return
	}
	t.capture(frame, dir, ifIndex, ts)
}

func (t *Tap) capture(frame []byte, dir Direction, ifIndex int, ts int64) {
	t.seen.Add(1)
	keep := uint32(len(frame))
	if t.prog != nil {
		keep = t.prog.Run(frame)
		if keep == 0 {
			return
		}
	}
	keep = min(keep, t.snap, uint32(len(frame)))
	t.accepts.Add(1)
	if ts == 0 {
		ts = t.clk.Now().UnixNano()
	}
	t.mu.Lock()
	rec := t.ring.reserve(int(keep))
	if rec == nil {
		t.mu.Unlock()
		t.drops.Add(1)
		return
	}
	copy(rec[recHdrLen:], frame[:keep])
	t.ring.commit(rec, Info{Time: ts, Length: len(frame), CaptureLength: int(keep), Dir: dir, IfIndex: ifIndex})
	t.mu.Unlock()
	t.wake()
}

// captureHeld is capture for a frame in t.scratch, which is only stable
// while t.mu is held: the caller holds it. It reports whether a frame was
// stored (the caller wakes readers after unlocking).
func (t *Tap) captureHeld(frame []byte, dir Direction, ifIndex int, ts int64) bool {
	t.seen.Add(1)
	keep := uint32(len(frame))
	if t.prog != nil {
		if keep = t.prog.Run(frame); keep == 0 {
			return false
		}
	}
	keep = min(keep, t.snap, uint32(len(frame)))
	t.accepts.Add(1)
	if ts == 0 {
		ts = t.clk.Now().UnixNano()
	}
	rec := t.ring.reserve(int(keep))
	if rec == nil {
		t.drops.Add(1)
		return false
	}
	copy(rec[recHdrLen:], frame[:keep])
	t.ring.commit(rec, Info{Time: ts, Length: len(frame), CaptureLength: int(keep), Dir: dir, IfIndex: ifIndex})
	return true
}

func (t *Tap) wake() {
	select {
	case t.notify <- struct{}{}:
	default:
	}
}

// Read waits for the next captured frame, copies it into buf (truncating
// to len(buf); Info.CaptureLength is the number of bytes copied) and
// returns its Info. It returns ctx.Err() when ctx ends first (use
// context.WithDeadline for a deadline), and ErrClosed once the tap is
// closed and every frame captured before Close has been read.
func (t *Tap) Read(ctx context.Context, buf []byte) (Info, error) {
	for {
		t.mu.Lock()
		in, n, ok := t.ring.pop(buf)
		more := t.ring.used > 0
		t.mu.Unlock()
		if ok {
			if more {
				t.wake() // another reader may be waiting
			}
			in.CaptureLength = n
			return in, nil
		}
		if t.closed.Load() {
			return Info{}, ErrClosed
		}
		select {
		case <-t.notify:
		case <-t.done:
		case <-ctx.Done():
			return Info{}, ctx.Err()
		}
	}
}

// Next is Read into a freshly allocated buffer of the frame's size.
func (t *Tap) Next(ctx context.Context) (Info, []byte, error) {
	for {
		t.mu.Lock()
		n, ok := t.ring.peekLen()
		if ok {
			buf := make([]byte, n)
			in, c, _ := t.ring.pop(buf)
			more := t.ring.used > 0
			t.mu.Unlock()
			if more {
				t.wake()
			}
			in.CaptureLength = c
			return in, buf, nil
		}
		t.mu.Unlock()
		if t.closed.Load() {
			return Info{}, nil, ErrClosed
		}
		select {
		case <-t.notify:
		case <-t.done:
		case <-ctx.Done():
			return Info{}, nil, ctx.Err()
		}
	}
}

// Close stops capturing and wakes readers; frames already captured can
// still be read. Detach the tap from its interface before or after Close
// (a closed tap ignores frames). Close is idempotent.
func (t *Tap) Close() error {
	t.once.Do(func() {
		t.closed.Store(true)
		close(t.done)
	})
	return nil
}
