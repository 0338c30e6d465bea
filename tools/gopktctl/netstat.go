package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
)

// runNetstat lists the sockets as netstat -an does.
func runNetstat(ctx context.Context, c *cli, args []string) error {
	if err := noArgs("netstat", args); err != nil {
		return err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	ss, err := c.c.Sockets(ctx)
	if err != nil {
		return err
	}
	return c.emit(ss, func(w io.Writer) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "Proto\tRecv-Q\tSend-Q\tLocal Address\tForeign Address\tState")
		for _, s := range ss {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\n", s.Proto, s.RecvQ, s.SendQ, s.Local, s.Remote, s.State)
		}
		_ = tw.Flush()
	})
}
