package pf

import (
	"encoding/binary"
	"sync"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/wire"
)

// Translation of fragments. Only the first fragment of a datagram carries
// the transport header that selects a translation; the later ones carry
// the IPv4 header alone (RFC 791 §3.2), and all of them must leave with
// the same addresses or the receiver cannot reassemble them. pf solves
// this by reassembling before it looks (scrub "fragment reassemble", on by
// default), as Linux's conntrack does (nf_defrag_ipv4); both then
// fragment again on the way out. A hook here cannot hand a reassembled
// datagram back to IPv4's forwarding, so the translation follows the
// datagram's identity instead: RFC 791 §3.2 makes source, destination,
// protocol and Identification name a datagram while its fragments live,
// so when the first fragment (offset 0, MF set) is translated, that
// identity (as the hook sees it, before the rewrite) is remembered with
// the new addresses, and each later fragment with the same identity gets
// them (its IPv4 header checksum updated; the transport checksum sits in
// the first fragment, which the translation already fixed for the whole
// datagram). The packets are neither held nor copied.
//
// The cost is order: a later fragment that arrives before its first one
// has no translation to follow. Leaving by a nat interface it would show
// the inside address, so it is dropped and counted (FragmentsDropped) when
// a nat rule of that interface matches its addresses; otherwise it passes
// as it is (arriving, it is for this host or not translated at all).
// Linux sends a datagram's fragments in order, so on one link this does
// not happen. Entries live for fragTimeout (Linux's ipfrag_time; RFC 791
// suggests a 15 s reassembly timer) in a ring of fragSlots, the oldest
// reused first: the table never grows, and a datagram needs its entry only
// while its fragments pass.

const (
	fragSlots   = 1024
	fragTimeout = int64(30e9) // ns
)

// fragKey names a datagram in one hook direction (RFC 791 §3.2).
type fragKey struct {
	dir      Dir
	proto    wire.IPProtocol
	src, dst wire.Addr4
	id       uint16
}

type fragEntry struct {
	key      fragKey
	src, dst wire.Addr4 // the translated addresses
	expires  int64
}

// fragTable is a ring of remembered first fragments with the addresses
// their datagram was translated to (the filter's table of passed first
// fragments uses the same shape, addresses unused).
type fragTable struct {
	mu   sync.Mutex
	m    map[fragKey]int32
	ring []fragEntry
	next int32
}

func newFragTable() *fragTable {
	return &fragTable{m: make(map[fragKey]int32, fragSlots), ring: make([]fragEntry, fragSlots)}
}

// note remembers the datagram k (translated to src, dst).
func (ft *fragTable) note(k fragKey, src, dst wire.Addr4, now int64) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if i, ok := ft.m[k]; ok {
		ft.ring[i].src, ft.ring[i].dst, ft.ring[i].expires = src, dst, now+fragTimeout
		return
	}
	i := ft.next
	ft.next = (ft.next + 1) % int32(len(ft.ring))
	if e := &ft.ring[i]; e.expires != 0 {
		delete(ft.m, e.key)
	}
	ft.ring[i] = fragEntry{key: k, src: src, dst: dst, expires: now + fragTimeout}
	ft.m[k] = i
}

// lookup returns what was noted for the datagram k.
func (ft *fragTable) lookup(k *fragKey, now int64) (src, dst wire.Addr4, ok bool) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	i, ok := ft.m[*k]
	if !ok || now > ft.ring[i].expires {
		return src, dst, false
	}
	e := &ft.ring[i]
	return e.src, e.dst, true
}

func (ft *fragTable) flush() {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	clear(ft.m)
	clear(ft.ring)
	ft.next = 0
}

// fragKeyOf is the identity of the datagram b (an IPv4 header) belongs to.
func fragKeyOf(dir Dir, b []byte) fragKey {
	return fragKey{dir: dir, proto: wire.IPProtocol(b[9]), src: wire.Addr4(b[12:16]), dst: wire.Addr4(b[16:20]),
		id: binary.BigEndian.Uint16(b[4:6])}
}

// translateFragment rewrites a later fragment (offset ≠ 0) of a datagram
// whose first fragment was translated.
func (f *Filter) translateFragment(dir Dir, ifname string, b *mbuf.Buf, pk *packet, now int64) natResult {
	d := b.Bytes()
	k := fragKeyOf(dir, d)
	src, dst, ok := f.nat.frags.lookup(&k, now)
	if !ok {
		if dir == Out && f.natFragmentRule(pk, ifname) {
			f.natFragDropped.Add(1)
			return natDrop
		}
		return natNone
	}
	if !b.Writable() {
		f.natNotWritable.Add(1)
		return natDrop
	}
	h := wire.IPv4(d)
	ipc := h.Checksum()
	put16x2(d[12:16], src, &ipc, nil, nil)
	put16x2(d[16:20], dst, &ipc, nil, nil)
	h.SetChecksum(ipc)
	pk.src, pk.dst = src, dst
	f.translated.Add(1)
	f.fragsTranslated.Add(1)
	return natDone
}

// natFragmentRule reports whether a nat rule of ifname would translate a
// datagram with pk's protocol and addresses (ports unknown).
func (f *Filter) natFragmentRule(pk *packet, ifname string) bool {
	switch pk.proto {
	case wire.IPProtocolTCP, wire.IPProtocolUDP, wire.IPProtocolICMP:
	default:
		return false
	}
	for _, r := range f.rules.Load().nats {
		if r.Kind == NAT && r.Interface == ifname && (r.Proto == 0 || r.Proto == pk.proto) && r.Src.match(pk.addr(true)) && r.Dst.match(pk.addr(false)) {
			return true
		}
	}
	return false
}
