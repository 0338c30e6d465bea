package e1000_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/hw/port"
)

var models = []struct {
	name string
	id   pci.ID
}{
	{"82540EM", e1000test.ID82540EM},
	{"82544GC", e1000test.ID82544GC},
	{"82545EM", e1000test.ID82545EM},
	{"82574L", e1000test.ID82574L},
}

func TestAttachEveryModel(t *testing.T) {
	for _, m := range models {
		t.Run(m.name, func(t *testing.T) {
			r := newRig(t, 1, m.id, nil, nil)
			d, p := r.devs[0], r.ports[0]
			if d.Model().Name != m.name {
				t.Errorf("model %q, want %q", d.Model().Name, m.name)
			}
			if got := d.MAC(); got != mac(0) {
				t.Errorf("MAC %x, want %x (from the EEPROM)", got, mac(0))
			}
			if err := d.CheckEEPROM(); err != nil {
				t.Error(err)
			}
			words, err := d.EEPROM()
			if err != nil || words != p.EEPROMWords() {
				t.Errorf("EEPROM read %v, %x; want %x", err, words, p.EEPROMWords())
			}
			// RAL0/RAH0 hold the address with AV (SDM §13.5.2).
			if got, want := p.Reg(0x5400), uint32(0x105e0002); got != want {
				t.Errorf("RAL0 %#x, want %#x", got, want)
			}
			if got, want := p.Reg(0x5404), uint32(0x80000100); got != want {
				t.Errorf("RAH0 %#x, want %#x", got, want)
			}
			rctl := p.Reg(0x100)
			if rctl&(1<<1) == 0 || rctl&(1<<15) == 0 || rctl&(1<<26) == 0 {
				t.Errorf("RCTL %#x: want EN, BAM, SECRC", rctl)
			}
			if p.Reg(0x400)&(1<<1) == 0 {
				t.Errorf("TCTL %#x: transmitter not enabled", p.Reg(0x400))
			}
			if got := p.Reg(0x2818); got != 255 {
				t.Errorf("RDT %d, want 255 (ring full minus one)", got)
			}
			if l := d.Link(); !l.Up || l.SpeedMbps != 1000 || !l.FullDuplex {
				t.Errorf("link %v", l)
			}
			if p.Fake().Resets() != 0 {
				t.Error("driver used a function reset; CTRL.RST is the documented path")
			}
		})
	}
}

func TestEEPROMChecksumMismatch(t *testing.T) {
	r := newRig(t, 1, e1000test.ID82545EM, func(_ int, o *e1000test.Options) { o.BadEEPROMSum = true }, nil)
	err := r.devs[0].CheckEEPROM()
	if !errors.Is(err, e1000.ErrEEPROMSum) {
		t.Fatalf("got %v, want ErrEEPROMSum", err)
	}
	var oe *e1000.OpError
	if !errors.As(err, &oe) || oe.Fix == "" {
		t.Errorf("want an *OpError with a fix, got %#v", err)
	}
}

func TestAttachRejects(t *testing.T) {
	bus := e1000test.NewBus()
	defer bus.Close()
	pool, err := mbuf.NewPool(bus.Memory(), mbuf.PoolOptions{Buffers: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	p := e1000test.NewPort(bus, e1000test.Options{})
	for _, tc := range []struct {
		name string
		cfg  e1000.Config
		want error
	}{
		{"no pool", e1000.Config{}, e1000.ErrConfig},
		{"ring not power of two", e1000.Config{Pool: pool, RxDescs: 100}, e1000.ErrConfig},
		{"MTU too large", e1000.Config{Pool: pool, MTU: 9001}, port.ErrMTU},
		{"refill batch over half the ring", e1000.Config{Pool: pool, RxDescs: 256, RxRefill: 200}, e1000.ErrConfig},
		{"pool smaller than half the ring", e1000.Config{Pool: pool, RxDescs: 4096}, e1000.ErrConfig},
	} {
		_, err := e1000.Attach(p.Function(), tc.cfg)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	if pool.InUse() != 0 {
		t.Errorf("failed attaches leaked %d mbufs", pool.InUse())
	}
}

// TestLoopMixed sends 10 000 frames of mixed sizes, jumbo chains included,
// from one port to another and checks every frame arrives once, in order,
// intact, on every model.
func TestLoopMixed(t *testing.T) {
	for _, m := range models {
		t.Run(m.name, func(t *testing.T) {
			r := newRig(t, 2, m.id, nil, func(_ int, c *e1000.Config) { c.MTU = 9000 })
			a, b := r.devs[0], r.devs[1]
			const total = 10000
			rng := rand.New(rand.NewPCG(1, 2))
			tr := e1000test.NewTracker(total)
			frame := make([]byte, 9014)
			drain := func() {
				var burst [64]*mbuf.Buf
				for {
					n := b.RxBurst(burst[:])
					if n == 0 {
						return
					}
					for _, x := range burst[:n] {
						tr.Add(bytesOf(x))
						x.Free()
					}
				}
			}
			var batch []*mbuf.Buf
			for seq := 0; seq < total; seq++ {
				size := 60 + rng.IntN(1514-60+1)
				if seq%10 == 0 {
					size = 1515 + rng.IntN(9014-1515+1)
				}
				f := frame[:size]
				e1000test.FillLoop(f, mac(1), mac(0), uint64(seq))
				batch = append(batch, r.frame(t, f))
				if len(batch) == 32 {
					sendAll(t, a, batch, drain)
					batch = batch[:0]
				}
			}
			sendAll(t, a, batch, drain)
			for i := 0; i < 100 && tr.Received < total; i++ {
				a.TxBurst(nil) // lets the TX side clean
				drain()
			}
			if !tr.Clean() || tr.Foreign != 0 {
				t.Fatalf("lost %d corrupt %d dup %d reordered %d foreign %d", tr.Lost(), tr.Corrupt, tr.Duplicated, tr.Reordered, tr.Foreign)
			}
			st := b.Stats()
			if st.RxPackets != total || st.RxDropped != 0 || st.RxErrors != 0 {
				t.Errorf("receiver stats %+v", st)
			}
			if st := a.Stats(); st.TxPackets != total || st.TxDropped != 0 {
				t.Errorf("sender stats %+v", st)
			}
		})
	}
}

func TestJumboNeedsMTU(t *testing.T) {
	r := newRig(t, 2, e1000test.ID82540EM, nil, nil) // MTU 1500
	a, b := r.devs[0], r.devs[1]
	big := make([]byte, 4000)
	e1000test.FillLoop(big, mac(1), mac(0), 0)
	small := make([]byte, 1514)
	e1000test.FillLoop(small, mac(1), mac(0), 1)
	sendAll(t, a, []*mbuf.Buf{r.frame(t, big)}, nil)
	// A 4000-byte frame at MTU 1500 is longer than 1522 and LPE is off.
	if got := recvAll(b, 1, nil); got != 0 {
		t.Errorf("received %d oversize frames", got)
	}
	if err := b.SetMTU(9000); err != nil {
		t.Fatal(err)
	}
	sendAll(t, a, []*mbuf.Buf{r.frame(t, big), r.frame(t, small)}, nil)
	var sizes []int
	recvAll(b, 2, func(x *mbuf.Buf) { sizes = append(sizes, x.PktLen()) })
	if len(sizes) != 2 || sizes[0] != 4000 || sizes[1] != 1514 {
		t.Errorf("sizes %v, want [4000 1514]", sizes)
	}
	if err := b.SetMTU(9001); !errors.Is(err, port.ErrMTU) {
		t.Errorf("SetMTU(9001) = %v", err)
	}
}

func TestVLANInsertAndStrip(t *testing.T) {
	r := newRig(t, 2, e1000test.ID82545EM, nil, func(_ int, c *e1000.Config) { c.VLAN = true })
	a, b := r.devs[0], r.devs[1]
	var wire []byte
	r.ports[0].SetTap(func(f []byte) { wire = append([]byte(nil), f...) })
	f := make([]byte, 100)
	e1000test.FillLoop(f, mac(1), mac(0), 7)
	buf := r.frame(t, f)
	buf.Meta.Flags |= mbuf.FlagVLAN
	buf.Meta.VLAN = 0x2064 // PCP 1, VID 100
	sendAll(t, a, []*mbuf.Buf{buf}, nil)
	want := append(append(append([]byte(nil), f[:12]...), 0x81, 0x00, 0x20, 0x64), f[12:]...)
	if !bytes.Equal(wire, want) {
		t.Fatalf("on the wire:\n%x\nwant\n%x", wire, want)
	}
	var got *mbuf.Buf
	n := recvAll(b, 1, func(x *mbuf.Buf) {
		got = x
		if x.Meta.Flags&mbuf.FlagVLAN == 0 || x.Meta.VLAN != 0x2064 {
			t.Errorf("meta %+v: want VLAN 0x2064", x.Meta)
		}
		if !bytes.Equal(bytesOf(x), f) {
			t.Errorf("tag not stripped: %x", bytesOf(x))
		}
	})
	if n != 1 || got == nil {
		t.Fatalf("received %d", n)
	}
	if !a.Offloads().Has(port.VLANInsert | port.VLANStrip) {
		t.Errorf("offloads %v", a.Offloads())
	}
}

func TestReceiveFilters(t *testing.T) {
	r := newRig(t, 2, e1000test.ID82540EM, nil, nil)
	a, b := r.devs[0], r.devs[1]
	send := func(dst [6]byte, seq uint64) int {
		f := make([]byte, 64)
		e1000test.FillLoop(f, dst, mac(0), seq)
		sendAll(t, a, []*mbuf.Buf{r.frame(t, f)}, nil)
		return recvAll(b, 1, nil)
	}
	other := [6]byte{0x02, 0, 0, 0, 0, 0x99}
	group := [6]byte{0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}
	bcast := [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	steps := []struct {
		name string
		do   func() error
		dst  [6]byte
		want int
	}{
		{"own unicast", nil, mac(1), 1},
		{"broadcast", nil, bcast, 1},
		{"other unicast", nil, other, 0},
		{"multicast not joined", nil, group, 0},
		{"multicast joined", func() error { return b.SetMulticast([][6]byte{group}) }, group, 1},
		{"promiscuous", func() error { return b.SetPromisc(true) }, other, 1},
		{"promiscuous off", func() error { return b.SetPromisc(false) }, other, 0},
		{"all-multicast", func() error {
			if err := b.SetMulticast(nil); err != nil {
				return err
			}
			return b.SetAllMulti(true)
		}, group, 1},
		{"new MAC", func() error { return b.SetMAC(other) }, other, 1},
	}
	for i, s := range steps {
		if s.do != nil {
			if err := s.do(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
		if got := send(s.dst, uint64(i)); got != s.want {
			t.Errorf("%s: received %d, want %d", s.name, got, s.want)
		}
	}
	if err := b.SetMulticast([][6]byte{other}); !errors.Is(err, e1000.ErrConfig) {
		t.Errorf("SetMulticast(unicast) = %v", err)
	}
}

func TestLinkEvents(t *testing.T) {
	r := newRig(t, 1, e1000test.ID82540EM, nil, nil)
	d, p := r.devs[0], r.ports[0]
	ev := d.LinkEvents()
	select {
	case l := <-ev:
		if !l.Up {
			t.Fatalf("initial event %v", l)
		}
	default:
		t.Fatal("no initial link event")
	}
	p.SetLink(false)
	d.Service()
	if l := <-ev; l.Up || d.Link().Up {
		t.Fatalf("after link down: event %v, Link %v", l, d.Link())
	}
	p.SetLink(true)
	d.Service()
	if l := <-ev; !l.Up {
		t.Fatalf("after link up: %v", l)
	}
	if st := d.Stats(); st.LinkFlaps != 3 {
		t.Errorf("LinkFlaps %d, want 3 (up, down, up)", st.LinkFlaps)
	}
	if _, err := d.WaitLink(time.Second); err != nil {
		t.Error(err)
	}
}

// TestLinkFlapBetweenLooks: in poll mode a flap that starts and ends
// between two Service calls is found from ICR.LSC (SDM §13.4.17), counted
// as two changes and published again, instead of lost.
func TestLinkFlapBetweenLooks(t *testing.T) {
	r := newRig(t, 1, e1000test.ID82540EM, nil, nil)
	d, p := r.devs[0], r.ports[0]
	ev := d.LinkEvents()
	<-ev // the initial up
	d.Service()
	before := d.Stats().LinkFlaps
	p.SetLink(false)
	p.SetLink(true)
	d.Service()
	select {
	case l := <-ev:
		if !l.Up {
			t.Fatalf("event %v, want up", l)
		}
	default:
		t.Fatal("the flap published nothing")
	}
	if n := d.Stats().LinkFlaps - before; n != 2 {
		t.Errorf("LinkFlaps grew by %d, want 2 (down, up)", n)
	}
	d.Service() // LSC was consumed: a quiet look counts nothing
	if n := d.Stats().LinkFlaps - before; n != 2 {
		t.Errorf("LinkFlaps grew by %d after a quiet look, want 2", n)
	}
}

func TestCloseTwice(t *testing.T) {
	r := newRig(t, 1, e1000test.ID82540EM, nil, nil)
	d := r.devs[0]
	r.devs = nil
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); !errors.Is(err, e1000.ErrClosed) {
		t.Errorf("second Close = %v", err)
	}
	if _, ok := <-d.LinkEvents(); ok {
		// The initial event may still be buffered; the channel must close after it.
		if _, ok := <-d.LinkEvents(); ok {
			t.Error("LinkEvents not closed")
		}
	}
}
