package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/proto"

	"github.com/gopkt/gopkt/control"
)

// The Prometheus endpoint (--metrics ADDR): the counters of gopktctl stat
// (counterGroups) in the text exposition format, rendered by
// prometheus/common's expfmt, at /metrics. Off by default; it listens on
// a loopback address or a Unix socket only, since it has no
// authentication. Names are gopkt_KIND_COUNTER with the group's labels
// (gopkt_port_rx_packets_total{iface="em0"}); protocol counters are
// gopkt_PROTO_COUNTER (gopkt_ipv4_in_truncated_total). Levels (in use,
// limits, peaks) are gauges, everything else counters with _total.

// gaugeNames are the counters that are levels, not event counts.
var gaugeNames = []string{"in_use", "limit", "peak", "parked", "reserve", "cap", "buffers", "curr_estab"}

// metricsListen checks and opens --metrics: "unix:PATH" or a loopback
// HOST:PORT.
func metricsListen(addr string) (net.Listener, error) {
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		if fi, err := os.Lstat(path); err == nil && fi.Mode().Type() == os.ModeSocket {
			_ = os.Remove(path)
		}
		return net.Listen("unix", path)
	}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, fmt.Errorf("want 127.0.0.1:PORT, [::1]:PORT or unix:PATH: %w", err)
	}
	if !ap.Addr().IsLoopback() {
		return nil, fmt.Errorf("%v is not a loopback address: the endpoint has no authentication, so it listens on loopback or a Unix socket only", ap.Addr())
	}
	return net.Listen("tcp", addr)
}

// startMetrics serves /metrics until stop.
func (d *daemon) startMetrics() error {
	if d.cfg.Metrics == "" {
		return nil
	}
	ln, err := metricsListen(d.cfg.Metrics)
	if err != nil {
		return fmt.Errorf("--metrics %s: %w", d.cfg.Metrics, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", string(expfmt.NewFormat(expfmt.TypeTextPlain)))
		for _, mf := range metricFamilies(d.counterGroups()) {
			if _, err := expfmt.MetricFamilyToText(w, mf); err != nil {
				return
			}
		}
	})
	d.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		if err := d.metrics.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.log.Error("metrics: serve", "err", err)
		}
	}()
	d.log.Info("metrics endpoint listening", "addr", ln.Addr().String())
	return nil
}

func (d *daemon) stopMetrics() error {
	if d.metrics == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return d.metrics.Shutdown(ctx)
}

// metricFamilies turns counter groups into metric families, sorted by
// name, one metric per group.
func metricFamilies(gs []control.Group) []*dto.MetricFamily {
	fams := map[string]*dto.MetricFamily{}
	for _, g := range gs {
		prefix := "gopkt_" + g.Kind + "_"
		labels := g.Labels
		if g.Kind == "protocol" {
			prefix = "gopkt_" + g.Labels["proto"] + "_"
			labels = nil
		}
		var lp []*dto.LabelPair
		for _, k := range sortedLabelKeys(labels) {
			lp = append(lp, &dto.LabelPair{Name: proto.String(k), Value: proto.String(labels[k])})
		}
		for _, c := range g.Counters {
			typ, name := dto.MetricType_COUNTER, prefix+c.Name+"_total"
			if slices.Contains(gaugeNames, c.Name) {
				typ, name = dto.MetricType_GAUGE, prefix+c.Name
			}
			f := fams[name]
			if f == nil {
				f = &dto.MetricFamily{Name: proto.String(name), Type: typ.Enum(),
					Help: proto.String(fmt.Sprintf("%s of the %s counters (gopktctl stat %s)", c.Name, g.Kind, g.Kind))}
				fams[name] = f
			}
			m := &dto.Metric{Label: lp}
			if typ == dto.MetricType_GAUGE {
				m.Gauge = &dto.Gauge{Value: proto.Float64(float64(c.Value))}
			} else {
				m.Counter = &dto.Counter{Value: proto.Float64(float64(c.Value))}
			}
			f.Metric = append(f.Metric, m)
		}
	}
	out := make([]*dto.MetricFamily, 0, len(fams))
	for _, f := range fams {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GetName() < out[j].GetName() })
	return out
}

func sortedLabelKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
