package echo_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/internal/echo"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// reply builds an echo reply of size data bytes after an 8-byte header,
// with the pattern, byte i replaced by bad when bad >= 0.
func reply(t *testing.T, p *mbuf.Pool, size, bad int) *mbuf.Buf {
	t.Helper()
	b, err := p.Get()
	if err != nil {
		t.Fatal(err)
	}
	d, err := b.Append(8 + size)
	if err != nil {
		t.Fatal(err)
	}
	echo.Fill(d[8:])
	if bad >= 0 {
		d[8+bad] ^= 0xff
	}
	return b
}

func TestTable(t *testing.T) {
	p := stacktest.NewPool(t, 16)
	var tb echo.Table
	tb.Init()
	if a, b := tb.NewID(), tb.NewID(); a == 0 || a == b {
		t.Fatalf("ids %d %d", a, b)
	}
	from := netip.MustParseAddr("198.18.0.2")
	w, err := tb.Wait(7, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Wait(7, 1, 100); !errors.Is(err, echo.ErrInUse) {
		t.Fatalf("second wait: %v, want ErrInUse", err)
	}
	// Wrong size, corrupted data, other sequence: ignored.
	for _, b := range []*mbuf.Buf{reply(t, p, 99, -1), reply(t, p, 100, 57)} {
		tb.Reply(b, 8, 7, 1, from, 64)
		b.Free()
	}
	b := reply(t, p, 100, -1)
	tb.Reply(b, 8, 7, 2, from, 64)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	if _, err := w.Result(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a bad reply was matched: %v", err)
	}
	cancel()
	tb.Reply(b, 8, 7, 1, from, 63)
	b.Free()
	r, err := w.Result(context.Background())
	if err != nil || r.From != from || r.Size != 100 || r.TTL != 63 {
		t.Fatalf("reply %+v %v", r, err)
	}
	w.Done()
	if p.InUse() != 0 {
		t.Errorf("pool: %d in use", p.InUse())
	}
	// Errors reach the waiter; after Done the key is free again.
	w, err = tb.Wait(7, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Done()
	boom := errors.New("unreachable")
	tb.Error(7, 1, from, boom)
	if _, err := w.Result(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("error: %v", err)
	}
}
