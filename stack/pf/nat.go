package pf

import (
	"encoding/binary"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/gopkt/gopkt/stack/wire"
)

// Address translation (pf's nat and rdr rules): a translation rule
// matches the first packet of a connection; the translation it makes is
// kept as a pair of keys, one for each direction of the connection, so the
// later packets and the replies are rewritten from the table without the
// rules. Translation happens before filtering in both directions, as in
// pf: filter rules see an rdr'd packet's new destination on the way in
// and a nat'd packet's new source on the way out.

// NATKind says which end of a connection a rule rewrites.
type NATKind uint8

// Translation kinds.
const (
	// NAT rewrites the source of packets leaving by Interface (source NAT,
	// masquerade with "-> (IFNAME)"), with a source port (ICMP echo: an
	// identifier) from the rule's range: RFC 3022 NAPT.
	NAT NATKind = iota + 1
	// RDR rewrites the destination of packets arriving on Interface (port
	// forwarding).
	RDR
)

func (k NATKind) String() string {
	if k == RDR {
		return "rdr"
	}
	return "nat"
}

// NATRule is one nat or rdr rule.
type NATRule struct {
	Kind      NATKind
	Interface string          // required
	Proto     wire.IPProtocol // 0 any (then only TCP, UDP and ICMP echo are translated)
	Src, Dst  Addr
	SrcPort   Port
	DstPort   Port
	// To is the new address; ToIface ("(IFNAME)") means the first address
	// of that interface when the translation is made.
	To      netip.Addr
	ToIface string
	// ToPort: nat, the source port range to allocate from (default
	// 50001:65535, pf's); rdr, the new destination port (PortAny: keep).
	ToPort Port
	Line   int
	Text   string

	packets, states atomic.Uint64
}

// defaultNATPorts is the source port range nat allocates from when the
// rule names none (pf's default).
var defaultNATPorts = Port{Op: PortRange, Lo: 50001, Hi: 65535}

func (r *NATRule) match(pk *packet, ifname string) bool {
	if r.Interface != ifname || (r.Proto != 0 && r.Proto != pk.proto) {
		return false
	}
	if pk.v6 || !r.Src.match(pk.addr(true)) || !r.Dst.match(pk.addr(false)) {
		return false
	}
	return r.SrcPort.match(pk.sport) && r.DstPort.match(pk.dport)
}

// tuple is a packet's endpoints.
type tuple struct {
	src, dst     wire.Addr4
	sport, dport uint16
}

// natKey is a packet as the hook sees it before translation, and the hook
// direction the translation applies at.
type natKey struct {
	dir   Dir
	proto wire.IPProtocol
	t     tuple
}

// natSlot is one translation: keys[i] is rewritten to to[i]. keys[0] is
// the connection's first direction, keys[1] the replies.
type natSlot struct {
	keys    [2]natKey
	to      [2]tuple
	expires int64
	rule    *NATRule
	used    bool
}

// natTable is the bounded translation table: slots preallocated, a map
// from each key to its slot (index<<1 | direction), a free list. A full
// table first reclaims expired slots, then refuses (counted).
type natTable struct {
	mu    sync.Mutex
	m     map[natKey]int32
	slots []natSlot
	free  []int32
	live  atomic.Int32
	port  uint32     // allocation cursor
	frags *fragTable // later fragments' translations (its own lock)
}

func newNATTable(max int) *natTable {
	t := &natTable{m: make(map[natKey]int32, 2*max), slots: make([]natSlot, max), free: make([]int32, max), frags: newFragTable()}
	for i := range t.free {
		t.free[i] = int32(max - 1 - i)
	}
	return t
}

// lookup returns the rewrite for k, refreshing the translation.
func (t *natTable) lookup(k *natKey, now, timeout int64) (tuple, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.m[*k]
	if !ok {
		return tuple{}, false
	}
	s := &t.slots[v>>1]
	if now > s.expires {
		t.release(v >> 1)
		return tuple{}, false
	}
	s.expires = now + timeout
	return s.to[v&1], true
}

// peek returns the rewrite for k without refreshing the translation (an
// ICMP error about a connection does not keep it alive).
func (t *natTable) peek(k *natKey, now int64) (tuple, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.m[*k]
	if !ok || now > t.slots[v>>1].expires {
		return tuple{}, false
	}
	return t.slots[v>>1].to[v&1], true
}

// origin returns the connection's tuple before translation when pk (as
// seen after it) is the first direction of a translation: pk reversed is
// that translation's reply key. A state made for pk is entered under both
// tuples, so the connection's packets find it on either side of the
// rewrite (pf keeps one state with a wire and a stack key for this).
func (t *natTable) origin(pk *packet) (tuple, bool) {
	k := natKey{dir: In, proto: pk.proto, t: tuple{src: pk.dst, dst: pk.src, sport: pk.dport, dport: pk.sport}}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, d := range [2]Dir{In, Out} { // Out: replies of a redirection to this host
		k.dir = d
		if v, ok := t.m[k]; ok && v&1 == 1 {
			return t.slots[v>>1].keys[0].t, true
		}
	}
	return tuple{}, false
}

func (t *natTable) release(i int32) {
	s := &t.slots[i]
	delete(t.m, s.keys[0])
	delete(t.m, s.keys[1])
	*s = natSlot{}
	t.free = append(t.free, i)
	t.live.Add(-1)
}

// take returns a free slot, reclaiming expired ones when none is free.
func (t *natTable) take(now int64) (int32, bool) {
	if len(t.free) == 0 {
		for i := range t.slots {
			if t.slots[i].used && now > t.slots[i].expires {
				t.release(int32(i))
			}
		}
	}
	if len(t.free) == 0 {
		return 0, false
	}
	i := t.free[len(t.free)-1]
	t.free = t.free[:len(t.free)-1]
	return i, true
}

// add enters a translation of the packet k into out (the rewritten
// first-direction packet); its replies are met at the hook direction
// replyDir (In, or Out for replies this host sends). For nat, ports is the
// range the new source port comes from: the first one whose reply key is
// free. It returns the rewrite for k; false when the table is full or no
// port is free.
func (t *natTable) add(k natKey, out tuple, ports Port, r *NATRule, replyDir Dir, now, timeout int64) (tuple, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if v, ok := t.m[k]; ok { // raced with another goroutine: use its translation
		return t.slots[v>>1].to[v&1], true
	}
	reply := natKey{dir: replyDir, proto: k.proto}
	if r.Kind == NAT {
		n := uint32(ports.Hi) - uint32(ports.Lo) + 1
		found := false
		for range min(n, 1024) {
			p := uint16(uint32(ports.Lo) + t.port%n)
			t.port++
			out.sport = p
			if k.proto == wire.IPProtocolICMP {
				out.dport = p // the echo identifier is both "ports"
			}
			reply.t = tuple{src: out.dst, dst: out.src, sport: out.dport, dport: out.sport}
			if _, used := t.m[reply]; !used {
				found = true
				break
			}
		}
		if !found {
			return tuple{}, false
		}
	} else {
		reply.t = tuple{src: out.dst, dst: out.src, sport: out.dport, dport: out.sport}
		if _, used := t.m[reply]; used {
			return tuple{}, false
		}
	}
	i, ok := t.take(now)
	if !ok {
		return tuple{}, false
	}
	back := tuple{src: k.t.dst, dst: k.t.src, sport: k.t.dport, dport: k.t.sport}
	t.slots[i] = natSlot{keys: [2]natKey{k, reply}, to: [2]tuple{out, back}, expires: now + timeout, rule: r, used: true}
	t.m[k] = i << 1
	t.m[reply] = i<<1 | 1
	t.live.Add(1)
	return out, true
}

func (t *natTable) flush() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range t.slots {
		if t.slots[i].used {
			t.release(int32(i))
		}
	}
	t.frags.flush()
}

// rewrite changes b (an IPv4 packet starting at its header, the
// transport header in b) from pk's endpoints to to, updating the IPv4
// header checksum and the TCP, UDP or ICMP checksum incrementally (RFC
// 1624 eqn. 3, 16 bits at a time: the addresses are in the TCP and UDP
// pseudo header, RFC 9293 §3.1 and RFC 768, the ports and the ICMP echo
// identifier in the transport header).
func rewrite(b []byte, pk *packet, to tuple) {
	h := wire.IPv4(b)
	l4 := b[h.HeaderLen():]
	var csum []byte // the transport checksum field, nil when none to update
	switch pk.proto {
	case wire.IPProtocolTCP:
		csum = l4[16:18]
	case wire.IPProtocolUDP:
		if binary.BigEndian.Uint16(l4[6:8]) != 0 { // 0: no checksum (RFC 768)
			csum = l4[6:8]
		}
	case wire.IPProtocolICMP:
		csum = l4[2:4]
	}
	ipc := h.Checksum()
	l4c := uint16(0)
	if csum != nil {
		l4c = binary.BigEndian.Uint16(csum)
	}
	addr := func(field []byte, nw wire.Addr4) {
		for i := 0; i < 4; i += 2 {
			old, n := binary.BigEndian.Uint16(field[i:]), binary.BigEndian.Uint16(nw[i:])
			ipc = wire.ChecksumUpdate16(ipc, old, n)
			if csum != nil && pk.proto != wire.IPProtocolICMP {
				l4c = wire.ChecksumUpdate16(l4c, old, n)
			}
		}
		copy(field, nw[:])
	}
	word := func(field []byte, n uint16) {
		if csum != nil {
			l4c = wire.ChecksumUpdate16(l4c, binary.BigEndian.Uint16(field), n)
		}
		binary.BigEndian.PutUint16(field, n)
	}
	if to.src != pk.src {
		addr(b[12:16], to.src)
	}
	if to.dst != pk.dst {
		addr(b[16:20], to.dst)
	}
	switch pk.proto {
	case wire.IPProtocolTCP, wire.IPProtocolUDP:
		if to.sport != pk.sport {
			word(l4[0:2], to.sport)
		}
		if to.dport != pk.dport {
			word(l4[2:4], to.dport)
		}
	case wire.IPProtocolICMP:
		if to.sport != pk.sport {
			word(l4[4:6], to.sport)
		}
	}
	h.SetChecksum(ipc)
	if csum != nil {
		if pk.proto == wire.IPProtocolUDP && l4c == 0 {
			l4c = 0xffff // RFC 768: a computed zero is sent as all ones
		}
		binary.BigEndian.PutUint16(csum, l4c)
	}
	pk.src, pk.dst, pk.sport, pk.dport = to.src, to.dst, to.sport, to.dport
}

// NATStats are the translation counters.
type NATStats struct {
	Translated   uint64 // packets rewritten (all of the below included)
	Errors       uint64 // ICMP errors about translated connections rewritten (quote and outer header)
	Fragments    uint64 // later fragments rewritten like their first fragment
	FragDropped  uint64 // later fragments ahead of their first, leaving by a nat interface: dropped
	Made         uint64 // translations made by rules
	Refused      uint64 // packets a rule matched but no translation could be made for (table full, no free port): dropped
	NotWritable  uint64 // packets to translate in a shared buffer: dropped
	Translations int    // live entries now
}
