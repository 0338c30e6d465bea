package network

import (
	"errors"
	"sync"
	"testing"
)

func TestTransports(t *testing.T) {
	var ts Transports[string]
	if _, ok := ts.Get(17); ok {
		t.Fatal("empty table serves 17")
	}
	attached := 0
	if taken, err := ts.Add(17, "udp", func() error { attached++; return nil }); taken || err != nil || attached != 1 {
		t.Fatalf("add udp: taken %v, %v, attached %d", taken, err, attached)
	}
	if taken, err := ts.Add(17, "other", func() error { attached++; return nil }); !taken || err != nil || attached != 1 {
		t.Fatalf("second add of 17: taken %v, %v, attach ran %d times (want no attach)", taken, err, attached)
	}
	boom := errors.New("boom")
	if taken, err := ts.Add(6, "tcp", func() error { return boom }); taken || !errors.Is(err, boom) {
		t.Fatalf("add with a failing attach: taken %v, %v", taken, err)
	}
	if _, ok := ts.Get(6); ok {
		t.Fatal("a transport whose attach failed is served")
	}
	_, _ = ts.Add(1, "icmp", nil)
	var seen []string
	ts.Each(func(p uint8, v string) { seen = append(seen, v) })
	if len(seen) != 2 || seen[0] != "icmp" || seen[1] != "udp" {
		t.Fatalf("Each: %q, want icmp then udp", seen)
	}
	if v, ok := ts.Remove(17); !ok || v != "udp" {
		t.Fatalf("remove 17: %q %v", v, ok)
	}
	if _, ok := ts.Remove(17); ok {
		t.Fatal("17 removed twice")
	}
	if v, ok := ts.Get(1); !ok || v != "icmp" {
		t.Fatalf("get 1 after removing 17: %q %v", v, ok)
	}
}

// TestTransportsConcurrent: the receive path's Get races with loads and
// unloads (run with -race).
func TestTransportsConcurrent(t *testing.T) {
	var ts Transports[*int]
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if v, ok := ts.Get(17); ok && *v != 17 {
				t.Error("Get returned a transport for another number")
				return
			}
		}
	}()
	n := 17
	for range 1000 {
		_, _ = ts.Add(17, &n, nil)
		ts.Remove(17)
	}
	close(stop)
	wg.Wait()
}
