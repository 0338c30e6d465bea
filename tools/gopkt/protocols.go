package main

import (
	"fmt"
	"time"

	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/tcp"
	"github.com/gopkt/gopkt/stack/udp"
)

// protoSet is what the -p arguments asked for, as the stack's own option
// structs; build turns it into the protocol instances for stack.Options.
type protoSet struct {
	loaded []string // names in command-line order
	ipv4   *ipv4.Options
	ipv6   *ipv6.Options
	arpOff bool // ipv4 arp=off: every interface gets stack.FlagNoARP
	udp    *udp.Options
	tcp    *tcp.Options
}

func (p *protoSet) has(name string) bool {
	for _, n := range p.loaded {
		if n == name {
			return true
		}
	}
	return false
}

// built are the protocol instances of one stack.
type built struct {
	ip  *ipv4.IPv4
	ip6 *ipv6.IPv6
	udp *udp.UDP
	tcp *tcp.TCP
}

// build makes the protocols: IPv4 (ICMP is part of it) with UDP, TCP and
// extra (the tunnel modules) as transports.
func (p *protoSet) build(extra ...ipv4.Transport) (built, []stack.Protocol, error) {
	var b built
	if p.ipv4 == nil {
		return b, nil, nil
	}
	o := *p.ipv4
	if p.udp != nil {
		b.udp = udp.New(*p.udp)
		o.Transports = append(o.Transports, b.udp)
	}
	if p.tcp != nil {
		t, err := tcp.New(*p.tcp)
		if err != nil {
			return b, nil, err
		}
		b.tcp = t
		o.Transports = append(o.Transports, t)
	}
	o.Transports = append(o.Transports, extra...)
	b.ip = ipv4.New(o)
	protos := []stack.Protocol{b.ip}
	if p.ipv6 != nil {
		o6 := *p.ipv6
		if b.udp != nil {
			o6.Transports = append(o6.Transports, b.udp.V6())
		}
		if b.tcp != nil {
			o6.Transports = append(o6.Transports, b.tcp.V6())
		}
		b.ip6 = ipv6.New(o6)
		protos = append(protos, b.ip6)
	}
	return b, protos, nil
}

// ipv6Loader: -p ipv6[,forwarding=on][,fastfwd=off][,hlim=64][,reasm-timeout=60s]. IPv6 with
// ICMPv6 and neighbour discovery (RFC 8200, 4443, 4861) beside IPv4; UDP,
// when loaded, serves both. Every interface gets its link-local address.
// fastfwd=off: every forwarded packet takes the full path (stack/ipv6
// fastfwd.go).
var ipv6Loader = protoLoader{
	Name:  "ipv6",
	Usage: "[,forwarding=on][,fastfwd=off][,hlim=64][,reasm-timeout=60s]  IPv6 with ICMPv6 and neighbour discovery (RFC 8200, 4443, 4861)",
	Keys:  []string{"forwarding", "fastfwd", "hlim", "reasm-timeout"},
	Needs: "ipv4",
	Apply: func(o options, p *protoSet) error {
		fwd, err := o.onOff("forwarding", false)
		if err != nil {
			return err
		}
		fast, err := o.onOff("fastfwd", true)
		if err != nil {
			return err
		}
		hlim, err := o.intRange("hlim", 64, 1, 255)
		if err != nil {
			return err
		}
		reasm, err := o.duration("reasm-timeout", 60*time.Second)
		if err != nil {
			return err
		}
		p.ipv6 = &ipv6.Options{Forwarding: fwd, NoFastForward: !fast, DefaultHopLimit: uint8(hlim), ReassemblyTimeout: reasm}
		return nil
	},
}

// ipv4Loader: -p ipv4[,arp=off][,forwarding=on][,fastfwd=off][,ttl=N][,reasm-timeout=D].
// ARP belongs to IPv4 (DESIGN.md §1); arp=off marks every interface NOARP,
// so neighbours resolve only through --arp static entries. fastfwd=off
// sends every forwarded datagram through the full IP path instead of the
// flow cache (stack/ipv4 fastfwd.go). reasm-timeout is how long an
// incomplete datagram keeps its fragments (and its share of the reassembly
// quota).
var ipv4Loader = protoLoader{
	Name:  "ipv4",
	Usage: "[,arp=off][,forwarding=on][,fastfwd=off][,ttl=64][,reasm-timeout=30s]  IPv4 with ARP and ICMP (RFC 791, 826, 792)",
	Keys:  []string{"arp", "forwarding", "fastfwd", "ttl", "reasm-timeout"},
	Apply: func(o options, p *protoSet) error {
		arp, err := o.onOff("arp", true)
		if err != nil {
			return err
		}
		fwd, err := o.onOff("forwarding", false)
		if err != nil {
			return err
		}
		fast, err := o.onOff("fastfwd", true)
		if err != nil {
			return err
		}
		ttl, err := o.intRange("ttl", 64, 1, 255)
		if err != nil {
			return err
		}
		reasm, err := o.duration("reasm-timeout", 30*time.Second)
		if err != nil {
			return err
		}
		p.ipv4 = &ipv4.Options{Forwarding: fwd, NoFastForward: !fast, DefaultTTL: uint8(ttl), ReassemblyTimeout: reasm}
		p.arpOff = !arp
		return nil
	},
}

// udpLoader: -p udp[,queue=N][,rcvbuf=N][,buffers=N][,checksum=off]
// (RFC 768). queue and rcvbuf bound each socket's receive queue in mbufs
// and bytes, buffers all sockets together (the udp-rcvq quota of the mbuf
// budget; 0 is half of what may be parked).
var udpLoader = protoLoader{
	Name:  "udp",
	Usage: "[,queue=256][,rcvbuf=262144][,buffers=0][,checksum=off]  UDP sockets over IPv4 and, with -p ipv6, IPv6 (RFC 768)",
	Keys:  []string{"queue", "rcvbuf", "buffers", "checksum"},
	Needs: "ipv4",
	Apply: func(o options, p *protoSet) error {
		q, err := o.intRange("queue", 256, 1, 1<<16)
		if err != nil {
			return err
		}
		rcv, err := o.intRange("rcvbuf", 256<<10, 1, 1<<30)
		if err != nil {
			return err
		}
		bufs, err := o.intRange("buffers", 0, 0, 1<<24)
		if err != nil {
			return err
		}
		sum, err := o.onOff("checksum", true)
		if err != nil {
			return err
		}
		p.udp = &udp.Options{Queue: q, ReadBuffer: rcv, Buffers: bufs, NoChecksum: !sum}
		return nil
	},
}

// tcpLoader: -p tcp[,cc=cubic|newreno][,rcvbuf=N][,sndbuf=N][,buffers=N]
// [,backlog=N][,sack=off][,timestamps=off][,wscale=off] (RFC 9293).
// rcvbuf and sndbuf are each socket's buffers in bytes, buffers all
// receive queues together (the tcp-rcvq quota of the mbuf budget; 0 is a
// quarter of what may be parked).
var tcpLoader = protoLoader{
	Name:  "tcp",
	Usage: "[,cc=cubic][,rcvbuf=262144][,maxrcvbuf=4194304][,sndbuf=262144][,buffers=0][,backlog=128][,sack=off][,timestamps=off][,wscale=off]  TCP over IPv4 (RFC 9293); maxrcvbuf caps receive-window auto-tuning (at most rcvbuf: off)",
	Keys:  []string{"cc", "rcvbuf", "maxrcvbuf", "sndbuf", "buffers", "backlog", "sack", "timestamps", "wscale"},
	Needs: "ipv4",
	Apply: func(o options, p *protoSet) error {
		cc, _ := o.get("cc")
		if cc == "" {
			cc = "cubic"
		}
		if cc != "cubic" && cc != "newreno" {
			return fmt.Errorf("cc=%s: want cubic or newreno", cc)
		}
		rcv, err := o.intRange("rcvbuf", 256<<10, 1024, 1<<30)
		if err != nil {
			return err
		}
		// How far auto-tuning may grow a socket's window (tcp.Options
		// MaxReadBuffer): higher for a long fat path, rcvbuf or less to
		// keep every socket at rcvbuf on a host short of memory.
		maxRcv, err := o.intRange("maxrcvbuf", 4<<20, 1024, 1<<30)
		if err != nil {
			return err
		}
		snd, err := o.intRange("sndbuf", 256<<10, 1024, 1<<30)
		if err != nil {
			return err
		}
		bufs, err := o.intRange("buffers", 0, 0, 1<<24)
		if err != nil {
			return err
		}
		backlog, err := o.intRange("backlog", 128, 1, 1<<16)
		if err != nil {
			return err
		}
		sack, err := o.onOff("sack", true)
		if err != nil {
			return err
		}
		ts, err := o.onOff("timestamps", true)
		if err != nil {
			return err
		}
		ws, err := o.onOff("wscale", true)
		if err != nil {
			return err
		}
		p.tcp = &tcp.Options{Congestion: cc, ReadBuffer: rcv, MaxReadBuffer: maxRcv, WriteBuffer: snd, Buffers: bufs, Backlog: backlog,
			NoSACK: !sack, NoTimestamps: !ts, NoWindowScale: !ws}
		return nil
	},
}

// icmpLoader: -p icmp[,echo=off][,rate=N][,burst=N]. ICMP is built into
// IPv4 (RFC 1122 §3.2.2: every host implements it), so this only tunes it:
// the echo responder and the error rate limit (RFC 1812 §4.3.2.8).
var icmpLoader = protoLoader{
	Name:  "icmp",
	Usage: "[,echo=off][,rate=1000][,burst=50]  tunes ICMP, which IPv4 always carries (RFC 1122 §3.2.2)",
	Keys:  []string{"echo", "rate", "burst"},
	Needs: "ipv4",
	Apply: func(o options, p *protoSet) error {
		echo, err := o.onOff("echo", true)
		if err != nil {
			return err
		}
		rate, err := o.intRange("rate", 1000, 1, 1_000_000)
		if err != nil {
			return err
		}
		burst, err := o.intRange("burst", 50, 1, 1_000_000)
		if err != nil {
			return err
		}
		p.ipv4.DisableICMPEcho = !echo
		p.ipv4.ICMPRate, p.ipv4.ICMPBurst = rate, burst
		return nil
	},
}
