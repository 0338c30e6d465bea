package dhcp4

import (
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/wire"
)

// rxEvent is what the receive hook hands the client goroutine: a copy of
// a DHCP message, or an ARP conflict for the address being checked.
type rxEvent struct {
	msg      []byte
	conflict bool
	from     wire.MAC // who claimed the address
}

// hook runs on the interface's receive goroutine at the Ethernet-in hook
// point, before IPv4: it takes UDP datagrams to port 68 (the client has no
// address yet, so IPv4 would drop them), and watches ARP while an offered
// address is being checked. Everything else passes untouched.
func (c *Client) hook(_ pfil.Dir, ifindex int, b *mbuf.Buf) pfil.Verdict {
	if ifindex != c.ifc.Index() || b.Next() != nil {
		return pfil.Pass
	}
	e, err := wire.NewEthernet(b.Bytes())
	if err != nil {
		return pfil.Pass
	}
	switch e.Type() {
	case wire.EtherTypeARP:
		c.watchARP(e)
		return pfil.Pass
	case wire.EtherTypeIPv4:
	default:
		return pfil.Pass
	}
	// Cheap checks first, so other traffic pays a few compares; malformed
	// IPv4 headers are IPv4's to count, so they pass on.
	ip, err := wire.NewIPv4(e.Payload())
	if err != nil || ip.Protocol() != wire.IPProtocolUDP || ip.IsFragment() {
		return pfil.Pass
	}
	u, err := wire.NewUDP(ip.Payload())
	if err != nil || u.DstPort() != ClientPort || !ip.ChecksumValid() {
		return pfil.Pass
	}
	st := &c.st
	if u.SrcPort() != ServerPort || !u.ChecksumValid(ip.Src(), ip.Dst()) {
		// RFC 2131 §4.1: servers and relays send from port 67.
		st.malformed.Add(1)
		return pfil.Drop
	}
	p := u.Payload()
	if len(p) > MaxMessageLen {
		st.malformed.Add(1)
		return pfil.Drop
	}
	ev := rxEvent{msg: append([]byte(nil), p...)}
	select {
	case c.rx <- ev:
	default:
		st.rxDropped.Add(1)
	}
	b.Free()
	return pfil.Consumed
}

// watchARP reports a conflict when, during the address check, another
// station uses the address as its sender or probes for it too (RFC 5227
// §2.1.1).
func (c *Client) watchARP(e wire.Ethernet) {
	v := c.probing.Load()
	if v == 0 {
		return
	}
	a, err := wire.NewARP(e.Payload())
	if err != nil || a.SenderMAC() == c.ifc.MAC() {
		return
	}
	want := wire.Addr4{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
	zero := wire.Addr4{}
	if a.SenderIP() == want || a.SenderIP() == zero && a.TargetIP() == want && a.Op() == wire.ARPRequest {
		select {
		case c.rx <- rxEvent{conflict: true, from: a.SenderMAC()}:
		default:
			c.st.rxDropped.Add(1)
		}
	}
}
