package igb

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/hw/pci/pcitest"
)

// hostileModel is just enough of an 82576 for Attach (self-clearing reset,
// PHY writes that complete, link up, queue enables that stick) plus a
// receive side that answers every RDT write by writing the next write-back
// from wbs into each descriptor the driver gave it, DD forced on and
// everything else as the test chose: lengths, errors, EOP, RSS types.
type hostileModel struct {
	regs  map[uint32]uint32
	space *dma.Space
	head  [MaxQueues]uint32
	wbs   [][descSize]byte
	n     int  // write-backs used
	cycle bool // start over at the end of wbs (benchmarks)
}

func (m *hostileModel) Read32(off uint32) uint32 {
	switch off {
	case regSTATUS:
		return statusLU
	case regMDIC:
		return mdicReady
	}
	return m.regs[off]
}

func (m *hostileModel) Write32(off, v uint32) {
	switch {
	case off == regCTRL:
		v &^= ctrlRST
	case off >= regRDT && off < regRDT+MaxQueues*queueStep && (off-regRDT)%queueStep == 0:
		m.regs[off] = v
		m.receive(int((off - regRDT) / queueStep))
		return
	}
	m.regs[off] = v
}

// receive fills queue q's descriptors from its head up to (not including)
// RDT with write-backs.
func (m *hostileModel) receive(q int) {
	base := uint64(m.regs[rxq(regRDBAL, q)]) | uint64(m.regs[rxq(regRDBAH, q)])<<32
	n := m.regs[rxq(regRDLEN, q)] / descSize
	if n == 0 || m.regs[rxq(regRXDCTL, q)]&xdctlEnable == 0 {
		return
	}
	tail := m.regs[rxq(regRDT, q)] % n
	for m.head[q] != tail && (m.n < len(m.wbs) || m.cycle) {
		if m.n == len(m.wbs) {
			m.n = 0
		}
		d, ok := m.space.Lookup(base+uint64(m.head[q])*descSize, descSize)
		if !ok {
			return
		}
		wb := m.wbs[m.n]
		m.n++
		copy(d, wb[:])
		d[8] |= rxStatDD
		m.head[q] = (m.head[q] + 1) % n
	}
}

// attachModel attaches the driver with cfg to a function whose BAR 0 is
// hook, with a pool of n buffers in its memory (closed by the caller, after
// the device); m gets the function's DMA space.
func attachModel(tb testing.TB, hook pci.RegHook, m *hostileModel, n int, cfg Config) (*Device, *mbuf.Pool) {
	tb.Helper()
	f := pcitest.New(pcitest.Config{ID: IDs()[0], BARs: [6]uint32{0x20000}, Hooks: [6]pci.RegHook{hook}})
	m.space = f.Space()
	pool, err := mbuf.NewPool(f.Memory(), mbuf.PoolOptions{Buffers: n})
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Pool = pool
	d, err := Attach(f, cfg)
	if err != nil {
		pool.Close()
		tb.Fatal(err)
	}
	return d, pool
}

// runHostile attaches the driver to a hostile model with the given
// write-backs, drains every queue, and checks what comes out: frame
// lengths within the buffer, hash types the driver knows, counters that
// add up, and the pool full after Close.
func runHostile(t *testing.T, queues int, wbs [][descSize]byte) *QueueStats {
	t.Helper()
	m := &hostileModel{regs: map[uint32]uint32{}, wbs: wbs}
	d, pool := attachModel(t, m, m, 1024, Config{Queues: queues, RxRing: 64, TxRing: 64})
	defer pool.Close()
	total := new(QueueStats)
	bufs := make([]*mbuf.Buf, 16)
	seen := func() (n uint64) {
		for qi := range d.Queues() {
			s := d.Queue(qi).Stats()
			n += s.RxPackets.Load() + s.RxBadLength.Load() + s.RxChained.Load() + s.RxErrors.Load()
		}
		return n
	}
	for range 4 * len(wbs) {
		before := seen()
		for qi := range d.Queues() {
			n := d.Queue(qi).RxBurst(bufs)
			for _, b := range bufs[:n] {
				if b.Len() < 1 || b.Len() > mbuf.DataRoom || HashType(b.Meta.HashType) >= hashTypeInvalid {
					t.Fatalf("driver handed out a frame of %d bytes, hash type %d", b.Len(), b.Meta.HashType)
				}
				b.Free()
			}
		}
		if seen() == before && m.n == len(wbs) {
			break
		}
	}
	for qi := range d.Queues() {
		s := d.Queue(qi).Stats()
		total.RxPackets.Add(s.RxPackets.Load())
		total.RxBadLength.Add(s.RxBadLength.Load())
		total.RxChained.Add(s.RxChained.Load())
		total.RxErrors.Add(s.RxErrors.Load())
		total.RxNoMbuf.Add(s.RxNoMbuf.Load())
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if n := pool.InUse(); n != 0 {
		t.Fatalf("%d buffers in use after Close", n)
	}
	return total
}

func wb(info, hash, staterr uint32, length uint16) [descSize]byte {
	var b [descSize]byte
	binary.LittleEndian.PutUint32(b[0:], info)
	binary.LittleEndian.PutUint32(b[4:], hash)
	binary.LittleEndian.PutUint32(b[8:], staterr)
	binary.LittleEndian.PutUint32(b[12:], uint32(length))
	return b
}

// TestHostileDevice feeds the driver write-backs a broken or malicious
// device could write and checks each is counted under its reason and
// never handed out, with every mbuf back in the pool.
func TestHostileDevice(t *testing.T) {
	good := wb(uint32(HashTCPIPv4), 0x1234, rxStatEOP, 60)
	for _, tc := range []struct {
		name  string
		wb    [descSize]byte
		count func(s *QueueStats) uint64
	}{
		{"zero length", wb(0, 0, rxStatEOP, 0), func(s *QueueStats) uint64 { return s.RxBadLength.Load() }},
		{"length beyond the buffer", wb(0, 0, rxStatEOP, 0xffff), func(s *QueueStats) uint64 { return s.RxBadLength.Load() }},
		{"no EOP", wb(0, 0, 0, 60), func(s *QueueStats) uint64 { return s.RxChained.Load() }},
		{"RXE", wb(0, 0, rxStatEOP|rxErrRXE, 60), func(s *QueueStats) uint64 { return s.RxErrors.Load() }},
		{"reserved hash type", wb(0xf, 0, rxStatEOP, 60), func(s *QueueStats) uint64 { return s.RxPackets.Load() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var wbs [][descSize]byte
			for i := range 200 {
				if i%3 == 0 {
					wbs = append(wbs, tc.wb)
				} else {
					wbs = append(wbs, good)
				}
			}
			s := runHostile(t, 2, wbs)
			bad := uint64(67) // i%3 == 0 for i < 200
			if got := tc.count(s); got < bad {
				t.Errorf("counted %d, want at least %d", got, bad)
			}
			if tc.name != "reserved hash type" && s.RxPackets.Load() != 200-bad {
				t.Errorf("delivered %d good frames, want %d", s.RxPackets.Load(), 200-bad)
			}
		})
	}
	t.Run("random", func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		wbs := make([][descSize]byte, 2000)
		for i := range wbs {
			for j := range wbs[i] {
				wbs[i][j] = byte(r.Uint32())
			}
		}
		s := runHostile(t, 4, wbs)
		if sum := s.RxPackets.Load() + s.RxBadLength.Load() + s.RxChained.Load() + s.RxErrors.Load(); sum != uint64(len(wbs)) {
			t.Errorf("%d write-backs, %d accounted for (rx %d badlen %d chained %d errors %d nombuf %d)", len(wbs), sum,
				s.RxPackets.Load(), s.RxBadLength.Load(), s.RxChained.Load(), s.RxErrors.Load(), s.RxNoMbuf.Load())
		}
	})
}

// FuzzRxWriteBack runs the receive path over write-backs the fuzzer
// chooses (16 bytes each).
func FuzzRxWriteBack(f *testing.F) {
	seed := wb(uint32(HashUDPIPv4), 0xdeadbeef, rxStatEOP, 64)
	f.Add(seed[:])
	bad := wb(0xffffffff, 0, 0xffffffff, 0xffff)
	f.Add(append(seed[:], bad[:]...))
	f.Fuzz(func(t *testing.T, data []byte) {
		var wbs [][descSize]byte
		for len(data) >= descSize && len(wbs) < 300 {
			wbs = append(wbs, [descSize]byte(data[:descSize]))
			data = data[descSize:]
		}
		if len(wbs) == 0 {
			return
		}
		runHostile(t, 2, wbs)
		v, n, ht := parseWB(data).check(mbuf.DataRoom)
		if v == rxOK && (n < 1 || n > mbuf.DataRoom || ht >= hashTypeInvalid) {
			t.Fatalf("check accepted length %d type %d", n, ht)
		}
	})
}

// TestRxPoolDry receives while the caller keeps every frame, so the pool
// runs dry: the frames the driver cannot replace stay in the ring
// (RxNoMbuf), none is lost or handed out twice, and once the caller frees
// what it held they come through; the pool is full after Close.
func TestRxPoolDry(t *testing.T) {
	var wbs [][descSize]byte
	for i := range 300 {
		wbs = append(wbs, wb(uint32(HashUDPIPv4), uint32(i), rxStatEOP, 60))
	}
	m := &hostileModel{regs: map[uint32]uint32{}, wbs: wbs}
	f := pcitest.New(pcitest.Config{ID: IDs()[0], BARs: [6]uint32{0x20000}, Hooks: [6]pci.RegHook{m}})
	m.space = f.Space()
	pool, err := mbuf.NewPool(f.Memory(), mbuf.PoolOptions{Buffers: 64 + 20})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	d, err := Attach(f, Config{Pool: pool, Queues: 1, RxRing: 64, TxRing: 64})
	if err != nil {
		t.Fatal(err)
	}
	q := d.Queue(0)
	seen := map[uint32]bool{}
	var held []*mbuf.Buf
	bufs := make([]*mbuf.Buf, 32)
	for round := 0; round < 200 && len(seen) < len(wbs); round++ {
		n := q.RxBurst(bufs)
		for _, b := range bufs[:n] {
			if seen[b.Meta.Hash] {
				t.Fatalf("frame %d handed out twice", b.Meta.Hash)
			}
			seen[b.Meta.Hash] = true
			held = append(held, b)
		}
		if n == 0 || len(held) > 60 {
			pool.Free(held) // the caller lets go: refills can go on
			held = held[:0]
		}
	}
	pool.Free(held)
	if len(seen) != len(wbs) {
		t.Errorf("%d of %d frames received", len(seen), len(wbs))
	}
	if q.Stats().RxNoMbuf.Load() == 0 {
		t.Error("the pool never ran dry: the test proves nothing")
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if n := pool.InUse(); n != 0 {
		t.Fatalf("%d buffers in use after Close", n)
	}
}
