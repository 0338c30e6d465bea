// Command tcpcheck is the Linux side of gopkt's TCP bulk check in the VM
// lane: it sends a deterministic pseudo-random stream through the kernel's
// TCP socket to an echo service (RFC 862), half-closes, reads the echo to
// EOF at the same time, and compares the SHA-256 of what it sent with the
// SHA-256 of what came back: the stream crossed the peer's receive path
// and its send path.
//
//	tcpcheck [--bytes 16777216] [--timeout 10m] ADDR:PORT
//
// It prints both digests, the byte counts and the throughput, and exits 0
// only when the echo is complete and intact.
package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"time"

	"github.com/spf13/pflag"
)

func main() {
	size := pflag.Int64("bytes", 16<<20, "bytes to send (and receive back)")
	timeout := pflag.Duration("timeout", 10*time.Minute, "deadline for the whole exchange")
	pflag.Parse()
	if pflag.NArg() != 1 || *size < 0 {
		fmt.Fprintln(os.Stderr, "usage: tcpcheck [--bytes N] [--timeout D] ADDR:PORT")
		os.Exit(2)
	}
	if err := run(pflag.Arg(0), *size, *timeout); err != nil {
		fmt.Fprintf(os.Stderr, "tcpcheck: %v\n", err)
		os.Exit(1)
	}
}

// stream is n pseudo-random bytes (a fixed seed: reproducible runs).
type stream struct {
	r    *rand.ChaCha8
	left int64
}

func (s *stream) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), s.left)]
	_, _ = s.r.Read(p)
	s.left -= int64(len(p))
	return len(p), nil
}

func run(addr string, size int64, timeout time.Duration) error {
	c, err := net.DialTimeout("tcp4", addr, 30*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	start := time.Now()
	type result struct {
		n   int64
		sum []byte
		at  time.Duration
		err error
	}
	sent := make(chan result, 1)
	go func() {
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(c, h), &stream{r: rand.NewChaCha8([32]byte{'g', 'o', 'p', 'k', 't'}), left: size})
		if err == nil {
			err = c.(*net.TCPConn).CloseWrite()
		}
		sent <- result{n, h.Sum(nil), time.Since(start), err}
	}()
	h := sha256.New()
	n, rerr := io.Copy(h, c)
	got := time.Since(start)
	s := <-sent
	fmt.Printf("tcpcheck: sent %d bytes sha256 %x in %v\n", s.n, s.sum, s.at.Round(time.Millisecond))
	fmt.Printf("tcpcheck: received %d bytes sha256 %x in %v\n", n, h.Sum(nil), got.Round(time.Millisecond))
	fmt.Printf("tcpcheck: %.2f MB/s each way\n", float64(size)/got.Seconds()/1e6)
	switch {
	case s.err != nil:
		return fmt.Errorf("send: %w", s.err)
	case rerr != nil:
		return fmt.Errorf("receive: %w", rerr)
	case n != size || string(h.Sum(nil)) != string(s.sum):
		return fmt.Errorf("echo differs: %d of %d bytes back", n, size)
	}
	fmt.Println("tcpcheck: echo intact")
	return nil
}
