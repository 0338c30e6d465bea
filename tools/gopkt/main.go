package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	code := run(ctx, usr1, os.Args[1:], os.Stdout, os.Stderr, env{})
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // setup failed, a ping got no reply, or shutdown found a leak
	exitUsage = 2
)

// lockedWriter serialises writes from the services, so lines never mix.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// run is the whole command: parse, start, wait for ctx to end (SIGINT or
// SIGTERM), printing the status whenever status fires (SIGUSR1), then print
// the status and stop. e supplies the PCI host (VFIO unless a test replaces
// it).
func run(ctx context.Context, status <-chan os.Signal, args []string, stdout, stderr io.Writer, e env) int {
	reg := e.reg
	if reg == nil {
		reg = defaultRegistry()
	}
	cfg, err := parseArgs(args, reg)
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, usage(reg))
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "gopkt: %v\nrun 'gopkt -h' for the syntax\n", err)
		return exitUsage
	}
	out := &lockedWriter{w: stdout}
	if cfg.Verbose {
		cfg.LogLevel = slog.LevelDebug
	}
	e.out = out
	e.reg = reg
	e.logs = newLogRing(stderr, 1000)
	e.log = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: cfg.LogLevel}))

	d := newDaemon(cfg, e)
	if err := d.start(ctx); err != nil {
		fmt.Fprintf(stderr, "gopkt: %v\n", err)
		return exitFail
	}
	if cfg.DropCaps {
		kept, err := dropCaps() // privs.go
		if err != nil {
			fmt.Fprintf(stderr, "gopkt: --drop-caps: %v\n", err)
			_ = d.stop()
			return exitFail
		}
		e.log.Info("capabilities dropped", "kept", kept)
	}
	fmt.Fprintf(out, "gopkt: running (%d interfaces); SIGUSR1 prints the status, SIGINT or SIGTERM stops\n", len(d.s.Interfaces()))
	for wait := true; wait; {
		select {
		case <-ctx.Done():
			wait = false
		case <-status:
			d.status(out)
		}
	}
	fmt.Fprintln(out, "gopkt: stopping")
	d.status(out)
	if err := d.stop(); err != nil {
		fmt.Fprintf(stderr, "gopkt: %v\n", err)
		return exitFail
	}
	fmt.Fprintln(out, "gopkt: stopped cleanly")
	return exitOK
}

func usage(reg *registry) string {
	var c config
	var r rawArgs
	fs := newFlagSet(&c, &r)
	return "Usage: gopkt -d DRIVER OPTIONS... -p PROTOCOL[,OPTIONS]... [flags]\n\n" +
		"Example: gopkt -d e1000 pci=0000:00:02.0 -p ipv4 -p udp --ifconfig em0=198.18.0.2/24 --udp-echo 7\n\n" +
		fs.FlagUsages() + "\n" + reg.help()
}
