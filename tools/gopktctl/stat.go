package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gopkt/gopkt/control"
)

// runStat prints every counter group (nicinfo and netstat -s in one),
// or the groups whose kind or any label value matches an argument
// ("tap0", "ipv4", "quota", "hardware").
func runStat(ctx context.Context, c *cli, args []string) error {
	fs := verbFlags("stat")
	nonzero := fs.BoolP("nonzero", "z", false, "leave out counters that are 0")
	if err := parseVerb(fs, args); err != nil {
		return err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	st, err := c.c.Stats(ctx)
	if err != nil {
		return err
	}
	if sel := fs.Args(); len(sel) > 0 {
		st.Groups = slices.DeleteFunc(st.Groups, func(g control.Group) bool {
			for _, s := range sel {
				if g.Kind == s {
					return false
				}
				for _, v := range g.Labels {
					if v == s {
						return false
					}
				}
			}
			return true
		})
	}
	if *nonzero {
		for i := range st.Groups {
			st.Groups[i].Counters = slices.DeleteFunc(st.Groups[i].Counters, func(c control.Counter) bool { return c.Value == 0 })
		}
	}
	return c.emit(st, func(w io.Writer) {
		for _, g := range st.Groups {
			var ls []string
			for _, k := range sortedKeys(g.Labels) {
				ls = append(ls, k+"="+g.Labels[k])
			}
			fmt.Fprintf(w, "%s %s:\n", g.Kind, strings.Join(ls, " "))
			width := 0
			for _, c := range g.Counters {
				width = max(width, len(c.Name))
			}
			for _, c := range g.Counters {
				fmt.Fprintf(w, "  %-*s %d\n", width, c.Name, c.Value)
			}
		}
	})
}
