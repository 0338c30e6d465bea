package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/gopkt/gopkt/control"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // the daemon refused or failed the request, or it could not be reached
	exitUsage = 2
)

// cli is one invocation: the global flags and where output goes.
type cli struct {
	c       *control.Client
	json    bool
	timeout time.Duration
	in      io.Reader // nc's stdin
	out     io.Writer
	errOut  io.Writer
}

// verb is one row of the command table.
type verb struct {
	name, args, help string
	run              func(ctx context.Context, c *cli, args []string) error
}

func verbs() []verb {
	return []verb{
		{"ifconfig", "[IF [up|down] [add CIDR]... [del CIDR]...]", "list interfaces, or change one", runIfconfig},
		{"route", "[add|del DEST [via GW] [dev IF]]", "list the routing table, or add/delete a static route", runRoute},
		{"arp", "", "list the neighbour cache", runARP},
		{"netstat", "", "list the sockets (UDP, TCP)", runNetstat},
		{"stat", "[KIND|IF|PROTO]...", "every counter: interface, port, hardware, protocol, pool, budget, quotas", runStat},
		{"dump", "IF [-c N] [-f FILTER] [-w FILE|-]", "capture an interface to a pcap stream (gopktctl dump tap0 -c 100 | tshark -r -)", runDump},
		{"log", "[-n N] [-f]", "the daemon's log tail (-f follows)", runLog},
		{"mount", "-d DRIVER OPTIONS", "attach a driver at run time (mount -d tap linux=gpk0)", runMount},
		{"umount", "IF", "detach a driver's interface and close its device", runUmount},
		{"drivers", "", "list the drivers the daemon can mount", runDrivers},
		{"ping", "[-c N] [-i D] [-W D] [-s N] ADDR", "echo requests from the daemon's stack", runPing},
		{"proto", "[load NAME[,OPTIONS] | unload NAME]", "list protocols, or load/unload udp or tcp at run time", runProto},
		{"nc", "[-u] ADDR:PORT | [-u] -l [ADDR:]PORT", "a TCP connection or listener (-l), or UDP (-u), of the daemon's stack on stdin/stdout", runNC},
		{"get", "[-o FILE] URL", "HTTP GET by Go's net/http over the daemon's stack: status, bytes, time, SHA-256", runGet},
	}
}

// usageError is a mistake on the command line (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

func usage() string {
	var b strings.Builder
	b.WriteString("Usage: gopktctl [--socket PATH] [--json] VERB [ARGS]\n\nVerbs:\n")
	for _, v := range verbs() {
		fmt.Fprintf(&b, "  %-9s %-40s %s\n", v.name, v.args, v.help)
	}
	b.WriteString("\nGlobal flags:\n" + globalFlags(new(string), new(bool), new(time.Duration)).FlagUsages())
	return b.String()
}

func globalFlags(socket *string, js *bool, timeout *time.Duration) *pflag.FlagSet {
	fs := pflag.NewFlagSet("gopktctl", pflag.ContinueOnError)
	fs.SetInterspersed(false) // flags after the verb are the verb's
	fs.SetOutput(io.Discard)
	def := os.Getenv("GOPKT_SOCKET")
	if def == "" {
		def = control.DefaultPath
	}
	fs.StringVarP(socket, "socket", "S", def, "the daemon's control socket `PATH` (env GOPKT_SOCKET)")
	fs.BoolVar(js, "json", false, "print the daemon's answer as JSON")
	fs.DurationVar(timeout, "timeout", 10*time.Second, "give up on a request after `D` (not for dump -c 0 or log -f)")
	return fs
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var socket string
	c := &cli{in: os.Stdin, out: stdout, errOut: stderr}
	fs := globalFlags(&socket, &c.json, &c.timeout)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(stdout, usage())
			return exitOK
		}
		fmt.Fprintf(stderr, "gopktctl: %v\n%s", err, usage())
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprint(stderr, usage())
		return exitUsage
	}
	c.c = control.Dial(socket)
	name := fs.Arg(0)
	for _, v := range verbs() {
		if v.name != name {
			continue
		}
		err := v.run(ctx, c, fs.Args()[1:])
		var ue *usageError
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, pflag.ErrHelp):
			fmt.Fprintf(stdout, "Usage: gopktctl %s %s\n  %s\n", v.name, v.args, v.help)
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "gopktctl %s: %v\nUsage: gopktctl %s %s\n", name, err, v.name, v.args)
			return exitUsage
		default:
			fmt.Fprintf(stderr, "gopktctl %s: %v\n", name, err)
			return exitFail
		}
	}
	fmt.Fprintf(stderr, "gopktctl: unknown verb %q\n%s", name, usage())
	return exitUsage
}

// ctx bounds a request by --timeout.
func (c *cli) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	if c.timeout <= 0 {
		return context.WithCancel(parent)
	}
	return context.WithTimeout(parent, c.timeout)
}

// emit prints v as JSON (with --json) or calls table.
func (c *cli) emit(v any, table func(w io.Writer)) error {
	if c.json {
		e := json.NewEncoder(c.out)
		e.SetIndent("", "  ")
		return e.Encode(v)
	}
	table(c.out)
	return nil
}

// verbFlags is a flag set for one verb.
func verbFlags(name string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseVerb parses a verb's flags; a flag error is a usage error.
func parseVerb(fs *pflag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	return nil
}

// noArgs refuses arguments for verbs that take none.
func noArgs(name string, args []string) error {
	fs := verbFlags(name)
	if err := parseVerb(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
