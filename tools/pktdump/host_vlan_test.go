package pktdump

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket/pcapgo"

	"github.com/gopkt/gopkt/stack/wire"
	"github.com/gopkt/gopkt/tools/pktdump/internal/netns"
)

// TestHostCaptureVLAN pings over VLAN 100 devices stacked on the veth pair
// and captures the raw veth: every frame must come out of the pcap with
// its 802.1Q tag (put back from PACKET_AUXDATA when the kernel stripped
// it), and tshark must decode the tag.
func TestHostCaptureVLAN(t *testing.T) {
	p := netns.New(t, 79)
	if _, err := exec.LookPath("ping"); err != nil {
		t.Skip("needs ping (Debian package iputils-ping)")
	}
	id := os.Getpid() % 100000
	vlA, vlB := fmt.Sprintf("pkdla%d", id), fmt.Sprintf("pkdlb%d", id)
	for _, c := range [][]string{
		{p.A, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"}, // no IPv6 chatter in the capture
		{p.B, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"},
		{p.A, "ip", "link", "add", "link", p.IfA, "name", vlA, "type", "vlan", "id", "100"},
		{p.B, "ip", "link", "add", "link", p.IfB, "name", vlB, "type", "vlan", "id", "100"},
		{p.A, "ip", "addr", "add", "198.18.80.1/24", "dev", vlA},
		{p.B, "ip", "addr", "add", "198.18.80.2/24", "dev", vlB},
		{p.A, "ip", "link", "set", vlA, "up"},
		{p.B, "ip", "link", "set", vlB, "up"},
	} {
		if out, err := netns.Exec(c[0], c[1], c[2:]...); err != nil {
			t.Skipf("cannot set up VLAN devices (%v: %s); kernel module 8021q missing?", err, out)
		}
	}
	var src *AFPacket
	if err := netns.Do(p.B, func() (err error) {
		src, err = OpenAFPacket(p.IfB, AFPacketOptions{Snaplen: 2048})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	go netns.Exec(p.A, "ping", "-c", "2", "-i", "0.2", "-W", "2", "198.18.80.2")

	path := filepath.Join(t.TempDir(), "vlan.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var sum bytes.Buffer
	res, err := Run(ctx, src, Options{Count: 6, Pcap: f, Summary: &sum})
	f.Close()
	if err != nil || res.Packets != 6 {
		t.Fatalf("Run: %+v %v\n%s", res, err, sum.String())
	}
	fr, _ := os.Open(path)
	defer fr.Close()
	r, err := pcapgo.NewReader(fr)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		e, _ := wire.NewEthernet(data)
		v, err := wire.NewVLAN(e.Payload())
		if e == nil || e.Type() != wire.EtherTypeVLAN || err != nil || v.VID() != 100 || ci.Length != len(data) {
			t.Fatalf("frame without its VLAN 100 tag: %x\n%s", data, sum.String())
		}
		switch v.Type() {
		case wire.EtherTypeARP:
			kinds["arp"]++
		case wire.EtherTypeIPv4:
			ip, err := wire.NewIPv4(v.Payload())
			if err != nil || !ip.ChecksumValid() {
				t.Fatalf("bad inner IPv4: %v", err)
			}
			m, err := wire.NewICMPv4(ip.Payload())
			if err != nil {
				t.Fatal(err)
			}
			kinds[fmt.Sprint("icmp", m.Type())]++
		default:
			t.Fatalf("unexpected inner type %v", v.Type())
		}
	}
	if kinds["arp"] != 2 || kinds["icmp8"] != 2 || kinds["icmp0"] != 2 {
		t.Fatalf("frames by kind %v, want 2 ARP, 2 echo requests, 2 replies:\n%s", kinds, sum.String())
	}
	if tshark, err := exec.LookPath("tshark"); err == nil {
		out, err := exec.Command(tshark, "-r", path, "-V").Output()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(out, []byte("alformed")) || bytes.Count(out, []byte("802.1Q Virtual LAN, PRI: 0, DEI: 0, ID: 100")) != 6 {
			t.Fatalf("tshark does not decode six VLAN 100 frames cleanly:\n%s", out)
		}
	}
}
