package bpf

import (
	"fmt"

	xbpf "golang.org/x/net/bpf"
)

// LinkType is the pcap link-layer header type (the LINKTYPE_ registry of
// tcpdump.org) a program is compiled for and a capture is written with.
type LinkType uint32

// Link types.
const (
	LinkEthernet          LinkType = 1   // LINKTYPE_ETHERNET (DLT_EN10MB)
	LinkIEEE80211Radiotap LinkType = 127 // LINKTYPE_IEEE802_11_RADIOTAP; compiler support comes with the wireless layer
)

// DefaultSnaplen is what tcpdump returns for an accepted packet when no
// snap length is given.
const DefaultSnaplen = 262144

// Compile parses expr and compiles it into a classic BPF program for link
// that returns snaplen (DefaultSnaplen if 0) for an accepted packet and 0
// for a rejected one. An empty expression accepts everything.
func Compile(expr string, link LinkType, snaplen uint32) ([]xbpf.Instruction, error) {
	e, err := Parse(expr)
	if err != nil {
		return nil, err
	}
	return CompileExpr(e, link, snaplen)
}

// CompileExpr compiles a parsed expression (nil accepts everything).
func CompileExpr(e Expr, link LinkType, snaplen uint32) ([]xbpf.Instruction, error) {
	if link != LinkEthernet {
		return nil, fmt.Errorf("bpf: link type %d: %w (only Ethernet, link type 1, is compiled today)", link, ErrNotSupported)
	}
	if snaplen == 0 {
		snaplen = DefaultSnaplen
	}
	if e == nil {
		return []xbpf.Instruction{xbpf.RetConstant{Val: snaplen}}, nil
	}
	g := &gen{link: 14}
	accept, reject := g.newLabel(), g.newLabel()
	e.gen(g, accept, reject)
	g.place(accept)
	g.emit(xbpf.RetConstant{Val: snaplen})
	g.place(reject)
	g.emit(xbpf.RetConstant{Val: 0})
	g.dropRedundantLoads()
	return g.assemble()
}
