package pktdump

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/gopkt/gopkt/stack/bpf/capture"
	"github.com/gopkt/gopkt/stack/wire"
)

// TestRunFromTap is the in-process path the gopkt daemon uses: frames
// offered to a capture.Tap come out of Run as a pcap that pcapgo reads
// back byte for byte, and as summary lines.
func TestRunFromTap(t *testing.T) {
	tap, err := capture.New(capture.Options{Filter: "udp or arp"})
	if err != nil {
		t.Fatal(err)
	}
	frames := [][]byte{
		eth(wire.EtherTypeIPv4, ip4(wire.IPProtocolUDP, 0, 0, udpSeg(40000, 53, "one"))),
		eth(wire.EtherTypeIPv4, ip4(wire.IPProtocolICMP, 0, 0, icmp(wire.ICMPv4Echo, 0, 1, nil))), // filtered out
		eth(wire.EtherTypeIPv4, ip4(wire.IPProtocolUDP, 0, 0, udpSeg(53, 40000, "two"))),
	}
	base := time.Date(2026, 11, 22, 1, 2, 3, 456789000, time.UTC).UnixNano()
	for i, f := range frames {
		tap.Capture(f, capture.Direction(1+i%2), 7, base+int64(i)*1000)
	}
	var pcap, sum bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := Run(ctx, tap, Options{Count: 2, Pcap: &pcap, Summary: &sum, Snaplen: 1500, Location: time.UTC})
	if err != nil || res.Packets != 2 {
		t.Fatalf("Run: %+v %v", res, err)
	}
	wantSum := "01:02:03.456789 In IP 198.18.0.1.40000 > 198.18.0.2.53: UDP, length 3\n" +
		"01:02:03.456791 In IP 198.18.0.1.53 > 198.18.0.2.40000: UDP, length 3\n"
	if sum.String() != wantSum {
		t.Errorf("summary:\n%s\nwant:\n%s", sum.String(), wantSum)
	}
	r, err := pcapgo.NewReader(&pcap)
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeEthernet || r.Snaplen() != 1500 {
		t.Fatalf("pcap header: link %v snaplen %d", r.LinkType(), r.Snaplen())
	}
	for _, i := range []int{0, 2} {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, frames[i]) || ci.Timestamp.UnixNano() != base+int64(i)*1000 || ci.Length != len(frames[i]) {
			t.Fatalf("packet %d: %x at %v", i, data, ci.Timestamp)
		}
	}
	if _, _, err := r.ReadPacketData(); err != io.EOF {
		t.Fatalf("extra packets: %v", err)
	}

	// A closed source ends Run without error.
	tap.Close()
	res, err = Run(ctx, tap, Options{Summary: io.Discard})
	if err != nil || res.Packets != 0 {
		t.Fatalf("Run on a closed tap: %+v %v", res, err)
	}
	// So does a cancelled context.
	tap2, _ := capture.New(capture.Options{})
	ctx2, cancel2 := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel2()
	if res, err := Run(ctx2, tap2, Options{}); err != nil || res.Packets != 0 {
		t.Fatalf("Run until deadline: %+v %v", res, err)
	}
}

func TestOpError(t *testing.T) {
	_, err := OpenAFPacket("no-such-if0", AFPacketOptions{})
	if err == nil || !strings.Contains(err.Error(), "no-such-if0") || !strings.Contains(err.Error(), "ip link") {
		t.Fatalf("OpenAFPacket error %v: want the interface name and a hint", err)
	}
}
