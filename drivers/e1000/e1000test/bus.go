package e1000test

import (
	"sync"

	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/pci/pcitest"
)

// Bus is a shared IOMMU, DMA memory and hub for model ports.
type Bus struct {
	mu    sync.Mutex // guards every port on the bus
	space *dma.Space
	mem   *dma.Memory
	ports []*Port
}

// NewBus returns an empty bus.
func NewBus() *Bus {
	s := dma.NewSpace()
	return &Bus{space: s, mem: dma.NewMemory(s, dma.MemoryOptions{NoHugepages: true})}
}

// Memory is the bus's DMA memory; a pool shared by several ports must come
// from it (mbuf.NewPool(bus.Memory(), ...)).
func (b *Bus) Memory() *dma.Memory { return b.mem }

// Space is the bus's IOMMU.
func (b *Bus) Space() *dma.Space { return b.space }

// Close frees the bus's DMA memory. Mappings() then reports 0.
func (b *Bus) Close() error { return b.mem.Close() }

// function is a pcitest function whose DMA comes from the bus.
type function struct {
	*pcitest.Function
	bus *Bus
}

// DMA overrides pcitest's per-function memory with the bus memory, so that
// every port on the bus reaches every buffer (one IOMMU domain).
func (f *function) DMA() dma.Allocator { return f.bus.mem }

// hub offers a frame sent by from to every other port. Callers hold b.mu.
func (b *Bus) hub(from *Port, frame []byte) {
	for _, p := range b.ports {
		if p != from {
			p.receive(frame)
		}
	}
}
