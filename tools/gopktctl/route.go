package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/gopkt/gopkt/control"
)

// runRoute: no arguments lists; "add|del DEST [via GW] [dev IF]" changes.
func runRoute(ctx context.Context, c *cli, args []string) error {
	fs := verbFlags("route")
	if err := parseVerb(fs, args); err != nil {
		return err
	}
	args = fs.Args()
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	if len(args) == 0 {
		rs, err := c.c.Routes(ctx)
		if err != nil {
			return err
		}
		return c.emit(rs, func(w io.Writer) {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "Destination\tGateway\tIface\tMetric\tKind")
			for _, r := range rs {
				gw, dst := r.Gateway, r.Dest
				if gw == "" {
					gw = "-"
				}
				if dst == "0.0.0.0/0" {
					dst = "default"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", dst, gw, r.Iface, r.Metric, r.Kind)
			}
			_ = tw.Flush()
		})
	}
	op := args[0]
	if (op != "add" && op != "del" && op != "delete") || len(args) < 2 {
		return usagef("want: route add|del DEST [via GW] [dev IF]")
	}
	req := control.RouteRequest{Dest: args[1]}
	for rest := args[2:]; len(rest) > 0; rest = rest[2:] {
		if len(rest) < 2 {
			return usagef("%q needs a value", rest[0])
		}
		switch rest[0] {
		case "via", "gw":
			req.Gateway = rest[1]
		case "dev":
			req.Iface = rest[1]
		default:
			return usagef("unexpected %q (want via GW or dev IF)", rest[0])
		}
	}
	var err error
	if op == "add" {
		err = c.c.AddRoute(ctx, req)
	} else {
		err = c.c.DeleteRoute(ctx, req)
	}
	if err != nil {
		return err
	}
	return c.emit(map[string]any{"ok": true, "op": op, "route": req}, func(io.Writer) {})
}

func runARP(ctx context.Context, c *cli, args []string) error {
	if err := noArgs("arp", args); err != nil {
		return err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	ns, err := c.c.Neighbours(ctx)
	if err != nil {
		return err
	}
	return c.emit(ns, func(w io.Writer) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "Address\tHWaddress\tIface\tState\tQueued")
		for _, n := range ns {
			mac := n.MAC
			if mac == "" {
				mac = "(incomplete)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", n.Addr, mac, n.Iface, n.State, n.Queued)
		}
		_ = tw.Flush()
	})
}
