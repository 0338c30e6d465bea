package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/gopkt/gopkt/control"
)

// runIfconfig: no arguments lists (ip addr style); "IF" shows one; "IF up",
// "IF down", "IF add CIDR", "IF del CIDR" (also "addr add/del", in any
// combination) change it.
func runIfconfig(ctx context.Context, c *cli, args []string) error {
	fs := verbFlags("ifconfig")
	if err := parseVerb(fs, args); err != nil {
		return err
	}
	args = fs.Args()
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	if len(args) <= 1 {
		ifs, err := c.c.Interfaces(ctx)
		if err != nil {
			return err
		}
		if len(args) == 1 {
			var one []control.Interface
			for _, i := range ifs {
				if i.Name == args[0] {
					one = append(one, i)
				}
			}
			if one == nil {
				return fmt.Errorf("no interface %q", args[0])
			}
			ifs = one
		}
		return c.emit(ifs, func(w io.Writer) {
			for _, i := range ifs {
				printIface(w, i)
			}
		})
	}
	req := control.IfconfigRequest{Iface: args[0]}
	for rest := args[1:]; len(rest) > 0; {
		switch w := rest[0]; w {
		case "up":
			req.Up, rest = true, rest[1:]
		case "down":
			req.Down, rest = true, rest[1:]
		case "addr", "inet", "inet6":
			rest = rest[1:]
		case "add", "del", "delete":
			if len(rest) < 2 {
				return usagef("%s needs an address: %s 198.18.0.2/24", w, w)
			}
			if w == "add" {
				req.AddAddr = append(req.AddAddr, rest[1])
			} else {
				req.DelAddr = append(req.DelAddr, rest[1])
			}
			rest = rest[2:]
		default:
			return usagef("unexpected %q (want up, down, add CIDR or del CIDR)", w)
		}
	}
	if req.Up && req.Down {
		return usagef("up and down at once")
	}
	i, err := c.c.Ifconfig(ctx, req)
	if err != nil {
		return err
	}
	return c.emit(i, func(w io.Writer) { printIface(w, i) })
}

func printIface(w io.Writer, i control.Interface) {
	drv := ""
	if i.Driver != "" {
		drv = " driver " + i.Driver
	}
	fmt.Fprintf(w, "%d: %s: <%s> mtu %d link %s%s\n", i.Index, i.Name, strings.Join(i.Flags, ","), i.MTU, i.Link, drv)
	fmt.Fprintf(w, "    link/ether %s\n", i.MAC)
	for _, a := range i.Addrs {
		fam := "inet"
		if strings.Contains(a, ":") {
			fam = "inet6" // as ip addr
		}
		fmt.Fprintf(w, "    %s %s\n", fam, a)
	}
	v := map[string]uint64{}
	for _, c := range i.Counters {
		v[c.Name] = c.Value
	}
	fmt.Fprintf(w, "    RX: packets %d bytes %d multicast %d errors %d dropped %d unknown-proto %d\n",
		v["in_packets"], v["in_bytes"], v["in_multicast"], v["in_errors"], v["in_drops"], v["in_unknown_proto"])
	fmt.Fprintf(w, "    TX: packets %d bytes %d errors %d dropped %d link-down %d\n",
		v["out_packets"], v["out_bytes"], v["out_errors"], v["out_drops"], v["out_link_down"])
}
