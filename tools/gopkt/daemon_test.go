package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/netif/em"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/udp"
	"github.com/gopkt/gopkt/vfio"
)

// syncBuffer is the daemon's stdout in tests: written by its goroutines,
// read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls until out contains want.
func waitFor(t *testing.T, out *syncBuffer, want string, d time.Duration) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(out.String(), want) {
			return
		}
	}
	t.Fatalf("no %q in the daemon's output within %v:\n%s", want, d, out.String())
}

// busHost is a pciHost over the e1000 device model's bus: the functions the
// daemon "opens" are model ports, and the pool lives in the bus memory the
// models DMA into.
type busHost struct {
	bus   *e1000test.Bus
	ports map[string]pci.Function
	err   error // returned by Open, to provoke setup failures
}

func (h *busHost) Open(addr string) (pci.Function, error) {
	if h.err != nil {
		return nil, h.err
	}
	f, ok := h.ports[addr]
	if !ok {
		return nil, fmt.Errorf("no model device at %s", addr)
	}
	delete(h.ports, addr)
	return f, nil
}
func (h *busHost) Memory() dma.Allocator { return h.bus.Memory() }
func (h *busHost) Close() error          { return nil } // the test owns the bus

// peer is a second stack on the bus, the daemon's counterpart: it plays
// the part of the guest's Linux in the VM lane.
type peer struct {
	s   *stack.Stack
	ip  *ipv4.IPv4
	udp *udp.UDP
	ifc *em.Interface
}

func newPeer(t *testing.T, bus *e1000test.Bus, pool *mbuf.Pool) *peer {
	t.Helper()
	u := udp.New(udp.Options{})
	ip := ipv4.New(ipv4.Options{Transports: []ipv4.Transport{u}})
	s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{ip}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	p := e1000test.NewPort(bus, e1000test.Options{MAC: [6]byte{0x52, 0x54, 0, 0x12, 0x34, 0x11}})
	ifc, err := em.Attach(s, "em0", p.Function(), e1000.Config{RxDescs: 128, TxDescs: 128, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddAddress(ifc.Interface, netip.MustParsePrefix("198.18.0.1/24")); err != nil {
		t.Fatal(err)
	}
	return &peer{s: s, ip: ip, udp: u, ifc: ifc}
}

func (p *peer) close(t *testing.T) {
	if err := errors.Join(p.ifc.Detach(), p.s.Close()); err != nil {
		t.Error(err)
	}
}

// daemonRun runs the command in a goroutine; stop ends it like SIGINT and
// returns the exit status.
type daemonRun struct {
	out, errOut syncBuffer
	status      chan os.Signal
	cancel      context.CancelFunc
	code        chan int
}

func startRun(argv []string, e env) *daemonRun {
	r := &daemonRun{status: make(chan os.Signal, 1), code: make(chan int, 1)}
	if !slices.ContainsFunc(argv, func(a string) bool { return strings.HasPrefix(a, "--control") }) {
		argv = append([]string{"--control="}, argv...) // tests run daemons side by side: no shared default socket
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.code <- run(ctx, r.status, argv, &r.out, &r.errOut, e) }()
	return r
}

func (r *daemonRun) stop(t *testing.T) int {
	t.Helper()
	r.cancel()
	select {
	case c := <-r.code:
		return c
	case <-time.After(20 * time.Second):
		t.Fatalf("daemon did not stop:\n%s\n%s", r.out.String(), r.errOut.String())
		return -1
	}
}

// TestDaemonOverE1000Model runs the VM scenario in process: gopkt's e1000
// driver on one device model, a peer stack on a second model on the same
// hub. The peer pings the daemon (also with 8000 bytes: fragmentation and
// reassembly both ways), uses its UDP echo service with payload checks, is
// filtered on port 9; the daemon pings the peer, dumps em0 to a pcap, prints
// its status on the status signal and exits with the pool full.
func TestDaemonOverE1000Model(t *testing.T) {
	bus := e1000test.NewBus()
	defer bus.Close()
	ours := e1000test.NewPort(bus, e1000test.Options{MAC: [6]byte{0x52, 0x54, 0, 0x12, 0x34, 0x10}})
	peerPool, err := mbuf.NewPool(bus.Memory(), mbuf.PoolOptions{Name: "peer", Buffers: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer peerPool.Close()
	p := newPeer(t, bus, peerPool)
	dir := t.TempDir()
	pcap, udpPcap := filepath.Join(dir, "em0.pcap"), filepath.Join(dir, "udp7.pcap")
	host := &busHost{bus: bus, ports: map[string]pci.Function{"0000:00:02.0": ours.Function()}}
	r := startRun([]string{
		"-d", "e1000", "pci=0000:00:02.0,rxdescs=256,txdescs=256,mode=poll", "-p", "ipv4", "-p", "udp",
		"--ifconfig", "em0=198.18.0.2/24", "--udp-echo", "7", "--filter", "drop udp port 9",
		"--ping", "198.18.0.1,count=3,interval=50ms,size=1000", "--dump", "em0=" + pcap, "--buffers", "1024",
		"-d", "loop", "--ifconfig", "lo1=198.18.9.1/24", "--route", "198.18.5.0/24=198.18.0.1", "--route", "198.18.6.0/24=lo1",
		"--arp", "198.18.0.7=02:00:00:00:00:07", "--dump", "em0=" + udpPcap + ",udp port 7",
	}, env{pciHost: func(vfio.Options) pciHost { return host }})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, size := range []int{56, 8000} {
		rep, err := p.ip.Ping(ctx, netip.MustParseAddr("198.18.0.2"), ipv4.PingOptions{Size: size})
		if err != nil || rep.Size != size {
			t.Fatalf("peer ping -s %d: %+v %v\n%s", size, rep, err, r.errOut.String())
		}
	}
	c, err := p.udp.Dial(netip.AddrPort{}, netip.MustParseAddrPort("198.18.0.2:7"))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 65536)
	for i, size := range []int{1, 1472, 3000} {
		msg := bytes.Repeat([]byte{byte(i + 1), 0x5a}, size/2+1)[:size]
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := c.Read(buf)
		if err != nil || !bytes.Equal(buf[:n], msg) {
			t.Fatalf("UDP echo of %d bytes: got %d bytes, %v", size, n, err)
		}
	}
	_ = c.Close()
	// Port 9 is filtered on input: no echo and no ICMP port unreachable.
	c9, err := p.udp.Dial(netip.AddrPort{}, netip.MustParseAddrPort("198.18.0.2:9"))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c9.Write([]byte("discard me"))
	_ = c9.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := c9.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("filtered port 9 answered: %d bytes, %v", n, err)
	}
	_ = c9.Close()

	waitFor(t, &r.out, "3 packets transmitted, 3 received, 0% packet loss", 10*time.Second)
	var sawUs bool
	for _, n := range p.ip.Neighbours() {
		sawUs = sawUs || n.Addr == netip.MustParseAddr("198.18.0.2") && n.MAC == [6]byte{0x52, 0x54, 0, 0x12, 0x34, 0x10}
	}
	if !sawUs {
		t.Errorf("peer's ARP table lacks 198.18.0.2 at our MAC: %+v", p.ip.Neighbours())
	}
	r.status <- syscall.SIGUSR1
	waitFor(t, &r.out, "udp-echo port 7: 3 datagrams echoed, 0 failures", 5*time.Second)
	code := r.stop(t)
	out := r.out.String()
	t.Log(out)
	if code != exitOK {
		t.Fatalf("exit status %d, want 0\n%s", code, r.errOut.String())
	}
	for _, want := range []string{
		"PING 198.18.0.1 1000(1028) bytes of data.", "1008 bytes from 198.18.0.1: icmp_seq=1 ttl=64 time=",
		"198.18.0.1 dev em0 lladdr 52:54:00:12:34:11 REACHABLE",
		`filter filter-0 "drop udp port 9": 1 dropped`,
		"inet 198.18.0.2/24", "pool: 1024/1024 buffers free", "gopkt: stopped cleanly",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	for _, re := range []string{
		`198\.18\.5\.0/24\s+via 198\.18\.0\.1\s+dev em0\s+metric 0\s+static`,
		`198\.18\.0\.0/24\s+via -\s+dev em0\s+metric 0\s+connected`,
		`198\.18\.6\.0/24\s+via -\s+dev lo1\s+metric 0\s+static`,
		`198\.18\.0\.7 dev em0 lladdr 02:00:00:00:00:07 PERMANENT`,
		`lo1: index 3 <UP,LOOPBACK,NOARP> mtu 1500 .*\n    inet 198\.18\.9\.1/24`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("status lacks %s", re)
		}
	}
	checkPcap(t, pcap)
	checkFilteredPcap(t, udpPcap)
	p.close(t)
	if n := peerPool.InUse(); n != 0 {
		t.Errorf("peer leaked %d mbufs", n)
	}
}

// checkPcap reads the daemon's dump of em0: the echo request from the peer
// and our reply are there, decoded by gopacket without errors.
func checkPcap(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var in7, out7, frags, total int
	for {
		data, _, err := rd.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		total++
		pkt := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		if el := pkt.ErrorLayer(); el != nil {
			t.Errorf("frame %d does not decode: %v", total, el.Error())
		}
		ip, ok := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if !ok {
			continue
		}
		if ip.Flags&layers.IPv4MoreFragments != 0 {
			frags++
		}
		// Ports from the first fragment's UDP header (gopacket leaves a
		// fragmented datagram's payload undecoded).
		if ip.Protocol == layers.IPProtocolUDP && ip.FragOffset == 0 && len(ip.Payload) >= 4 {
			if binary.BigEndian.Uint16(ip.Payload[2:]) == 7 {
				in7++
			}
			if binary.BigEndian.Uint16(ip.Payload[0:]) == 7 {
				out7++
			}
		}
	}
	if in7 < 3 || out7 < 3 || frags < 4 {
		t.Errorf("pcap of %d frames: %d to port 7, %d from port 7, %d non-final fragments; want ≥3, ≥3, ≥4", total, in7, out7, frags)
	}
}

// checkFilteredPcap: the dump with filter "udp port 7" holds exactly the
// unfragmented-or-first-fragment UDP datagrams to and from port 7: three
// requests and three echoes.
func checkFilteredPcap(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		data, _, err := rd.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		pkt := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		ip, ok := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if !ok || ip.Protocol != layers.IPProtocolUDP || ip.FragOffset != 0 ||
			binary.BigEndian.Uint16(ip.Payload[0:]) != 7 && binary.BigEndian.Uint16(ip.Payload[2:]) != 7 {
			t.Errorf("filtered dump holds a frame that is not UDP port 7: %v", pkt)
		}
	}
	if n != 6 {
		t.Errorf("filtered dump holds %d frames, want 6", n)
	}
}

// TestDaemonSetupErrors: a device that is not bound to vfio-pci fails the
// start with the command that fixes it, and nothing is left open.
func TestDaemonSetupErrors(t *testing.T) {
	bus := e1000test.NewBus()
	defer bus.Close()
	host := &busHost{bus: bus, err: &vfio.OpError{Op: "open", Addr: "0000:00:02.0", Err: vfio.ErrNotBound}}
	r := startRun([]string{"-d", "e1000", "pci=0000:00:02.0", "-p", "ipv4"}, env{pciHost: func(vfio.Options) pciHost { return host }})
	select {
	case code := <-r.code:
		if code != exitFail {
			t.Errorf("exit status %d, want %d", code, exitFail)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("daemon did not fail")
	}
	if e := r.errOut.String(); !strings.Contains(e, "gopkt: -d e1000 pci=0000:00:02.0: ") ||
		!strings.Contains(e, "fix: run 'vfio-bind bind 0000:00:02.0' first") {
		t.Errorf("error output:\n%s", e)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-d", "loop", "-p", "ipv4", "--route", "default=198.18.0.1"},
			"gopkt: --route default=198.18.0.1: gateway 198.18.0.1 is not on a connected network (add --ifconfig IFACE=ADDR/LEN on its subnet)\n"},
		{[]string{"-p", "ipv4", "--dump", "lo0=/nonexistent/dir/x.pcap"},
			"gopkt: --dump lo0=/nonexistent/dir/x.pcap: open /nonexistent/dir/x.pcap: no such file or directory (pick a writable path)\n"},
	} {
		var out, errOut syncBuffer
		if code := run(context.Background(), nil, tc.args, &out, &errOut, env{}); code != exitFail || !strings.HasSuffix("\n"+errOut.String(), "\n"+tc.want) {
			t.Errorf("%q: status %d, stderr:\n%s\nwant\n%s", tc.args, code, errOut.String(), tc.want)
		}
		if strings.Contains(out.String(), "pool:") && !strings.Contains(out.String(), "pool: 4096/4096 buffers free") {
			t.Errorf("%q: a failed start leaked: %s", tc.args, out.String())
		}
	}
	code := run(context.Background(), nil, []string{"-p", "udp"}, io.Discard, &r.errOut, env{})
	if code != exitUsage || !strings.Contains(r.errOut.String(), "gopkt: -p udp: udp needs ipv4 loaded first: put -p ipv4 before -p udp\nrun 'gopkt -h' for the syntax\n") {
		t.Errorf("usage error: status %d\n%s", code, r.errOut.String())
	}
}

// leakyDriver is a loopback interface whose driver keeps one mbuf for
// ever, so shutdown must find the leak.
type leakyDriver struct {
	loopDriver
	held *mbuf.Buf
}

func (l *leakyDriver) Attach(d *daemon, name string) (*stack.Interface, error) {
	b, err := d.pool.Get()
	if err != nil {
		return nil, err
	}
	l.held = b
	return l.loopDriver.Attach(d, name)
}

// TestDaemonLeak: a buffer that never returns makes the exit status
// non-zero, with the pool count printed.
func TestDaemonLeak(t *testing.T) {
	reg := defaultRegistry()
	reg.drivers = append(reg.drivers, driverLoader{Name: "leaky", New: func(options) (driver, error) { return &leakyDriver{}, nil }})
	r := startRun([]string{"-d", "leaky", "-p", "ipv4", "--buffers", "128"}, env{reg: reg})
	waitFor(t, &r.out, "gopkt: running (2 interfaces)", 10*time.Second)
	if code := r.stop(t); code != exitFail {
		t.Errorf("exit status %d, want %d", code, exitFail)
	}
	if !strings.Contains(r.out.String(), "pool: 127/128 buffers free\n") ||
		!strings.Contains(r.errOut.String(), "gopkt: mbufs leaked: 1 of 128 still in use after every interface was detached") {
		t.Errorf("output:\n%s\n%s", r.out.String(), r.errOut.String())
	}
}

// TestDaemonARPOff: with -p ipv4,arp=off the interface is NOARP, the
// daemon sends no ARP at all (not even the announcement), and traffic
// flows through the --arp static entry (the peer has one for us too).
func TestDaemonARPOff(t *testing.T) {
	bus := e1000test.NewBus()
	defer bus.Close()
	ours := e1000test.NewPort(bus, e1000test.Options{MAC: [6]byte{0x52, 0x54, 0, 0x12, 0x34, 0x10}})
	peerPool, err := mbuf.NewPool(bus.Memory(), mbuf.PoolOptions{Name: "peer", Buffers: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer peerPool.Close()
	p := newPeer(t, bus, peerPool)
	p.ip.AddStaticNeighbour(p.ifc.Interface, netip.MustParseAddr("198.18.0.2"), [6]byte{0x52, 0x54, 0, 0x12, 0x34, 0x10})
	host := &busHost{bus: bus, ports: map[string]pci.Function{"0000:00:02.0": ours.Function()}}
	r := startRun([]string{"-d", "e1000", "pci=0000:00:02.0,rxdescs=256,txdescs=256", "-p", "ipv4,arp=off",
		"--ifconfig", "em0=198.18.0.2/24", "--arp", "198.18.0.1=52:54:00:12:34:11", "--buffers", "1024"},
		env{pciHost: func(vfio.Options) pciHost { return host }})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for range 3 {
		if _, err := p.ip.Ping(ctx, netip.MustParseAddr("198.18.0.2"), ipv4.PingOptions{}); err != nil {
			t.Fatalf("peer ping over static entries: %v", err)
		}
	}
	if code := r.stop(t); code != exitOK {
		t.Fatalf("exit status %d\n%s", code, r.errOut.String())
	}
	out := r.out.String()
	for _, want := range []string{
		"em0: index 2 <UP,NOARP> mtu 1500 ether 52:54:00:12:34:10",
		"    link: up 1000 Mb/s full-duplex, 0 changes, tx dropped while down 0, tx foreign buffers 0",
		"198.18.0.1 dev em0 lladdr 52:54:00:12:34:11 PERMANENT",
		"icmp: in 3 echo-requests 3 echo-replies 0 errors 0 unreachable 0 time-exceeded 0; out 3 echo-replies 3",
		"arp: in requests 0 replies 0 errors 0 refused 0; out requests 0 replies 0; unresolved 0 conflicts 0",
		"pool: 1024/1024 buffers free",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
	p.close(t)
}
