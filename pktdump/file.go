package pktdump

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/google/gopacket/pcapgo"

	"github.com/gopkt/gopkt/stack/bpf"
	"github.com/gopkt/gopkt/stack/bpf/capture"
)

// File is a Source that reads a pcap file (tcpdump -r), running the
// filter in user space with package bpf's evaluator. Read returns io.EOF
// at the end of the file.
type File struct {
	f    *os.File
	r    *pcapgo.Reader
	prog *bpf.Program // nil: every frame
	link bpf.LinkType
}

// OpenFile opens a pcap file and compiles filter for its link type.
func OpenFile(path, filter string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &OpError{Op: "open", Err: err}
	}
	r, err := pcapgo.NewReader(f)
	if err != nil {
		f.Close()
		return nil, &OpError{Op: "read pcap header of " + path, Err: err, Fix: "pcapng files are not supported; convert with editcap -F pcap"}
	}
	s := &File{f: f, r: r, link: bpf.LinkType(r.LinkType())}
	if filter != "" {
		prog, err := bpf.Compile(filter, s.link, 0)
		if err == nil {
			s.prog, err = bpf.NewProgram(prog)
		}
		if err != nil {
			f.Close()
			return nil, &OpError{Op: "compile filter for " + path, Err: err}
		}
	}
	return s, nil
}

// LinkType is the file's link type.
func (s *File) LinkType() bpf.LinkType { return s.link }

// Read returns the next frame the filter accepts. Direction and interface
// are unknown in a pcap file and left zero.
func (s *File) Read(ctx context.Context, buf []byte) (capture.Info, error) {
	for {
		if err := ctx.Err(); err != nil {
			return capture.Info{}, err
		}
		data, ci, err := s.r.ZeroCopyReadPacketData()
		if err == io.EOF {
			return capture.Info{}, io.EOF
		}
		if err != nil {
			return capture.Info{}, fmt.Errorf("pktdump: reading %s: %w", s.f.Name(), err)
		}
		if s.prog != nil && s.prog.Run(data) == 0 {
			continue
		}
		n := copy(buf, data)
		return capture.Info{Time: ci.Timestamp.UnixNano(), Length: max(ci.Length, len(data)), CaptureLength: n}, nil
	}
}

// Close closes the file.
func (s *File) Close() error { return s.f.Close() }
