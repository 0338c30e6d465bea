package main

import (
	"context"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/stack/bpf"
	"github.com/gopkt/gopkt/stack/bpf/capture"
)

// radiotapSource is a pktdump.Source over the net80211 layer's tap
// (ComConfig.Tap): every 802.11 frame the Com sends or receives, with its
// radiotap header, link type 127. The tap runs under the Com's lock with a
// reused buffer, so it copies each frame into one of a fixed set of slots
// and never blocks: when the reader is behind, frames are dropped and
// counted.
type radiotapSource struct {
	free    chan []byte
	full    chan tapRecord
	closed  chan struct{}
	once    sync.Once
	dropped atomic.Uint64
}

type tapRecord struct {
	b    []byte // a slot; b[:n] holds the frame
	n    int    // frame length as tapped
	when int64
}

// tapSlots and tapSlotSize bound the source's memory: radiotap plus the
// largest 802.11 MPDU fits a slot.
const (
	tapSlots    = 512
	tapSlotSize = 2560
)

func newRadiotapSource() *radiotapSource {
	s := &radiotapSource{free: make(chan []byte, tapSlots), full: make(chan tapRecord, tapSlots), closed: make(chan struct{})}
	for range tapSlots {
		s.free <- make([]byte, tapSlotSize)
	}
	return s
}

// tap is the net80211.Tap.
func (s *radiotapSource) tap(frame []byte) {
	select {
	case <-s.closed:
		return
	default:
	}
	select {
	case b := <-s.free:
		copy(b, frame) // a longer frame keeps its head, like a snap length
		s.full <- tapRecord{b: b, n: len(frame), when: time.Now().UnixNano()}
	default:
		s.dropped.Add(1)
	}
}

var _ net80211.Tap = (*radiotapSource)(nil).tap

// Read implements pktdump.Source.
func (s *radiotapSource) Read(ctx context.Context, buf []byte) (capture.Info, error) {
	var r tapRecord
	select {
	case r = <-s.full:
	case <-ctx.Done():
		return capture.Info{}, ctx.Err()
	case <-s.closed:
		return capture.Info{}, capture.ErrClosed
	}
	return s.copyOut(r, buf), nil
}

// copyOut copies a record into buf and returns its slot.
func (s *radiotapSource) copyOut(r tapRecord, buf []byte) capture.Info {
	kept := min(r.n, len(r.b))
	n := copy(buf, r.b[:kept])
	in := capture.Info{Time: r.when, Length: r.n, CaptureLength: n, Dir: radiotapDir(r.b[:kept])}
	s.free <- r.b
	return in
}

// radiotapDir says Out for frames whose radiotap header has the TX flags
// field (present bit 15), which the layer adds to what it sends.
func radiotapDir(b []byte) capture.Direction {
	if len(b) >= 8 && binary.LittleEndian.Uint32(b[4:8])&(1<<15) != 0 {
		return capture.Out
	}
	return capture.In
}

// LinkType is 802.11 with a radiotap header.
func (s *radiotapSource) LinkType() bpf.LinkType { return bpf.LinkIEEE80211Radiotap }

// Close makes Read return capture.ErrClosed; frames still queued are dropped.
func (s *radiotapSource) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}
