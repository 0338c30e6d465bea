package ipv4

import (
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/internal/reass"
	"github.com/gopkt/gopkt/stack/wire"
)

// fragKey identifies the datagram a fragment belongs to (RFC 791 §3.2:
// source, destination, protocol and identification).
type fragKey struct {
	src, dst wire.Addr4
	id       uint16
	proto    wire.IPProtocol
}

// reassembler rebuilds fragmented datagrams addressed to us (RFC 791 §3.2,
// RFC 815 for the bookkeeping idea) on stack/internal/reass, which IPv6
// shares. Limits: a timeout per datagram, a cap on datagrams in progress,
// and the buffers held, charged to the "reassembly" quota of the pool
// budget (quota.go): when a fragment is refused (the quota or the budget
// is full) the oldest other datagram is evicted and the charge retried, so
// a fragment flood cannot pin the pool and new datagrams still get
// through. Overlapping fragments drop the whole datagram, as RFC 5722 does
// for IPv6 (exact duplicates are dropped alone).
type reassembler struct {
	ip *IPv4
	t  *reass.Table[fragKey, struct{}]
}

func newReassembler(ip *IPv4) *reassembler {
	return &reassembler{ip: ip, t: reass.New[fragKey, struct{}](reass.Options{
		Timeout: ip.o.ReassemblyTimeout, Datagrams: ip.o.ReassemblyDatagrams})}
}

// add files one fragment (b starts at its IPv4 header h). It returns the
// whole datagram as a chain starting at the rebuilt header once the last
// piece arrives, else nil. add owns b.
func (r *reassembler) add(b *mbuf.Buf, h wire.IPv4) *mbuf.Buf {
	st := &r.ip.st
	st.reasmReqds.Add(1)
	hl := h.HeaderLen()
	off := int(h.FragmentOffset())
	n := int(h.TotalLen()) - hl
	end := off + n
	mf := h.MoreFragments()
	// RFC 791: every fragment but the last carries a multiple of 8 bytes;
	// the datagram may not exceed 65535 bytes (RFC 791 §3.1).
	if mf && (n == 0 || n%8 != 0) || end+hl > 0xffff {
		st.inHdrErrors.Add(1)
		r.t.C.Fails.Add(1)
		b.Free()
		return nil
	}
	k := fragKey{src: h.Src(), dst: h.Dst(), id: h.ID(), proto: h.Protocol()}
	if off != 0 {
		_, _ = b.Pull(hl)
	}
	head, total, _, v := r.t.Add(k, b, off, end, !mf, struct{}{}, r.ip.o.Clock.Now())
	switch v {
	case reass.Complete:
	case reass.Inconsistent:
		st.inHdrErrors.Add(1)
		return nil
	default:
		return nil
	}
	fh := wire.IPv4(head.Bytes())
	fh.SetTotalLen(uint16(fh.HeaderLen() + total))
	fh.SetFlagsFragmentOffset(0, 0)
	fh.UpdateChecksum()
	return head
}

// tick expires datagrams past their timeout; when the first fragment was
// received the sender gets ICMP time exceeded, code 1 (RFC 792; RFC 1122
// §3.3.2).
func (r *reassembler) tick(now time.Time) {
	r.t.Expire(now, func(first *mbuf.Buf) {
		r.ip.icmpError(first, wire.ICMPv4TimeExceeded, wire.ICMPv4ReassemblyExceeded, 0)
		first.Free()
	})
}

// flush frees everything (Close).
func (r *reassembler) flush() { r.t.Flush() }
