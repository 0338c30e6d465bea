package route

import (
	"math/rand/v2"
	"net/netip"
	"runtime"
	"sync"
	"testing"
)

func checkAgainst(t *testing.T, tb *Table, ref *refTable, rng *rand.Rand, n int) {
	t.Helper()
	var dsts [][4]byte
	var hops []Hop
	defer func() {
		// The same destinations through NextHopBurst, in bursts of
		// every length up to 40 (so across the 32-lookup blocks).
		out := make([]Hop, len(dsts))
		for i := 0; i < len(dsts); {
			k := min(len(dsts)-i, 1+i%40)
			tb.NextHopBurst(dsts[i:i+k], out[i:])
			i += k
		}
		for i := range dsts {
			if out[i] != hops[i] {
				t.Fatalf("NextHopBurst: %v -> %+v, NextHop %+v", netip.AddrFrom4(dsts[i]), out[i], hops[i])
			}
		}
	}()
	for range n {
		var a [4]byte
		v := rng.Uint32()
		// Half the probes inside a known prefix, half anywhere.
		if len(ref.rs) > 0 && v&1 == 0 {
			p := ref.rs[rng.IntN(len(ref.rs))].Prefix
			b := p.Addr().As4()
			host := rng.Uint32() >> p.Bits() // bits below the prefix
			if p.Bits() == 0 {
				host = rng.Uint32()
			}
			x := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) | host
			a = [4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)}
		} else {
			a = [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
		}
		got, gok := tb.Lookup(a)
		want, wok := ref.lookup(netip.AddrFrom4(a))
		if gok != wok || got != want {
			t.Fatalf("Lookup(%v) = %v %v, want %v %v", netip.AddrFrom4(a), got, gok, want, wok)
		}
		ifx, nh, ok := tb.NextHop(a)
		dsts, hops = append(dsts, a), append(hops, Hop{Addr: nh, IfIndex: int32(ifx), OK: ok})
		if ok != wok || ok && (ifx != want.IfIndex || nh != want.NextHop(a)) {
			t.Fatalf("NextHop(%v) = %d %v %v, want %v", netip.AddrFrom4(a), ifx, nh, ok, want)
		}
		// The word API: interface 0 and dst for no route.
		w := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
		ifx4, nh4 := tb.NextHop4(w)
		wantIf, wantNH := int32(0), a
		if wok {
			wantIf, wantNH = int32(want.IfIndex), want.NextHop(a)
		}
		if ifx4 != wantIf || nh4 != uint32(wantNH[0])<<24|uint32(wantNH[1])<<16|uint32(wantNH[2])<<8|uint32(wantNH[3]) {
			t.Fatalf("NextHop4(%v) = %d %08x, want %d %v", netip.AddrFrom4(a), ifx4, nh4, wantIf, netip.AddrFrom4(wantNH))
		}
	}
}

// TestRandomAgainstReference adds and deletes random /0-/32 routes (with
// several routes to some prefixes) and compares every answer with a scan.
func TestRandomAgainstReference(t *testing.T) {
	t.Run("own-next-hops", func(t *testing.T) { randomAgainstReference(t, false, bigTable) })
	// Few next hops: prefixes share records, so sibling prefixes make
	// uniform groups (the folding case).
	t.Run("shared-next-hops", func(t *testing.T) { randomAgainstReference(t, true, bigTable) })
	// The table switches to DIR-24-8 at 400 prefixes while it fills and
	// back to 16-8-8 below 100 while it empties; every answer in between
	// and across the switches is checked.
	//
	// These two are one goroutine, so the race detector finds nothing in
	// them, and under it they take minutes (every entry store of each
	// rebuilt 2^24-entry root is instrumented): they run in the plain
	// run only. The concurrent tests cover the DIR-24-8 plane under -race.
	if raceEnabled {
		return
	}
	t.Run("dir-24-8/own-next-hops", func(t *testing.T) { randomAgainstReference(t, false, 400) })
	t.Run("dir-24-8/shared-next-hops", func(t *testing.T) { randomAgainstReference(t, true, 400) })
}

func randomAgainstReference(t *testing.T, shared bool, bigAt int) {
	rng := rand.New(rand.NewPCG(1, 2))
	tb, ref := New(), &refTable{}
	tb.c.bigAt = bigAt
	roots := map[int]bool{}
	rs := randRoutes(rng, 1500, 0, 32, false)
	if shared {
		for i := range rs {
			rs[i].Gateway = netip.AddrFrom4([4]byte{198, 51, 100, byte(i % 2)})
			rs[i].IfIndex, rs[i].Metric = 1, 0
		}
	}
	// Second routes to some prefixes, other gateways and metrics.
	for i := range 150 {
		r := rs[i*7]
		r.Gateway = netip.AddrFrom4([4]byte{192, 0, 2, byte(i)})
		r.Metric = i % 3
		rs = append(rs, r)
	}
	rng.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
	for i, r := range rs {
		if err := tb.Add(r); err != nil {
			t.Fatal(err)
		}
		ref.add(r)
		roots[tb.c.cur.Load().rootBits] = true
		if i%100 == 0 {
			checkAgainst(t, tb, ref, rng, 100)
		}
	}
	checkAgainst(t, tb, ref, rng, 5000)
	if want := bigAt < len(rs); roots[bigRoot] != want || !roots[smallRoot] {
		t.Fatalf("first strides seen while filling: %v (DIR-24-8 expected: %v)", roots, want)
	}
	if tb.Len() != len(ref.rs) {
		t.Fatalf("Len %d, want %d", tb.Len(), len(ref.rs))
	}
	rng.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
	for i, r := range rs[:len(rs)*3/4] {
		if err := tb.Delete(r); err != nil {
			t.Fatal(err)
		}
		ref.del(r)
		if i%100 == 0 {
			checkAgainst(t, tb, ref, rng, 100)
		}
	}
	checkAgainst(t, tb, ref, rng, 5000)
	if rb := tb.c.cur.Load().rootBits; bigAt < len(rs) && len(ref.rs) < bigAt/4 && rb != smallRoot {
		t.Fatalf("%d routes left of %d: first stride %d, want %d", len(ref.rs), len(rs), rb, smallRoot)
	}
	got := tb.Routes()
	if len(got) != len(ref.rs) {
		t.Fatalf("Routes: %d, want %d", len(got), len(ref.rs))
	}
	for _, r := range rs[len(rs)*3/4:] {
		_ = tb.Delete(r)
	}
	if m := tb.Memory(); m.Routes != 0 || m.Prefixes != 0 {
		t.Fatalf("empty table: %+v", m)
	}
	checkAgainst(t, tb, &refTable{}, rng, 1000)
}

// TestRoutesOrder: Routes lists in insertion order, across deletions.
func TestRoutesOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	tb := New()
	rs := randRoutes(rng, 500, 8, 32, false)
	for _, r := range rs {
		mustAdd(t, tb, r)
	}
	for _, r := range rs[100:200] {
		if err := tb.Delete(r); err != nil {
			t.Fatal(err)
		}
	}
	want := append(append([]Route(nil), rs[:100]...), rs[200:]...)
	got := tb.Routes()
	if len(got) != len(want) {
		t.Fatalf("%d routes, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("route %d: %v, want %v", i, got[i], want[i])
		}
	}
}

func TestAddBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	tb, ref := New(), &refTable{}
	rs := randRoutes(rng, 2500, 0, 32, false)
	if err := tb.AddBatch(rs[:2000]); err != nil {
		t.Fatal(err)
	}
	for _, r := range rs[:2000] {
		ref.add(r)
	}
	checkAgainst(t, tb, ref, rng, 2000)
	// A small batch goes in incrementally.
	if err := tb.AddBatch(rs[2000:2100]); err != nil {
		t.Fatal(err)
	}
	for _, r := range rs[2000:2100] {
		ref.add(r)
	}
	checkAgainst(t, tb, ref, rng, 5000)
	// A duplicate refuses the whole batch.
	if err := tb.AddBatch([]Route{rs[2200], rs[0]}); err == nil {
		t.Fatal("batch with a duplicate accepted")
	}
	if err := tb.AddBatch([]Route{rs[2200], rs[2200]}); err == nil {
		t.Fatal("batch repeating a route accepted")
	}
	if tb.Len() != 2100 {
		t.Fatalf("Len %d after refused batches", tb.Len())
	}
}

// TestCompaction deletes and re-adds until the plane is rebuilt and checks
// answers and the garbage count.
func TestCompaction(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	tb, ref := New(), &refTable{}
	rs := randRoutes(rng, 1000, 17, 32, false)
	for _, r := range rs {
		mustAdd(t, tb, r)
		ref.add(r)
	}
	for round := range 4 {
		for _, r := range rs {
			if err := tb.Delete(r); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range rs {
			mustAdd(t, tb, r)
		}
		m := tb.Memory()
		if m.DeadRecords > m.Records/2+4096 || m.DeadGroups > m.Groups/2+1024 {
			t.Fatalf("round %d: garbage not reclaimed: %+v", round, m)
		}
	}
	if m := tb.Memory(); m.Rebuilds == 0 {
		t.Errorf("no rebuild: %+v", m)
	}
	checkAgainst(t, tb, ref, rng, 5000)
}

// TestConcurrentReaders runs lookups on several goroutines while routes
// come and go (run with -race). A reader must always get a route whose
// prefix contains the address, and the default route is always there.
func TestConcurrentReaders(t *testing.T) {
	t.Run("16-8-8", func(t *testing.T) { concurrentReaders(t, bigTable, 1500, 8, true) })
	// Every round crosses the DIR-24-8 threshold both ways. Each switch
	// writes every root entry a prefix covers, 2^24 for a default route:
	// without one, and with prefixes no shorter than /14, a switch stays
	// affordable under the race detector; addresses outside every prefix
	// must then find no route.
	t.Run("dir-24-8", func(t *testing.T) { concurrentReaders(t, 300, 800, 14, false) })
}

func concurrentReaders(t *testing.T, bigAt, n, shortest int, withDefault bool) {
	rng := rand.New(rand.NewPCG(9, 10))
	tb := New()
	tb.c.bigAt = bigAt
	if withDefault {
		mustAdd(t, tb, Route{Prefix: netip.MustParsePrefix("0.0.0.0/0"), IfIndex: 9})
	}
	rs := randRoutes(rng, n, shortest, 32, false)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 99))
			for {
				select {
				case <-stop:
					return
				default:
				}
				for range 100 {
					v := rng.Uint32()
					a := [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
					r, ok := tb.Lookup(a)
					if !ok && !withDefault {
						continue
					}
					if withDefault {
						var h [1]Hop
						tb.NextHopBurst([][4]byte{a}, h[:])
						ifx4, _ := tb.NextHop4(uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3]))
						if _, _, ok := tb.NextHop(a); !ok || !h[0].OK || h[0].IfIndex <= 0 || ifx4 <= 0 {
							t.Errorf("NextHop(%v): %v, NextHopBurst: %+v", netip.AddrFrom4(a), ok, h[0])
							return
						}
					}
					if !ok || !r.Prefix.Contains(netip.AddrFrom4(a)) {
						t.Errorf("Lookup(%v) = %v %v", netip.AddrFrom4(a), r, ok)
						return
					}
				}
			}
		}()
	}
	for round := range 3 {
		for _, r := range rs {
			mustAdd(t, tb, r)
		}
		if round == 1 {
			tb.DeleteInterface(2)
			for _, r := range rs {
				if r.IfIndex == 2 {
					mustAdd(t, tb, r)
				}
			}
		}
		for _, r := range rs {
			if err := tb.Delete(r); err != nil {
				t.Error(err)
			}
		}
	}
	close(stop)
	wg.Wait()
}

func TestIPv6AgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	tb, ref := New6(), &refTable{}
	var rs []Route
	seen := map[netip.Prefix]bool{}
	for len(rs) < 1000 {
		var a [16]byte
		a[0] = 0x20
		a[1] = byte(rng.IntN(4)) // cluster so prefixes nest
		for i := 2; i < 16; i++ {
			a[i] = byte(rng.IntN(4))
		}
		p := netip.PrefixFrom(netip.AddrFrom16(a), rng.IntN(129)).Masked()
		if seen[p] {
			continue
		}
		seen[p] = true
		rs = append(rs, Route{Prefix: p, IfIndex: 1 + rng.IntN(3), Metric: rng.IntN(2)})
	}
	probe := func(n int) {
		for range n {
			var a [16]byte
			a[0] = 0x20
			for i := 1; i < 16; i++ {
				a[i] = byte(rng.IntN(4))
			}
			if len(ref.rs) > 0 && rng.IntN(2) == 0 {
				a = ref.rs[rng.IntN(len(ref.rs))].Prefix.Addr().As16()
			}
			got, gok := tb.Lookup(a)
			want, wok := ref.lookup(netip.AddrFrom16(a))
			if gok != wok || got != want {
				t.Fatalf("Lookup(%v) = %v %v, want %v %v", netip.AddrFrom16(a), got, gok, want, wok)
			}
		}
	}
	for i, r := range rs {
		if err := tb.Add(r); err != nil {
			t.Fatal(err)
		}
		ref.add(r)
		if i%200 == 0 {
			probe(200)
		}
	}
	probe(3000)
	for _, r := range rs[:750] {
		if err := tb.Delete(r); err != nil {
			t.Fatal(err)
		}
		ref.del(r)
	}
	probe(3000)
	if err := tb.Add(Route{Prefix: netip.MustParsePrefix("198.18.0.0/24"), IfIndex: 1}); err == nil {
		t.Fatal("IPv4 route accepted by the IPv6 table")
	}
}

// FuzzLPM drives a table and the reference with a program of adds, deletes
// and lookups read from the input: 6 bytes per step (op, 4 address bytes,
// length).
func FuzzLPM(f *testing.F) {
	f.Add([]byte{0, 10, 0, 0, 0, 8, 0, 10, 1, 0, 0, 16, 2, 10, 1, 2, 3, 0, 1, 10, 0, 0, 0, 8, 2, 10, 1, 2, 3, 0})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 32, 2, 1, 2, 3, 4, 0, 1, 1, 2, 3, 4, 32, 2, 1, 2, 3, 4, 0})
	// Sibling /17s with one next hop around a /20 (TestFoldKeepsDeeperPrefixes).
	f.Add([]byte{0, 10, 0, 0, 0, 17, 0, 10, 0, 128, 0, 17, 0, 10, 0, 16, 0, 20, 1, 10, 0, 16, 0, 20, 1, 10, 0, 0, 0, 17, 2, 10, 0, 1, 1, 0})
	// An odd-length program runs on a table that becomes DIR-24-8 from its
	// fourth prefix.
	f.Add([]byte{0, 10, 0, 0, 0, 8, 0, 10, 1, 0, 0, 16, 0, 10, 1, 2, 0, 24, 0, 10, 1, 2, 128, 25, 2, 10, 1, 2, 200, 0, 1, 10, 1, 2, 0, 24, 2, 10, 1, 2, 3, 0, 7})
	f.Fuzz(func(t *testing.T, prog []byte) {
		tb, ref := New(), &refTable{}
		if len(prog)%2 == 1 {
			tb.c.bigAt = 4
		}
		for len(prog) >= 6 {
			op, a, l := prog[0]%3, [4]byte{prog[1], prog[2], prog[3], prog[4]}, int(prog[5]%33)
			prog = prog[6:]
			r := Route{Prefix: netip.PrefixFrom(netip.AddrFrom4(a), l).Masked(), IfIndex: 1 + int(prog0(prog)%2)}
			switch op {
			case 0:
				if (tb.Add(r) == nil) != ref.add(r) {
					t.Fatalf("Add(%v) disagrees", r)
				}
			case 1:
				if (tb.Delete(r) == nil) != ref.del(r) {
					t.Fatalf("Delete(%v) disagrees", r)
				}
			}
			for _, d := range [][4]byte{a, {a[0], a[1], a[2], ^a[3]}, {a[0], ^a[1], a[2], a[3]}} {
				got, gok := tb.Lookup(d)
				want, wok := ref.lookup(netip.AddrFrom4(d))
				if gok != wok || got != want {
					t.Fatalf("Lookup(%v) = %v %v, want %v %v", netip.AddrFrom4(d), got, gok, want, wok)
				}
			}
		}
	})
}

func prog0(p []byte) byte {
	if len(p) == 0 {
		return 0
	}
	return p[0]
}

// TestFoldKeepsDeeperPrefixes: two sibling /17s with the same next hop
// fill their group with one leaf value once a /20 inside goes; that group
// must not be folded into the root (where the /17s could no longer be
// removed).
func TestFoldKeepsDeeperPrefixes(t *testing.T) {
	tb := New()
	gw := netip.MustParseAddr("192.0.2.1")
	p := Route{Prefix: netip.MustParsePrefix("10.0.0.0/17"), Gateway: gw, IfIndex: 1}
	q := Route{Prefix: netip.MustParsePrefix("10.0.128.0/17"), Gateway: gw, IfIndex: 1}
	r := Route{Prefix: netip.MustParsePrefix("10.0.16.0/20"), IfIndex: 2}
	for _, x := range []Route{p, q, r} {
		mustAdd(t, tb, x)
	}
	for _, x := range []Route{r, p} {
		if err := tb.Delete(x); err != nil {
			t.Fatal(err)
		}
	}
	if got, ok := tb.Lookup([4]byte{10, 0, 1, 1}); ok {
		t.Fatalf("deleted /17 still answers: %v", got)
	}
	if got, ok := tb.Lookup([4]byte{10, 0, 200, 1}); !ok || got.Prefix != q.Prefix {
		t.Fatalf("sibling /17: %v %v", got, ok)
	}
}

// TestArenaPlanesRetire: a table big enough for off-heap groups is rebuilt
// while readers run, and retired planes are collected (their blocks
// unmapped) under the readers' feet.
func TestArenaPlanesRetire(t *testing.T) {
	if raceEnabled {
		t.Skip("the arena is off under the race detector (race.go): this runs in the plain run; TestConcurrentReaders covers rebuilds under readers with -race")
	}
	rng := rand.New(rand.NewPCG(13, 14))
	rs := randRoutes(rng, 8000, 25, 32, false) // one group each: past hugeAfter chunks
	tb := New()
	mustAdd(t, tb, Route{Prefix: netip.MustParsePrefix("0.0.0.0/0"), IfIndex: 9})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			r := rs[i%len(rs)]
			a := r.Prefix.Addr().As4()
			if ifx, _ := tb.NextHop4(uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])); ifx == 0 {
				t.Error("no route")
				return
			}
		}
	}()
	for range 4 {
		if err := tb.AddBatch(rs); err != nil {
			t.Fatal(err)
		}
		if m := tb.Memory(); m.Groups < hugeAfter/(groupSize*4) {
			t.Fatalf("only %d groups: the arena is not used", m.Groups)
		}
		tb.DeleteInterface(1)
		tb.DeleteInterface(2)
		tb.DeleteInterface(3)
		tb.DeleteInterface(4)
		runtime.GC()
	}
	close(stop)
	wg.Wait()
}
