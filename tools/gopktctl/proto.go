package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/gopkt/gopkt/control"
)

// runProto: "proto" lists the protocols; "proto load NAME[,OPTIONS]" and
// "proto unload NAME" change the running stack (udp, tcp).
func runProto(ctx context.Context, c *cli, args []string) error {
	fs := verbFlags("proto")
	if err := parseVerb(fs, args); err != nil {
		return err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	switch a := fs.Args(); {
	case len(a) == 0:
		ps, err := c.c.Protocols(ctx)
		if err != nil {
			return err
		}
		return c.emit(ps, func(w io.Writer) {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PROTO\tSTATE\tSOCKETS\tSERVICES")
			for _, p := range ps {
				state := "-"
				if p.Loaded {
					state = "loaded"
				}
				if !p.Runtime {
					state += " (fixed)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", p.Name, state, p.Sockets, strings.Join(p.Services, ", "))
			}
			_ = tw.Flush()
		})
	case a[0] == "load" && len(a) >= 2:
		name, opts, _ := strings.Cut(strings.Join(a[1:], ","), ",")
		p, err := c.c.Load(ctx, control.LoadRequest{Proto: name, Options: opts})
		if err != nil {
			return err
		}
		return c.emit(p, func(w io.Writer) {
			fmt.Fprintf(w, "%s loaded; services: %s\n", p.Name, strings.Join(p.Services, ", "))
		})
	case a[0] == "unload" && len(a) == 2:
		if err := c.c.Unload(ctx, a[1]); err != nil {
			return err
		}
		return c.emit(map[string]any{"ok": true, "unloaded": a[1]}, func(w io.Writer) {})
	}
	return usagef("want: proto [load NAME[,OPTIONS] | unload NAME]")
}
