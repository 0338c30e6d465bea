package main

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/wire"
)

func args(s string) []string { return strings.Fields(s) }

func TestJoinModuleArgs(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"-d", "e1000", "pci=0000:00:02.0,mtu=9000", "-p", "ipv4"}, []string{"-d", "e1000 pci=0000:00:02.0,mtu=9000", "-p", "ipv4"}},
		{[]string{"-p", "ipv4", "arp=off", "-p", "udp"}, []string{"-p", "ipv4 arp=off", "-p", "udp"}},
		{[]string{"--driver=tap", "name=tap1", "-v"}, []string{"--driver=tap name=tap1", "-v"}},
		{[]string{"-de1000", "pci=00:02.0"}, []string{"-de1000 pci=00:02.0"}},
		{[]string{"-d", "loop", "-v"}, []string{"-d", "loop", "-v"}},                       // next is a flag
		{[]string{"-d", "loop", "stray"}, []string{"-d", "loop", "stray"}},                 // no '=': left for the error
		{[]string{"--", "-d", "x", "a=b"}, []string{"--", "-d", "x", "a=b"}},               // after --, untouched
		{[]string{"--ifconfig", "em0=1.2.3.4/8"}, []string{"--ifconfig", "em0=1.2.3.4/8"}}, // not a module flag
		{[]string{"-d"}, []string{"-d"}},
	} {
		if got := joinModuleArgs(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("joinModuleArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseArgs(t *testing.T) {
	c, err := parseArgs(args("-d e1000 pci=0000:00:02.0,mtu=9000,mode=adaptive -d tap linux=gpk0 -d loop -d e1000 pci=00:03.0,name=wan0 "+
		"-p ipv4,forwarding=on,fastfwd=off,ttl=32,reasm-timeout=3s -p udp queue=16 -p icmp,rate=10 --ifconfig em0=198.18.0.2/24 --ifconfig tap0=198.18.1.1/24 "+
		"--route default=198.18.0.1 --route 198.18.5.0/24=tap0 --arp 198.18.0.7=52:54:00:12:34:11 --udp-echo 7 --udp-echo 9 --udp-sink 20000-20099 --udp-sink 30000 "+
		"--ping 198.18.0.1,count=3,size=8000,interval=200ms --buffers 8192"), defaultRegistry())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range c.Drivers {
		names = append(names, d.Loader+":"+d.Name)
	}
	if want := []string{"e1000:em0", "tap:tap0", "loop:lo1", "e1000:wan0"}; !slices.Equal(names, want) {
		t.Errorf("interfaces %q, want %q", names, want)
	}
	em := c.Drivers[0].Drv.(*e1000Driver)
	if em.addr != "0000:00:02.0" || em.cfg.MTU != 9000 || em.cfg.Mode != e1000.Adaptive || em.cfg.RxDescs != 512 {
		t.Errorf("e1000 config %+v at %s", em.cfg, em.addr)
	}
	if a := c.Drivers[3].Drv.(*e1000Driver).addr; a != "0000:00:03.0" {
		t.Errorf("short PCI address became %s", a)
	}
	if c.Drivers[1].Drv.(*tapDriver).linux != "gpk0" {
		t.Error("tap linux= lost")
	}
	p := c.Protos
	if !slices.Equal(p.loaded, []string{"ipv4", "udp", "icmp"}) || !p.ipv4.Forwarding || !p.ipv4.NoFastForward || p.ipv4.DefaultTTL != 32 ||
		p.ipv4.ICMPRate != 10 || p.ipv4.ICMPBurst != 50 || p.ipv4.DisableICMPEcho || p.udp.Queue != 16 || p.udp.NoChecksum || p.arpOff {
		t.Errorf("protocols %+v ipv4 %+v udp %+v", p, p.ipv4, p.udp)
	}
	wantRoutes := []routeArg{
		{Flag: "--route", Arg: "default=198.18.0.1", Dest: netip.MustParsePrefix("0.0.0.0/0"), Gateway: netip.MustParseAddr("198.18.0.1")},
		{Flag: "--route", Arg: "198.18.5.0/24=tap0", Dest: netip.MustParsePrefix("198.18.5.0/24"), Iface: "tap0"},
	}
	if !slices.Equal(c.Routes, wantRoutes) {
		t.Errorf("routes %+v", c.Routes)
	}
	if len(c.ARP) != 1 || c.ARP[0].MAC != [6]byte{0x52, 0x54, 0, 0x12, 0x34, 0x11} {
		t.Errorf("arp %+v", c.ARP)
	}
	if !slices.Equal(c.Echo, []uint16{7, 9}) || c.Buffers != 8192 {
		t.Errorf("echo %v buffers %d", c.Echo, c.Buffers)
	}
	if !slices.Equal(c.Sinks, []portRange{{20000, 20099}, {30000, 30000}}) || p.ipv4.ReassemblyTimeout != 3*time.Second {
		t.Errorf("sinks %v reassembly timeout %v", c.Sinks, p.ipv4.ReassemblyTimeout)
	}
	if want := (pingArg{Dst: netip.MustParseAddr("198.18.0.1"), Count: 3, Size: 8000, Interval: 200 * time.Millisecond, Timeout: 3 * time.Second}); len(c.Pings) != 1 || c.Pings[0] != want {
		t.Errorf("pings %+v", c.Pings)
	}
}

func TestParseArgsDefaults(t *testing.T) {
	c, err := parseArgs(args("-d e1000 pci=0000:00:02.0 -p ipv4,arp=off -p icmp,echo=off"), defaultRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if e := c.Drivers[0].Drv.(*e1000Driver); e.cfg.Mode != e1000.Adaptive || e.cfg.MTU != 1500 || e.cfg.TxDescs != 512 || e.cfg.Promisc || c.Drivers[0].Name != "em0" {
		t.Errorf("e1000 defaults: %+v named %s", e.cfg, c.Drivers[0].Name)
	}
	if !c.Protos.arpOff || !c.Protos.ipv4.DisableICMPEcho || c.Protos.udp != nil || c.Buffers != 4096 {
		t.Errorf("protocols %+v ipv4 %+v", c.Protos, c.Protos.ipv4)
	}
	c, err = parseArgs([]string{"-p", "ipv4", "--dump", "lo0=/tmp/x.pcap,filter=udp port 7"}, defaultRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if want := (dumpArg{Iface: "lo0", File: "/tmp/x.pcap", Filter: "udp port 7"}); len(c.Dumps) != 1 || c.Dumps[0] != want {
		t.Errorf("dumps %+v", c.Dumps)
	}
}

// TestParseArgsErrors pins every usage error: the message says what is
// wrong and what to write instead.
func TestParseArgsErrors(t *testing.T) {
	for _, tc := range []struct{ args, want string }{
		{"-d foo", `-d foo: unknown driver "foo" (known drivers: bridge, e1000, gif, gre, igb, igbvf, loop, tap, tun, vlan)`},
		{"-p ipv6", `-p ipv6: ipv6 needs ipv4 loaded first: put -p ipv4 before -p ipv6`},
		{"-p sctp", `-p sctp: unknown protocol "sctp" (known protocols: icmp, ipv4, ipv6, tcp, udp)`},
		{"-p ipv4 --ifconfig lo0=2001:db8::1/64", `--ifconfig lo0=2001:db8::1/64: IPv6 is not loaded: add -p ipv6`},
		{"-p ipv4 --ping 2001:db8::1", `--ping 2001:db8::1: IPv6 is not loaded: add -p ipv6`},
		{"-p ipv4 -p ipv6 --route 2001:db8::/32=198.18.0.1", `--route 2001:db8::/32=198.18.0.1: gateway 198.18.0.1 is not a unicast address of the destination's family`},
		{"-p ipv4 -p ipv6 --ping fe80::1%em9", `--ping fe80::1%em9: no interface em9 (interfaces: lo0; load one with -d)`},
		{"-d e1000", `-d e1000: missing pci=ADDR (the NIC's PCI address, such as pci=0000:00:02.0; 'vfio-bind list' shows them)`},
		{"-d e1000 pci=zz", `-d e1000 pci=zz: pci=zz: not a PCI address (want DOMAIN:BUS:DEV.FN such as 0000:00:02.0; 'vfio-bind list' shows them)`},
		{"-d e1000 pci=0000:00:02.0,mtux=1", `-d e1000 pci=0000:00:02.0,mtux=1: unknown option "mtux" (known: name, pci, mtu, mode, rxdescs, txdescs, promisc)`},
		{"-d e1000 pci=0000:00:02.0,mtu=9001", `-d e1000 pci=0000:00:02.0,mtu=9001: mtu=9001: want a number from 68 to 9000`},
		{"-d e1000 pci=0000:00:02.0,mode=fast", `-d e1000 pci=0000:00:02.0,mode=fast: mode=fast: want poll, interrupt or adaptive`},
		{"-d e1000 pci=0000:00:02.0,rxdescs=100", `-d e1000 pci=0000:00:02.0,rxdescs=100: rxdescs=100: want a power of two from 64 to 4096`},
		{"-d igbvf", `-d igbvf: missing pci=ADDR (the VF's PCI address, the PF's virtfnN link in sysfs; 'vfio-bind list' shows them)`},
		{"-d igbvf pci=0000:00:12.0,mac=01:00:5e:00:00:01", `-d igbvf pci=0000:00:12.0,mac=01:00:5e:00:00:01: mac=01:00:5e:00:00:01: want a unicast Ethernet address such as 02:00:5e:00:00:01`},
		{"-d igbvf pci=0000:00:12.0,queues=2", `-d igbvf pci=0000:00:12.0,queues=2: unknown option "queues" (known: name, pci, mac, mode, rxdescs, txdescs, mtu)`},
		{"-d e1000 pci=0000:00:02.0,promisc=maybe", `-d e1000 pci=0000:00:02.0,promisc=maybe: promisc=maybe: want on or off`},
		{"-d e1000 pci=0000:00:02.0,pci=0000:00:03.0", `-d e1000 pci=0000:00:02.0,pci=0000:00:03.0: option "pci" given twice`},
		{"-d e1000 pci=0000:00:02.0 -d e1000 pci=0000:00:02.0", `-d e1000 pci=0000:00:02.0: the device is already loaded as em0`},
		{"-d tap -d tap name=tap0", `-d tap name=tap0: interface tap0 already exists; give this one another name=`},
		{"-d loop name=lo0", `-d loop name=lo0: name=lo0: loopback interfaces are named lo1, lo2, ... (lo0 always exists)`},
		{"-d loop name=loop", `-d loop name=loop: name=loop: loopback interfaces are named lo1, lo2, ... (lo0 always exists)`},
		{"-d tap name=averyveryverylongname", `-d tap name=averyveryverylongname: name=averyveryverylongname: interface names are 1 to 15 bytes without '=', ',', '/' or spaces`},
		{"-d tap mac=01:00:5e:00:00:01", `-d tap mac=01:00:5e:00:00:01: mac=01:00:5e:00:00:01: want a unicast Ethernet address such as 02:00:5e:00:00:01`},
		{"-d tap ,=x", `-d tap ,=x: option "=x" has no name (want key=value)`},
		{"-d tap mtu=", `-d tap mtu=: option "mtu=" has no value (want mtu=VALUE)`},
		{"-p udp", `-p udp: udp needs ipv4 loaded first: put -p ipv4 before -p udp`},
		{"-p ipv4 -p ipv4", `-p ipv4: protocol ipv4 is loaded twice`},
		{"-p ipv4,arp=maybe", `-p ipv4,arp=maybe: arp=maybe: want on or off`},
		{"-p ipv4,ttl=0", `-p ipv4,ttl=0: ttl=0: want a number from 1 to 255`},
		{"-p ipv4,mtu=1", `-p ipv4,mtu=1: unknown option "mtu" (known: arp, forwarding, fastfwd, ttl, reasm-timeout)`},
		{"-p ipv4,reasm-timeout=0", `-p ipv4,reasm-timeout=0: reasm-timeout=0: want a positive duration such as 500ms or 2s`},
		{"-p ipv4 --ifconfig em0=198.18.0.2/24", `--ifconfig em0=198.18.0.2/24: no interface em0 (interfaces: lo0; load one with -d)`},
		{"-p ipv4 -d loop --ifconfig lo1=198.18.0.2", `--ifconfig lo1=198.18.0.2: "198.18.0.2" is not an address with a prefix length (want 198.18.0.2/24 or 2001:db8::2/64)`},
		{"-p ipv4 -d loop --ifconfig lo1", `--ifconfig lo1: want IFACE=ADDR/LEN such as em0=198.18.0.2/24`},
		{"-p ipv4 -d loop --ifconfig lo1=224.0.0.1/4", `--ifconfig lo1=224.0.0.1/4: 224.0.0.1 is not a unicast address`},
		{"-p ipv4 -d loop --ifconfig lo1=198.18.0.2/24 --ifconfig lo0=198.18.0.2/32", `--ifconfig lo0=198.18.0.2/32: 198.18.0.2 is already configured on lo1`},
		{"-d loop --ifconfig lo1=198.18.0.2/24", `--ifconfig lo1=198.18.0.2/24: IPv4 is not loaded: add -p ipv4`},
		{"-p ipv4 --route default", `--route default: want DEST=GATEWAY (default=198.18.0.1, 198.18.5.0/24=198.18.0.9) or DEST=IFACE`},
		{"-p ipv4 --route 198.18.5.1/24=198.18.0.9", `--route 198.18.5.1/24=198.18.0.9: destination 198.18.5.1/24 has host bits set (did you mean 198.18.5.0/24?)`},
		{"-p ipv4 --route default=em7", `--route default=em7: "em7" is neither a gateway address nor an interface`},
		{"-p ipv4 --route default=::1", `--route default=::1: gateway ::1 is not a unicast address of the destination's family`},
		{"-p ipv4 --arp 198.18.0.1=zz", `--arp 198.18.0.1=zz: zz: want a unicast Ethernet address such as 02:00:5e:00:00:01`},
		{"-p ipv4 --udp-echo 7", `--udp-echo 7: UDP is not loaded: add -p ipv4 -p udp`},
		{"-p ipv4 -p udp --udp-echo 70000", `--udp-echo 70000: want a port from 1 to 65535 (7 is the echo service, RFC 862)`},
		{"-p ipv4 -p udp --udp-echo 7 --udp-echo 7", `--udp-echo 7: port 7 given twice`},
		{"-p ipv4 --udp-sink 9", `--udp-sink 9: UDP is not loaded: add -p ipv4 -p udp`},
		{"-p ipv4 -p udp --udp-sink 20-10", `--udp-sink 20-10: want a port or a range FIRST-LAST from 1 to 65535, such as 20000-20099`},
		{"-p ipv4 -p udp --udp-sink 0", `--udp-sink 0: want a port or a range FIRST-LAST from 1 to 65535, such as 20000-20099`},
		{"-p ipv4 -p udp --udp-sink 9-x", `--udp-sink 9-x: want a port or a range FIRST-LAST from 1 to 65535, such as 20000-20099`},
		{"-p ipv4 -p udp --udp-echo 7 --udp-sink 5-9", `--udp-sink 5-9: port 7 is already a --udp-echo`},
		{"-p ipv4 -p udp --udp-sink 5-9 --udp-sink 9-12", `--udp-sink 9-12: overlaps --udp-sink 5-9`},
		{"--ping 198.18.0.1", `--ping 198.18.0.1: IPv4 is not loaded: add -p ipv4`},
		{"-p ipv4 --ping host", `--ping host: "host" is not an IPv4 or IPv6 address`},
		{"-p ipv4 --ping 198.18.0.1,count=0", `--ping 198.18.0.1,count=0: count=0: want a number from 1 to 1000000`},
		{"-p ipv4 --ping 198.18.0.1,interval=-1s", `--ping 198.18.0.1,interval=-1s: interval=-1s: want a positive duration such as 500ms or 2s`},
		{"-p ipv4 --ping 198.18.0.1,ttl=3", `--ping 198.18.0.1,ttl=3: unknown option "ttl" (known: count, size, interval, timeout)`},
		{"-p ipv4 --dump em0=x.pcap", `--dump em0=x.pcap: no interface em0 (interfaces: lo0; load one with -d)`},
		{"-p ipv4 --dump lo0", `--dump lo0: want IFACE=FILE.pcap[,FILTER] such as em0=/tmp/em0.pcap,udp port 7`},
		{"--buffers 10", `--buffers 10: want 64 to 1048576`},
		{"-d loop stray", `unexpected argument "stray" (driver options follow the driver name: -d e1000 pci=0000:00:02.0)`},
		{"--bogus", `unknown flag: --bogus`},
	} {
		_, err := parseArgs(args(tc.args), defaultRegistry())
		var ue *usageError
		if !errors.As(err, &ue) || err.Error() != tc.want {
			t.Errorf("parseArgs(%q):\n got %v\nwant %s", tc.args, err, tc.want)
		}
	}
}

func TestParseArgsFilterErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-p", "ipv4", "--filter", "pass udp"}, `--filter "pass udp": pf: line 1: flags, icmp-type, icmp6-type, keep state or no state, got "udp"`},
		{[]string{"--filter", "block in all"}, `--filter "block in all": the filter hooks IPv4: add -p ipv4`},
		{[]string{"-p", "ipv4", "--filter", "allow udp"}, `--filter "allow udp": a rule starts with drop (the example filter drops what matches and passes the rest)`},
		{[]string{"--filter", "drop udp"}, `--filter "drop udp": the filter hooks IPv4: add -p ipv4`},
		{[]string{"-p", "ipv4", "--dump", "lo0=x.pcap,udp prt 7"}, ""},
	} {
		_, err := parseArgs(tc.args, defaultRegistry())
		if tc.want == "" {
			if err == nil || !strings.HasPrefix(err.Error(), "--dump lo0=x.pcap,udp prt 7: ") {
				t.Errorf("%q: %v, want a filter syntax error", tc.args, err)
			}
			continue
		}
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\n got %v\nwant %s", tc.args, err, tc.want)
		}
	}
}

func TestParseFilter(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want filterArg
		err  string
	}{
		{in: "drop udp port 9", want: filterArg{Point: pfil.In, Rule: pfil.Rule{Proto: wire.IPProtocolUDP, Port: 9}}},
		{in: "drop out icmp to 198.18.0.1", want: filterArg{Point: pfil.Out, Rule: pfil.Rule{Proto: wire.IPProtocolICMP, Dst: netip.MustParsePrefix("198.18.0.1/32")}}},
		{in: "drop forward from 198.18.1.7/24 proto 47", want: filterArg{Point: pfil.Forward, Rule: pfil.Rule{Proto: 47, Src: netip.MustParsePrefix("198.18.1.0/24")}}},
		{in: "drop port 53 tcp", want: filterArg{Point: pfil.In, Rule: pfil.Rule{Proto: wire.IPProtocolTCP, Port: 53}}},
		{in: "drop", want: filterArg{Point: pfil.In}},
		{in: "", err: "a rule starts with drop (the example filter drops what matches and passes the rest)"},
		{in: "drop udp tcp", err: "protocol given twice"},
		{in: "drop in out", err: "direction given twice"},
		{in: "drop port", err: "port needs a port number"},
		{in: "drop port 0", err: "port 0: want a port from 1 to 65535"},
		{in: "drop proto 256", err: "proto 256: want a protocol number from 1 to 255"},
		{in: "drop from", err: "from needs an address or network (A.B.C.D or A.B.C.D/LEN)"},
		{in: "drop to 198.18.0.300", err: `to "198.18.0.300" is not an IPv4 address`},
		{in: "drop icmp port 7", err: "port only matches udp or tcp"},
		{in: "drop host 1.2.3.4", err: `unexpected "host" (want in, out, forward, udp, tcp, icmp, proto N, from NET, to NET or port N)`},
	} {
		got, err := parseFilter(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("parseFilter(%q): %v, want %s", tc.in, err, tc.err)
			}
			continue
		}
		tc.want.Text = tc.in
		if err != nil || got != tc.want {
			t.Errorf("parseFilter(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

// FuzzParseArgs: no command line panics the parser, and whatever parses
// names only interfaces that exist.
func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{
		"-d e1000 pci=0000:00:02.0 -p ipv4 -p udp --ifconfig em0=198.18.0.2/24 --udp-echo 7",
		"-d tap name=tap3,mtu=9000 -p ipv4,arp=off --arp 198.18.0.1=02:00:00:00:00:01 --route default=tap3",
		"-p ipv4 --filter drop\tudp\tport\t9 --ping 198.18.0.1,count=2",
		"-d loop -d loop name=lo7 --dump lo7=/x,ip",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseArgs(strings.Fields(s), defaultRegistry())
		if err != nil {
			if errors.Is(err, errHelp) {
				return
			}
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("%q: error %T is not a usage error: %v", s, err, err)
			}
			return
		}
		for _, a := range c.Addrs {
			if !c.hasIface(a.Iface) {
				t.Fatalf("%q: address on unknown interface %s", s, a.Iface)
			}
		}
		for _, d := range c.Dumps {
			if !c.hasIface(d.Iface) {
				t.Fatalf("%q: dump of unknown interface %s", s, d.Iface)
			}
		}
	})
}

// FuzzParseFilter: no rule text panics the filter parser; an accepted rule
// has a hook point and a port only with UDP, TCP or any protocol.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"drop udp port 9", "drop out icmp to 198.18.0.1", "drop forward from 198.18.1.0/24 proto 47", "drop port", "drop to 1.2.3.4/33"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseFilter(s)
		if err != nil {
			return
		}
		if a.Point > pfil.Forward {
			t.Fatalf("%q: hook point %v", s, a.Point)
		}
		if p := a.Rule.Proto; a.Rule.Port != 0 && p != 0 && p != wire.IPProtocolUDP && p != wire.IPProtocolTCP {
			t.Fatalf("%q: port with protocol %v", s, p)
		}
	})
}
