package main

import (
	"net/netip"
	"sync/atomic"

	"github.com/gopkt/gopkt/stack/udp"
)

// udpSink counts the datagrams that reach one UDP port of the station's
// stack (connect --udp-sink PORT): the receiving end of bench/wifi's
// data-plane comparison, where status reads the counts. It reads as fast
// as the stack delivers; what the socket's queue could not take is the
// stack's "queue-full" counter.
type udpSink struct {
	port             uint16
	conn             *udp.Conn
	datagrams, bytes atomic.Uint64
	done             chan struct{}
}

// startUDPSink binds port on every address of x's stack and starts
// counting.
func startUDPSink(x *ipIface, port uint16) (*udpSink, error) {
	c, err := x.udp.ListenPacket(netip.AddrPortFrom(netip.IPv4Unspecified(), port))
	if err != nil {
		return nil, err
	}
	s := &udpSink{port: port, conn: c, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		buf := make([]byte, 65536)
		for {
			n, _, err := c.ReadFrom(buf)
			if err != nil {
				return // closed
			}
			s.datagrams.Add(1)
			s.bytes.Add(uint64(n))
		}
	}()
	return s, nil
}

// close stops the sink and waits for its reader.
func (s *udpSink) close() {
	_ = s.conn.Close()
	<-s.done
}

// udpSinkView is the sink's line in status.
type udpSinkView struct {
	Port      uint16 `json:"port"`
	Datagrams uint64 `json:"datagrams"`
	Bytes     uint64 `json:"bytes"`
}

func (s *udpSink) view() *udpSinkView {
	return &udpSinkView{Port: s.port, Datagrams: s.datagrams.Load(), Bytes: s.bytes.Load()}
}
