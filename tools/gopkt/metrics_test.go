package main

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestMetricsEndpoint scrapes --metrics over its Unix socket and parses
// the exposition with prometheus/common's parser: every family parses,
// and the values are the daemon's.
func TestMetricsEndpoint(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "metrics.sock")
	r := startRun([]string{"-d", "loop", "-p", "ipv4", "-p", "udp", "--ifconfig", "lo1=198.18.60.1/24", "--udp-sink", "9000",
		"--buffers", "512", "--metrics", "unix:" + sock, "--ping", "198.18.60.1,count=2,interval=50ms"}, env{})
	waitFor(t, &r.out, "--- 198.18.60.1 ping statistics ---", 10*time.Second)
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
	resp, err := hc.Get("http://gopkt/metrics")
	if err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("exposition does not parse: %v", err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("content type %q", ct)
	}
	get := func(name string, labels map[string]string) (float64, dto.MetricType, bool) {
		f := fams[name]
		if f == nil {
			return 0, 0, false
		}
	next:
		for _, m := range f.Metric {
			for k, v := range labels {
				found := false
				for _, lp := range m.Label {
					found = found || (lp.GetName() == k && lp.GetValue() == v)
				}
				if !found {
					continue next
				}
			}
			if f.GetType() == dto.MetricType_GAUGE {
				return m.GetGauge().GetValue(), f.GetType(), true
			}
			return m.GetCounter().GetValue(), f.GetType(), true
		}
		return 0, 0, false
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		typ    dto.MetricType
		min    float64
		exact  bool
	}{
		{"gopkt_pool_buffers", map[string]string{"pool": "gopkt"}, dto.MetricType_GAUGE, 512, true},
		{"gopkt_ipv4_icmp_in_echos_total", nil, dto.MetricType_COUNTER, 2, true},
		{"gopkt_ipv4_icmp_out_echo_reps_total", nil, dto.MetricType_COUNTER, 2, true},
		{"gopkt_ipv4_in_truncated_total", nil, dto.MetricType_COUNTER, 0, true},
		{"gopkt_ipv4_reasm_overlaps_total", nil, dto.MetricType_COUNTER, 0, true},
		{"gopkt_interface_in_packets_total", map[string]string{"iface": "lo0"}, dto.MetricType_COUNTER, 2, false},
		{"gopkt_quota_limit", map[string]string{"quota": "udp-rcvq"}, dto.MetricType_GAUGE, 1, false},
		{"gopkt_udp_no_ports_total", nil, dto.MetricType_COUNTER, 0, true},
	} {
		v, typ, ok := get(c.name, c.labels)
		switch {
		case !ok:
			t.Errorf("no %s%v", c.name, c.labels)
		case typ != c.typ:
			t.Errorf("%s is a %v, want %v", c.name, typ, c.typ)
		case c.exact && v != c.min, !c.exact && v < c.min:
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, v, c.min)
		}
	}
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s", code, r.errOut.String())
	}
}

func TestMetricsOnlyLoopback(t *testing.T) {
	for _, a := range []string{"198.18.0.1:9100", "0.0.0.0:9100", "localhost:9100"} {
		if _, err := metricsListen(a); err == nil {
			t.Errorf("--metrics %s accepted", a)
		}
	}
	ln, err := metricsListen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
}
