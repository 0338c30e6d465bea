package port

import (
	"errors"
	"fmt"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
)

// Port is one network interface as the stack sees it.
type Port interface {
	// RxBurst fills bufs with received frames and returns how many; the
	// caller owns them.
	RxBurst(bufs []*mbuf.Buf) int
	// TxBurst queues bufs[:n] for transmission and returns n; the port owns
	// those buffers from then on.
	TxBurst(bufs []*mbuf.Buf) int
	// MAC is the port's current unicast address.
	MAC() [6]byte
	// MTU is the largest L3 payload (Ethernet frame minus 14-byte header
	// and FCS, VLAN tag not counted) the port sends and receives.
	MTU() int
	// SetMTU changes the MTU; ErrMTU wraps an out-of-range value.
	SetMTU(mtu int) error
	// Offloads are the capabilities the port honours in mbuf.Meta.
	Offloads() Offloads
	// Link is the current link state.
	Link() LinkState
	// LinkEvents delivers link changes. The channel holds the latest state
	// only: a slow reader sees the newest state, never a backlog. It is
	// closed when the port is closed.
	LinkEvents() <-chan LinkState
	// Stats returns 64-bit counters since the port was opened.
	Stats() Stats
}

// Filter is implemented by ports with receive address filters.
type Filter interface {
	// SetPromisc receives every unicast frame when on.
	SetPromisc(on bool) error
	// SetAllMulti receives every multicast frame when on.
	SetAllMulti(on bool) error
	// SetMulticast replaces the multicast addresses the port accepts.
	SetMulticast(addrs [][6]byte) error
}

// CacheUser is implemented by ports that can recycle buffers through the
// caller's mbuf cache instead of their own. A poll loop that allocates from
// one cache and calls RxBurst and TxBurst from the same goroutine then never
// touches the pool: RX refills take from the cache and TX completions go
// back into it, as with DPDK's per-lcore mempool cache. A Cache is not safe
// for concurrent use, so the cache given to SetRxCache must be used only by
// the goroutine that calls RxBurst (likewise SetTxCache and TxBurst), and
// each setter must be called from that goroutine or before it starts. nil
// returns the port to its own cache. Close never touches a caller's cache.
// A cache of another pool than the port's is refused with ErrForeignCache
// (its buffers may not be mapped for the device).
type CacheUser interface {
	SetRxCache(c *mbuf.Cache) error
	SetTxCache(c *mbuf.Cache) error
}

// Waiter is implemented by ports that can sleep until there is work
// (interrupt or adaptive mode).
type Waiter interface {
	// Wait blocks until a frame may be waiting in the RX ring, the link
	// changed, or timeout passed (then it returns ErrTimeout). A negative
	// timeout waits forever.
	Wait(timeout time.Duration) error
}

// Errors callers branch on.
var (
	ErrMTU     = errors.New("port: MTU out of range")
	ErrTimeout = errors.New("port: wait timed out")
	ErrClosed  = errors.New("port: closed")
	// ErrForeignCache: SetRxCache/SetTxCache got a cache of another pool.
	ErrForeignCache = errors.New("port: cache belongs to another mbuf pool than the port's")
)

// Offloads is a set of capabilities. Each bit says which mbuf.Meta flag the
// port acts on (TX) or sets (RX).
type Offloads uint32

// Offload capabilities.
const (
	TxIPCsum   Offloads = 1 << iota // honours mbuf.FlagTxIPCsum
	TxL4Csum                        // honours mbuf.FlagTxL4Csum (TCP and UDP over IPv4)
	TxTSO                           // honours mbuf.FlagTxTSO with Meta.MSS
	RxIPCsum                        // sets FlagIPCsumOK / FlagIPCsumBad
	RxL4Csum                        // sets FlagL4CsumOK / FlagL4CsumBad
	VLANInsert                      // honours mbuf.FlagVLAN on TX (tag from Meta.VLAN)
	VLANStrip                       // strips the 802.1Q tag on RX into Meta.VLAN
	Chains                          // sends and receives chained (multi-segment) frames
)

var offloadNames = [...]string{"tx-ipcsum", "tx-l4csum", "tso", "rx-ipcsum", "rx-l4csum", "vlan-insert", "vlan-strip", "chains"}

func (o Offloads) String() string {
	s := ""
	for i, n := range offloadNames {
		if o&(1<<i) != 0 {
			if s != "" {
				s += ","
			}
			s += n
		}
	}
	if s == "" {
		return "none"
	}
	return s
}

// Has reports whether every capability in want is present.
func (o Offloads) Has(want Offloads) bool { return o&want == want }

// LinkState is the state of the physical link.
type LinkState struct {
	Up         bool
	SpeedMbps  int // 0 when unknown or down
	FullDuplex bool
}

func (l LinkState) String() string {
	if !l.Up {
		return "down"
	}
	d := "half"
	if l.FullDuplex {
		d = "full"
	}
	return fmt.Sprintf("up %d Mb/s %s-duplex", l.SpeedMbps, d)
}

// Stats are 64-bit counters. Drivers accumulate narrower hardware counters
// into them often enough that none wraps.
type Stats struct {
	RxPackets uint64 // frames handed to the caller of RxBurst
	RxBytes   uint64 // their bytes (without FCS)
	RxMissed  uint64 // frames the device dropped for lack of room (e1000 MPC)
	RxNoBuf   uint64 // times the device found no free descriptor (e1000 RNBC)
	RxErrors  uint64 // frames with errors: CRC, length, alignment, symbol
	RxDropped uint64 // frames the driver dropped: bad descriptors, no mbufs, bad status
	RxMcast   uint64 // multicast frames received (device count)
	TxPackets uint64 // frames handed to the device
	TxBytes   uint64 // their bytes
	TxErrors  uint64 // collisions and other transmit errors
	TxDropped uint64 // frames the driver dropped (malformed request, ring reset, TxForeign)
	TxForeign uint64 // frames refused because a buffer's memory is not reachable by the device (its pool is not in the device's DMA memory)
	LinkFlaps uint64 // link state changes seen
	Resets    uint64 // recovery resets (TX hang)
}
