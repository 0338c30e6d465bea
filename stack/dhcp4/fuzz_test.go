package dhcp4

import (
	"bytes"
	"encoding/binary"
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// FuzzMessage parses arbitrary bytes as a DHCP message: the constructor and
// the option walk must never panic, every accessor of an accepted view must
// work, and Fields → Encode must reproduce the bytes.
func FuzzMessage(f *testing.F) {
	f.Add(unhex(f, discoverHex))
	seed := func(opts, file, sname string) {
		m := MessageFields{Op: BootReply, HType: 1, HLen: 6, Options: unhex(f, opts)}
		copy(m.File[:], unhex(f, file))
		copy(m.SName[:], unhex(f, sname))
		b, _ := m.Encode(make([]byte, 1500))
		f.Add([]byte(b))
	}
	seed("350105 3604c6120001 3304000004b0 0104ffffff00 0308c6120001c6120002 ff", "", "")
	seed("350105 340103 ff", "3604c6120009 ff", "3304 0000003c ff")
	seed("350105 3604c612", "", "")
	seed("350105 340101", "33", "")
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := NewMessage(b)
		if err != nil {
			return
		}
		_, _, _, _, _, _ = m.Op(), m.HType(), m.XID(), m.Secs(), m.CIAddr(), m.YIAddr()
		_, _, _, _, _ = m.SIAddr(), m.GIAddr(), m.CHAddr(), m.MAC(), m.Hops()
		p, err := m.Params()
		if err == nil {
			_ = p.Has(OptEnd)
			if p.Type < Discover || p.Type > Inform {
				t.Fatalf("accepted message type %d", p.Type)
			}
		}
		fl := m.Fields()
		out := make([]byte, max(len(b), MinSendLen))
		e, err := fl.Encode(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(e[:len(b)], b) || (len(e) > len(b) && !bytes.Equal(e[len(b):], make([]byte, len(e)-len(b)))) {
			t.Fatalf("round trip differs:\n in %x\nout %x", b, []byte(e))
		}
	})
}

// FuzzClientReceive feeds arbitrary replies (with the client's xid and
// chaddr patched in, so they get past the first checks) to the state
// machine in every state that takes replies: nothing may panic, and the
// client must end in a valid state with the pool intact.
func FuzzClientReceive(f *testing.F) {
	for _, s := range []string{
		"350102 3604c6120001 3304000004b0 0104ffffff00 0304c6120001 ff",
		"350105 3604c6120001 3304000004b0 0104ffffff00 0308c6120001c6120002 3a0400000064 3b04000000c8 ff",
		"350105 3604c6120001 3304ffffffff ff",
		"350106 3604c6120001 3803626164 ff",
		"350105 340103 ff",
	} {
		m := MessageFields{Op: BootReply, HType: 1, HLen: 6, YIAddr: wire.Addr4{198, 18, 0, 9}, Options: unhex(f, s)}
		b, _ := m.Encode(make([]byte, 600))
		for st := range byte(5) {
			f.Add(st, []byte(b))
		}
	}
	pool := stacktest.NewPool(f, 256)
	_, hb, ia, ib := stacktest.Pair(f, pool, stacktest.Config{NoPoller: true})
	c, err := New(Config{Interface: ib, IP: hb.IP, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	states := [...]State{StateSelecting, StateRequesting, StateRebooting, StateRenewing, StateRebinding}
	f.Fuzz(func(t *testing.T, st byte, b []byte) {
		if len(b) >= HeaderLen {
			mac := ib.MAC()
			binary.BigEndian.PutUint32(b[4:8], 7)
			copy(b[28:34], mac[:])
			b[1], b[2] = 1, 6
		}
		c.state = states[int(st)%len(states)]
		c.xid = 7
		c.offerServer = wire.Addr4{198, 18, 0, 1}
		if c.state == StateRenewing || c.state == StateRebinding {
			c.cur = Lease{Addr: netip.MustParsePrefix("198.18.0.9/24"), Server: netip.MustParseAddr("198.18.0.1"), Duration: time.Minute}
		}
		c.receive(b)
		if c.state > StateStopped {
			t.Fatalf("state %v", c.state)
		}
		c.probing.Store(0)
		c.unconfigure()
		stacktest.Drain(ia, ib)
		if n := pool.InUse(); n > 16 {
			t.Fatalf("%d buffers in use after draining", n)
		}
	})
}
