package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/gopkt/gopkt/control"
	"github.com/gopkt/gopkt/vfio"

	"github.com/gopkt/gopkt/stack/bpf"
	"github.com/gopkt/gopkt/stack/pf"
)

// config is the parsed command line: everything is checked here, before
// any device is opened.
type config struct {
	Drivers []driverArg
	Protos  protoSet
	Addrs   []addrArg
	Routes  []routeArg
	ARP     []arpArg
	Echo    []uint16
	Sinks   []portRange
	// TCP services: --tcp-echo and --tcp-discard ports, --http directory.
	TCPEcho, TCPDiscard []uint16
	HTTP                string
	Pings               []pingArg
	SLAAC               []string // --slaac interfaces
	Filters             []filterArg
	PF                  []string // --filter rules in pf syntax (pf.go)
	Dumps               []dumpArg
	Buffers             int
	Verbose             bool
	LogLevel            slog.Level
	// Control is the control socket's path ("" for none); ControlGroups
	// may use it besides root (control.go).
	Control       string
	ControlGroups []string
	Metrics       string       // --metrics: loopback HOST:PORT or unix:PATH (metrics.go)
	DropCaps      bool         // --drop-caps (privs.go)
	Socks         string       // --socks: loopback HOST:PORT or unix:PATH (socks.go)
	VFIO          vfio.Backend // --vfio: the VFIO interface of PCI drivers
}

// driverArg is one -d: the interface it will be and the driver instance.
type driverArg struct {
	Arg    string // as given, for messages ("-d e1000 pci=...")
	Loader string
	Name   string // interface name
	Drv    driver
}

type addrArg struct {
	Iface  string
	Prefix netip.Prefix
}

// routeArg is --route DEST=GATEWAY or DEST=IFACE (on-link).
type routeArg struct {
	Flag    string // --route or --routes
	Arg     string // as given (--routes: FILE:LINE)
	Dest    netip.Prefix
	Gateway netip.Addr
	Iface   string
}

// arpArg is --arp ADDR=MAC, a permanent neighbour entry (arp -s).
type arpArg struct {
	Addr netip.Addr
	MAC  [6]byte
}

type pingArg struct {
	Dst      netip.Addr
	Count    int
	Size     int
	Interval time.Duration
	Timeout  time.Duration
}

// dumpArg is --dump IFACE=FILE[,FILTER].
type dumpArg struct {
	Iface, File, Filter string
}

// portRange is one --udp-sink: ports First to Last, both included.
type portRange struct{ First, Last uint16 }

// String writes the range as given ("20000-20099", or "7" for one port).
func (r portRange) String() string {
	if r.First == r.Last {
		return strconv.Itoa(int(r.First))
	}
	return fmt.Sprintf("%d-%d", r.First, r.Last)
}

// has reports whether port is in the range.
func (r portRange) has(port uint16) bool { return port >= r.First && port <= r.Last }

// errHelp is returned for -h: print the usage and exit 0.
var errHelp = pflag.ErrHelp

// rawArgs are the repeatable flags as given, checked after parsing.
type rawArgs struct {
	drivers, protos, addrs, routes, arps, echo, sinks, pings, filters, dumps []string
	slaac, routeFiles                                                        []string
	tcpEcho, tcpDiscard                                                      []string
	vfio                                                                     string
}

// newFlagSet declares gopkt's flags into c and r.
func newFlagSet(c *config, r *rawArgs) *pflag.FlagSet {
	fs := pflag.NewFlagSet("gopkt", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard) // run prints the usage itself
	fs.Usage = func() {}
	fs.StringArrayVarP(&r.drivers, "driver", "d", nil, "load a driver: -d `NAME OPTIONS` (drivers below); repeatable, loaded in order")
	fs.StringArrayVarP(&r.protos, "protocol", "p", nil, "load a protocol: -p `NAME[,OPTIONS]` (protocols below); repeatable")
	fs.StringArrayVar(&r.addrs, "ifconfig", nil, "add an address: `IFACE=ADDR/LEN`, IPv4 or IPv6 (repeatable)")
	fs.StringArrayVar(&r.routes, "route", nil, "add a route: `DEST=GATEWAY` or DEST=IFACE, DEST is A.B.C.D/LEN, an IPv6 prefix, default or default6; a link-local gateway names its interface (fe80::1%em0) (repeatable)")
	fs.StringArrayVar(&r.routeFiles, "routes", nil, "load routes from `FILE`, one per line as `ip route` and `ip -6 route` print them: PREFIX|default via GATEWAY [dev IFACE], or PREFIX dev IFACE (proto, metric, scope, src and the like are ignored; # comments; repeatable)")
	fs.StringArrayVar(&r.arps, "arp", nil, "permanent neighbour entry `ADDR=MAC`, like arp -s (repeatable)")
	fs.StringArrayVar(&r.echo, "udp-echo", nil, "answer UDP datagrams on `PORT` with the same payload (RFC 862; repeatable)")
	fs.StringArrayVar(&r.sinks, "udp-sink", nil, "bind UDP `PORT[-LAST]` and never read: datagrams queue until the socket's or the budget's quota refuses them (a slow reader; repeatable)")
	fs.StringArrayVar(&r.tcpEcho, "tcp-echo", nil, "TCP echo service on `PORT` (RFC 862; repeatable)")
	fs.StringArrayVar(&r.tcpDiscard, "tcp-discard", nil, "TCP discard service on `PORT` (RFC 863; repeatable)")
	fs.StringVar(&c.HTTP, "http", "", "serve the files under `DIR` over HTTP on TCP port 80 (net/http over the stack)")
	fs.StringArrayVar(&r.slaac, "slaac", nil, "IPv6 router discovery and stateless address autoconfiguration on `IFACE` (RFC 4861, 4862, 7217; repeatable)")
	fs.StringArrayVar(&r.pings, "ping", nil, "ping `ADDR[,OPTS]` once set up; OPTS count=5,size=56,interval=1s,timeout=3s (repeatable; the timeout covers the first ARP retry)")
	fs.StringArrayVar(&r.filters, "filter", nil, "filter IPv4 with a pf `RULE` ('pass|block [in|out] [quick] [on IF] [proto P] [from A [port N]] [to B [port N]] ...', stack/pf; all of them one rule set, in order), or the example filter 'drop [in|out|forward] [udp|tcp|icmp|proto N] [from NET] [to NET] [port N]'")
	fs.StringArrayVar(&r.dumps, "dump", nil, "capture `IFACE=FILE[,FILTER]` into a pcap file; FILTER in tcpdump syntax")
	fs.IntVar(&c.Buffers, "buffers", 4096, "`N` mbufs in the shared pool")
	fs.BoolVarP(&c.Verbose, "verbose", "v", false, "log debug events (--log-level debug)")
	fs.TextVar(&c.LogLevel, "log-level", slog.LevelInfo, "log `LEVEL`: debug, info, warn or error")
	fs.StringVar(&c.Control, "control", control.DefaultPath, "serve gopktctl on the Unix socket `PATH` (\"\": none)")
	fs.StringVar(&c.Metrics, "metrics", "", "serve Prometheus text metrics at /metrics on `ADDR`: 127.0.0.1:PORT or unix:PATH (off by default)")
	fs.StringVar(&r.vfio, "vfio", "auto", "VFIO interface of PCI devices: auto (iommufd when the kernel offers it, else the group API), iommufd or group")
	fs.StringVar(&c.Socks, "socks", "", "SOCKS5 front (RFC 1928, CONNECT) over the stack's TCP on `ADDR`: 127.0.0.1:PORT or unix:PATH")
	fs.BoolVar(&c.DropCaps, "drop-caps", false, "once set up, keep only CAP_NET_ADMIN and CAP_IPC_LOCK (for mounts) on every thread, with no_new_privs")
	fs.StringArrayVar(&c.ControlGroups, "control-group", nil, "`GROUP` (name or gid) whose members may use the control socket besides root (repeatable)")
	return fs
}

// parseArgs parses and checks the command line against the loader table.
func parseArgs(args []string, reg *registry) (*config, error) {
	c := &config{}
	var r rawArgs
	fs := newFlagSet(c, &r)
	if err := fs.Parse(joinModuleArgs(args)); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return nil, errHelp
		}
		return nil, usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q (driver options follow the driver name: -d e1000 pci=0000:00:02.0)", fs.Arg(0))
	}
	var err error
	if c.VFIO, err = vfio.ParseBackend(r.vfio); err != nil {
		return nil, usagef("--vfio: %v", err)
	}
	if c.Buffers < 64 || c.Buffers > 1<<20 {
		return nil, usagef("--buffers %d: want 64 to 1048576", c.Buffers)
	}
	for _, a := range r.protos {
		if err := c.addProto(reg, a); err != nil {
			return nil, err
		}
	}
	for _, a := range r.drivers {
		if err := c.addDriver(reg, a); err != nil {
			return nil, err
		}
	}
	steps := []struct {
		list []string
		fn   func(string) error
	}{
		{r.addrs, c.addAddr}, {r.routes, c.addRoute}, {r.routeFiles, c.addRoutesFile}, {r.arps, c.addARP}, {r.echo, c.addEcho}, {r.sinks, c.addSink},
		{r.tcpEcho, c.addTCPService("--tcp-echo", &c.TCPEcho)}, {r.tcpDiscard, c.addTCPService("--tcp-discard", &c.TCPDiscard)},
		{r.pings, c.addPing}, {r.filters, c.addFilter}, {r.dumps, c.addDump}, {r.slaac, c.addSLAAC},
	}
	for _, s := range steps {
		for _, a := range s.list {
			if err := s.fn(a); err != nil {
				return nil, err
			}
		}
	}
	if err := c.checkHTTP(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *config) addProto(reg *registry, a string) error {
	name, o, err := splitModule(a)
	if err != nil {
		return usagef("-p %s: %v", a, err)
	}
	l, err := reg.proto(name)
	if err != nil {
		return usagef("-p %s: %v", a, err)
	}
	if c.Protos.has(name) {
		return usagef("-p %s: protocol %s is loaded twice", a, name)
	}
	if l.Needs != "" && !c.Protos.has(l.Needs) {
		return usagef("-p %s: %s needs %s loaded first: put -p %s before -p %s", a, name, l.Needs, l.Needs, name)
	}
	if err := o.check(l.Keys); err != nil {
		return usagef("-p %s: %v", a, err)
	}
	if err := l.Apply(o, &c.Protos); err != nil {
		return usagef("-p %s: %v", a, err)
	}
	c.Protos.loaded = append(c.Protos.loaded, name)
	return nil
}

// nameChecker is implemented by drivers whose interface names follow a
// rule (cloned loopbacks must be loN).
type nameChecker interface{ CheckName(string) error }

func (c *config) addDriver(reg *registry, a string) error {
	name, o, err := splitModule(a)
	if err != nil {
		return usagef("-d %s: %v", a, err)
	}
	l, err := reg.driver(name)
	if err != nil {
		return usagef("-d %s: %v", a, err)
	}
	if err := o.check(append([]string{"name"}, l.Keys...)); err != nil {
		return usagef("-d %s: %v", a, err)
	}
	ifname, _ := o.get("name")
	var rest options
	for _, x := range o {
		if x.Key != "name" {
			rest = append(rest, x)
		}
	}
	drv, err := l.New(rest)
	if err != nil {
		return usagef("-d %s: %v", a, err)
	}
	if ifname == "" {
		for unit := 0; ; unit++ {
			ifname = drv.Prefix() + strconv.Itoa(unit)
			if !c.hasIface(ifname) {
				break
			}
		}
	}
	if n, ok := drv.(needer); ok {
		for _, x := range n.Needs() {
			if !c.hasIface(x) {
				return usagef("-d %s: interface %s is not loaded before it (put its -d line first)", a, x)
			}
		}
	}
	if _, ok := drv.(interface{ NeedsIPv4() }); ok && !c.Protos.has("ipv4") {
		return usagef("-d %s: the tunnel sends through IPv4: add -p ipv4", a)
	}
	if nc, ok := drv.(nameChecker); ok {
		if err := nc.CheckName(ifname); err != nil {
			return usagef("-d %s: %v", a, err)
		}
	}
	if len(ifname) > 15 || strings.ContainsAny(ifname, "=, /") {
		return usagef("-d %s: name=%s: interface names are 1 to 15 bytes without '=', ',', '/' or spaces", a, ifname)
	}
	if c.hasIface(ifname) {
		return usagef("-d %s: interface %s already exists; give this one another name=", a, ifname)
	}
	for _, d := range c.Drivers {
		if d.Loader == name && sameDevice(d.Drv, drv) {
			return usagef("-d %s: the device is already loaded as %s", a, d.Name)
		}
	}
	c.Drivers = append(c.Drivers, driverArg{Arg: "-d " + a, Loader: name, Name: ifname, Drv: drv})
	return nil
}

// sameDevice reports whether two e1000 instances name one PCI function.
func sameDevice(a, b driver) bool {
	x, ok1 := a.(*e1000Driver)
	y, ok2 := b.(*e1000Driver)
	return ok1 && ok2 && x.addr == y.addr
}

// hasIface reports whether name is lo0 or an interface a -d creates.
func (c *config) hasIface(name string) bool {
	return name == "lo0" || slices.ContainsFunc(c.Drivers, func(d driverArg) bool { return d.Name == name })
}

// ifaceErr says which interfaces exist.
func (c *config) ifaceErr(flag, arg, name string) error {
	names := []string{"lo0"}
	for _, d := range c.Drivers {
		names = append(names, d.Name)
	}
	return usagef("%s %s: no interface %s (interfaces: %s; load one with -d)", flag, arg, name, strings.Join(names, ", "))
}

func (c *config) addAddr(a string) error {
	ifname, p, ok := strings.Cut(a, "=")
	if !ok {
		return usagef("--ifconfig %s: want IFACE=ADDR/LEN such as em0=198.18.0.2/24", a)
	}
	if !c.hasIface(ifname) {
		return c.ifaceErr("--ifconfig", a, ifname)
	}
	pfx, err := parsePrefixAny(p)
	if err != nil {
		return usagef("--ifconfig %s: %v", a, err)
	}
	if pfx.Addr().Zone() != "" {
		return usagef("--ifconfig %s: no zone here: the interface is %s", a, ifname)
	}
	if pfx.Addr().IsUnspecified() || pfx.Addr().IsMulticast() || pfx.Addr() == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return usagef("--ifconfig %s: %v is not a unicast address", a, pfx.Addr())
	}
	for _, x := range c.Addrs {
		if x.Prefix.Addr() == pfx.Addr() {
			return usagef("--ifconfig %s: %v is already configured on %s", a, pfx.Addr(), x.Iface)
		}
	}
	if pfx.Addr().Is6() && !c.Protos.has("ipv6") {
		return usagef("--ifconfig %s: IPv6 is not loaded: add -p ipv6", a)
	}
	if !c.Protos.has("ipv4") {
		return usagef("--ifconfig %s: IPv4 is not loaded: add -p ipv4", a)
	}
	c.Addrs = append(c.Addrs, addrArg{Iface: ifname, Prefix: pfx})
	return nil
}

func (c *config) addSLAAC(a string) error {
	if !c.hasIface(a) {
		return c.ifaceErr("--slaac", a, a)
	}
	if !c.Protos.has("ipv6") {
		return usagef("--slaac %s: IPv6 is not loaded: add -p ipv6", a)
	}
	c.SLAAC = append(c.SLAAC, a)
	return nil
}

func (c *config) addRoute(a string) error {
	dst, via, ok := strings.Cut(a, "=")
	if !ok || via == "" {
		return usagef("--route %s: want DEST=GATEWAY (default=198.18.0.1, 198.18.5.0/24=198.18.0.9) or DEST=IFACE", a)
	}
	r := routeArg{Arg: a}
	if gw, err := parseAddrAny(via); err == nil {
		r.Gateway = gw
	} else if c.hasIface(via) {
		r.Iface = via
	} else {
		return usagef("--route %s: %q is neither a gateway address nor an interface", a, via)
	}
	return c.checkRoute("--route", dst, r)
}

// checkRoute completes r (Gateway or Iface, or both, already set; dst as
// given) and appends it to the routes: flag and r.Arg name it in errors.
func (c *config) checkRoute(flag, dst string, r routeArg) error {
	a := r.Arg
	switch dst {
	case "default":
		r.Dest = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
	case "default6":
		r.Dest = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
	default:
		p, err := parsePrefixAny(dst)
		if err != nil {
			return usagef("%s %s: destination %v", flag, a, err)
		}
		if p != p.Masked() {
			return usagef("%s %s: destination %v has host bits set (did you mean %v?)", flag, a, p, p.Masked())
		}
		r.Dest = p
	}
	if gw := r.Gateway; gw.IsValid() {
		if gw.Is4() != r.Dest.Addr().Is4() || gw.IsUnspecified() || gw.IsMulticast() {
			return usagef("%s %s: gateway %v is not a unicast address of the destination's family", flag, a, gw)
		}
		if gw.Zone() != "" && !c.hasIface(gw.Zone()) {
			return c.ifaceErr(flag, a, gw.Zone())
		}
	}
	if r.Iface != "" && !c.hasIface(r.Iface) {
		return c.ifaceErr(flag, a, r.Iface)
	}
	if r.Dest.Addr().Is6() && !c.Protos.has("ipv6") {
		return usagef("%s %s: IPv6 is not loaded: add -p ipv6", flag, a)
	}
	if !c.Protos.has("ipv4") {
		return usagef("%s %s: IPv4 is not loaded: add -p ipv4", flag, a)
	}
	r.Flag = flag
	c.Routes = append(c.Routes, r)
	return nil
}

func (c *config) addARP(a string) error {
	ip, mac, ok := strings.Cut(a, "=")
	if !ok {
		return usagef("--arp %s: want ADDR=MAC such as 198.18.0.1=52:54:00:12:34:11", a)
	}
	addr, err := parseAddr4(ip)
	if err != nil {
		return usagef("--arp %s: %v", a, err)
	}
	hw, err := parseMAC(mac)
	if err != nil {
		return usagef("--arp %s: %v", a, err)
	}
	if !c.Protos.has("ipv4") {
		return usagef("--arp %s: IPv4 is not loaded: add -p ipv4", a)
	}
	c.ARP = append(c.ARP, arpArg{Addr: addr, MAC: hw})
	return nil
}

func (c *config) addEcho(a string) error {
	n, err := strconv.Atoi(a)
	if err != nil || n < 1 || n > 65535 {
		return usagef("--udp-echo %s: want a port from 1 to 65535 (7 is the echo service, RFC 862)", a)
	}
	if slices.Contains(c.Echo, uint16(n)) {
		return usagef("--udp-echo %s: port %d given twice", a, n)
	}
	if !c.Protos.has("udp") {
		return usagef("--udp-echo %s: UDP is not loaded: add -p ipv4 -p udp", a)
	}
	c.Echo = append(c.Echo, uint16(n))
	return nil
}

// addSink reads --udp-sink PORT or FIRST-LAST.
func (c *config) addSink(a string) error {
	lo, hi, isRange := strings.Cut(a, "-")
	first, err1 := strconv.Atoi(lo)
	last, err2 := first, error(nil)
	if isRange {
		last, err2 = strconv.Atoi(hi)
	}
	if err1 != nil || err2 != nil || first < 1 || last > 65535 || last < first {
		return usagef("--udp-sink %s: want a port or a range FIRST-LAST from 1 to 65535, such as 20000-20099", a)
	}
	r := portRange{uint16(first), uint16(last)}
	for _, e := range c.Echo {
		if r.has(e) {
			return usagef("--udp-sink %s: port %d is already a --udp-echo", a, e)
		}
	}
	for _, s := range c.Sinks {
		if r.First <= s.Last && s.First <= r.Last {
			return usagef("--udp-sink %s: overlaps --udp-sink %v", a, s)
		}
	}
	if !c.Protos.has("udp") {
		return usagef("--udp-sink %s: UDP is not loaded: add -p ipv4 -p udp", a)
	}
	c.Sinks = append(c.Sinks, r)
	return nil
}

// addTCPService checks a --tcp-echo or --tcp-discard port.
func (c *config) addTCPService(flag string, list *[]uint16) func(string) error {
	return func(a string) error {
		n, err := strconv.Atoi(a)
		if err != nil || n < 1 || n > 65535 {
			return usagef("%s %s: want a port from 1 to 65535", flag, a)
		}
		if slices.Contains(c.TCPEcho, uint16(n)) || slices.Contains(c.TCPDiscard, uint16(n)) || (c.HTTP != "" && n == 80) {
			return usagef("%s %s: TCP port %d is taken by another service", flag, a, n)
		}
		if !c.Protos.has("tcp") {
			return usagef("%s %s: TCP is not loaded: add -p ipv4 -p tcp", flag, a)
		}
		*list = append(*list, uint16(n))
		return nil
	}
}

// checkHTTP checks --http DIR.
func (c *config) checkHTTP() error {
	if c.HTTP == "" {
		return nil
	}
	if !c.Protos.has("tcp") {
		return usagef("--http %s: TCP is not loaded: add -p ipv4 -p tcp", c.HTTP)
	}
	if st, err := os.Stat(c.HTTP); err != nil || !st.IsDir() {
		return usagef("--http %s: not a directory", c.HTTP)
	}
	return nil
}

func (c *config) addPing(a string) error {
	dst, rest, _ := strings.Cut(a, ",")
	addr, err := parseAddrAny(dst)
	if err != nil {
		return usagef("--ping %s: %v", a, err)
	}
	if addr.Is6() && !c.Protos.has("ipv6") {
		return usagef("--ping %s: IPv6 is not loaded: add -p ipv6", a)
	}
	if addr.Zone() != "" && !c.hasIface(addr.Zone()) {
		return c.ifaceErr("--ping", a, addr.Zone())
	}
	o, err := parseOptions(rest)
	if err == nil {
		err = o.check([]string{"count", "size", "interval", "timeout"})
	}
	p := pingArg{Dst: addr}
	if err == nil {
		p.Count, err = o.intRange("count", 5, 1, 1_000_000)
	}
	if err == nil {
		p.Size, err = o.intRange("size", 56, 0, 65507)
	}
	if err == nil {
		p.Interval, err = o.duration("interval", time.Second)
	}
	if err == nil {
		p.Timeout, err = o.duration("timeout", 3*time.Second)
	}
	if err != nil {
		return usagef("--ping %s: %v", a, err)
	}
	if !c.Protos.has("ipv4") {
		return usagef("--ping %s: IPv4 is not loaded: add -p ipv4", a)
	}
	c.Pings = append(c.Pings, p)
	return nil
}

func (c *config) addFilter(a string) error {
	if isPFRule(a) {
		if _, err := pf.ParseRuleset(a); err != nil {
			return usagef("--filter %q: %v", a, err)
		}
		if !c.Protos.has("ipv4") {
			return usagef("--filter %q: the filter hooks IPv4: add -p ipv4", a)
		}
		c.PF = append(c.PF, a)
		return nil
	}
	f, err := parseFilter(a)
	if err != nil {
		return usagef("--filter %q: %v", a, err)
	}
	if !c.Protos.has("ipv4") {
		return usagef("--filter %q: the filter hooks IPv4: add -p ipv4", a)
	}
	c.Filters = append(c.Filters, f)
	return nil
}

func (c *config) addDump(a string) error {
	ifname, rest, ok := strings.Cut(a, "=")
	if !ok || rest == "" {
		return usagef("--dump %s: want IFACE=FILE.pcap[,FILTER] such as em0=/tmp/em0.pcap,udp port 7", a)
	}
	if !c.hasIface(ifname) {
		return c.ifaceErr("--dump", a, ifname)
	}
	file, filter, _ := strings.Cut(rest, ",")
	filter = strings.TrimPrefix(strings.TrimSpace(filter), "filter=")
	if file == "" {
		return usagef("--dump %s: no file name", a)
	}
	if filter != "" {
		if _, err := bpf.Compile(filter, bpf.LinkEthernet, 0); err != nil {
			return usagef("--dump %s: %v", a, err)
		}
	}
	for _, d := range c.Dumps {
		if d.File == file {
			return usagef("--dump %s: file %s is already written by the dump of %s", a, file, d.Iface)
		}
	}
	c.Dumps = append(c.Dumps, dumpArg{Iface: ifname, File: file, Filter: filter})
	return nil
}
