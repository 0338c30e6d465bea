package igb

import (
	"testing"
)

// flapModel is hostileModel with a link the test moves: STATUS.LU from
// up, and ICR.LSC latched on every change, cleared by a read while IMS is
// 0 and by writing 1 (what QEMU's igb model does).
type flapModel struct {
	*hostileModel
	up  bool
	icr uint32
}

func (m *flapModel) setLink(up bool) {
	if up != m.up {
		m.up = up
		m.icr |= icrLSC
	}
}

func (m *flapModel) Read32(off uint32) uint32 {
	switch off {
	case regSTATUS:
		if m.up {
			return statusLU | 2<<6 // 1000 Mb/s
		}
		return 0
	case regICR:
		v := m.icr
		if m.regs[regIMS] == 0 {
			m.icr = 0
		}
		return v
	}
	return m.hostileModel.Read32(off)
}

func (m *flapModel) Write32(off, v uint32) {
	if off == regICR {
		m.icr &^= v
		return
	}
	m.hostileModel.Write32(off, v)
}

// TestLinkFlapBetweenLooks: a flap that starts and ends between two
// Service calls (polling STATUS alone would miss it) is found from
// ICR.LSC, counted as two changes and published again; a quiet look after
// it counts nothing; a plain down and up count one each.
func TestLinkFlapBetweenLooks(t *testing.T) {
	m := &flapModel{hostileModel: &hostileModel{regs: map[uint32]uint32{}}, up: true}
	d, pool := attachModel(t, m, m.hostileModel, 512, Config{Queues: 1, RxRing: 64, TxRing: 64})
	defer pool.Close()
	defer d.Close()
	p := d.Port()
	ev := p.LinkEvents()
	drain := func() (ls []bool) {
		for {
			select {
			case l := <-ev:
				ls = append(ls, l.Up)
			default:
				return ls
			}
		}
	}
	p.Service()
	drain()
	before := p.Stats().LinkFlaps

	m.setLink(false)
	m.setLink(true)
	p.Service()
	if ls := drain(); len(ls) != 1 || !ls[0] {
		t.Fatalf("events after a flap between looks: %v, want one up", ls)
	}
	if n := p.Stats().LinkFlaps - before; n != 2 {
		t.Errorf("LinkFlaps grew by %d, want 2 (down, up)", n)
	}
	p.Service() // LSC was consumed: a quiet look counts nothing
	if n := p.Stats().LinkFlaps - before; n != 2 || len(drain()) != 0 {
		t.Errorf("LinkFlaps grew by %d after a quiet look, want 2 and no event", n)
	}

	m.setLink(false)
	p.Service()
	m.setLink(true)
	p.Service()
	if ls := drain(); len(ls) != 1 || !ls[0] {
		t.Errorf("events after a seen down and up: %v, want the latest (up) only", ls)
	}
	if n := p.Stats().LinkFlaps - before; n != 4 {
		t.Errorf("LinkFlaps grew by %d, want 4", n)
	}
	if l := p.Link(); !l.Up || l.SpeedMbps != 1000 {
		t.Errorf("link %v, want up at 1000 Mb/s", l)
	}
}
