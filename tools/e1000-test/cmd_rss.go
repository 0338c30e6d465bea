package main

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/gopkt/gopkt/drivers/igb"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/spf13/pflag"
)

// rss receives on every queue of an 82576 (--queues N) and shows, for each
// flow it sees, the hash and RSS type the device wrote into the receive
// descriptor, the Toeplitz hash computed here from the frame with the
// port's key (igb.FlowHash, 82576 datasheet §7.1.2.8), the queue the
// redirection table names for it and the queue it arrived on. A flow
// whose device hash or queue disagrees with the software is an error.

func rssFlags(fs *pflag.FlagSet) func(c *ctx) error {
	dur := fs.Duration("duration", 10*time.Second, "how long to receive (0: until --flows or ^C)")
	want := fs.Int("flows", 0, "stop after this many distinct flows (0: --duration)")
	return func(c *ctx) error {
		if len(c.s.igbs) != 1 {
			return fmt.Errorf("rss: one 82576 (igb) port")
		}
		return igbRSS(c, *dur, *want)
	}
}

// rssFlow is one flow as rss saw it first, and how many frames it had.
type rssFlow struct {
	key           string
	dev, sw       uint32
	devTy, swTy   igb.HashType
	queue, retaQ  int
	frames        int
	hashed, agree bool
}

func igbRSS(c *ctx, dur time.Duration, want int) error {
	d := c.s.igbs[0]
	nq := d.Queues()
	key, fields := d.Key()
	reta := d.RETA()
	fmt.Fprintf(c.out, "rss: %d queues, key % x..., hashed fields %#x (MRQC)\n", nq, key[:8], fields)
	flows := map[string]*rssFlow{}
	var order []*rssFlow
	var bad, other int
	bufs := make([]*mbuf.Buf, 32)
	cache := c.s.pool.NewCache(256)
	defer cache.Flush()
	for qi := range nq {
		_ = d.Queue(qi).SetRxCache(cache)
		defer func() { _ = d.Queue(qi).SetRxCache(nil) }()
	}
	start := c.clock()
	for !c.stopped() && (dur == 0 || c.clock().Sub(start) < dur) && (want == 0 || len(flows) < want) {
		got := 0
		for qi := range nq {
			n := d.Queue(qi).RxBurst(bufs)
			got += n
			for _, b := range bufs[:n] {
				f := b.Bytes()
				k, ok := flowKey(f)
				if !ok {
					other++
					continue
				}
				fl := flows[k]
				if fl == nil {
					sw, swTy := igb.FlowHash(key[:], fields, f)
					fl = &rssFlow{key: k, dev: b.Meta.Hash, devTy: igb.HashType(b.Meta.HashType), sw: sw, swTy: swTy, queue: qi}
					fl.hashed = swTy != igb.HashNone
					fl.retaQ = reta.Queue(sw)
					fl.agree = !fl.hashed || fl.dev == sw && fl.devTy == swTy && (nq == 1 || fl.retaQ == qi)
					if !fl.agree {
						bad++
					}
					flows[k] = fl
					order = append(order, fl)
					fmt.Fprintf(c.out, "rss: %s: device %#08x %v, software %#08x %v, RETA queue %d, arrived on %d%s\n",
						k, fl.dev, fl.devTy, fl.sw, fl.swTy, fl.retaQ, qi, map[bool]string{true: "", false: "  MISMATCH"}[fl.agree])
				}
				fl.frames++
			}
			cache.Free(bufs[:n])
		}
		if got == 0 {
			time.Sleep(200 * time.Microsecond)
		}
	}
	perQ := make([]int, nq)
	for _, fl := range order {
		perQ[fl.queue]++
	}
	slices.SortFunc(order, func(a, b *rssFlow) int { return a.queue - b.queue })
	fmt.Fprintf(c.out, "rss: %d flows (flows per queue %v), %d frames not IPv4/IPv6; %d flows whose device hash or queue differs from the software\n", len(flows), perQ, other, bad)
	if bad > 0 {
		return fmt.Errorf("rss: %d of %d flows: the device's hash, type or queue differs from the Toeplitz hash computed here", bad, len(flows))
	}
	return nil
}

// flowKey names an IPv4 or IPv6 frame's flow: addresses, protocol and, for
// TCP and UDP, ports (no extension headers followed).
func flowKey(f []byte) (string, bool) {
	if len(f) < 14 {
		return "", false
	}
	et := binary.BigEndian.Uint16(f[12:])
	var src, dst netip.Addr
	var proto byte
	var l4 []byte
	switch {
	case et == 0x0800 && len(f) >= 34:
		ihl := int(f[14]&0x0f) * 4
		if ihl < 20 || len(f) < 14+ihl {
			return "", false
		}
		src, dst = netip.AddrFrom4([4]byte(f[26:30])), netip.AddrFrom4([4]byte(f[30:34]))
		proto, l4 = f[23], f[14+ihl:]
	case et == 0x86dd && len(f) >= 54:
		src, dst = netip.AddrFrom16([16]byte(f[22:38])), netip.AddrFrom16([16]byte(f[38:54]))
		proto, l4 = f[20], f[54:]
	default:
		return "", false
	}
	name := map[byte]string{6: "tcp", 17: "udp"}[proto]
	if name != "" && len(l4) >= 4 {
		sp, dp := binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
		return fmt.Sprintf("%s %v > %v", name, netip.AddrPortFrom(src, sp), netip.AddrPortFrom(dst, dp)), true
	}
	return fmt.Sprintf("proto %d %v > %v", proto, src, dst), true
}
