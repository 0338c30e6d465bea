package e1000_test

import (
	"encoding/binary"
	"testing"

	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// FuzzRxWriteBack lets the fuzzer play a device writing RX descriptors back:
// each 6-byte record sets one descriptor's length, status, errors and VLAN
// tag. Whatever it writes, RxBurst must not panic, must hand out only frames
// of sane size, and every mbuf must return to the pool at detach.
func FuzzRxWriteBack(f *testing.F) {
	rec := func(ln uint16, st, er uint8, sp uint16) []byte {
		b := make([]byte, 6)
		binary.LittleEndian.PutUint16(b, ln)
		b[2], b[3] = st, er
		binary.LittleEndian.PutUint16(b[4:], sp)
		return b
	}
	cat := func(rs ...[]byte) []byte {
		var out []byte
		for _, r := range rs {
			out = append(out, r...)
		}
		return out
	}
	f.Add(cat(rec(60, 0x03, 0, 0)))                                              // one good frame
	f.Add(cat(rec(2048, 0x01, 0, 0), rec(100, 0x03, 0, 0)))                      // a chain
	f.Add(cat(rec(0xffff, 0x03, 0, 0), rec(60, 0x03, 0x80, 0)))                  // bogus length, RXE
	f.Add(cat(rec(2048, 0x01, 0, 0), rec(2048, 0x01, 0, 0), rec(0, 0x03, 0, 0))) // zero-length tail
	f.Add(cat(rec(100, 0x01, 0, 0), rec(60, 0x0b, 0, 0x64)))                     // short non-EOP, VLAN
	f.Add(cat(rec(10, 0x03, 0, 0)))                                              // runt
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newRig(t, 1, e1000test.ID82540EM, nil, nil)
		d, p := r.devs[0], r.ports[0]
		base := uint64(p.Reg(0x2804))<<32 | uint64(p.Reg(0x2800))
		n := min(len(data)/6, 255)
		for i := 0; i < n; i++ {
			desc, ok := r.bus.Space().Lookup(base+uint64(i)*16, 16)
			if !ok {
				t.Fatal("ring not mapped")
			}
			copy(desc[8:10], data[6*i:6*i+2])
			desc[13] = data[6*i+3]
			copy(desc[14:16], data[6*i+4:6*i+6])
			desc[12] = data[6*i+2]
		}
		var burst [32]*mbuf.Buf
		for round := 0; round < 10; round++ {
			k := d.RxBurst(burst[:])
			for _, b := range burst[:k] {
				if l := b.PktLen(); l < 14 || l > 1500+22 {
					t.Errorf("delivered a %d-byte frame at MTU 1500", l)
				}
				for s := b; s != nil; s = s.Next() {
					if s.Len() > mbuf.DataRoom {
						t.Errorf("segment of %d bytes", s.Len())
					}
				}
				b.Free()
			}
		}
	})
}
