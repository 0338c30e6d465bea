package pktdump

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket/pcapgo"
	"golang.org/x/sys/unix"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack/wire"
)

// TestHostCaptureVLAN injects 802.1Q-tagged frames (VLAN 100, PCP 5) into
// one end of the veth pair and captures the other. The receiving kernel
// strips the tag into the skb before packet taps see the frame (so the
// in-kernel filter "udp port 9" matches the untagged frame), and AFPacket
// must put the tag back from PACKET_AUXDATA: the pcap must hold exactly
// the bytes that were sent, and tshark must decode the tag.
func TestHostCaptureVLAN(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.IP)
	p := hosttest.NewVeth(t, "pl", 79)
	for _, ns := range []*hosttest.Namespace{p.A, p.B} {
		ns.Output("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1") // less chatter; the filter ignores it anyway
	}
	var src *AFPacket
	if err := p.B.Do(func() (err error) {
		src, err = OpenAFPacket(p.IfB, AFPacketOptions{Filter: "udp port 9", Snaplen: 2048})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer src.Close()

	// Build the tagged frames with package wire.
	ifB, ifA := mustIface(t, p.B, p.IfB), mustIface(t, p.A, p.IfA)
	dst, _ := wire.MACFrom(ifB.HardwareAddr)
	srcMAC, _ := wire.MACFrom(ifA.HardwareAddr)
	a4, b4 := wire.Addr4{198, 18, 79, 1}, wire.Addr4{198, 18, 79, 2}
	var sent [][]byte
	for i := range 3 {
		payload := []byte{'v', 'l', 'a', 'n', byte('0' + i)}
		f := make([]byte, 14+4+20+8+len(payload))
		(&wire.EthernetFields{Dst: dst, Src: srcMAC, Type: wire.EtherTypeVLAN}).Encode(f)
		(&wire.VLANFields{PCP: 5, VID: 100, Type: wire.EtherTypeIPv4}).Encode(f[14:])
		ip, _ := (&wire.IPv4Fields{TotalLen: uint16(28 + len(payload)), TTL: 64, Protocol: wire.IPProtocolUDP, Src: a4, Dst: b4}).Encode(f[18:])
		ip.UpdateChecksum()
		u, _ := (&wire.UDPFields{SrcPort: 7000, DstPort: 9, Length: uint16(8 + len(payload))}).Encode(f[38:])
		copy(u.Payload(), payload)
		u.UpdateChecksum(a4, b4)
		sent = append(sent, f)
	}
	err := p.A.Do(func() error {
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		to := &unix.SockaddrLinklayer{Ifindex: ifA.Index, Halen: 6}
		copy(to.Addr[:], dst[:])
		for _, f := range sent {
			if err := unix.Sendto(fd, f, 0, to); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	path := filepath.Join(t.TempDir(), "vlan.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := Run(ctx, src, Options{Count: 3, Pcap: f})
	f.Close()
	if err != nil || res.Packets != 3 {
		t.Fatalf("Run: %+v %v", res, err)
	}
	fr, _ := os.Open(path)
	defer fr.Close()
	r, err := pcapgo.NewReader(fr)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if i >= len(sent) || !bytes.Equal(data, sent[i]) || ci.Length != len(sent[i]) {
			t.Fatalf("frame %d:\n got %x\nsent %x", i, data, sent[i%len(sent)])
		}
	}
	t.Run("Tshark", func(t *testing.T) {
		hosttest.Require(t, hosttest.Tshark)
		out, err := exec.Command("tshark", "-r", path, "-V").Output()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(out, []byte("alformed")) || bytes.Count(out, []byte("802.1Q Virtual LAN, PRI: 5, DEI: 0, ID: 100")) != 3 {
			t.Fatalf("tshark does not decode three VLAN 100 frames cleanly:\n%s", out)
		}
	})
}

func mustIface(t *testing.T, ns *hosttest.Namespace, name string) *net.Interface {
	t.Helper()
	var ifi *net.Interface
	if err := ns.Do(func() (err error) {
		ifi, err = net.InterfaceByName(name)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return ifi
}
