package pktdump

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/gopkt/gopkt/stack/wire"
)

func writePcap(t *testing.T, link layers.LinkType, frames ...[]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	w.WriteFileHeader(65535, link)
	for i, fr := range frames {
		w.WritePacket(gopacket.CaptureInfo{Timestamp: time.Unix(100+int64(i), 0), CaptureLength: len(fr), Length: len(fr)}, fr)
	}
	return path
}

// TestFileFilter is tcpdump -r FILE EXPR -w OUT: the filter runs in user
// space and the output holds exactly the selected frames.
func TestFileFilter(t *testing.T) {
	frames := [][]byte{
		eth(wire.EtherTypeIPv4, ip4(wire.IPProtocolUDP, 0, 0, udpSeg(40000, 53, "q"))),
		eth(wire.EtherTypeIPv4, ip4(wire.IPProtocolICMP, 0, 0, icmp(wire.ICMPv4Echo, 0, 1, nil))),
		eth(wire.EtherTypeIPv4, ip4(wire.IPProtocolUDP, 0, 0, udpSeg(53, 40000, "a"))),
	}
	src, err := OpenFile(writePcap(t, layers.LinkTypeEthernet, frames...), "udp port 53")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out, sum bytes.Buffer
	res, err := Run(context.Background(), src, Options{Pcap: &out, Summary: &sum, Location: time.UTC})
	if err != nil || res.Packets != 2 {
		t.Fatalf("Run: %+v %v", res, err)
	}
	want := "00:01:40.000000 IP 198.18.0.1.40000 > 198.18.0.2.53: UDP, length 1\n" +
		"00:01:42.000000 IP 198.18.0.1.53 > 198.18.0.2.40000: UDP, length 1\n"
	if sum.String() != want {
		t.Errorf("summary:\n%s\nwant:\n%s", sum.String(), want)
	}
	r, _ := pcapgo.NewReader(&out)
	for _, i := range []int{0, 2} {
		data, ci, err := r.ReadPacketData()
		if err != nil || !bytes.Equal(data, frames[i]) || ci.Timestamp.Unix() != int64(100+i) {
			t.Fatalf("output frame for input %d: %x %v", i, data, err)
		}
	}
}

func TestFileErrors(t *testing.T) {
	if _, err := OpenFile(filepath.Join(t.TempDir(), "missing.pcap"), ""); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	garbage := filepath.Join(t.TempDir(), "garbage.pcap")
	os.WriteFile(garbage, []byte("not a pcap file at all"), 0o644)
	if _, err := OpenFile(garbage, ""); err == nil {
		t.Error("garbage accepted")
	}
	radiotap := writePcap(t, layers.LinkTypeIEEE80211Radio)
	if _, err := OpenFile(radiotap, "udp"); err == nil {
		t.Error("filter on a radiotap file accepted")
	}
	if s, err := OpenFile(radiotap, ""); err != nil || s.LinkType() != 127 {
		t.Errorf("radiotap file without filter: %v", err)
	}
}
