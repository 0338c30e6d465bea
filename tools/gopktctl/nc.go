package main

import (
	"context"
	"io"
)

// runNC: "nc ADDR:PORT", a TCP connection from the daemon's stack with
// stdin and stdout as its two directions (stdin's end is the FIN), as
// nc(1) does for the kernel's stack.
func runNC(ctx context.Context, c *cli, args []string) error {
	fs := verbFlags("nc")
	if err := parseVerb(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want one ADDR:PORT")
	}
	dctx, cancel := c.ctx(ctx)
	conn, err := c.c.DialTCP(dctx, fs.Arg(0))
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close()
	go func() {
		if _, err := io.Copy(conn, c.in); err == nil {
			_ = conn.CloseWrite()
		}
	}()
	_, err = io.Copy(c.out, conn)
	return err
}
