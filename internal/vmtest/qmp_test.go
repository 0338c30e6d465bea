package vmtest

import (
	"bufio"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeQMP serves one connection the way QEMU does (docs/interop/qmp-spec):
// greeting, then a reply per command, with an event before some replies.
func fakeQMP(t *testing.T, sock string, got chan<- string) {
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer l.Close()
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.Write([]byte(`{"QMP": {"version": {"qemu": {"micro": 5, "minor": 2, "major": 7}}, "capabilities": ["oob"]}}` + "\r\n"))
		sc := bufio.NewScanner(c)
		for sc.Scan() {
			var req struct {
				Execute   string          `json:"execute"`
				Arguments json.RawMessage `json:"arguments"`
			}
			json.Unmarshal(sc.Bytes(), &req)
			got <- req.Execute + " " + string(req.Arguments)
			switch req.Execute {
			case "qmp_capabilities":
				c.Write([]byte(`{"return": {}}` + "\r\n"))
			case "set_link":
				c.Write([]byte(`{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "NIC_RX_FILTER_CHANGED", "data": {"name": "nic0"}}` + "\r\n"))
				c.Write([]byte(`{"return": {}}` + "\r\n"))
			case "human-monitor-command":
				c.Write([]byte(`{"return": "hub 0\r\n \\ p0: index=0,type=hub\r\n"}` + "\r\n"))
			default:
				c.Write([]byte(`{"error": {"class": "CommandNotFound", "desc": "The command ` + req.Execute + ` has not been found"}}` + "\r\n"))
			}
		}
	}()
}

func TestMonitor(t *testing.T) {
	dir, err := os.MkdirTemp("", "qmp")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "q.sock")
	got := make(chan string, 10)
	// The server comes up after the client starts dialing, as QEMU does.
	go func() { time.Sleep(100 * time.Millisecond); fakeQMP(t, sock, got) }()
	m, err := dialMonitor(sock, time.Now().Add(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if s := <-got; s != "qmp_capabilities " {
		t.Errorf("first command %q", s)
	}
	if err := m.SetLink("nic0", false); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != `set_link {"name":"nic0","up":false}` {
		t.Errorf("set_link sent %q", s)
	}
	if ev := m.Events(); len(ev) != 1 || ev[0].Event != "NIC_RX_FILTER_CHANGED" || m.Events() != nil {
		t.Errorf("events %+v", ev)
	}
	out, err := m.HMP("info network")
	if err != nil || !strings.Contains(out, "p0: index=0,type=hub") {
		t.Errorf("HMP = %q, %v", out, err)
	}
	<-got
	_, err = m.Execute("nosuch", nil)
	var qe *QMPError
	if !errors.As(err, &qe) || qe.Class != "CommandNotFound" {
		t.Errorf("unknown command: %v", err)
	}
}

func TestMonitorNoSocket(t *testing.T) {
	_, err := dialMonitor(filepath.Join(t.TempDir(), "none.sock"), time.Now().Add(100*time.Millisecond))
	if err == nil || !strings.Contains(err.Error(), "QMP socket") {
		t.Errorf("err = %v", err)
	}
}
