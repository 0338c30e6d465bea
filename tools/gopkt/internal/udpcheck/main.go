// Command udpcheck is the Linux side of gopkt's UDP echo check in the VM
// lane: it sends datagrams of several sizes (some larger than the MTU, so
// Linux fragments them and the echo comes back fragmented) through the
// kernel's UDP socket to an echo service and checks every reply byte for
// byte. Busybox's nc has no UDP mode, hence this helper.
//
//	udpcheck [--sizes 1,100,1472,3000,8000] [--rounds 3] [--flows 1] [--timeout 3s] ADDR:PORT
//
// With --flows N it does the whole check from N sockets, one source port
// each (N flows for a receive-side-scaling NIC to spread). It prints one
// line per datagram and exits 0 only when every echo came back intact.
package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

func main() {
	sizes := pflag.String("sizes", "1,100,1472,3000,8000", "payload sizes in bytes, comma separated")
	rounds := pflag.Int("rounds", 3, "times each size is sent")
	timeout := pflag.Duration("timeout", 3*time.Second, "wait for each echo")
	flows := pflag.Int("flows", 1, "sockets (source ports) the check runs from, one after another")
	pflag.Parse()
	if pflag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: udpcheck [--sizes LIST] [--rounds N] [--flows N] [--timeout D] ADDR:PORT")
		os.Exit(2)
	}
	var list []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 65507 {
			fmt.Fprintf(os.Stderr, "udpcheck: size %q: want 0 to 65507\n", s)
			os.Exit(2)
		}
		list = append(list, n)
	}
	var ok, total int
	var err error
	for range max(1, *flows) {
		o, t, e := check(pflag.Arg(0), list, *rounds, *timeout)
		ok, total, err = ok+o, total+t, cmp(err, e)
	}
	fmt.Printf("udpcheck: %d of %d echoes intact\n", ok, total)
	if err != nil || ok != total {
		fmt.Fprintf(os.Stderr, "udpcheck: %v\n", err)
		os.Exit(1)
	}
}

// check sends each size rounds times, each payload a distinct pattern, and
// compares the echoes.
func check(addr string, sizes []int, rounds int, timeout time.Duration) (ok, total int, err error) {
	c, err := net.Dial("udp", addr) // IPv4 or IPv6, as the address is
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	buf := make([]byte, 65536)
	var firstErr error
	for r := range rounds {
		for i, size := range sizes {
			total++
			msg := make([]byte, size)
			for j := range msg {
				msg[j] = byte(j*7 + i + r*31)
			}
			if _, err := c.Write(msg); err != nil {
				firstErr = cmp(firstErr, err)
				continue
			}
			_ = c.SetReadDeadline(time.Now().Add(timeout))
			n, err := c.Read(buf)
			switch {
			case err != nil:
				fmt.Printf("udpcheck: %d bytes: %v\n", size, err)
				firstErr = cmp(firstErr, err)
			case !bytes.Equal(buf[:n], msg):
				fmt.Printf("udpcheck: %d bytes: echo differs (%d bytes back)\n", size, n)
				firstErr = cmp(firstErr, fmt.Errorf("echo of %d bytes differs", size))
			default:
				fmt.Printf("udpcheck: %d bytes: echo intact\n", size)
				ok++
			}
		}
	}
	return ok, total, firstErr
}

func cmp(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
