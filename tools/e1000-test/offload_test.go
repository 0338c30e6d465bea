package main

import (
	"encoding/binary"
	"sync"
	"testing"

	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
)

// wireCheck classifies captured frames the way the VM test does with the
// host capture: IPv4 checksums valid, UDP frames whole, TCP segments no
// larger than the MSS and contiguous per packet.
type wireCheck struct {
	udp, tcpSegs, bad int
	tcpBytes          map[uint16]int // payload bytes per original packet (by seq>>16)
}

func (w *wireCheck) add(f []byte, mss int) {
	if w.tcpBytes == nil {
		w.tcpBytes = map[uint16]int{}
	}
	if checkIPv4Frame(f) != ipOK {
		w.bad++
		return
	}
	ip := f[14:]
	tot := int(binary.BigEndian.Uint16(ip[2:]))
	switch ip[9] {
	case 17:
		w.udp++
	case 6:
		seg := tot - 40
		seq := binary.BigEndian.Uint32(ip[24:])
		id := uint16(seq >> 16)
		if seg > mss || int(seq&0xffff) != w.tcpBytes[id] {
			w.bad++
			return
		}
		w.tcpBytes[id] += seg
		w.tcpSegs++
	}
}

func TestOffloadCommand(t *testing.T) {
	for _, model := range []string{"82540EM", "82574L"} {
		var mu sync.Mutex
		var w wireCheck
		open := modelOpener(t, func(p []*e1000test.Port) {
			p[0].SetTap(func(f []byte) {
				mu.Lock()
				w.add(f, 1400)
				mu.Unlock()
			})
		})
		out, code := runTool(t, open, "offload", "--count", "20", model)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", model, code, out)
		}
		mu.Lock()
		if w.udp != 20 || w.tcpSegs != 20*6 || w.bad != 0 {
			t.Errorf("%s: udp %d tcp segments %d bad %d; want 20, 120, 0", model, w.udp, w.tcpSegs, w.bad)
		}
		for id, n := range w.tcpBytes {
			if n != 8000 {
				t.Errorf("%s: packet %#x carried %d payload bytes, want 8000", model, id, n)
			}
		}
		mu.Unlock()
	}
}
