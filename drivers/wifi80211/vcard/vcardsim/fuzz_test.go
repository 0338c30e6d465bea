package vcardsim

import (
	"encoding/hex"
	"net"
	"testing"

	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/air"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/internal/reg"
	"github.com/gopkt/gopkt/hw/pci"
)

// fuzzCard is a model with RX running into a ring, a pairwise and a group
// CCMP key, PASSBAD and KEEPIV toggled by the input.
func fuzzCard(t testing.TB) (*Model, pci.Regs) {
	m := New(Config{MAC: net.HardwareAddr{0x0f, 0xd2, 0xe1, 0x28, 0xa5, 0x7c}})
	r, _ := m.Function().BAR(0)
	ring, err := m.Function().DMA().Alloc(8*reg.DescSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	bufs, err := m.Function().DMA().Alloc(8*2048, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		reg.RxDesc(ring.Mem[i*32:]).Arm(bufs.IOVA+uint64(i*2048), 2048)
	}
	r.Write32(reg.RDBAL, uint32(ring.IOVA))
	r.Write32(reg.RDBAH, uint32(ring.IOVA>>32))
	r.Write32(reg.RDLEN, 8)
	r.Write32(reg.FREQ, 2412)
	r.Write32(reg.RXFILTER, reg.FilterPROMISC)
	r.Write32(reg.CTRL, reg.CtrlRXEN)
	r.Write32(reg.RDT, 7)
	for i, group := range []bool{false, true} {
		r.Write32(reg.KEYSEL, uint32(i))
		r.Write32(reg.KEY0, 0x671f7cc9)
		r.Write32(reg.KEYCIPHER, reg.CipherCCMP)
		r.Write32(reg.KEYMACL, 0x84f13050)
		r.Write32(reg.KEYMACH, 0x0844)
		idx := uint32(0)
		if group {
			idx = 1 | reg.KeyIdxGROUP
		}
		r.Write32(reg.KEYIDX, idx)
		r.Write32(reg.KEYCMD, reg.KeyCmdWRITE)
	}
	return m, r
}

func FuzzReceive(f *testing.F) {
	mpdu, _ := hex.DecodeString("0848c32c0fd2e128a57c5030f1844408abaea5b8fcba80330ce70020769703b5f3d0a2fe9a3dbf2342a643e43246e80c3c04d0197845ce0b16f97623")
	f.Add(mpdu, uint8(0))
	f.Add(mpdu[:30], uint8(1))
	f.Add([]byte{0x88, 0x42, 0, 0, 0x0f, 0xd2, 0xe1, 0x28, 0xa5, 0x7c}, uint8(3))
	f.Add([]byte{0xd4, 0x00, 0, 0, 0x0f, 0xd2, 0xe1, 0x28, 0xa5, 0x7c}, uint8(2))
	m, r := fuzzCard(f)
	defer m.Close()
	f.Fuzz(func(t *testing.T, frame []byte, mode uint8) {
		r.Write32(reg.CTRL, reg.CtrlRXEN|uint32(mode&3)<<3) // PASSBAD, KEEPIV
		m.Receive(frame, air.RxInfo{Freq: 2412, Rate: 2})
		// Hand the descriptors back so the ring never fills.
		r.Write32(reg.RDT, (r.Read32(reg.RDH)+7)%8)
	})
}
