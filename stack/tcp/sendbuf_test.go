package tcp_test

import (
	"io"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/tcp"
)

// TestSendBufferLazy: a connection holds no send buffer until it writes,
// and none once its FIN is acknowledged (FIN_WAIT_2, TIME_WAIT), so a
// server's many short or idle connections do not each pin SO_SNDBUF
// bytes; a socket that writes again after SetWriteBuffer gets the new size.
func TestSendBufferLazy(t *testing.T) {
	n := newNet2(t, netOpts{TCP: tcp.Options{WriteBuffer: 1 << 20}})
	c, s := n.connect(t)
	defer s.Close()
	if c.SendBufferHeldForTest() || s.SendBufferHeldForTest() {
		t.Fatal("a send buffer before any write")
	}
	msg := []byte("hello")
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	if !c.SendBufferHeldForTest() {
		t.Fatal("no send buffer after a write")
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(s, got); err != nil || string(got) != "hello" {
		t.Fatalf("read %q, %v", got, err)
	}
	if err := c.SetWriteBuffer(4096); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(make([]byte, 10000)); err != nil { // more than the buffer: it cycles
		t.Fatal(err)
	}
	if _, err := io.ReadFull(s, make([]byte, 10000)); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(got); err != io.EOF {
		t.Fatalf("server read %v, want EOF", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.State() != tcp.FinWait2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if st := c.State(); st != tcp.FinWait2 {
		t.Fatalf("client in %v, want FIN_WAIT_2", st)
	}
	if c.SendBufferHeldForTest() {
		t.Error("FIN_WAIT_2 still holds the send buffer")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for c.State() != tcp.TimeWait && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if st := c.State(); st != tcp.TimeWait {
		t.Fatalf("client in %v, want TIME_WAIT", st)
	}
	if c.SendBufferHeldForTest() || s.SendBufferHeldForTest() {
		t.Error("a send buffer after both FINs were acknowledged")
	}
	c.Close()
}
