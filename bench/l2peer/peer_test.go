package l2peer

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/bridge"
	"github.com/gopkt/gopkt/stack/iface/tap"
	gipv4 "github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/pf"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// side is one device under test: setup builds it between the sender and
// receiver namespaces and returns the receiver's interface name and the
// destination to send to.
type side struct {
	name  string
	setup func(t *testing.T, s, r *hosttest.Namespace) (rdev, dst string)
}

// TestBenchL2Peer is the side-by-side figure (doc.go says what each side
// does).
func TestBenchL2Peer(t *testing.T) {
	if os.Getenv("GOPKT_BENCH") != "1" {
		t.Skip("the peer benchmark floods namespaces for a minute; run bench/l2peer/run.sh (GOPKT_BENCH=1)")
	}
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Tool("nft", "nftables"))
	secs, rounds := 3, 3
	if s := os.Getenv("GOPKT_BENCH_SECONDS"); s != "" {
		secs, _ = strconv.Atoi(s)
	}
	if s := os.Getenv("GOPKT_BENCH_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	sides := []side{{"linux-bridge", linuxBridge}, {"gopkt-bridge", gopktBridge}, {"linux-nft", linuxNFT}, {"gopkt-pf", gopktPF},
		{"linux-ip", linuxIP}, {"gopkt-ip-fast", gopktIPFast}, {"gopkt-ip-full", gopktIPFull}}
	got := map[string][]float64{}
	offered := map[string][]float64{}
	for round := range rounds {
		for _, sd := range sides {
			t.Run(fmt.Sprintf("%s-%d", sd.name, round), func(t *testing.T) {
				rx, tx := measure(t, sd, time.Duration(secs)*time.Second)
				got[sd.name] = append(got[sd.name], rx)
				offered[sd.name] = append(offered[sd.name], tx)
			})
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-14s %14s %14s   (median of %d rounds of %d s; 60-byte frames)\n", "side", "delivered pps", "offered pps", rounds, secs)
	for _, sd := range sides {
		fmt.Fprintf(&b, "%-14s %14.0f %14.0f\n", sd.name, median(got[sd.name]), median(offered[sd.name]))
	}
	lb, gb, ln, gp := median(got["linux-bridge"]), median(got["gopkt-bridge"]), median(got["linux-nft"]), median(got["gopkt-pf"])
	if lb > 0 && ln > 0 {
		fmt.Fprintf(&b, "gopkt bridge / Linux bridge: %.2f; gopkt pf forwarding / Linux nftables forwarding: %.2f\n", gb/lb, gp/ln)
	}
	li, gf, gl := median(got["linux-ip"]), median(got["gopkt-ip-fast"]), median(got["gopkt-ip-full"])
	if li > 0 && gl > 0 {
		fmt.Fprintf(&b, "gopkt forwarding / Linux forwarding: %.2f with the flow cache, %.2f without; flow cache / full path: %.2f\n", gf/li, gl/li, gf/gl)
	}
	t.Log("\n" + b.String())
	fmt.Print(b.String())
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}

// measure builds the side in fresh namespaces and returns the receiver's
// delivered and the sender's offered packets per second over d.
func measure(t *testing.T, sd side, d time.Duration) (rx, tx float64) {
	s, r := hosttest.NewNamespace(t, "pS"), hosttest.NewNamespace(t, "pR")
	rdev, dst := sd.setup(t, s, r)
	// The receiver holds the port bound and never reads it.
	if err := r.Do(func() error {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{Port: 9})
		if err == nil {
			t.Cleanup(func() { _ = c.Close() })
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// Warm up: ARP on every hop, the bridges' FDBs.
	if out, err := r.Output("ping", "-c", "2", "-i", "0.2", "-w", "10", "198.18.50.1"); err != nil {
		t.Fatalf("warm-up ping from the receiver: %v\n%s", err, out)
	}
	counter := func() uint64 {
		v, err := strconv.ParseUint(strings.TrimSpace(r.Run(t, "cat", "/sys/class/net/"+rdev+"/statistics/rx_packets")), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var sent atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var serr error
	go func() {
		defer wg.Done()
		serr = s.Do(func() error { return blast(dst, stop, &sent) })
	}()
	time.Sleep(500 * time.Millisecond) // queues fill, rates settle
	r0, s0, t0 := counter(), sent.Load(), time.Now()
	time.Sleep(d)
	r1, s1, t1 := counter(), sent.Load(), time.Now()
	close(stop)
	wg.Wait()
	if serr != nil {
		t.Fatalf("sender: %v", serr)
	}
	el := t1.Sub(t0).Seconds()
	rx, tx = float64(r1-r0)/el, float64(s1-s0)/el
	t.Logf("%s: delivered %.0f pps, offered %.0f pps", sd.name, rx, tx)
	return rx, tx
}

// blast sends 18-byte UDP datagrams to dst:9 in batches of 64 until stop.
func blast(dst string, stop <-chan struct{}, sent *atomic.Uint64) error {
	c, err := net.ListenUDP("udp4", nil)
	if err != nil {
		return err
	}
	defer c.Close()
	p := ipv4.NewPacketConn(c)
	to := &net.UDPAddr{IP: net.ParseIP(dst), Port: 9}
	payload := make([]byte, 18)
	msgs := make([]ipv4.Message, 64)
	for i := range msgs {
		msgs[i] = ipv4.Message{Buffers: [][]byte{payload}, Addr: to}
	}
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		// A full queue (ENOBUFS) sends fewer or none: the flood does not
		// wait.
		if n, _ := p.WriteBatch(msgs, 0); n > 0 {
			sent.Add(uint64(n))
		}
	}
}

// veth joins namespaces a and b with a veth pair (names from tags).
func veth(t *testing.T, a *hosttest.Namespace, ta string, b *hosttest.Namespace, tb string) (string, string) {
	na, nb := hosttest.LinkName(ta), hosttest.LinkName(tb)
	hosttest.Run(t, "ip", "link", "add", na, "netns", a.Name, "type", "veth", "peer", "name", nb, "netns", b.Name)
	for _, x := range []struct {
		ns  *hosttest.Namespace
		dev string
	}{{a, na}, {b, nb}} {
		x.ns.Run(t, "sysctl", "-qw", "net.ipv6.conf."+x.dev+".disable_ipv6=1")
		x.ns.IP(t, "link", "set", x.dev, "up")
	}
	return na, nb
}

func linuxBridge(t *testing.T, s, r *hosttest.Namespace) (string, string) {
	b := hosttest.NewNamespace(t, "pB")
	b.IP(t, "link", "add", "br0", "type", "bridge")
	sdev, sb := veth(t, s, "pbs", b, "pbsb")
	rdev, rb := veth(t, r, "pbr", b, "pbrb")
	for _, d := range []string{sb, rb} {
		b.IP(t, "link", "set", d, "master", "br0")
	}
	b.IP(t, "link", "set", "br0", "up")
	s.IP(t, "addr", "add", "198.18.50.1/24", "dev", sdev)
	r.IP(t, "addr", "add", "198.18.50.2/24", "dev", rdev)
	return rdev, "198.18.50.2"
}

func linuxNFT(t *testing.T, s, r *hosttest.Namespace) (string, string) {
	return linuxRouter(t, s, r, true)
}

// linuxIP is linux-nft without the nftables table: the kernel's plain
// forwarding path, the peer of gopkt-ip-fast and gopkt-ip-full.
func linuxIP(t *testing.T, s, r *hosttest.Namespace) (string, string) {
	return linuxRouter(t, s, r, false)
}

func linuxRouter(t *testing.T, s, r *hosttest.Namespace, nft bool) (string, string) {
	n := hosttest.NewNamespace(t, "pN")
	sdev, ns := veth(t, s, "pns", n, "pnsn")
	rdev, nr := veth(t, r, "pnr", n, "pnrn")
	n.IP(t, "addr", "add", "198.18.50.254/24", "dev", ns)
	n.IP(t, "addr", "add", "198.18.51.254/24", "dev", nr)
	n.Run(t, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	var rules strings.Builder
	rules.WriteString("table ip gopktbench {\n chain gopktfwd {\n  type filter hook forward priority 0; policy accept;\n")
	for i := range 10 {
		fmt.Fprintf(&rules, "  ip saddr 198.19.0.%d tcp dport %d drop\n", i, 1000+i)
	}
	rules.WriteString("  udp dport 9 accept\n }\n}\n")
	if nft {
		f := t.TempDir() + "/rules.nft"
		if err := os.WriteFile(f, []byte(rules.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		n.Run(t, "nft", "-f", f)
	}
	s.IP(t, "addr", "add", "198.18.50.1/24", "dev", sdev)
	s.IP(t, "route", "add", "198.18.51.0/24", "via", "198.18.50.254")
	r.IP(t, "addr", "add", "198.18.51.2/24", "dev", rdev)
	r.IP(t, "route", "add", "198.18.50.0/24", "via", "198.18.51.254")
	return rdev, "198.18.51.2"
}

// ourStack is a stack with a bridge cloner and IPv4 (forwarding when
// asked), and two TAPs whose Linux ends go to s and r.
func ourStack(t *testing.T, s, r *hosttest.Namespace, forwarding bool) (*stack.Stack, *gipv4.IPv4, [2]*stack.Interface, string) {
	return ourStackOpts(t, s, r, gipv4.Options{Forwarding: forwarding})
}

func ourStackOpts(t *testing.T, s, r *hosttest.Namespace, o gipv4.Options) (*stack.Stack, *gipv4.IPv4, [2]*stack.Interface, string) {
	pool := stacktest.NewPool(t, 8192)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ip := gipv4.New(o)
	st, err := stack.New(stack.Options{Pool: pool, Budget: bg, Protocols: []stack.Protocol{ip}, Cloners: []stack.Cloner{&bridge.Cloner{}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	var ifcs [2]*stack.Interface
	var rdev string
	for i, c := range []struct {
		ns  *hosttest.Namespace
		tag string
	}{{s, "pgs"}, {r, "pgr"}} {
		dev := hosttest.LinkName(c.tag)
		p, err := tap.Open(dev, pool, tap.Options{})
		if err != nil {
			t.Fatal(err)
		}
		hosttest.Run(t, "ip", "link", "set", dev, "netns", c.ns.Name)
		c.ns.Run(t, "sysctl", "-qw", "net.ipv6.conf."+dev+".disable_ipv6=1")
		c.ns.IP(t, "link", "set", dev, "up")
		ifc, err := st.Attach(fmt.Sprintf("tap%d", i), p, stack.IfOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Detach(ifc); _ = p.Close() })
		ifcs[i] = ifc
		if i == 1 {
			rdev = dev
		}
	}
	return st, ip, ifcs, rdev
}

func gopktBridge(t *testing.T, s, r *hosttest.Namespace) (string, string) {
	st, _, ifcs, rdev := ourStack(t, s, r, false)
	br, err := (&bridge.Cloner{}).Add(st, "bridge0")
	if err != nil {
		t.Fatal(err)
	}
	for _, ifc := range ifcs {
		if _, err := br.AddMember(ifc); err != nil {
			t.Fatal(err)
		}
	}
	s.IP(t, "addr", "add", "198.18.50.1/24", "dev", hosttest.LinkName("pgs"))
	r.IP(t, "addr", "add", "198.18.50.2/24", "dev", rdev)
	return rdev, "198.18.50.2"
}

// gopktIPFast is our stack forwarding between the TAPs with no filter:
// after a flow's first datagram, the flow cache (stack/ipv4 fastfwd.go).
func gopktIPFast(t *testing.T, s, r *hosttest.Namespace) (string, string) {
	return gopktRouter(t, s, r, gipv4.Options{Forwarding: true})
}

// gopktIPFull is gopktIPFast with the flow cache off: the full IP path.
func gopktIPFull(t *testing.T, s, r *hosttest.Namespace) (string, string) {
	return gopktRouter(t, s, r, gipv4.Options{Forwarding: true, NoFastForward: true})
}

func gopktRouter(t *testing.T, s, r *hosttest.Namespace, o gipv4.Options) (string, string) {
	st, _, ifcs, rdev := ourStackOpts(t, s, r, o)
	for i, a := range []string{"198.18.50.254/24", "198.18.51.254/24"} {
		if err := st.AddAddress(ifcs[i], netip.MustParsePrefix(a)); err != nil {
			t.Fatal(err)
		}
	}
	s.IP(t, "addr", "add", "198.18.50.1/24", "dev", hosttest.LinkName("pgs"))
	s.IP(t, "route", "add", "198.18.51.0/24", "via", "198.18.50.254")
	r.IP(t, "addr", "add", "198.18.51.2/24", "dev", rdev)
	r.IP(t, "route", "add", "198.18.50.0/24", "via", "198.18.51.254")
	return rdev, "198.18.51.2"
}

func gopktPF(t *testing.T, s, r *hosttest.Namespace) (string, string) {
	st, ip, ifcs, rdev := ourStack(t, s, r, true)
	for i, a := range []string{"198.18.50.254/24", "198.18.51.254/24"} {
		if err := st.AddAddress(ifcs[i], netip.MustParsePrefix(a)); err != nil {
			t.Fatal(err)
		}
	}
	f := pf.New(st, pf.Options{})
	var rules strings.Builder
	for i := range 10 {
		fmt.Fprintf(&rules, "block in proto tcp from 198.19.0.%d to any port %d\n", i, 1000+i)
	}
	rules.WriteString("pass in proto udp to any port 9 no state\n")
	if err := f.Load(rules.String()); err != nil {
		t.Fatal(err)
	}
	if err := f.Attach(ip); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Detach)
	s.IP(t, "addr", "add", "198.18.50.1/24", "dev", hosttest.LinkName("pgs"))
	s.IP(t, "route", "add", "198.18.51.0/24", "via", "198.18.50.254")
	r.IP(t, "addr", "add", "198.18.51.2/24", "dev", rdev)
	r.IP(t, "route", "add", "198.18.50.0/24", "via", "198.18.51.254")
	return rdev, "198.18.51.2"
}
