package ipv4

import (
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/wire"
)

// fragment splits the datagram in b (starting at its IPv4 header, possibly a
// chain, possibly itself a fragment being forwarded) into fragments that fit
// ifc's MTU and sends each (RFC 791 §3.2, "Fragmentation"; RFC 1812
// §5.2.6). Every fragment but the last carries a multiple of 8 data bytes;
// the first keeps all options, later ones only those with the copied flag.
// Fragments are fresh buffers: the data is copied once, b is freed.
func (ip *IPv4) fragment(ifc *stack.Interface, nh wire.Addr4, b *mbuf.Buf) error {
	st := &ip.st
	defer b.Free()
	orig := wire.IPv4(b.Bytes())
	hl := orig.HeaderLen()
	payload := b.PktLen() - hl
	baseOff := int(orig.FragmentOffset())
	baseMF := orig.MoreFragments()

	// Options for the second and later fragments: copied ones only.
	var copied [wire.IPv4MaxHeaderLen - wire.IPv4MinHeaderLen]byte
	nc := 0
	opts := orig.Options()
	for o, rest, ok, err := opts.Next(); ok && err == nil; o, rest, ok, err = rest.Next() {
		if o.Copied() {
			n := 2 + len(o.Data)
			start := len(opts) - len(rest) - n
			nc += copy(copied[nc:], opts[start:start+n])
		}
	}
	laterHL := wire.IPv4MinHeaderLen + (nc+3)&^3

	mtu := ifc.MTU()
	if (mtu-hl)&^7 < 8 || (mtu-laterHL)&^7 < 8 {
		st.fragFails.Add(1)
		return ErrTooBig
	}
	for off := 0; off < payload; {
		fhl := laterHL
		if off == 0 {
			fhl = hl
		}
		n := min(payload-off, (mtu-fhl)&^7)
		f, err := ip.pool.Get()
		if err != nil {
			st.fragFails.Add(1)
			st.outNoBuffers.Add(1)
			return ErrNoBuffers
		}
		d, err := f.Append(fhl + n)
		if err != nil {
			// More data than one segment holds: the MTU exceeds the
			// data room; such ports must not be given MTUs this big.
			f.Free()
			st.fragFails.Add(1)
			return ErrTooBig
		}
		copy(d[:wire.IPv4MinHeaderLen], orig[:wire.IPv4MinHeaderLen])
		if off == 0 {
			copy(d[wire.IPv4MinHeaderLen:fhl], orig[wire.IPv4MinHeaderLen:hl])
		} else {
			k := copy(d[wire.IPv4MinHeaderLen:fhl], copied[:nc])
			clear(d[wire.IPv4MinHeaderLen+k : fhl])
		}
		b.CopyAt(hl+off, d[fhl:])
		h := wire.IPv4(d)
		d[0] = 0x40 | uint8(fhl/4)
		h.SetTotalLen(uint16(fhl + n))
		var flags uint8
		if off+n < payload || baseMF {
			flags = wire.IPv4FlagMF
		}
		h.SetFlagsFragmentOffset(flags, uint16(baseOff+off))
		h.UpdateChecksum()
		f.Meta.Flags = b.Meta.Flags & mbuf.FlagOutbound
		st.fragCreates.Add(1)
		ip.resolve(ifc, nh, f)
		off += n
	}
	st.fragOKs.Add(1)
	return nil
}
