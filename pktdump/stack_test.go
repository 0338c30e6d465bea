package pktdump

import (
	"bytes"
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket/pcapgo"

	"github.com/gopkt/gopkt/stack/bpf/capture"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// TestRunStackTap is the daemon's path end to end: a capture.Tap attached
// to a gopkt stack interface sees both directions of a ping between two
// in-process stacks, and Run turns them into summaries and a pcap.
func TestRunStackTap(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	a, _, ia, _ := stacktest.Pair(t, pool, stacktest.Config{})
	// B may also announce itself (gratuitous ARP, .2 for .2): the filter
	// keeps only ARP that involves A, so exactly four frames match.
	tap, err := capture.New(capture.Options{Filter: "icmp or arp host 198.18.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	ia.AddTap(tap)
	defer ia.RemoveTap(tap)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := a.IP.Ping(ctx, netip.MustParseAddr("198.18.0.2"), ipv4.PingOptions{Size: 32}); err != nil {
		t.Fatal(err)
	}
	var pcap, sum bytes.Buffer
	res, err := Run(ctx, tap, Options{Count: 4, Pcap: &pcap, Summary: &sum})
	if err != nil || res.Packets != 4 {
		t.Fatalf("Run: %+v %v\n%s", res, err, sum.String())
	}
	// The interleaving of A's echo request and B's ARP reply is up to the
	// scheduler, so compare as a set; the ARP request comes first.
	lines := strings.Split(strings.TrimSpace(sum.String()), "\n")
	want := []string{
		"Out ARP, Request who-has 198.18.0.2 tell 198.18.0.1",
		"In ARP, Reply 198.18.0.2 is-at ",
		"Out IP 198.18.0.1 > 198.18.0.2: ICMP echo request",
		"In IP 198.18.0.2 > 198.18.0.1: ICMP echo reply",
	}
	if !strings.Contains(lines[0], want[0]) {
		t.Fatalf("first frame is not A's ARP request:\n%s", sum.String())
	}
	for _, w := range want {
		n := 0
		for _, l := range lines {
			if strings.Contains(l, w) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d lines contain %q, want 1:\n%s", n, w, sum.String())
		}
	}
	r, err := pcapgo.NewReader(&pcap)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if _, _, err := r.ReadPacketData(); err != nil {
			t.Fatalf("pcap packet %d: %v", i, err)
		}
	}
	if s := tap.Stats(); s.Dropped != 0 || s.Accepted != 4 {
		t.Errorf("tap stats %+v", s)
	}
}
