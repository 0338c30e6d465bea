package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/gopkt/gopkt/pktdump"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/bpf/capture"
)

// dump is one --dump: a capture tap on an interface (both directions)
// whose frames pktdump.Run writes to a pcap file.
type dump struct {
	arg  dumpArg
	ifc  *stack.Interface
	tap  *capture.Tap
	file *os.File
	w    *bufio.Writer
	done chan struct{}
	res  pktdump.Result
	err  error
}

func startDump(ifc *stack.Interface, a dumpArg, log *slog.Logger) (*dump, error) {
	tap, err := capture.New(capture.Options{Filter: a.Filter})
	if err != nil {
		return nil, fmt.Errorf("--dump %s: %w", a.Iface, err)
	}
	f, err := os.Create(a.File)
	if err != nil {
		_ = tap.Close()
		return nil, fmt.Errorf("--dump %s=%s: %w (pick a writable path)", a.Iface, a.File, err)
	}
	dp := &dump{arg: a, ifc: ifc, tap: tap, file: f, w: bufio.NewWriterSize(f, 64<<10), done: make(chan struct{})}
	ifc.AddTap(tap)
	go func() {
		defer close(dp.done)
		// The tap ends Run: Close lets it drain what was captured, then
		// Read reports capture.ErrClosed. No context cancel, so nothing
		// captured before stop is lost.
		dp.res, dp.err = pktdump.Run(context.Background(), tap, pktdump.Options{Pcap: dp.w})
	}()
	log.Info("dump started", "iface", a.Iface, "file", a.File, "filter", a.Filter)
	return dp, nil
}

// stop detaches the tap, waits for the writer to drain it, flushes and
// closes the file, and reports what was written.
func (dp *dump) stop(out io.Writer) error {
	dp.ifc.RemoveTap(dp.tap)
	_ = dp.tap.Close()
	<-dp.done
	err := errors.Join(dp.err, dp.w.Flush(), dp.file.Close())
	st := dp.tap.Stats()
	fmt.Fprintf(out, "dump %s: %d packets written to %s (seen %d, accepted %d, dropped %d)\n",
		dp.arg.Iface, dp.res.Packets, dp.arg.File, st.Seen, st.Accepted, st.Dropped)
	if err != nil {
		return fmt.Errorf("--dump %s=%s: %w", dp.arg.Iface, dp.arg.File, err)
	}
	return nil
}
