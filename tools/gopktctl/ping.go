package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopkt/gopkt/control"
)

// errNoReply is ping's failure: no echo request was answered (exit 1, as
// iputils ping).
var errNoReply = errors.New("no reply")

// runPing: "ping [-c N] [-i D] [-W D] [-s N] ADDR", an echo from the
// daemon's stack, printed as iputils ping prints.
func runPing(ctx context.Context, c *cli, args []string) error {
	fs := verbFlags("ping")
	count := fs.IntP("count", "c", 3, "echo requests to send (at most 100)")
	interval := fs.DurationP("interval", "i", time.Second, "time between requests")
	wait := fs.DurationP("timeout", "W", 2*time.Second, "how long each request waits for its reply")
	size := fs.IntP("size", "s", 56, "data bytes per request")
	if err := parseVerb(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want one address")
	}
	// The request lasts about count intervals: extend --timeout by that.
	if c.timeout > 0 {
		c.timeout += time.Duration(*count)*(*interval) + *wait
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	r, err := c.c.Ping(ctx, control.PingRequest{Dst: fs.Arg(0), Count: *count, Size: *size,
		IntervalMS: int(*interval / time.Millisecond), TimeoutMS: int(*wait / time.Millisecond)})
	if err != nil {
		return err
	}
	if err := c.emit(r, func(w io.Writer) { printPing(w, r) }); err != nil {
		return err
	}
	if r.Received == 0 {
		return fmt.Errorf("%w from %s", errNoReply, r.Dst)
	}
	return nil
}

func printPing(w io.Writer, r control.PingResult) {
	for _, p := range r.Replies {
		switch {
		case p.Error == "timeout":
			fmt.Fprintf(w, "no reply from %s for icmp_seq=%d\n", r.Dst, p.Seq)
		case p.Error != "":
			fmt.Fprintf(w, "From %s icmp_seq=%d %s\n", p.From, p.Seq, p.Error)
		default:
			fmt.Fprintf(w, "%d bytes from %s: icmp_seq=%d ttl=%d time=%.3f ms\n", p.Bytes, p.From, p.Seq, p.TTL, p.RTTMS)
		}
	}
	loss := 0
	if r.Transmitted > 0 {
		loss = 100 * (r.Transmitted - r.Received) / r.Transmitted
	}
	fmt.Fprintf(w, "--- %s ping statistics ---\n%d packets transmitted, %d received, %d%% packet loss\n", r.Dst, r.Transmitted, r.Received, loss)
}
