package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/gopkt/gopkt/control"
)

// runMount: "mount -d DRIVER OPTIONS" (or "mount DRIVER OPTIONS"), the
// driver's options as after gopkt's -d.
func runMount(ctx context.Context, c *cli, args []string) error {
	fs := verbFlags("mount")
	drv := fs.StringP("driver", "d", "", "the driver to attach (gopktctl drivers lists them)")
	if err := parseVerb(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if *drv == "" {
		if len(rest) == 0 {
			return usagef("which driver? (mount -d tap linux=gpk1)")
		}
		*drv, rest = rest[0], rest[1:]
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	i, err := c.c.Mount(ctx, control.MountRequest{Driver: *drv, Options: strings.Join(rest, ",")})
	if err != nil {
		return err
	}
	return c.emit(i, func(w io.Writer) { printIface(w, i) })
}

func runUmount(ctx context.Context, c *cli, args []string) error {
	fs := verbFlags("umount")
	if err := parseVerb(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want one interface")
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	if err := c.c.Umount(ctx, fs.Arg(0)); err != nil {
		return err
	}
	return c.emit(map[string]any{"ok": true, "unmounted": fs.Arg(0)}, func(w io.Writer) {})
}

func runDrivers(ctx context.Context, c *cli, args []string) error {
	if err := noArgs("drivers", args); err != nil {
		return err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	ds, err := c.c.Drivers(ctx)
	if err != nil {
		return err
	}
	return c.emit(ds, func(w io.Writer) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, d := range ds {
			fmt.Fprintf(tw, "%s\t%s\n", d.Name, d.Usage)
		}
		_ = tw.Flush()
	})
}
