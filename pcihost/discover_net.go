package pcihost

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"syscall"
)

// Interface is a Linux network interface registered by a PCI function's
// driver, with what makes it "in use": administratively up and carrying
// addresses or routes. IPv6 link-local addresses and routes (fe80::/10) do not
// count: the kernel adds them to every interface that comes up.
type Interface struct {
	Name      string         `json:"name"`
	Index     int            `json:"index"`
	Up        bool           `json:"up"`        // IFF_UP
	OperState string         `json:"operstate"` // RFC 2863 state from sysfs
	Addrs     []netip.Prefix `json:"addrs"`
	Routes    []netip.Prefix `json:"routes"` // destinations routed out of it
}

// InUse reports whether the interface is up with addresses or routes, the
// condition under which taking its device away would cut live traffic.
func (i Interface) InUse() bool { return i.Up && (len(i.Addrs) > 0 || len(i.Routes) > 0) }

// Why says in words why the interface is in use, e.g. "eth0 is up with
// address 198.18.0.1/24 and route 198.18.0.0/24".
func (i Interface) Why() string {
	var parts []string
	if len(i.Addrs) > 0 {
		parts = append(parts, plural("address", "addresses", len(i.Addrs))+" "+joinPrefixes(i.Addrs))
	}
	if len(i.Routes) > 0 {
		parts = append(parts, plural("route", "routes", len(i.Routes))+" "+joinPrefixes(i.Routes))
	}
	state := "down"
	if i.Up {
		state = "up"
	}
	if len(parts) == 0 {
		return i.Name + " is " + state
	}
	return i.Name + " is " + state + " with " + strings.Join(parts, " and ")
}

func plural(one, many string, n int) string {
	if n == 1 {
		return one
	}
	return many
}

func joinPrefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

// NetState reports addresses and routes per interface index: the seam that
// lets tests describe network state without netlink.
type NetState interface {
	Snapshot() (NetSnapshot, error)
}

// NetSnapshot is the address and route state of all interfaces, by index.
type NetSnapshot struct {
	Addrs  map[int][]netip.Prefix
	Routes map[int][]netip.Prefix
	// Malformed counts netlink messages that were dropped as malformed.
	Malformed int
}

func (s NetSnapshot) fill(i *Interface) {
	i.Addrs = s.Addrs[i.Index]
	i.Routes = s.Routes[i.Index]
}

// Netlink reads the kernel's state with RTM_GETADDR and RTM_GETROUTE dumps
// (rtnetlink(7)) for IPv4 and IPv6.
type Netlink struct{}

// Snapshot dumps addresses and routes.
func (Netlink) Snapshot() (NetSnapshot, error) {
	addrs, err := syscall.NetlinkRIB(syscall.RTM_GETADDR, syscall.AF_UNSPEC)
	if err != nil {
		return NetSnapshot{}, fmt.Errorf("RTM_GETADDR dump: %w", err)
	}
	routes, err := syscall.NetlinkRIB(syscall.RTM_GETROUTE, syscall.AF_UNSPEC)
	if err != nil {
		return NetSnapshot{}, fmt.Errorf("RTM_GETROUTE dump: %w", err)
	}
	return ParseNetlinkDumps(addrs, routes), nil
}

// Netlink constants from <linux/netlink.h>, <linux/if_addr.h> and
// <linux/rtnetlink.h>.
const (
	nlmsgHdrLen   = 16
	nlmsgDone     = 3
	rtmNewAddr    = 20
	rtmNewRoute   = 24
	ifaAddress    = 1
	ifaLocal      = 2
	rtaDst        = 1
	rtaOif        = 4
	rtaMultipath  = 9
	rtaTable      = 15
	rtTableLocal  = 255
	rtnUnicast    = 1
	ifAddrMsgLen  = 8
	rtMsgLen      = 12
	rtNexthopLen  = 8
	afInet        = 2
	afInet6       = 10
	nlAlignTo     = 4
	rtAttrHdrLen  = 4
	rtMsgTableOff = 4
)

func nlAlign(n int) int { return (n + nlAlignTo - 1) &^ (nlAlignTo - 1) }

// ParseNetlinkDumps parses the raw replies of an RTM_GETADDR and an
// RTM_GETROUTE dump (a sequence of nlmsghdr-framed messages in host byte
// order, little-endian on every host gopkt supports). Addresses keep IFA_LOCAL
// (IFA_ADDRESS without it); routes are unicast routes outside the local
// table, by output interface (RTA_OIF or each RTA_MULTIPATH hop). IPv6
// link-local entries are left out. Malformed messages are counted and
// skipped.
func ParseNetlinkDumps(addrDump, routeDump []byte) NetSnapshot {
	s := NetSnapshot{Addrs: map[int][]netip.Prefix{}, Routes: map[int][]netip.Prefix{}}
	s.Malformed += eachMessage(addrDump, rtmNewAddr, func(m []byte) bool { return s.addAddr(m) })
	s.Malformed += eachMessage(routeDump, rtmNewRoute, func(m []byte) bool { return s.addRoute(m) })
	return s
}

// eachMessage calls f with the payload of every message of type typ and
// returns how many messages were malformed (framing errors end the walk).
func eachMessage(b []byte, typ uint16, f func([]byte) bool) (malformed int) {
	le := binary.LittleEndian
	for len(b) >= nlmsgHdrLen {
		l := int(le.Uint32(b))
		if l < nlmsgHdrLen || l > len(b) {
			return malformed + 1
		}
		t := le.Uint16(b[4:])
		if t == nlmsgDone {
			return malformed
		}
		if t == typ && !f(b[nlmsgHdrLen:l]) {
			malformed++
		}
		if nlAlign(l) >= len(b) {
			break
		}
		b = b[nlAlign(l):]
	}
	return malformed
}

// eachAttr calls f for each rtattr in b; it reports false on bad framing.
func eachAttr(b []byte, f func(typ uint16, v []byte)) bool {
	le := binary.LittleEndian
	for len(b) >= rtAttrHdrLen {
		l := int(le.Uint16(b))
		if l < rtAttrHdrLen || l > len(b) {
			return false
		}
		f(le.Uint16(b[2:])&0x3fff, b[rtAttrHdrLen:l]) // strip NLA_F_NESTED and NLA_F_NET_BYTEORDER
		if nlAlign(l) >= len(b) {
			return true
		}
		b = b[nlAlign(l):]
	}
	return len(b) == 0
}

func ipFrom(family byte, v []byte) (netip.Addr, bool) {
	switch {
	case family == afInet && len(v) == 4:
		return netip.AddrFrom4([4]byte(v)), true
	case family == afInet6 && len(v) == 16:
		return netip.AddrFrom16([16]byte(v)), true
	}
	return netip.Addr{}, false
}

var linkLocal6 = netip.MustParsePrefix("fe80::/10")

// addAddr handles one ifaddrmsg (rtnetlink(7)).
func (s *NetSnapshot) addAddr(m []byte) bool {
	if len(m) < ifAddrMsgLen {
		return false
	}
	family, plen := m[0], int(m[1])
	index := int(binary.LittleEndian.Uint32(m[4:]))
	var local, addr netip.Addr
	ok := eachAttr(m[ifAddrMsgLen:], func(t uint16, v []byte) {
		switch t {
		case ifaLocal:
			local, _ = ipFrom(family, v)
		case ifaAddress:
			addr, _ = ipFrom(family, v)
		}
	})
	if local.IsValid() {
		addr = local
	}
	if !ok || !addr.IsValid() {
		return false
	}
	if plen > addr.BitLen() {
		return false
	}
	if linkLocal6.Contains(addr) {
		return true
	}
	// Keep the host part: "198.18.0.1/24" is what ip addr shows.
	s.Addrs[index] = append(s.Addrs[index], netip.PrefixFrom(addr, plen))
	return true
}

// addRoute handles one rtmsg (rtnetlink(7)).
func (s *NetSnapshot) addRoute(m []byte) bool {
	if len(m) < rtMsgLen {
		return false
	}
	family, dstLen, table, typ := m[0], int(m[1]), uint32(m[rtMsgTableOff]), m[7]
	var dst netip.Addr
	var oifs []int
	ok := eachAttr(m[rtMsgLen:], func(t uint16, v []byte) {
		switch t {
		case rtaDst:
			dst, _ = ipFrom(family, v)
		case rtaTable:
			if len(v) == 4 {
				table = binary.LittleEndian.Uint32(v)
			}
		case rtaOif:
			if len(v) == 4 {
				oifs = append(oifs, int(binary.LittleEndian.Uint32(v)))
			}
		case rtaMultipath:
			// struct rtnexthop: len u16, flags u8, hops u8, ifindex i32, attrs.
			for len(v) >= rtNexthopLen {
				l := int(binary.LittleEndian.Uint16(v))
				if l < rtNexthopLen || l > len(v) {
					break
				}
				oifs = append(oifs, int(binary.LittleEndian.Uint32(v[4:])))
				if nlAlign(l) >= len(v) {
					break
				}
				v = v[nlAlign(l):]
			}
		}
	})
	if !ok {
		return false
	}
	if !dst.IsValid() {
		switch family {
		case afInet:
			dst = netip.IPv4Unspecified()
		case afInet6:
			dst = netip.IPv6Unspecified()
		default:
			return true // another family: not ours to judge
		}
	}
	p, err := dst.Prefix(dstLen)
	if err != nil {
		return false
	}
	if table == rtTableLocal || typ != rtnUnicast || linkLocal6.Contains(p.Addr()) && p.Bits() >= 10 {
		return true
	}
	for _, o := range oifs {
		s.Routes[o] = append(s.Routes[o], p)
	}
	return true
}
