package dhcp4

import (
	"bytes"
	"testing"
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
