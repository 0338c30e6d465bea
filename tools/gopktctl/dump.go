package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gopkt/gopkt/control"
)

// runDump streams a capture as a pcap file to -w FILE or stdout (-w -),
// so "gopktctl dump tap0 -c 100 | tshark -r -" works. A filter is -f or
// the words after the interface, as tcpdump takes them.
func runDump(ctx context.Context, c *cli, args []string) error {
	fs := verbFlags("dump")
	count := fs.IntP("count", "c", 0, "stop after `N` frames (0: until interrupted)")
	filter := fs.StringP("filter", "f", "", "tcpdump-syntax `FILTER` (or give it after IF)")
	file := fs.StringP("write", "w", "-", "write the pcap to `FILE` (-: stdout)")
	snap := fs.IntP("snaplen", "s", 0, "keep at most `N` bytes of a frame (0: 262144)")
	if err := parseVerb(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("which interface? (gopktctl ifconfig lists them)")
	}
	req := control.DumpRequest{Iface: fs.Arg(0), Filter: *filter, Count: *count, Snaplen: *snap}
	if rest := fs.Args()[1:]; len(rest) > 0 {
		if req.Filter != "" {
			return usagef("a filter in -f and after the interface")
		}
		req.Filter = strings.Join(rest, " ")
	}
	var w io.Writer = c.out
	var f *os.File
	if *file != "-" {
		var err error
		if f, err = os.Create(*file); err != nil {
			return err
		}
		w = f
	} else if isTerminal(c.out) {
		return usagef("not writing a pcap file to a terminal: pipe it (| tshark -r -) or use -w FILE")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	// A pipe reader wants frames as they come: flush per write.
	n, err := c.c.Dump(ctx, req, &flushing{bw})
	err = errors.Join(err, bw.Flush())
	if f != nil {
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		return err
	}
	if c.json {
		out := c.errOut
		if f != nil {
			out = c.out
		}
		b, _ := json.Marshal(map[string]any{"iface": req.Iface, "file": *file, "bytes": n})
		fmt.Fprintf(out, "%s\n", b)
	} else if f != nil {
		fmt.Fprintf(c.errOut, "%d bytes of pcap written to %s\n", n, *file)
	}
	return nil
}

type flushing struct{ w *bufio.Writer }

func (f *flushing) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if err == nil {
		err = f.w.Flush()
	}
	return n, err
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// runLog prints the daemon's log tail; -f keeps following it.
func runLog(ctx context.Context, c *cli, args []string) error {
	fs := verbFlags("log")
	n := fs.IntP("lines", "n", 0, "the last `N` lines (0: all the daemon keeps, up to 1000)")
	follow := fs.BoolP("follow", "f", false, "keep printing new lines until interrupted")
	if err := parseVerb(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *follow {
		if c.json {
			return usagef("--json and -f: follow prints the log as text lines")
		}
		return c.c.FollowLog(ctx, *n, c.out)
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	lines, err := c.c.Log(ctx, *n)
	if err != nil {
		return err
	}
	return c.emit(lines, func(w io.Writer) {
		for _, l := range lines {
			io.WriteString(w, l)
		}
	})
}
