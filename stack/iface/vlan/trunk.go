package vlan

import (
	"sync"
	"sync/atomic"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/wire"
)

// vidTable maps a VID to its vlan's port (nil: none). Index 0, the
// priority tag, is always nil.
type vidTable [4096]*Port

// trunk is the L2 layer a parent with vlans has in front of its receive
// path (stack.LinkInput).
type trunk struct {
	vids atomic.Pointer[vidTable] // immutable snapshot, replaced on change
	n    int                      // vlans in vids (under the cloner's mutex)
	busy sync.RWMutex             // read-held by each burst; unbind waits on it

	malformed, shared atomic.Uint64
}

func newTrunk() *trunk {
	t := &trunk{}
	t.vids.Store(&vidTable{})
	return t
}

// set adds p under vid; false if the VID is taken. Cloner mutex held.
func (t *trunk) set(vid uint16, p *Port) bool {
	cur := t.vids.Load()
	if cur[vid] != nil {
		return false
	}
	next := *cur
	next[vid] = p
	t.vids.Store(&next)
	t.n++
	return true
}

// clear removes vid and returns the number of vlans left. Cloner mutex held.
func (t *trunk) clear(vid uint16) int {
	next := *t.vids.Load()
	if next[vid] != nil {
		next[vid] = nil
		t.n--
	}
	t.vids.Store(&next)
	return t.n
}

// wait returns once no burst that may have seen the old table is running.
func (t *trunk) wait() {
	t.busy.Lock()
	//lint:ignore SA2001 an empty critical section is the point: wait out the bursts in progress
	t.busy.Unlock()
}

// LinkInput implements stack.LinkInput: tagged frames of a served VID go
// to their vlan, untagged and priority-tagged frames and unknown VIDs to
// the parent's own Ethernet input (IEEE 802.1Q clause 8.6.1 ingress: the
// VID classifies the frame; VID 0 means the port's untagged set).
func (t *trunk) LinkInput(parent *stack.Interface, bufs []*mbuf.Buf) {
	t.busy.RLock()
	vids := t.vids.Load()
	for i, b := range bufs {
		bufs[i] = nil
		var vid uint16
		if b.Meta.Flags&mbuf.FlagVLAN != 0 {
			vid = b.Meta.VLAN & 0x0fff
		} else {
			d := b.Bytes()
			if len(d) < wire.EthernetHeaderLen || wire.Ethernet(d).Type() != wire.EtherTypeVLAN {
				parent.EtherInput(b)
				continue
			}
			if len(d) < wire.EthernetHeaderLen+wire.VLANTagLen {
				t.malformed.Add(1)
				b.Free()
				continue
			}
			vid = wire.VLAN(d[wire.EthernetHeaderLen:]).VID()
		}
		p := vids[vid]
		if p == nil {
			parent.EtherInput(b)
			continue
		}
		if b = stack.Writable(b); b == nil {
			t.shared.Add(1) // shared and no buffer to copy it into
			continue
		}
		untag(b)
		p.rxPackets.Add(1)
		p.rxBytes.Add(uint64(b.PktLen()))
		p.ifc.Load().InputFrame(b)
	}
	t.busy.RUnlock()
}

// LinkInputFrame implements stack.LinkInput for one frame another L2
// layer hands the parent (the parent is a bridge interface).
func (t *trunk) LinkInputFrame(parent *stack.Interface, b *mbuf.Buf) {
	var one [1]*mbuf.Buf
	one[0] = b
	t.LinkInput(parent, one[:])
}

// untag removes the 802.1Q tag of b (writable) in place: the two
// addresses move 4 bytes towards the payload, over the tag, and the front
// is pulled. A tag the port stripped only needs its flag cleared.
func untag(b *mbuf.Buf) {
	if b.Meta.Flags&mbuf.FlagVLAN != 0 {
		b.Meta.Flags &^= mbuf.FlagVLAN
		b.Meta.VLAN = 0
		return
	}
	d := b.Bytes()
	copy(d[wire.VLANTagLen:wire.VLANTagLen+12], d[:12])
	_, _ = b.Pull(wire.VLANTagLen)
}
