package pcitest_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/hw/pci/pcitest"
)

type tailHook struct{ writes []uint32 }

func (h *tailHook) Read32(off uint32) uint32     { return 0xdead0000 | off }
func (h *tailHook) Write32(off uint32, v uint32) { h.writes = append(h.writes, off, v) }

func TestFunction(t *testing.T) {
	hook := &tailHook{}
	f := pcitest.New(pcitest.Config{
		ID:    pci.ID{Vendor: 0x8086, Device: 0x100e},
		BARs:  [6]uint32{0x20000, 0, 0x1000},
		Hooks: [6]pci.RegHook{2: hook},
		IRQs:  map[pci.IRQKind]int{pci.INTx: 1},
	})
	var f0 pci.Function = f
	var id [4]byte
	if err := f0.ReadConfig(pci.CfgVendorID, id[:]); err != nil || id != [4]byte{0x86, 0x80, 0x0e, 0x10} {
		t.Fatalf("config IDs % x %v", id, err)
	}
	if err := pci.EnableBusMaster(f0); err != nil {
		t.Fatal(err)
	}
	var cmd [2]byte
	_ = f0.ReadConfig(pci.CfgCommand, cmd[:])
	if cmd[0]&(pci.CmdBusMaster|pci.CmdMemory) != pci.CmdBusMaster|pci.CmdMemory {
		t.Fatalf("command %#x", cmd[0])
	}
	r, err := f0.BAR(0)
	if err != nil {
		t.Fatal(err)
	}
	r.Write32(0x3818, 7)
	r.Set32(0x3818, 0x100)
	if r.Read32(0x3818) != 0x107 {
		t.Fatalf("BAR0 readback %#x", r.Read32(0x3818))
	}
	if _, err := f0.BAR(1); !errors.Is(err, pci.ErrNoBAR) {
		t.Fatalf("absent BAR: %v", err)
	}
	h, _ := f0.BAR(2)
	h.Write32(0x10, 5)
	if h.Read32(0x4) != 0xdead0004 || len(hook.writes) != 2 || hook.writes[1] != 5 {
		t.Fatalf("hook not used: %v", hook.writes)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("out-of-window register access did not panic")
			}
		}()
		r.Read32(0x20000)
	}()

	irqs, err := f0.EnableIRQs(pci.INTx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f0.EnableIRQs(pci.MSIX, 1); !errors.Is(err, pci.ErrNoIRQ) {
		t.Fatalf("MSI-X on an INTx-only device: %v", err)
	}
	if _, err := irqs[0].Wait(time.Millisecond); !errors.Is(err, pci.ErrIRQTimeout) {
		t.Fatalf("wait without interrupt: %v", err)
	}
	f.Raise(0)
	f.Raise(0) // masked until Unmask: coalesced
	if n, err := irqs[0].Wait(time.Second); err != nil || n != 1 {
		t.Fatalf("wait: %d %v", n, err)
	}
	if err := irqs[0].Unmask(); err != nil {
		t.Fatal(err)
	}
	if n, err := irqs[0].Wait(time.Second); err != nil || n != 1 {
		t.Fatalf("pending level interrupt after unmask: %d %v", n, err)
	}

	reg, err := f0.DMA().Alloc(4096, 0)
	if err != nil {
		t.Fatal(err)
	}
	copy(reg.Mem, "desc")
	if b, ok := f.Space().Lookup(reg.IOVA, 4); !ok || string(b) != "desc" {
		t.Fatal("device cannot see DMA memory by IOVA")
	}
	if err := f0.Close(); err != nil {
		t.Fatal(err)
	}
	if f.Space().Mappings() != 0 {
		t.Fatal("DMA mappings left after Close")
	}
	if err := f0.Close(); !errors.Is(err, pci.ErrClosed) {
		t.Fatalf("double close: %v", err)
	}
}
