package e1000_test

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// RX descriptor bits the fuzz model needs (SDM §3.2.3.1-3.2.3.2).
const (
	fuzzStatDD   = 1 << 0
	fuzzStatEOP  = 1 << 1
	fuzzErrFrame = 1<<0 | 1<<1 | 1<<2 | 1<<4 | 1<<7 // CE, SE, SEQ, CXE, RXE
	fuzzMaxSegs  = 5                                // 9022 bytes in 2048-byte buffers
)

// rxVerdict is what the driver's documented receive rules (rx.go) make of a
// run of written-back descriptors: frames delivered (with their lengths and
// segment counts) and descriptors dropped by cause.
type rxVerdict struct {
	lens, segs                       []int
	errs, badLen, chain, long, runts uint64
}

// expectRx applies those rules to the leading DD descriptors of recs at a
// maximum frame size of maxFrame. Chain state left open at the end (a frame
// in assembly, or discarding until EOP) is returned too.
func expectRx(recs [][6]byte, maxFrame int) (v rxVerdict, consumed, open int, discard bool) {
	bytes, segs := 0, 0
	for _, r := range recs {
		ln, st, er := int(binary.LittleEndian.Uint16(r[:])), r[2], r[3]
		if st&fuzzStatDD == 0 {
			break
		}
		consumed++
		eop := st&fuzzStatEOP != 0
		drop := func() { bytes, segs = 0, 0 }
		switch {
		case !eop && ln != mbuf.DataRoom:
			v.chain++
			drop()
			discard = true
		case ln == 0 || ln > mbuf.DataRoom:
			v.badLen++
			drop()
			discard = !eop
		case discard:
			discard = !eop
		case er&fuzzErrFrame != 0:
			v.errs++
			drop()
			discard = !eop
		default:
			bytes += ln
			segs++
			switch {
			case bytes > maxFrame || segs > fuzzMaxSegs:
				v.long++
				drop()
				discard = !eop
			case !eop:
			case bytes < 14:
				v.runts++
				drop()
			default:
				v.lens = append(v.lens, bytes)
				v.segs = append(v.segs, segs)
				drop()
			}
		}
	}
	return v, consumed, segs, discard
}

// FuzzRxWriteBack lets the fuzzer play a device writing RX descriptors back:
// each 6-byte record sets one descriptor's length, status, errors and VLAN
// tag. Whatever it writes, RxBurst must not panic, must hand out exactly the
// frames the driver's rules allow (checked against expectRx: lengths,
// segments, which descriptors it consumed, every drop counter), and every
// mbuf must be in the ring, in the frame in assembly or back in the pool.
// The records go to two ports, one at MTU 1500 and one at 9000 (chains).
//
// One rig (bus, pool, two attached devices) serves every input of a fuzz
// worker: attaching costs milliseconds (a MAC reset waits 1 ms) and a
// 4096-buffer pool. Each input starts by asserting that both receive rings
// are exactly as ResetRxRing leaves them (what Attach leaves: slots 0 to
// 254 armed with clean descriptors, nothing in assembly, the pool holding
// all other buffers) and ends by resetting them.
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
	f.Add(cat(rec(60, 0x03, 0, 0)))                                                                       // one good frame
	f.Add(cat(rec(2048, 0x01, 0, 0), rec(100, 0x03, 0, 0)))                                               // a chain
	f.Add(cat(rec(0xffff, 0x03, 0, 0), rec(60, 0x03, 0x80, 0)))                                           // bogus length, RXE
	f.Add(cat(rec(2048, 0x01, 0, 0), rec(2048, 0x01, 0, 0), rec(0, 0x03, 0, 0)))                          // zero-length tail
	f.Add(cat(rec(100, 0x01, 0, 0), rec(60, 0x0b, 0, 0x64)))                                              // short non-EOP, VLAN
	f.Add(cat(rec(10, 0x03, 0, 0)))                                                                       // runt
	f.Add(cat(rec(2048, 0x01, 0, 0)))                                                                     // input ends mid-chain
	f.Add(cat(rec(2048, 0x01, 0x80, 0), rec(2048, 0x01, 0, 0), rec(60, 0x03, 0, 0), rec(60, 0x03, 0, 0))) // error mid-chain: discard to EOP
	f.Add(cat(rec(2048, 0x01, 0, 0), rec(2048, 0x01, 0, 0), rec(2048, 0x01, 0, 0), rec(2048, 0x01, 0, 0),
		rec(830, 0x03, 0, 0))) // 9022 bytes: the largest jumbo frame
	f.Add(cat(rec(2048, 0x01, 0, 0), rec(2048, 0x01, 0, 0), rec(2048, 0x01, 0, 0), rec(2048, 0x01, 0, 0),
		rec(831, 0x03, 0, 0))) // one byte too many
	f.Add(cat(rec(1522, 0x03, 0, 0), rec(1523, 0x03, 0, 0), rec(14, 0x03, 0, 0), rec(13, 0x03, 0, 0))) // MTU and runt edges
	f.Add(cat(rec(60, 0x03, 0, 0), rec(60, 0x02, 0, 0), rec(60, 0x03, 0, 0)))                          // no DD: the rest stays with the device
	f.Add(cat(rec(60, 0xff, 0x60, 0xffff)))                                                            // every status bit, checksum errors only
	f.Add(cat(rec(2048, 0x01, 0, 0), rec(4, 0x03, 0, 0)))                                              // 2052 bytes in two segments: too long at MTU 1500, a chain at 9000
	f.Add(append(cat(rec(60, 0x03, 0, 0)), 1, 2, 3))                                                   // trailing partial record
	many := make([]byte, 0, 6*256)
	for i := 0; i < 256; i++ {
		many = append(many, rec(60, 0x03, 0, 0)...)
	}
	f.Add(many) // more records than the ring has device-owned slots

	mtus := []int{1500, 9000}
	r := newRig(f, len(mtus), e1000test.ID82540EM, nil, func(i int, c *e1000.Config) { c.MTU = mtus[i] })
	for _, d := range r.devs {
		d.ResetRxRing() // every input starts from the same state, the first one included
	}
	armed := 0
	clean := func(t testing.TB) {
		t.Helper()
		armed = 0
		for i, d := range r.devs {
			s := d.RxRing()
			if s.Next != 0 || int(s.Tail) != s.Size-1 || s.AssemblySegs != 0 || s.Discarding || !s.Clean {
				t.Fatalf("port %d: RX ring not clean: %+v", i, s)
			}
			if h := r.ports[i].Reg(0x2810); h != 0 {
				t.Fatalf("port %d: RDH %d, want 0", i, h)
			}
			armed += s.Size - 1
		}
		if n := r.pool.InUse(); n != armed {
			t.Fatalf("%d mbufs in use, the rings hold %d", n, armed)
		}
	}
	clean(f)

	f.Fuzz(func(t *testing.T, data []byte) {
		clean(t)
		// A failing input must not leave the rings dirty for the next one
		// (the fuzzer minimises a failing input in the same worker).
		t.Cleanup(func() {
			if t.Failed() {
				for _, d := range r.devs {
					d.ResetRxRing()
				}
			}
		})
		n := min(len(data)/6, 255)
		recs := make([][6]byte, n)
		for i := range recs {
			copy(recs[i][:], data[6*i:])
		}
		held := 0
		for pi, d := range r.devs {
			p := r.ports[pi]
			base := uint64(p.Reg(0x2804))<<32 | uint64(p.Reg(0x2800))
			for i, rc := range recs {
				desc, ok := r.bus.Space().Lookup(base+uint64(i)*16, 16)
				if !ok {
					t.Fatal("ring not mapped")
				}
				copy(desc[8:10], rc[0:2])
				desc[12] = rc[2]
				desc[13] = rc[3]
				copy(desc[14:16], rc[4:6])
			}
			maxFrame := mtus[pi] + 22
			want, consumed, open, discard := expectRx(recs, maxFrame)
			before, hwBefore := d.Stats(), d.HWStats()

			var burst [32]*mbuf.Buf
			var lens, segs []int
			for round := 0; round < 10; round++ {
				k := d.RxBurst(burst[:])
				for _, b := range burst[:k] {
					l, ns := b.PktLen(), 0
					sum := 0
					for s := b; s != nil; s = s.Next() {
						ns++
						sum += s.Len()
						if s.Len() > mbuf.DataRoom || s.Next() != nil && s.Len() != mbuf.DataRoom {
							t.Errorf("port %d: segment %d of %d bytes in a frame of %d", pi, ns, s.Len(), l)
						}
					}
					if sum != l || l < 14 || l > maxFrame {
						t.Errorf("port %d: delivered a %d-byte frame (segments add up to %d) at MTU %d", pi, l, sum, mtus[pi])
					}
					if b.Meta.Port != 0 || b.Meta.Flags != 0 {
						t.Errorf("port %d: frame metadata %+v (no VLAN stripping or checksum offload on an 82540EM without Config.VLAN)", pi, b.Meta)
					}
					lens = append(lens, l)
					segs = append(segs, ns)
					b.Free()
				}
			}
			if !slices.Equal(lens, want.lens) || !slices.Equal(segs, want.segs) {
				t.Fatalf("port %d: delivered frames of %v bytes in %v segments, the RX rules say %v in %v", pi, lens, segs, want.lens, want.segs)
			}
			after, hw := d.Stats(), d.HWStats()
			var gotBytes uint64
			for _, l := range lens {
				gotBytes += uint64(l)
			}
			if after.RxPackets-before.RxPackets != uint64(len(lens)) || after.RxBytes-before.RxBytes != gotBytes {
				t.Errorf("port %d: counted %d packets, %d bytes; delivered %d, %d", pi, after.RxPackets-before.RxPackets,
					after.RxBytes-before.RxBytes, len(lens), gotBytes)
			}
			got := rxVerdict{
				errs:   hw.RxFrameErrors - hwBefore.RxFrameErrors,
				badLen: hw.RxBadLength - hwBefore.RxBadLength,
				chain:  hw.RxBadChain - hwBefore.RxBadChain,
				long:   hw.RxTooLong - hwBefore.RxTooLong,
				runts:  hw.RxRunts - hwBefore.RxRunts,
			}
			if got.errs != want.errs || got.badLen != want.badLen || got.chain != want.chain || got.long != want.long || got.runts != want.runts {
				t.Errorf("port %d: drops counted %+v, the RX rules say %+v", pi, got, want)
			}
			if hw.RxRogueDD != hwBefore.RxRogueDD || hw.RxNoMbuf != hwBefore.RxNoMbuf {
				t.Errorf("port %d: %d rogue DD, %d refill failures", pi, hw.RxRogueDD-hwBefore.RxRogueDD, hw.RxNoMbuf-hwBefore.RxNoMbuf)
			}
			s := d.RxRing()
			if int(s.Next) != consumed || s.AssemblySegs != open || s.Discarding != discard {
				t.Fatalf("port %d: ring at %d with %d segments in assembly (discarding %v); the RX rules say %d, %d, %v",
					pi, s.Next, s.AssemblySegs, s.Discarding, consumed, open, discard)
			}
			held += int(s.Tail-s.Next)&(s.Size-1) + s.AssemblySegs
		}
		// Every buffer is armed in a ring or part of a frame in assembly.
		if n := r.pool.InUse(); n != held {
			t.Fatalf("leak: %d mbufs in use, the rings hold %d", n, held)
		}
		for _, d := range r.devs {
			d.ResetRxRing()
		}
		clean(t)
	})
}
