package ipv4_test

import (
	"net/netip"
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// newWireBudget is newWire with an explicit budget of the 512-buffer pool
// (limit = parkable buffers) and a foreign quota of that budget, so tests
// can take part of the budget away from IPv4.
func newWireBudget(t *testing.T, o ipv4.Options, limit int) (*testWire, *mbuf.Quota) {
	pool := stacktest.NewPool(t, 512)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{Reserve: 512 - limit})
	if err != nil {
		t.Fatal(err)
	}
	h := stacktest.NewHost(t, pool, stacktest.Config{IP: o, Budget: bg})
	pa, pb := link.Pair(link.Options{A: peerMAC, B: hostMAC})
	t.Cleanup(func() { pa.Close(); pb.Close() })
	ifc := h.AttachAddr(t, "eth0", pb, "198.18.0.2/24", true)
	w := &testWire{t: t, pool: pool, h: h, ifc: ifc, peer: pa}
	w.frames()
	return w, bg.NewQuota("other", limit)
}

// TestARPHoldQuota: packets queued on unresolved neighbours are charged to
// the arp-hold quota, a total over every entry; past it (or past the pool
// budget) they are dropped and counted by reason, and the charge comes
// back when the queue is sent or dropped.
func TestARPHoldQuota(t *testing.T) {
	w, other := newWireBudget(t, ipv4.Options{ARPHoldBuffers: 4}, 64)
	c, err := w.h.UDP.ListenPacket(netipAP("0.0.0.0:5000"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	hold, _ := w.h.IP.Quotas()
	send := func(dst string, n int) {
		for range n {
			if _, err := c.WriteToUDPAddrPort([]byte("x"), netipAP(dst)); err != nil {
				t.Fatal(err)
			}
		}
	}
	send("198.18.0.50:9", 2) // two neighbours that do not answer, two packets each
	send("198.18.0.51:9", 2)
	send("198.18.0.52:9", 2) // past the quota of 4: both refused
	w.frames()               // the ARP requests
	st := w.h.IP.Stats()
	if hold.InUse() != 4 || st.ARPHoldRefusedQuota != 2 || st.ARPHoldRefusedBudget != 0 {
		t.Errorf("hold queues: %d charged, refused %d (quota) %d (budget); want 4, 2, 0", hold.InUse(), st.ARPHoldRefusedQuota, st.ARPHoldRefusedBudget)
	}
	// Another consumer takes the rest of the budget: the next packet is
	// refused by the budget, not the quota.
	if err := other.Charge(60); err != nil {
		t.Fatal(err)
	}
	w.inject(arpFrame(wire.ARPReply, wire.MAC{2, 0, 0, 0, 0, 0x50}, wire.Addr4{198, 18, 0, 50}, hostMAC, hostIP, hostMAC))
	if got := w.frames(); len(got) != 2 || hold.InUse() != 2 {
		t.Errorf("after the reply: %d frames sent, %d still charged; want 2 and 2", len(got), hold.InUse())
	}
	if err := other.Charge(2); err != nil { // the budget is full again
		t.Fatal(err)
	}
	send("198.18.0.53:9", 1)
	if st := w.h.IP.Stats(); st.ARPHoldRefusedBudget != 1 || st.ARPHoldRefusedQuota != 2 {
		t.Errorf("refused %d (quota) %d (budget); want 2, 1", st.ARPHoldRefusedQuota, st.ARPHoldRefusedBudget)
	}
	other.Uncharge(62)
	for _, a := range []string{"198.18.0.51", "198.18.0.52", "198.18.0.53"} {
		w.h.IP.DeleteNeighbour(w.ifc, netipAddr(a))
	}
	if hold.InUse() != 0 {
		t.Errorf("%d still charged after the entries went", hold.InUse())
	}
	w.frames()
}

// TestReassemblyQuota: fragments are charged to the reassembly quota; a
// refused fragment evicts the oldest datagram (counted by reason) and a
// complete datagram still gets through. With the budget taken by another
// consumer the refusals are the budget's.
func TestReassemblyQuota(t *testing.T) {
	w, other := newWireBudget(t, ipv4.Options{ReassemblyBuffers: 8}, 64)
	w.learn()
	_, reass := w.h.IP.Quotas()
	for id := range 10 { // two pieces of four each: 20 buffers against 8
		f := fragments(uint16(id), 3000, 800)
		w.inject(f[0], f[1])
	}
	st := w.h.IP.Stats()
	// Four datagrams fit; each later first piece is refused once and
	// evicts the oldest datagram (two buffers), which makes room for both.
	if reass.InUse() != 8 || st.ReasmRefusedQuota != 6 || st.ReasmRefusedBudget != 0 || st.ReasmEvicted != 6 {
		t.Errorf("reassembly holds %d, refused %d (quota) %d (budget), evicted %d", reass.InUse(), st.ReasmRefusedQuota, st.ReasmRefusedBudget, st.ReasmEvicted)
	}
	w.inject(fragments(500, 3000, 800)...)
	if got := w.frames(); len(got) != 3 {
		t.Errorf("a complete datagram after the flood: %d reply frames, want 3", len(got))
	}
	held := reass.InUse()
	if err := other.Charge(64 - held); err != nil {
		t.Fatal(err)
	}
	f := fragments(600, 3000, 800)
	w.inject(f[0])
	if st := w.h.IP.Stats(); st.ReasmRefusedBudget == 0 {
		t.Errorf("no budget refusal with the budget full: %+v", st)
	}
	other.Uncharge(64 - held)
	if err := w.h.S.Close(); err != nil {
		t.Fatal(err)
	}
	if reass.InUse() != 0 || w.pool.InUse() != 0 {
		t.Errorf("after Close: reassembly holds %d, pool %d in use", reass.InUse(), w.pool.InUse())
	}
}

// TestNeighbourEvictionKeepsAnswering: with the table full of unresolved
// entries (a flood towards silent next hops), a new entry evicts one of
// them, never the neighbour that answered.
func TestNeighbourEvictionKeepsAnswering(t *testing.T) {
	w := newWire(t, ipv4.Options{NeighMax: 4})
	w.learn()
	c, err := w.h.UDP.ListenPacket(netipAP("0.0.0.0:5000"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 20 {
		dst := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 18, 0, byte(100 + i)}), 9)
		if _, err := c.WriteToUDPAddrPort([]byte("x"), dst); err != nil {
			t.Fatal(err)
		}
	}
	w.frames()
	found := false
	for _, n := range w.h.IP.Neighbours() {
		found = found || n.Addr == netipAddr("198.18.0.1") && n.State == ipv4.Reachable
	}
	if !found {
		t.Errorf("the answering neighbour was evicted: %+v", w.h.IP.Neighbours())
	}
}

// BenchmarkARPHoldCharged is the charged steady state of a flood towards a
// next hop that never answers: each packet is charged to the arp-hold
// quota and pushes the oldest queued one out (uncharged, freed).
func BenchmarkARPHoldCharged(b *testing.B) {
	pool := stacktest.NewPool(b, 256)
	r, in, _ := router(b, pool)
	out := r.S.InterfaceByName("eth1")
	r.IP.DeleteNeighbour(out, netipAddr("198.18.1.2")) // the next hop is silent now
	tmpl := udpFrame(64)
	bufs := make([]*mbuf.Buf, 1)
	rin := r.S.InterfaceByName("eth0")
	step := func() {
		bufs[0], _ = pool.Get()
		d, _ := bufs[0].Append(len(tmpl))
		copy(d, tmpl)
		in.TxBurst(bufs)
		rin.Poll()
	}
	for range 8 { // fill the queue (and drain the ARP requests)
		step()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
	b.StopTimer()
	if hold, _ := r.IP.Quotas(); hold.InUse() != 3 {
		b.Errorf("hold queue charged %d, want 3", hold.InUse())
	}
	r.IP.DeleteNeighbour(out, netipAddr("198.18.1.2"))
}

// BenchmarkReassemblyCharged: a UDP datagram of 2000 bytes in two
// fragments, charged to the reassembly quota while incomplete, then to
// the socket's udp-rcvq quota, and read. One op is one datagram.
func BenchmarkReassemblyCharged(b *testing.B) {
	w := newWire(b, ipv4.Options{})
	w.learn()
	c, err := w.h.UDP.ListenPacket(netipAP("0.0.0.0:9"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	u := udpDatagram(peerIP, hostIP, 1000, 9, make([]byte, 2000))
	var frames [2][]byte
	for i, r := range [][2]int{{0, 1480}, {1480, len(u)}} {
		var flags uint8
		if i == 0 {
			flags = wire.IPv4FlagMF
		}
		frames[i] = toHost(ipPacket(wire.IPv4Fields{ID: 1, Flags: flags, FragmentOffset: uint16(r[0]), Protocol: wire.IPProtocolUDP, Src: peerIP, Dst: hostIP}, u[r[0]:r[1]]))
	}
	bufs := make([]*mbuf.Buf, 2)
	buf := make([]byte, 4096)
	b.ReportAllocs()
	for b.Loop() {
		w.pool.Alloc(bufs)
		for i, f := range frames {
			d, _ := bufs[i].Append(len(f))
			copy(d, f)
		}
		w.peer.TxBurst(bufs)
		w.ifc.Poll()
		if n, _, err := c.ReadFromUDPAddrPort(buf); err != nil || n != 2000 {
			b.Fatalf("read %d %v", n, err)
		}
	}
}
