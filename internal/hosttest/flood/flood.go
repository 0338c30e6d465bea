package flood

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Plan is one hostile network's attack, sent from the Linux end of the
// flood link (Dev, address Src) to the target's address Target on it.
type Plan struct {
	Dev, Src, Target string
	Duration         time.Duration // of the whole attack
	// FirstPort and Ports: UDP datagrams go to ports FirstPort to
	// FirstPort+Ports-1, which the target binds and never reads, UDPRate
	// per second: first 400 small ones to FirstPort (past a socket's 256
	// mbufs), then 300 large ones to the next port (past its 256 KiB),
	// then round robin.
	FirstPort, Ports, UDPRate int
	// FwdPrefix is a prefix routed through the target to a link where
	// nobody answers ARP; FwdRate datagrams per second go to its hosts
	// (all but the first two addresses, the network and the target).
	FwdPrefix string
	FwdRate   int
	// Frags incomplete datagrams over the run, spread evenly: sixteen
	// 1480-byte pieces each, the last never sent.
	Frags int
	// ARPRate broadcast ARP requests per second: three of four for other
	// addresses from forged senders, every fourth for the target.
	ARPRate int
	// Delay holds back every flood but the UDP one (which fills the
	// sockets first).
	Delay time.Duration
}

// Sent is what Plan.Send sent: datagrams, incomplete datagrams (16 pieces
// each) and ARP frames. Frames the kernel refused for a full queue
// (ENOBUFS, EAGAIN) count as sent: the flood does not wait for them.
type Sent struct {
	Ports, Forward, Frags, ARP int
}

// String is the one-line summary tests log.
func (s Sent) String() string {
	return fmt.Sprintf("%d datagrams to unread ports, %d to forward to silent next hops, %d incomplete datagrams, %d ARP frames",
		s.Ports, s.Forward, s.Frags, s.ARP)
}

// Send runs the plan's floods concurrently until its duration is over.
// It must run inside the namespace that holds Dev (its sockets belong to
// the caller's namespace).
func (p Plan) Send() (Sent, error) {
	end := time.Now().Add(p.Duration)
	var s Sent
	var errs [4]error
	floods := []struct {
		n     *int
		delay time.Duration
		fn    func(end time.Time) (int, error)
	}{
		{&s.Ports, 0, p.floodPorts},
		{&s.Forward, p.Delay, p.floodForward},
		{&s.Frags, p.Delay, p.floodFragments},
		{&s.ARP, p.Delay, p.floodARP},
	}
	var wg sync.WaitGroup
	for i, f := range floods {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(f.delay)
			*f.n, errs[i] = f.fn(end)
		}()
	}
	wg.Wait()
	return s, errors.Join(errs[:]...)
}

// paced calls send(i) at rate per second until end, in 1 ms steps; a
// sender that falls behind catches up at most 10 ms worth per step, so
// the flood ends on time. A full kernel queue (ENOBUFS, EAGAIN) drops the
// frame.
func paced(rate int, end time.Time, send func(i int) error) (int, error) {
	start := time.Now()
	n := 0
	for now := start; now.Before(end); now = time.Now() {
		due := min(int(now.Sub(start).Seconds()*float64(rate)), n+rate/100+1)
		for ; n < due; n++ {
			if err := send(n); err != nil && err != syscall.ENOBUFS && err != syscall.EAGAIN {
				return n, err
			}
		}
		time.Sleep(time.Millisecond)
	}
	return n, nil
}

// udpSocket is a non-blocking kernel UDP socket: a flood that finds the
// TAP queue full drops instead of waiting, so it ends on time.
func udpSocket() (int, error) {
	return unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK, 0)
}

func sendUDP(fd int, msg []byte, to netip.AddrPort) error {
	return unix.Sendto(fd, msg, 0, &unix.SockaddrInet4{Addr: to.Addr().As4(), Port: int(to.Port())})
}

func (p Plan) floodPorts(end time.Time) (int, error) {
	fd, err := udpSocket()
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	small, large := make([]byte, 16), make([]byte, 1400)
	target, err := netip.ParseAddr(p.Target)
	if err != nil {
		return 0, err
	}
	return paced(p.UDPRate, end, func(i int) error {
		port, msg := p.FirstPort+(i-700)%p.Ports, small
		switch {
		case i < 400:
			port = p.FirstPort
		case i < 700:
			port, msg = p.FirstPort+1, large
		}
		return sendUDP(fd, msg, netip.AddrPortFrom(target, uint16(port)))
	})
}

func (p Plan) floodForward(end time.Time) (int, error) {
	pfx, err := netip.ParsePrefix(p.FwdPrefix)
	if err != nil {
		return 0, err
	}
	fd, err := udpSocket()
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	base := binary.BigEndian.Uint32(pfx.Masked().Addr().AsSlice())
	hosts := uint32(1)<<(32-pfx.Bits()) - 2
	msg := make([]byte, 64)
	return paced(p.FwdRate, end, func(i int) error {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], base+2+uint32(i)%(hosts-1)) // .0 is the network, .1 the target
		return sendUDP(fd, msg, netip.AddrPortFrom(netip.AddrFrom4(b), 9))
	})
}

// floodFragments sends p.Frags datagrams as sixteen 1480-byte fragments
// each, offsets 0 to 22200 with More Fragments set: the last piece never
// comes (RFC 791 §3.2). Sixteen pieces, so that the datagrams reassembly
// keeps in progress need far more buffers than its quota even when most
// frames are lost on the way (the TAP queue drops under the flood):
// otherwise the cap on datagrams binds first.
func (p Plan) floodFragments(end time.Time) (int, error) {
	src, err1 := netip.ParseAddr(p.Src)
	dst, err2 := netip.ParseAddr(p.Target)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_NONBLOCK, unix.IPPROTO_RAW) // IP_HDRINCL implied
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	s4, d4 := src.As4(), dst.As4()
	pkt := make([]byte, 1500)
	sa := &unix.SockaddrInet4{Addr: d4}
	const pieces = 16
	left := time.Until(end)
	if left <= 0 || p.Frags <= 0 {
		return 0, nil
	}
	rate := max(1, int(int64(pieces*p.Frags)*int64(time.Second)/int64(left)))
	n, err := paced(rate, end, func(i int) error {
		if i >= pieces*p.Frags {
			return nil
		}
		id, piece := uint16(i/pieces), i%pieces
		pkt[0], pkt[1] = 0x45, 0
		binary.BigEndian.PutUint16(pkt[2:], 1500)
		binary.BigEndian.PutUint16(pkt[4:], id)
		binary.BigEndian.PutUint16(pkt[6:], 0x2000|uint16(piece*1480/8)) // MF
		pkt[8], pkt[9] = 64, unix.IPPROTO_UDP
		pkt[10], pkt[11] = 0, 0 // the kernel fills in the checksum
		copy(pkt[12:16], s4[:])
		copy(pkt[16:20], d4[:])
		return unix.Sendto(fd, pkt, 0, sa)
	})
	return min(n, pieces*p.Frags) / pieces, err
}

// floodARP broadcasts ARP requests (RFC 826) on a packet socket: three of
// four for addresses in the link's /24 that are not the target's, from
// forged senders (a neighbour cache must not grow from them), every fourth
// for the target from the real sender (each one answered).
func (p Plan) floodARP(end time.Time) (int, error) {
	src, err1 := netip.ParseAddr(p.Src)
	dst, err2 := netip.ParseAddr(p.Target)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	ifi, err := net.InterfaceByName(p.Dev)
	if err != nil {
		return 0, err
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_NONBLOCK, int(htons(unix.ETH_P_ARP)))
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	bcast := [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	sa := &unix.SockaddrLinklayer{Ifindex: ifi.Index, Protocol: htons(unix.ETH_P_ARP), Halen: 6}
	copy(sa.Addr[:], bcast[:])
	s4, d4 := src.As4(), dst.As4()
	f := make([]byte, 14+28)
	return paced(p.ARPRate, end, func(i int) error {
		var sha [6]byte
		spa, tpa := s4, d4
		copy(sha[:], ifi.HardwareAddr)
		if i%4 != 0 {
			sha = [6]byte{0x02, 0xee, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
			spa = [4]byte{s4[0], s4[1], s4[2], byte(100 + rand.N(100))}
			tpa = [4]byte{d4[0], d4[1], d4[2], byte(3 + rand.N(90))}
			if tpa == d4 {
				tpa[3]++
			}
		}
		copy(f[0:6], bcast[:])
		copy(f[6:12], sha[:])
		binary.BigEndian.PutUint16(f[12:], unix.ETH_P_ARP)
		a := f[14:]
		binary.BigEndian.PutUint16(a[0:], 1)      // hardware: Ethernet
		binary.BigEndian.PutUint16(a[2:], 0x0800) // protocol: IPv4
		a[4], a[5] = 6, 4
		binary.BigEndian.PutUint16(a[6:], 1) // request
		copy(a[8:14], sha[:])
		copy(a[14:18], spa[:])
		clear(a[18:24])
		copy(a[24:28], tpa[:])
		return unix.Sendto(fd, f, 0, sa)
	})
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }
