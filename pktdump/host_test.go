package pktdump

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack/wire"
)

// TestHostCaptureVeth captures real kernel traffic: inside two network
// namespaces joined by a veth pair, namespace A pings B three times and
// sends four UDP datagrams to a listener in B (interleaved with four to
// another port that must be filtered out); AF_PACKET on B's veth with
// the filter "udp port 9999 or icmp" attached in the kernel writes a pcap
// that pcapgo and tshark must read back: 10 frames, none malformed.
func TestHostCaptureVeth(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.IP, hosttest.Ping, hosttest.Ethtool)
	p := hosttest.NewVeth(t, "pv", 77)
	// With TX checksum offload off the kernel fills every checksum, so the
	// capture can be verified with package wire (veth otherwise passes
	// CHECKSUM_PARTIAL frames with unfinished UDP checksums).
	p.A.Run(t, "ethtool", "-K", p.IfA, "tx", "off")

	var src *AFPacket
	var lis, noiseLis net.PacketConn
	err := p.B.Do(func() error {
		var err error
		if src, err = OpenAFPacket(p.IfB, AFPacketOptions{Filter: "udp port 9999 or icmp", Snaplen: 2048}); err != nil {
			return err
		}
		if noiseLis, err = net.ListenPacket("udp4", p.AddrB+":9998"); err != nil {
			return err
		}
		lis, err = net.ListenPacket("udp4", p.AddrB+":9999")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	defer lis.Close()
	defer noiseLis.Close()

	payloads := []string{"gopkt-0", "gopkt-1", "gopkt-22", "gopkt-333"}
	sendErr := make(chan error, 1)
	go func() {
		if out, err := p.A.Output("ping", "-c", "3", "-i", "0.2", "-W", "2", p.AddrB); err != nil {
			sendErr <- fmt.Errorf("ping: %v: %s", err, out)
			return
		}
		sendErr <- p.A.Do(func() error {
			c, err := net.Dial("udp4", p.AddrB+":9999")
			if err != nil {
				return err
			}
			defer c.Close()
			// Datagrams to port 9998 must be rejected by the kernel filter.
			noise, err := net.Dial("udp4", p.AddrB+":9998")
			if err != nil {
				return err
			}
			defer noise.Close()
			for _, pl := range payloads {
				if _, err := noise.Write([]byte("noise")); err != nil {
					return err
				}
				if _, err := c.Write([]byte(pl)); err != nil {
					return err
				}
			}
			return nil
		})
	}()

	path := filepath.Join(t.TempDir(), "veth.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	var sum bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := Run(ctx, src, Options{Count: 10, Pcap: f, Summary: &sum, Snaplen: 2048})
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := <-sendErr; err != nil {
		t.Fatal(err)
	}
	if res.Packets != 10 {
		t.Fatalf("captured %d frames, want 10; summary:\n%s", res.Packets, sum.String())
	}
	if n := strings.Count(sum.String(), " Out IP "+p.AddrB+" > "+p.AddrA+": ICMP echo reply"); n != 3 {
		t.Errorf("%d outbound echo replies in the summary, want 3:\n%s", n, sum.String())
	}

	// Read it back with pcapgo and check every frame with package wire.
	fr, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fr.Close()
	r, err := pcapgo.NewReader(fr)
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		t.Fatalf("link type %v", r.LinkType())
	}
	var echoReq, echoRep int
	var got []string
	for {
		data, _, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		e, err := wire.NewEthernet(data)
		if err != nil {
			t.Fatal(err)
		}
		ip, err := wire.NewIPv4(e.Payload())
		if err != nil || !ip.ChecksumValid() {
			t.Fatalf("bad IPv4 in capture: %v", err)
		}
		switch ip.Protocol() {
		case wire.IPProtocolICMP:
			m, err := wire.NewICMPv4(ip.Payload())
			if err != nil || !m.ChecksumValid() {
				t.Fatalf("bad ICMP: %v", err)
			}
			switch m.Type() {
			case wire.ICMPv4Echo:
				echoReq++
			case wire.ICMPv4EchoReply:
				echoRep++
			}
		case wire.IPProtocolUDP:
			u, err := wire.NewUDP(ip.Payload())
			if err != nil {
				t.Fatal(err)
			}
			if !u.ChecksumValid(ip.Src(), ip.Dst()) {
				t.Errorf("UDP checksum of %q does not verify", u.Payload())
			}
			got = append(got, string(u.Payload()))
		default:
			t.Errorf("filter let protocol %v through", ip.Protocol())
		}
	}
	if echoReq != 3 || echoRep != 3 || strings.Join(got, ",") != strings.Join(payloads, ",") {
		t.Fatalf("capture: %d echo requests, %d replies, UDP %q", echoReq, echoRep, got)
	}

	t.Run("Tshark", func(t *testing.T) {
		hosttest.Require(t, hosttest.Tshark)
		out, err := exec.Command("tshark", "-r", path, "-V").Output()
		if err != nil {
			t.Fatalf("tshark -r: %v", err)
		}
		if bytes.Contains(out, []byte("Malformed")) || bytes.Contains(out, []byte("malformed")) {
			t.Fatalf("tshark reports malformed packets:\n%s", out)
		}
		if n := bytes.Count(out, []byte("\nFrame ")) + boolInt(bytes.HasPrefix(out, []byte("Frame "))); n != 10 {
			t.Fatalf("tshark decoded %d frames, want 10", n)
		}
		for _, want := range []string{"Echo (ping) request", "Echo (ping) reply", "User Datagram Protocol, Src Port: ", "Dst Port: 9999"} {
			if !bytes.Contains(out, []byte(want)) {
				t.Errorf("tshark output lacks %q", want)
			}
		}
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
