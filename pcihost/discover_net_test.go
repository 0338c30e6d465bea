package pcihost

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"net/netip"
	"os/exec"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gopkt/gopkt/internal/hosttest"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// nlmsg frames a payload as one netlink message (nlmsghdr, netlink(7)).
func nlmsg(typ uint16, payload ...[]byte) []byte {
	p := bytes.Join(payload, nil)
	b := make([]byte, 16, 16+len(p)+3)
	binary.LittleEndian.PutUint32(b, uint32(16+len(p)))
	binary.LittleEndian.PutUint16(b[4:], typ)
	binary.LittleEndian.PutUint16(b[6:], 2) // NLM_F_MULTI
	b = append(b, p...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// rta is one rtattr.
func rta(typ uint16, v []byte) []byte {
	b := make([]byte, 4, 8+len(v))
	binary.LittleEndian.PutUint16(b, uint16(4+len(v)))
	binary.LittleEndian.PutUint16(b[2:], typ)
	b = append(b, v...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func ifaddrmsg(family, plen byte, index uint32) []byte {
	b := []byte{family, plen, 0x80, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(b[4:], index)
	return b
}

func rtmsg(family, dstLen, table, typ byte) []byte {
	return []byte{family, dstLen, 0, 0, table, 2, 0, typ, 0, 0, 0, 0}
}

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func ip(s string) []byte { return netip.MustParseAddr(s).AsSlice() }

func pfx(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

const nlDone = "14000000 0300 0200 01000000 00000000 00000000"

func TestParseNetlinkExactBytes(t *testing.T) {
	// RTM_NEWADDR 198.18.0.1/24 on ifindex 2 (IFA_ADDRESS and IFA_LOCAL),
	// then RTM_NEWROUTE 198.18.0.0/24 dev ifindex 2 in table main, as the
	// kernel sends them (rtnetlink(7)).
	addr := unhex(t, `28000000 1400 0200 01000000 00000000
		02 18 80 00 02000000
		0800 0100 c6120001
		0800 0200 c6120001 `+nlDone)
	route := unhex(t, `34000000 1800 0200 01000000 00000000
		02 18 00 00 fe 02 fd 01 00000000
		0800 0f00 fe000000
		0800 0100 c6120000
		0800 0400 02000000 `+nlDone)
	got := ParseNetlinkDumps(addr, route)
	want := NetSnapshot{Addrs: map[int][]netip.Prefix{2: pfx("198.18.0.1/24")}, Routes: map[int][]netip.Prefix{2: pfx("198.18.0.0/24")}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestParseNetlinkCases(t *testing.T) {
	tests := []struct {
		name          string
		addr, route   []byte
		addrs, routes map[int][]netip.Prefix
		malformed     int
	}{
		{name: "peer address prefers IFA_LOCAL",
			addr:  nlmsg(rtmNewAddr, ifaddrmsg(afInet, 32, 5), rta(ifaAddress, ip("198.18.0.9")), rta(ifaLocal, ip("198.18.0.8"))),
			addrs: map[int][]netip.Prefix{5: pfx("198.18.0.8/32")}, routes: map[int][]netip.Prefix{}},
		{name: "IPv6 global kept, link-local dropped",
			addr: append(nlmsg(rtmNewAddr, ifaddrmsg(afInet6, 64, 3), rta(ifaAddress, ip("2001:db8::1"))),
				nlmsg(rtmNewAddr, ifaddrmsg(afInet6, 64, 3), rta(ifaAddress, ip("fe80::1")))...),
			addrs: map[int][]netip.Prefix{3: pfx("2001:db8::1/64")}, routes: map[int][]netip.Prefix{}},
		{name: "default, multipath, local table, link-local and broadcast routes",
			route: bytes.Join([][]byte{
				nlmsg(rtmNewRoute, rtmsg(afInet, 0, 254, rtnUnicast), rta(rtaOif, u32(2))),
				nlmsg(rtmNewRoute, rtmsg(afInet, 16, 254, rtnUnicast), rta(rtaDst, ip("198.19.0.0")),
					rta(rtaMultipath, append(append([]byte{8, 0, 0, 0}, u32(2)...), append([]byte{8, 0, 0, 0}, u32(3)...)...))),
				nlmsg(rtmNewRoute, rtmsg(afInet, 32, 255, 2), rta(rtaDst, ip("198.18.0.1")), rta(rtaOif, u32(2))),
				nlmsg(rtmNewRoute, rtmsg(afInet, 32, 254, 3), rta(rtaDst, ip("198.18.0.255")), rta(rtaOif, u32(2))),
				nlmsg(rtmNewRoute, rtmsg(afInet6, 64, 254, rtnUnicast), rta(rtaDst, ip("fe80::")), rta(rtaOif, u32(2))),
				nlmsg(rtmNewRoute, rtmsg(afInet6, 0, 252, rtnUnicast), rta(rtaTable, u32(1000)), rta(rtaOif, u32(4))),
			}, nil),
			addrs:  map[int][]netip.Prefix{},
			routes: map[int][]netip.Prefix{2: pfx("0.0.0.0/0", "198.19.0.0/16"), 3: pfx("198.19.0.0/16"), 4: pfx("::/0")}},
		{name: "malformed: short ifaddrmsg, attribute overrun, bad prefix length, no address",
			addr: bytes.Join([][]byte{
				nlmsg(rtmNewAddr, []byte{2, 24, 0}),
				nlmsg(rtmNewAddr, ifaddrmsg(afInet, 24, 2), []byte{0x20, 0, 1, 0, 1, 2, 3, 4}),
				nlmsg(rtmNewAddr, ifaddrmsg(afInet, 33, 2), rta(ifaLocal, ip("198.18.0.1"))),
				nlmsg(rtmNewAddr, ifaddrmsg(afInet, 24, 2)),
				nlmsg(rtmNewAddr, ifaddrmsg(afInet, 24, 7), rta(ifaLocal, ip("198.18.7.1"))),
			}, nil),
			route:  nlmsg(rtmNewRoute, rtmsg(afInet, 40, 254, rtnUnicast), rta(rtaDst, ip("198.18.0.0")), rta(rtaOif, u32(2))),
			addrs:  map[int][]netip.Prefix{7: pfx("198.18.7.1/24")},
			routes: map[int][]netip.Prefix{}, malformed: 5},
		{name: "bad framing ends the walk",
			addr:  append(nlmsg(rtmNewAddr, ifaddrmsg(afInet, 24, 2), rta(ifaLocal, ip("198.18.0.1"))), 0xff, 0, 0, 0, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
			addrs: map[int][]netip.Prefix{2: pfx("198.18.0.1/24")}, routes: map[int][]netip.Prefix{}, malformed: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseNetlinkDumps(tt.addr, tt.route)
			want := NetSnapshot{Addrs: tt.addrs, Routes: tt.routes, Malformed: tt.malformed}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func FuzzParseNetlinkDumps(f *testing.F) {
	f.Add(nlmsg(rtmNewAddr, ifaddrmsg(afInet, 24, 2), rta(ifaLocal, ip("198.18.0.1"))),
		nlmsg(rtmNewRoute, rtmsg(afInet, 24, 254, rtnUnicast), rta(rtaDst, ip("198.18.0.0")), rta(rtaOif, u32(2))))
	f.Add(nlmsg(rtmNewAddr, ifaddrmsg(afInet6, 128, 1), rta(ifaAddress, ip("::1"))),
		nlmsg(rtmNewRoute, rtmsg(afInet, 16, 254, rtnUnicast), rta(rtaMultipath, append([]byte{8, 0, 0, 0}, u32(2)...))))
	f.Add([]byte{}, []byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, a, r []byte) {
		s := ParseNetlinkDumps(a, r)
		for _, m := range []map[int][]netip.Prefix{s.Addrs, s.Routes} {
			for _, ps := range m {
				for _, p := range ps {
					if !p.IsValid() {
						t.Fatalf("invalid prefix %v kept", p)
					}
				}
			}
		}
	})
}

// TestNetlinkMatchesIproute compares a live snapshot with what iproute2
// (the peer) reports for this host's addresses and routes.
func TestNetlinkMatchesIproute(t *testing.T) {
	hosttest.Require(t, hosttest.IP)
	snap, err := Netlink{}.Snapshot()
	if err != nil {
		hosttest.Unavailable(t, "no rtnetlink here: %v", err)
	}
	var links []struct {
		Index int `json:"ifindex"`
		Addrs []struct {
			Local     string `json:"local"`
			PrefixLen int    `json:"prefixlen"`
		} `json:"addr_info"`
	}
	ipJSON(t, &links, "-j", "addr", "show")
	wantAddrs := map[int][]string{}
	for _, l := range links {
		for _, a := range l.Addrs {
			p := netip.MustParsePrefix(a.Local + "/" + strconv.Itoa(a.PrefixLen))
			if !linkLocal6.Contains(p.Addr()) {
				wantAddrs[l.Index] = append(wantAddrs[l.Index], p.String())
			}
		}
	}
	if got := strs(snap.Addrs); !reflect.DeepEqual(got, sorted(wantAddrs)) {
		t.Errorf("addresses: netlink %v, ip %v", got, sorted(wantAddrs))
	}
	wantRoutes := map[int][]string{}
	for _, fam := range []string{"-4", "-6"} {
		var routes []struct {
			Dst   string `json:"dst"`
			Dev   string `json:"dev"`
			Table string `json:"table"`
			Type  string `json:"type"`
		}
		ipJSON(t, &routes, "-j", fam, "route", "show", "table", "all")
		for _, r := range routes {
			if r.Table == "local" || (r.Type != "" && r.Type != "unicast") || r.Dev == "" {
				continue
			}
			p := ipRouteDst(r.Dst, fam)
			if linkLocal6.Contains(p.Addr()) {
				continue
			}
			idx := ifIndex(t, r.Dev)
			wantRoutes[idx] = append(wantRoutes[idx], p.String())
		}
	}
	if got := strs(snap.Routes); !reflect.DeepEqual(got, sorted(wantRoutes)) {
		t.Errorf("routes: netlink %v, ip %v", got, sorted(wantRoutes))
	}
	if snap.Malformed != 0 {
		t.Errorf("%d kernel messages counted malformed", snap.Malformed)
	}
}

func ipJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out, err := exec.Command("ip", args...).Output()
	if err != nil {
		t.Fatalf("ip %v: %v", args, err)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("ip %v: %v", args, err)
	}
}

func ipRouteDst(dst, fam string) netip.Prefix {
	switch {
	case dst == "default" && fam == "-4":
		return netip.MustParsePrefix("0.0.0.0/0")
	case dst == "default":
		return netip.MustParsePrefix("::/0")
	case strings.Contains(dst, "/"):
		return netip.MustParsePrefix(dst)
	}
	a := netip.MustParseAddr(dst)
	return netip.PrefixFrom(a, a.BitLen())
}

func ifIndex(t *testing.T, name string) int {
	var links []struct {
		Index int `json:"ifindex"`
	}
	ipJSON(t, &links, "-j", "link", "show", "dev", name)
	return links[0].Index
}

func strs(m map[int][]netip.Prefix) map[int][]string {
	out := map[int][]string{}
	for k, ps := range m {
		for _, p := range ps {
			out[k] = append(out[k], p.String())
		}
	}
	return sorted(out)
}

func sorted(m map[int][]string) map[int][]string {
	for _, v := range m {
		sort.Strings(v)
	}
	return m
}
