// Command udpflood is bench/wifi's UDP load for the data-plane comparison,
// built into the guest: "send" writes datagrams of one size to an address
// as fast as the socket takes them for a while, "sink" counts what reaches
// a port on Linux's own sockets (the mac80211 station's side; gopkt's
// station counts with wlan connect --udp-sink).
//
//	udpflood send ADDR:PORT [-size 1400] [-duration 5s]
//	udpflood sink PORT [-idle 2s] [-max 60s]
//
// send prints "udpflood: sent N datagrams, E refused (ENOBUFS) in D"; sink
// prints "udpflood: received N datagrams, B bytes in D" (D from the first
// datagram to the last), once no datagram came for -idle.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: udpflood send ADDR:PORT [-size N] [-duration D] | udpflood sink PORT [-idle D] [-max D]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "send":
		err = send(os.Args[2], os.Args[3:])
	case "sink":
		err = sink(os.Args[2], os.Args[3:])
	default:
		err = fmt.Errorf("unknown mode %q: want send or sink", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "udpflood:", err)
		os.Exit(1)
	}
}

func send(addr string, args []string) error {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	size := fs.Int("size", 1400, "UDP payload bytes")
	dur := fs.Duration("duration", 5*time.Second, "how long to send")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := net.Dial("udp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	buf := make([]byte, *size)
	var sent, refused int
	start := time.Now()
	for time.Since(start) < *dur {
		for range 64 {
			buf[0], buf[1] = byte(sent>>8), byte(sent)
			if _, err := c.Write(buf); err != nil {
				if errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ECONNREFUSED) {
					// The radio's queue is full (or an ICMP error came
					// back): let it drain.
					refused++
					time.Sleep(100 * time.Microsecond)
					continue
				}
				return err
			}
			sent++
		}
	}
	fmt.Printf("udpflood: sent %d datagrams, %d refused (ENOBUFS) in %v\n", sent, refused, time.Since(start).Round(time.Millisecond))
	return nil
}

func sink(port string, args []string) error {
	fs := flag.NewFlagSet("sink", flag.ContinueOnError)
	idle := fs.Duration("idle", 2*time.Second, "stop after no datagram for this long")
	maxd := fs.Duration("max", 60*time.Second, "stop after this long in any case")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := net.ListenPacket("udp", ":"+port)
	if err != nil {
		return err
	}
	defer c.Close()
	if uc, ok := c.(*net.UDPConn); ok {
		_ = uc.SetReadBuffer(4 << 20)
	}
	fmt.Println("udpflood: listening")
	buf := make([]byte, 65536)
	var n, bytes int
	var first, last time.Time
	end := time.Now().Add(*maxd)
	for time.Now().Before(end) {
		wait := *idle
		if n == 0 {
			wait = time.Until(end)
		}
		_ = c.SetReadDeadline(time.Now().Add(wait))
		k, _, err := c.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				break
			}
			return err
		}
		last = time.Now()
		if n == 0 {
			first = last
		}
		n++
		bytes += k
	}
	fmt.Printf("udpflood: received %d datagrams, %d bytes in %v\n", n, bytes, last.Sub(first).Round(time.Millisecond))
	return nil
}
