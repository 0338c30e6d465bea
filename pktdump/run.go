package pktdump

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/gopkt/gopkt/stack/bpf"
	"github.com/gopkt/gopkt/stack/bpf/capture"
)

// Source is where captured frames come from: an in-process tap
// (*capture.Tap), a Linux interface (*AFPacket) or a pcap file (*File). Read blocks until a
// frame arrives, ctx ends, or the source is closed (then it returns an
// error wrapping capture.ErrClosed or io.EOF).
type Source interface {
	Read(ctx context.Context, buf []byte) (capture.Info, error)
	LinkType() bpf.LinkType
	Close() error
}

// The sources this package knows implement Source.
var (
	_ Source = (*capture.Tap)(nil)
	_ Source = (*AFPacket)(nil)
	_ Source = (*File)(nil)
)

// Options control Run.
type Options struct {
	// Count stops after this many frames; 0 runs until ctx ends or the
	// source closes.
	Count int
	// Snaplen is the largest frame kept and the pcap header's snap
	// length; 0 means bpf.DefaultSnaplen.
	Snaplen int
	// Pcap, if set, receives a pcap file (libpcap format, microsecond
	// timestamps, the source's link type).
	Pcap io.Writer
	// Summary, if set, receives one line per frame (tcpdump style).
	Summary io.Writer
	// Location is the time zone of summary timestamps; nil means local.
	Location *time.Location
}

// Result counts what Run did.
type Result struct {
	Packets int // frames written or printed
}

// Run copies frames from src to the pcap writer and/or the summary writer
// until Count frames, ctx's end or the source closes. Ending because of
// ctx or a closed source is not an error. Run does not close src.
func Run(ctx context.Context, src Source, opts Options) (Result, error) {
	var res Result
	if opts.Snaplen <= 0 {
		opts.Snaplen = bpf.DefaultSnaplen
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	var w *pcapgo.Writer
	if opts.Pcap != nil {
		w = pcapgo.NewWriter(opts.Pcap)
		if err := w.WriteFileHeader(uint32(opts.Snaplen), layers.LinkType(src.LinkType())); err != nil {
			return res, fmt.Errorf("pktdump: writing pcap header: %w", err)
		}
	}
	buf := make([]byte, opts.Snaplen)
	for opts.Count == 0 || res.Packets < opts.Count {
		in, err := src.Read(ctx, buf)
		if err != nil {
			if errors.Is(err, capture.ErrClosed) || errors.Is(err, io.EOF) || ctx.Err() != nil {
				return res, nil
			}
			return res, fmt.Errorf("pktdump: reading: %w", err)
		}
		frame := buf[:in.CaptureLength]
		if w != nil {
			ci := gopacket.CaptureInfo{Timestamp: in.Timestamp(), CaptureLength: len(frame), Length: max(in.Length, len(frame)),
				InterfaceIndex: in.IfIndex}
			if err := w.WritePacket(ci, frame); err != nil {
				return res, fmt.Errorf("pktdump: writing packet %d: %w", res.Packets+1, err)
			}
		}
		if opts.Summary != nil {
			line := in.Timestamp().In(opts.Location).Format("15:04:05.000000") + " "
			if in.Dir != 0 { // unknown for frames read from a file
				line += in.Dir.String() + " "
			}
			line += Summary(frame, src.LinkType(), in.Length) + "\n"
			if _, err := io.WriteString(opts.Summary, line); err != nil {
				return res, fmt.Errorf("pktdump: writing summary: %w", err)
			}
		}
		res.Packets++
	}
	return res, nil
}
