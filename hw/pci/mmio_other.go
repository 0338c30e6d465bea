//go:build !amd64

package pci

import (
	"sync/atomic"
	"unsafe"
)

// Elsewhere register accesses go through sync/atomic, which the compiler
// neither elides nor reorders and which orders earlier stores to DMA memory
// before the access.

func mmioLoad32(p unsafe.Pointer) uint32 { return atomic.LoadUint32((*uint32)(p)) }

func mmioStore32(p unsafe.Pointer, v uint32) { atomic.StoreUint32((*uint32)(p), v) }
