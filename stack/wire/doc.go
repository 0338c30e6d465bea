// Package wire is the bottom of the stack: zero-copy views of the packet
// headers the stack speaks (Ethernet II, 802.1Q, ARP, IPv4, ICMPv4, UDP,
// and for the coming TCP and IPv6 work TCP and the IPv6 fixed header) and
// the Internet checksum. It knows bytes, not state: no sockets, no
// tables, no mbufs, no globals.
//
// # Where to start
//
// Each protocol has the same three parts, in the style of gVisor's
// pkg/tcpip/header and smoltcp's wire module:
//
//   - a view, a named byte slice (type IPv4 []byte), made by a checked
//     constructor (NewIPv4). Once the constructor has returned nil error no
//     accessor of the view panics. Accessors are one-line fixed big-endian
//     loads and stores that inline; setters exist for every field a
//     forwarding or replying stack changes in place.
//   - a Fields struct (IPv4Fields), the decoded form: view.Fields() decodes,
//     (*Fields).Encode(b) writes a header into b and returns the view. The
//     round trip is exact in both directions.
//   - sentinel errors (ErrTruncated, ErrBadVersion, ErrBadLength,
//     ErrNotSupported, ErrBadOption, ErrShortBuffer; ErrBadChecksum for the
//     stack's own use) wrapped in pre-built *HeaderError values naming the
//     protocol and field. Neither the accept nor the reject path allocates,
//     so a flood of malformed packets costs counters, not garbage.
//
// # API summary
//
//	Ethernet  NewEthernet(b)    Dst Src Type Payload | SetDst SetSrc SetType | Fields | EthernetFields.Encode
//	VLAN      NewVLAN(b)        TCI PCP DEI VID Type Payload | SetTCI SetType | Fields | VLANFields.Encode
//	ARP       NewARP(b)         Op SenderMAC SenderIP TargetMAC TargetIP | Fields | ARPFields.Encode
//	IPv4      NewIPv4(b)        Version HeaderLen TOS TotalLen ID Flags FragmentOffset MoreFragments
//	                            DontFragment IsFragment TTL Protocol Checksum Src Dst SrcAddr DstAddr
//	                            Options Header Payload | ChecksumValid ComputeChecksum UpdateChecksum
//	                            DecTTL | SetTOS SetTotalLen SetID SetFlagsFragmentOffset SetTTL
//	                            SetProtocol SetChecksum SetSrc SetDst | Fields | IPv4Fields.Encode
//	IPv4Options                 Next (allocation-free iteration) Validate
//	ICMPv4    NewICMPv4(b)      Type Code Checksum Rest ID Seq MTU Pointer Payload | ChecksumValid
//	                            UpdateChecksum | SetType SetCode SetChecksum SetRest | Fields |
//	                            ICMPv4Fields.Encode, EchoRest(id, seq)
//	UDP       NewUDP(b)         SrcPort DstPort Length Checksum Payload | ChecksumValid(src, dst)
//	                            ComputeChecksum UpdateChecksum | Set… | Fields | UDPFields.Encode
//	TCP       NewTCP(b)         SrcPort DstPort Seq Ack HeaderLen Flags Window Checksum Urgent
//	                            Options Payload | ChecksumValid UpdateChecksum | Set… | Fields |
//	                            TCPFields.Encode; TCPOptions.Next, .MSS
//	IPv6      NewIPv6(b)        TrafficClass FlowLabel PayloadLen NextHeader HopLimit Src Dst
//	                            SrcAddr DstAddr Payload | SetHopLimit SetPayloadLen | Fields |
//	                            IPv6Fields.Encode (fixed header only; extension headers not walked)
//	checksum                    Checksum(b, initial) ChecksumCombine PseudoHeaderChecksum
//	                            PseudoHeaderChecksum6 ChecksumUpdate16 (RFC 1624)
//	numbers                     EtherType (EtherTypeIPv4, …ARP, …VLAN, …IPv6, …QinQ, …EAPOL),
//	                            IPProtocol (IPProtocolICMP, …TCP, …UDP, …), ICMPv4Type and codes
//	addresses                   MAC [6]byte (MACFrom, HardwareAddr, String), Addr4 = [4]byte
//	                            (netip.AddrFrom4 / AddrTo4)
//
// What the constructors check: NewIPv4 checks version, IHL ≥ 5, IHL and
// Total Length within the buffer, and trims the view to Total Length (so
// Ethernet padding disappears); NewUDP checks 8 ≤ Length ≤ buffer and
// trims to Length; NewARP accepts only the Ethernet/IPv4 form and trims to
// 28 bytes. Checksums are never verified by constructors: call
// ChecksumValid (or skip it when a NIC did the work). Transport checksums
// (UDP, later TCP) take the pseudo-header addresses as arguments.
//
// A typical receive path:
//
//	e, err := wire.NewEthernet(frame)            // count and drop on err
//	ip, err := wire.NewIPv4(e.Payload())
//	if !ip.ChecksumValid() { … }                 // count, drop
//	u, err := wire.NewUDP(ip.Payload())
//	if !u.ChecksumValid(ip.Src(), ip.Dst()) { … }
//
// and a send path builds headers in place, innermost first or outermost
// first, into room the mbuf layer reserved:
//
//	u, _ := (&wire.UDPFields{SrcPort: s, DstPort: d, Length: n}).Encode(b[28:])
//	u.UpdateChecksum(src, dst)
//	ip, _ := (&wire.IPv4Fields{TotalLen: …, TTL: 64, Protocol: wire.IPProtocolUDP, Src: src, Dst: dst}).Encode(b[:])
//	ip.UpdateChecksum()
//
// # Ownership
//
// A view aliases the caller's bytes (typically an mbuf's data room); it
// copies nothing and keeps nothing. Whoever owns the buffer owns the view;
// after the buffer is handed on, the view must not be used. Fields values
// returned by Fields() alias the buffer only in IPv4Fields.Options and
// TCPFields.Options.
//
// # What it does not do
//
// No TCP state or IPv6 extension-header walking (later issues), no IPv6
// jumbograms, no IPv4 option processing (options are tolerated and
// walkable, not acted on), no 802.3 LLC/SNAP, no Ethernet FCS (the NIC
// strips and appends it), no checksum offload decisions (the interface
// layer makes those).
package wire
