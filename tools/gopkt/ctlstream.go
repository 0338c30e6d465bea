package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/gopkt/gopkt/control"
	"github.com/gopkt/gopkt/pktdump"
	"github.com/gopkt/gopkt/stack/bpf/capture"
)

// ctlDump is the control socket's BPF: a capture tap on the interface
// (both directions, the filter run in-process) whose frames stream to the
// caller as a pcap file until Count frames or the caller hangs up. The tap
// copies frames and parks no mbuf, so a slow reader loses frames (counted
// by the tap as dropped), never buffers.
func (d *daemon) ctlDump(_ context.Context, args json.RawMessage) (string, func(context.Context, io.Writer) error, error) {
	var r control.DumpRequest
	if err := control.Decode(args, &r); err != nil {
		return "", nil, err
	}
	if r.Count < 0 || r.Snaplen < 0 {
		return "", nil, control.Errorf(control.ErrBadRequest, "count and snaplen must not be negative")
	}
	ifc, err := d.findIface(r.Iface)
	if err != nil {
		return "", nil, err
	}
	tap, err := capture.New(capture.Options{Filter: r.Filter, Snaplen: r.Snaplen})
	if err != nil {
		return "", nil, control.Errorf(control.ErrBadRequest, "filter %q: %v", r.Filter, err)
	}
	ifc.AddTap(tap)
	d.log.Info("control: capture started", "iface", r.Iface, "filter", r.Filter, "count", r.Count)
	run := func(ctx context.Context, w io.Writer) error {
		// The interface may be unmounted meanwhile: RemoveTap then finds
		// nothing, and the tap was already out of its path.
		stop := context.AfterFunc(ctx, func() { _ = tap.Close() })
		defer stop()
		res, err := pktdump.Run(ctx, tap, pktdump.Options{Count: r.Count, Snaplen: r.Snaplen, Pcap: w})
		ifc.RemoveTap(tap)
		_ = tap.Close()
		st := tap.Stats()
		d.log.Info("control: capture ended", "iface", r.Iface, "written", res.Packets, "seen", st.Seen, "dropped", st.Dropped)
		return err
	}
	return "pcap", run, nil
}

// ctlLogTail answers log without Follow: the last lines kept.
func (d *daemon) ctlLogTail(_ context.Context, args json.RawMessage) (any, error) {
	var r control.LogRequest
	if err := control.Decode(args, &r); err != nil {
		return nil, err
	}
	lines, _ := d.logs.tail(r.Lines, false)
	return lines, nil
}

// ctlLog streams the last lines and then every new one until the caller
// hangs up.
func (d *daemon) ctlLog(_ context.Context, args json.RawMessage) (string, func(context.Context, io.Writer) error, error) {
	var r control.LogRequest
	if err := control.Decode(args, &r); err != nil {
		return "", nil, err
	}
	run := func(ctx context.Context, w io.Writer) error {
		lines, ch := d.logs.tail(r.Lines, true)
		defer d.logs.unsubscribe(ch)
		for _, l := range lines {
			if _, err := io.WriteString(w, l); err != nil {
				return err
			}
		}
		for {
			select {
			case <-ctx.Done():
				return nil
			case l, ok := <-ch:
				if !ok {
					return nil
				}
				if _, err := io.WriteString(w, l); err != nil {
					return fmt.Errorf("log stream: %w", err)
				}
			}
		}
	}
	return "text", run, nil
}
