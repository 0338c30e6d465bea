package pfil

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
)

func newPool(t testing.TB) *mbuf.Pool {
	t.Helper()
	p, err := mbuf.NewPool(dma.NewMemory(dma.NewSpace(), dma.MemoryOptions{NoHugepages: true}), mbuf.PoolOptions{Name: "pfil", Buffers: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.InUse() != 0 {
			t.Errorf("pool: %d buffers in use at the end", p.InUse())
		}
	})
	return p
}

func TestHeadOrderAndVerdicts(t *testing.T) {
	p := newPool(t)
	b, _ := p.Get()
	defer b.Free()
	h := NewHead("test")
	if v := h.Run(In, 1, b); v != Pass || h.Active() {
		t.Fatalf("empty head: %v active=%v", v, h.Active())
	}
	var order []string
	mk := func(name string, v Verdict) Hook {
		return func(Dir, int, *mbuf.Buf) Verdict { order = append(order, name); return v }
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.Add("c", 10, mk("c", Pass)))
	must(h.Add("a", 0, mk("a", Pass)))
	must(h.Add("b", 0, mk("b", Modified)))
	if err := h.Add("a", 5, mk("a", Pass)); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("duplicate: %v", err)
	}
	if v := h.Run(In, 1, b); v != Modified || len(order) != 3 || order[0] != "a" || order[1] != "b" || order[2] != "c" {
		t.Fatalf("got %v order %v, want modified a b c", v, order)
	}
	order = nil
	must(h.Add("stop", 1, mk("stop", Drop)))
	if v := h.Run(In, 1, b); v != Drop || len(order) != 3 || order[2] != "stop" {
		t.Fatalf("got %v order %v, want drop after a b stop", v, order)
	}
	must(h.Remove("stop"))
	must(h.Add("eat", 1, mk("eat", Consumed)))
	if v := h.Run(In, 1, b); v != Consumed {
		t.Fatalf("got %v, want consumed", v)
	}
	for _, n := range []string{"a", "b", "c", "eat"} {
		must(h.Remove(n))
	}
	if h.Active() || h.Len() != 0 {
		t.Fatal("hooks left after removing all")
	}
	if err := h.Remove("a"); !errors.Is(err, ErrNoHook) {
		t.Fatalf("remove from empty: %v", err)
	}
}

// ipv4UDP is 198.18.0.1:1000 -> 198.18.0.2:53, UDP, 4 bytes of data.
var ipv4UDP = []byte{
	0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2,
	0x03, 0xe8, 0, 53, 0, 12, 0, 0, 1, 2, 3, 4,
}

func TestAddrFilter(t *testing.T) {
	p := newPool(t)
	for _, tc := range []struct {
		name string
		rule Rule
		want Verdict
	}{
		{"src match", Rule{Src: netip.MustParsePrefix("198.18.0.0/24")}, Drop},
		{"src miss", Rule{Src: netip.MustParsePrefix("198.19.0.0/16")}, Pass},
		{"dst host", Rule{Dst: netip.MustParsePrefix("198.18.0.2/32")}, Drop},
		{"proto miss", Rule{Proto: 6}, Pass},
		{"port match", Rule{Proto: 17, Port: 53}, Drop},
		{"port miss", Rule{Port: 54}, Pass},
	} {
		b, _ := p.Get()
		d, _ := b.Append(len(ipv4UDP))
		copy(d, ipv4UDP)
		f := NewAddrFilter(tc.rule)
		if v := f.Hook(In, 1, b); v != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, v, tc.want)
		}
		if (f.Dropped() == 1) != (tc.want == Drop) {
			t.Errorf("%s: dropped counter %d", tc.name, f.Dropped())
		}
		b.Free()
	}
}
