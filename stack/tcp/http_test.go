package tcp_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestHTTP runs net/http's server and client, unmodified, over two of our
// stacks: the server on B's listener, the client dialing from A.
func TestHTTP(t *testing.T) {
	n := newNet2(t, netOpts{})
	l, err := n.B.Listen("tcp", "198.18.0.2:80")
	if err != nil {
		t.Fatal(err)
	}
	body := blob(9, 3<<20)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			h := sha256.New()
			_, _ = io.Copy(h, r.Body)
			_, _ = w.Write(h.Sum(nil))
			return
		}
		http.ServeContent(w, r, "blob", time.Time{}, bytes.NewReader(body))
	})}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return n.A.DialContext(ctx, network, addr)
	}}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	for range 3 { // keep-alive: the same connection serves several requests
		resp, err := cl.Get("http://198.18.0.2/blob")
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("GET: %d bytes, %v", len(got), err)
		}
	}
	resp, err := cl.Post("http://198.18.0.2/up", "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := sha256.Sum256(body)
	if !bytes.Equal(sum, want[:]) {
		t.Fatalf("POST digest %x, want %x", sum, want)
	}
}
