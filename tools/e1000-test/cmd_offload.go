package main

import (
	"encoding/binary"
	"fmt"
	"net"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/spf13/pflag"
)

// offload sends IPv4 packets whose checksums the device must compute (UDP
// with IP and UDP checksum offload) and TCP packets it must segment (TSO),
// so a capture on another port can check what the device put on the wire.
// Addresses are from 198.18.0.0/15 (RFC 2544 benchmarking).
func offloadFlags(fs *pflag.FlagSet) func(c *ctx) error {
	count := fs.Int("count", 100, "packets of each kind")
	dstFlag := fs.String("dst", "ff:ff:ff:ff:ff:ff", "destination MAC address")
	payload := fs.Int("tso-payload", 8000, "TCP payload bytes per TSO packet")
	mss := fs.Int("mss", 1400, "TCP maximum segment size")
	tso := fs.Bool("tso", true, "also send TSO packets")
	return func(c *ctx) error {
		d := c.s.devs[0]
		hw, err := net.ParseMAC(*dstFlag)
		if err != nil || len(hw) != 6 {
			return fmt.Errorf("--dst %q: not a MAC address", *dstFlag)
		}
		if *mss < 64 || *mss > d.MTU()-40 || *payload < 1 || *payload > 60000 {
			return fmt.Errorf("--mss %d / --tso-payload %d: want 64..MTU-40 and 1..60000", *mss, *payload)
		}
		var dst [6]byte
		copy(dst[:], hw)
		if _, err := d.WaitLink(5 * time.Second); err != nil {
			return err
		}
		src := d.MAC()
		var one [1]*mbuf.Buf
		send := func(pkt []byte, m mbuf.Meta) error {
			var head, last *mbuf.Buf
			for off := 0; off < len(pkt); {
				b, err := c.s.pool.Get()
				if err != nil {
					if head != nil {
						head.Free()
					}
					return err
				}
				n := min(len(pkt)-off, mbuf.DataRoom)
				p, _ := b.Append(n)
				copy(p, pkt[off:off+n])
				off += n
				if head == nil {
					head = b
				} else {
					last.SetNext(b)
				}
				last = b
			}
			head.Meta = m
			one[0] = head
			for d.TxBurst(one[:]) == 0 {
				time.Sleep(100 * time.Microsecond)
			}
			return nil
		}
		for i := 0; i < *count; i++ {
			body := make([]byte, 200+i%700)
			for k := range body {
				body[k] = byte(i + k)
			}
			pkt := ipv4Packet(dst, src, 17, uint16(i), body)
			// Seed the UDP checksum with the pseudo header (length
			// included), as SDM §3.3.6 requires for TXSM.
			seedL4(pkt, 17, true)
			if err := send(pkt, mbuf.Meta{Flags: mbuf.FlagTxIPCsum | mbuf.FlagTxL4Csum | mbuf.FlagTxUDP, L2Len: 14, L3Len: 20, L4Len: 8}); err != nil {
				return err
			}
		}
		tsoCount := *count
		if !*tso {
			tsoCount = 0
		}
		for i := 0; i < tsoCount; i++ {
			body := make([]byte, *payload)
			for k := range body {
				body[k] = byte(i*3 + k)
			}
			pkt := ipv4Packet(dst, src, 6, uint16(0x4000+i), body)
			seedL4(pkt, 6, false) // TSO: pseudo header without the length (SDM §3.5.4)
			m := mbuf.Meta{Flags: mbuf.FlagTxTSO | mbuf.FlagTxIPCsum | mbuf.FlagTxL4Csum, L2Len: 14, L3Len: 20, L4Len: 20, MSS: uint16(*mss)}
			if err := send(pkt, m); err != nil {
				return err
			}
		}
		d.Drain(2 * time.Second)
		st := d.Stats()
		fmt.Fprintf(c.out, "offload: sent %d UDP checksum-offload and %d TSO packets (%d-byte payload, MSS %d); tx %d dropped %d\n",
			*count, tsoCount, *payload, *mss, st.TxPackets, st.TxDropped)
		if st.TxDropped > 0 {
			return fmt.Errorf("offload: the driver dropped %d requests", st.TxDropped)
		}
		return nil
	}
}

// ipv4Packet builds Ethernet + IPv4 (ID id, 198.18.0.1 -> 198.18.0.2) +
// UDP or TCP + body, with every checksum zero.
func ipv4Packet(dst, src [6]byte, proto byte, id uint16, body []byte) []byte {
	l4 := 20
	if proto == 17 {
		l4 = 8
	}
	p := make([]byte, 14+20+l4+len(body))
	copy(p, dst[:])
	copy(p[6:], src[:])
	binary.BigEndian.PutUint16(p[12:], 0x0800)
	ip := p[14:]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+l4+len(body)))
	binary.BigEndian.PutUint16(ip[4:], id)
	ip[8] = 64
	ip[9] = proto
	copy(ip[12:], []byte{198, 18, 0, 1})
	copy(ip[16:], []byte{198, 18, 0, 2})
	t := ip[20:]
	binary.BigEndian.PutUint16(t[0:], 40000)
	binary.BigEndian.PutUint16(t[2:], 9) // discard
	if proto == 6 {
		binary.BigEndian.PutUint32(t[4:], uint32(id)<<16)
		t[12] = 5 << 4
		t[13] = 0x18 // PSH ACK
		binary.BigEndian.PutUint16(t[14:], 65535)
	} else {
		binary.BigEndian.PutUint16(t[4:], uint16(8+len(body)))
	}
	copy(t[l4:], body)
	return p
}

// seedL4 writes the folded pseudo-header sum into the L4 checksum field,
// with or without the L4 length.
func seedL4(p []byte, proto byte, withLen bool) {
	ip := p[14:34]
	var s uint32
	for i := 12; i < 20; i += 2 {
		s += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	s += uint32(proto)
	if withLen {
		s += uint32(len(p) - 34)
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	off := 34 + 16
	if proto == 17 {
		off = 34 + 6
	}
	binary.BigEndian.PutUint16(p[off:], uint16(s))
}
