package control

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newServer(t *testing.T) (*Server, *Client) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.sock")
	s, err := Listen(path, ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Handle("echo", func(_ context.Context, a json.RawMessage) (any, error) {
		var r RouteRequest
		if err := Decode(a, &r); err != nil {
			return nil, err
		}
		if r.Dest == "missing" {
			return nil, Errorf(ErrNotFound, "no %s", r.Dest)
		}
		return r, nil
	})
	ticks := make(chan struct{})
	s.HandleStream("ticks", func(_ context.Context, a json.RawMessage) (string, func(context.Context, io.Writer) error, error) {
		return "text", func(ctx context.Context, w io.Writer) error {
			defer close(ticks)
			for i := 0; ; i++ {
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(time.Millisecond):
				}
				if _, err := io.WriteString(w, "tick\n"); err != nil {
					return err
				}
			}
		}, nil
	})
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background()) }()
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return s, Dial(path)
}

func TestRoundTrip(t *testing.T) {
	_, c := newServer(t)
	ctx := context.Background()
	var got RouteRequest
	if err := c.Do(ctx, "echo", RouteRequest{Dest: "default", Iface: "em0"}, &got); err != nil || got.Dest != "default" || got.Iface != "em0" {
		t.Fatalf("echo: %+v %v", got, err)
	}
	err := c.Do(ctx, "echo", RouteRequest{Dest: "missing"}, nil)
	var oe *OpError
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &oe) || oe.Fix != "no missing" {
		t.Errorf("handler error: %v", err)
	}
	if err := c.Do(ctx, "echo", map[string]string{"bogus": "x"}, nil); !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("unknown field: %v", err)
	}
	if err := c.Do(ctx, "nope", nil, nil); !errors.Is(err, ErrUnknownVerb) {
		t.Errorf("unknown verb: %v", err)
	}
	// A stream the client ends: the server's handler sees ctx end.
	sctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	go func() {
		sc := bufio.NewScanner(pr)
		for n := 0; sc.Scan(); n++ {
			if n == 5 {
				cancel()
			}
		}
	}()
	format, n, err := c.Stream(sctx, "ticks", nil, pw)
	pw.Close()
	if err != nil || format != "text" || n < 5*5 {
		t.Errorf("stream: %q %d %v", format, n, err)
	}
}

func TestVersionAndGarbage(t *testing.T) {
	s, _ := newServer(t)
	for _, tc := range []struct{ send, code string }{
		{`{"v":2,"verb":"echo"}`, "version"},
		{`not json`, "bad-request"},
	} {
		conn, err := net.Dial("unix", s.Path())
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(conn, tc.send+"\n")
		var r Response
		if err := json.NewDecoder(conn).Decode(&r); err != nil || r.Error == nil || r.Error.Code != tc.code || r.V != Version {
			t.Errorf("%s: %+v %v", tc.send, r, err)
		}
		conn.Close()
	}
}

func TestListenRefusesLiveSocket(t *testing.T) {
	s, _ := newServer(t)
	if _, err := Listen(s.Path(), ServerOptions{}); !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "already serves") {
		t.Errorf("second Listen: %v", err)
	}
}

func TestCounters(t *testing.T) {
	type stats struct {
		InHdrErrors  uint64
		ICMPInEchos  uint64
		RxNoBuf      int
		Name         string
		TxForeign    uint32
		unexported   uint64
		IPv4Fragment uint64
	}
	got := Counters(stats{InHdrErrors: 1, ICMPInEchos: 2, RxNoBuf: 3, Name: "x", TxForeign: 4, unexported: 5, IPv4Fragment: 6})
	want := []Counter{{"in_hdr_errors", 1}, {"icmp_in_echos", 2}, {"rx_no_buf", 3}, {"tx_foreign", 4}, {"ipv4_fragment", 6}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: got %v want %v", i, got[i], want[i])
		}
	}
}
