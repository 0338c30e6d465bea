package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack/wire"
)

func TestRunFlags(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"-d", "ip", "proto", "17"}, 0, "(000) ldh [12]\n(001) jneq #2048,3\n(002) ldb [23]\n(003) jneq #17,1\n(004) ret #262144\n(005) ret #0\n", ""},
		{[]string{"-d", "-s", "96", "arp"}, 0, "(000) ldh [12]\n(001) jneq #2054,1\n(002) ret #96\n(003) ret #0\n", ""},
		{[]string{"udp"}, 2, "", "no source: pass -i IFACE"},
		{[]string{"-i", "lo", "-r", "x.pcap"}, 2, "", "-i and -r exclude each other"},
		{[]string{"-r", "/nonexistent.pcap"}, 1, "", "no such file"},
		{[]string{"-i", "lo", "port"}, 2, "", `filter "port": at offset 4`},
		{[]string{"-s", "-1", "-d"}, 2, "", "-s must be 0 or positive"},
		{[]string{"--bogus"}, 2, "", "unknown flag: --bogus"},
		{[]string{"-i", "no-such-if0"}, 1, "", "check the name with `ip link`"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := run(context.Background(), tt.args, &out, &errb)
		if code != tt.code || out.String() != tt.out || !strings.Contains(errb.String(), tt.err) {
			t.Errorf("pktdump %q: code %d, stdout %q, stderr %q; want %d, %q, …%q…", tt.args, code, out.String(), errb.String(), tt.code, tt.out, tt.err)
		}
	}
}

// TestRunHost runs the command's code path inside a test namespace:
// -i, -c and -w with a filter, while the peer namespace pings.
func TestRunHost(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.IP, hosttest.Ping)
	p := hosttest.NewVeth(t, "pr", 78)
	path := filepath.Join(t.TempDir(), "out.pcap")
	ready := make(chan struct{})
	go func() {
		<-ready
		time.Sleep(100 * time.Millisecond) // the socket is open before run prints its banner; be generous
		p.A.Output("ping", "-c", "2", "-i", "0.2", "-W", "2", p.AddrB)
	}()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var code int
	err := p.B.Do(func() error {
		close(ready)
		code = run(ctx, []string{"-i", p.IfB, "-c", "3", "-w", path, "icmp"}, &out, &errb)
		return nil
	})
	if err != nil || code != 0 {
		t.Fatalf("run: code %d, err %v, stderr %s", code, err, errb.String())
	}
	if !strings.Contains(errb.String(), "3 packets captured") {
		t.Errorf("stderr: %s", errb.String())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		if _, _, err := r.ReadPacketData(); err != nil {
			break
		}
		n++
	}
	if n != 3 {
		t.Fatalf("pcap holds %d frames, want 3", n)
	}
}

// TestRunReadFile is "pktdump -r FILE EXPR": summaries on stdout for the
// frames the filter selects.
func TestRunReadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := pcapgo.NewWriter(f)
	w.WriteFileHeader(65535, layers.LinkTypeEthernet)
	arp := make([]byte, 42)
	(&wire.EthernetFields{Dst: wire.BroadcastMAC(), Src: wire.MAC{2, 0, 0, 0, 0, 1}, Type: wire.EtherTypeARP}).Encode(arp)
	(&wire.ARPFields{Op: wire.ARPRequest, SenderIP: wire.Addr4{198, 18, 0, 1}, TargetIP: wire.Addr4{198, 18, 0, 2}}).Encode(arp[14:])
	other := make([]byte, 60)
	(&wire.EthernetFields{Type: 0x88cc}).Encode(other)
	for i, fr := range [][]byte{other, arp, other} {
		w.WritePacket(gopacket.CaptureInfo{Timestamp: time.Unix(int64(i), 0), CaptureLength: len(fr), Length: len(fr)}, fr)
	}
	f.Close()
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-r", path, "arp"}, &out, &errb); code != 0 {
		t.Fatalf("code %d: %s", code, errb.String())
	}
	if !strings.HasSuffix(out.String(), " ARP, Request who-has 198.18.0.2 tell 198.18.0.1, length 42\n") || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("stdout %q", out.String())
	}
	if !strings.Contains(errb.String(), "1 packets captured") {
		t.Fatalf("stderr %q", errb.String())
	}
}
