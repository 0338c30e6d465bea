package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/gopkt/gopkt/pktdump"
	"github.com/gopkt/gopkt/stack/bpf"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("pktdump", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	iface := fs.StringP("interface", "i", "", "Linux interface to capture on")
	read := fs.StringP("read", "r", "", "read frames from a pcap file instead of an interface")
	write := fs.StringP("write", "w", "", "write a pcap file instead of printing summaries (- for stdout)")
	count := fs.IntP("count", "c", 0, "stop after this many frames (0: until interrupted)")
	snaplen := fs.IntP("snaplen", "s", 0, "bytes kept per frame (0: 262144)")
	noPromisc := fs.BoolP("no-promiscuous-mode", "p", false, "do not put the interface into promiscuous mode")
	dump := fs.BoolP("dump", "d", false, "print the compiled BPF program for the filter and exit")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: pktdump [-i IFACE | -r FILE] [-w FILE] [-c N] [-s SNAPLEN] [-p] [-d] [FILTER EXPRESSION]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			return 0
		}
		fmt.Fprintln(stderr, "pktdump:", err)
		fs.Usage()
		return 2
	}
	expr := strings.Join(fs.Args(), " ")
	if *snaplen < 0 {
		fmt.Fprintln(stderr, "pktdump: -s must be 0 or positive")
		return 2
	}
	prog, err := bpf.Compile(expr, bpf.LinkEthernet, uint32(*snaplen))
	if err != nil {
		fmt.Fprintln(stderr, "pktdump:", err)
		return 2
	}
	if *dump {
		for i, in := range prog {
			fmt.Fprintf(stdout, "(%03d) %v\n", i, in)
		}
		return 0
	}
	var src pktdump.Source
	switch {
	case *iface != "" && *read != "":
		fmt.Fprintln(stderr, "pktdump: -i and -r exclude each other")
		return 2
	case *read != "":
		f, err := pktdump.OpenFile(*read, expr)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		src = f
	case *iface != "":
		a, err := pktdump.OpenAFPacket(*iface, pktdump.AFPacketOptions{Program: prog, Snaplen: *snaplen, NoPromisc: *noPromisc})
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		src = a
	default:
		fmt.Fprintln(stderr, "pktdump: no source: pass -i IFACE (see `ip link`) or -r FILE")
		return 2
	}
	defer src.Close()

	opts := pktdump.Options{Count: *count, Snaplen: *snaplen}
	var out *bufio.Writer
	switch *write {
	case "":
		out = bufio.NewWriter(stdout)
		opts.Summary = out
	case "-":
		out = bufio.NewWriter(stdout)
		opts.Pcap = out
	default:
		f, err := os.Create(*write)
		if err != nil {
			fmt.Fprintln(stderr, "pktdump:", err)
			return 1
		}
		defer f.Close()
		out = bufio.NewWriter(f)
		opts.Pcap = out
	}
	snap := *snaplen
	if snap == 0 {
		snap = bpf.DefaultSnaplen
	}
	if *iface != "" {
		fmt.Fprintf(stderr, "pktdump: listening on %s, link-type EN10MB (Ethernet), snapshot length %d bytes\n", *iface, snap)
	}
	res, err := pktdump.Run(ctx, src, opts)
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = ferr
	}
	fmt.Fprintf(stderr, "%d packets captured\n", res.Packets)
	if a, ok := src.(*pktdump.AFPacket); ok {
		if recv, drop, serr := a.Stats(); serr == nil {
			fmt.Fprintf(stderr, "%d packets received by filter\n%d packets dropped by kernel\n", recv, drop)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
