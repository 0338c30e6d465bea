package ipv4_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/wire"
)

// sendTo writes one UDP datagram to a:9 from the host.
func (w *testWire) sendTo(a wire.Addr4) {
	w.t.Helper()
	c, err := w.h.UDP.Dial(netip.AddrPort{}, netip.AddrPortFrom(netip.AddrFrom4(a), 9))
	if err != nil {
		w.t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte{1}); err != nil {
		w.t.Fatal(err)
	}
}

// TestStaticNeighboursDoNotStarveDynamic: more permanent entries than the
// dynamic limit, and a new neighbour still resolves (its ARP request goes
// out); permanent entries past their own limit are refused with an error.
func TestStaticNeighboursDoNotStarveDynamic(t *testing.T) {
	w := newWire(t, ipv4.Options{NeighMax: 4, NeighStaticMax: 10})
	for i := range 10 {
		if err := w.h.IP.AddStaticNeighbour(w.ifc, netip.AddrFrom4([4]byte{198, 18, 0, byte(100 + i)}), wire.MAC{2, 0, 0, 0, 1, byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	err := w.h.IP.AddStaticNeighbour(w.ifc, netip.MustParseAddr("198.18.0.200"), wire.MAC{2, 0, 0, 0, 2, 0})
	if !errors.Is(err, ipv4.ErrNeighFull) {
		t.Fatalf("static entry past the limit: %v", err)
	}
	// Replacing an existing permanent entry is not a new one.
	if err := w.h.IP.AddStaticNeighbour(w.ifc, netip.MustParseAddr("198.18.0.100"), wire.MAC{2, 0, 0, 0, 1, 0x99}); err != nil {
		t.Fatal(err)
	}
	// Fill the dynamic entries with resolving neighbours, then more: every
	// one sends its ARP request.
	for i := range 8 {
		a := wire.Addr4{198, 18, 0, byte(10 + i)}
		w.sendTo(a)
		got := w.frames()
		want := arpFrame(wire.ARPRequest, hostMAC, hostIP, wire.MAC{}, a, wire.BroadcastMAC())
		if len(got) != 1 || string(got[0]) != string(want) {
			t.Fatalf("neighbour %d: %d frames, want its ARP request", i, len(got))
		}
	}
	st := w.h.IP.Stats()
	if st.NeighEvicted != 4 || st.NeighStaticRefused != 1 {
		t.Errorf("evicted %d, static refused %d; want 4, 1", st.NeighEvicted, st.NeighStaticRefused)
	}
	static, dynamic := 0, 0
	for _, n := range w.h.IP.Neighbours() {
		if n.State == ipv4.Static {
			static++
		} else {
			dynamic++
		}
	}
	if static != 10 || dynamic != 4 {
		t.Errorf("%d static and %d dynamic entries, want 10 and 4", static, dynamic)
	}
	// Deleting a permanent entry makes room for another.
	if !w.h.IP.DeleteNeighbour(w.ifc, netip.MustParseAddr("198.18.0.101")) {
		t.Fatal("delete")
	}
	if err := w.h.IP.AddStaticNeighbour(w.ifc, netip.MustParseAddr("198.18.0.200"), wire.MAC{2, 0, 0, 0, 2, 0}); err != nil {
		t.Fatal(err)
	}
}

// TestARPForgedSendersNotLearned: only a request to us from an on-link
// sender creates an entry; unsolicited replies and off-link senders are
// counted and ignored, though the request is still answered.
func TestARPForgedSendersNotLearned(t *testing.T) {
	w := newWire(t, ipv4.Options{})
	forged := wire.MAC{2, 0, 0, 0, 0, 0x66}
	// A reply nobody asked for.
	w.inject(arpFrame(wire.ARPReply, forged, wire.Addr4{198, 18, 0, 66}, hostMAC, hostIP, hostMAC))
	// A request from off the subnet.
	w.inject(arpFrame(wire.ARPRequest, forged, wire.Addr4{203, 0, 113, 66}, wire.MAC{}, hostIP, wire.BroadcastMAC()))
	if got := w.frames(); len(got) != 1 {
		t.Errorf("the off-link request got %d answers, want 1", len(got))
	}
	if ns := w.h.IP.Neighbours(); len(ns) != 0 {
		t.Errorf("learned %+v", ns)
	}
	if st := w.h.IP.Stats(); st.ARPInRefused != 2 {
		t.Errorf("ARPInRefused %d, want 2", st.ARPInRefused)
	}
	// A reply to a request we sent is learned.
	w.sendTo(wire.Addr4{198, 18, 0, 66})
	w.frames()
	w.inject(arpFrame(wire.ARPReply, forged, wire.Addr4{198, 18, 0, 66}, hostMAC, hostIP, hostMAC))
	got := w.frames() // the queued datagram
	if ns := w.h.IP.Neighbours(); len(ns) != 1 || ns[0].MAC != forged || ns[0].State != ipv4.Reachable || len(got) != 1 {
		t.Errorf("answered request: neighbours %+v, %d frames", ns, len(got))
	}
}

// TestNeighbourLRU: a neighbour we keep sending to survives a flood of new
// ones learned from requests (the dynamic limit is 4).
func TestNeighbourLRU(t *testing.T) {
	w := newWire(t, ipv4.Options{NeighMax: 4})
	w.learn()
	for i := range 30 {
		src := wire.Addr4{198, 18, 0, byte(100 + i)}
		w.inject(arpFrame(wire.ARPRequest, wire.MAC{2, 0, 0, 0, 3, byte(i)}, src, wire.MAC{}, hostIP, wire.BroadcastMAC()))
		w.sendTo(peerIP)
		if got := w.frames(); len(got) != 2 { // the ARP reply and the datagram to the peer
			t.Fatalf("round %d: %d frames, want 2", i, len(got))
		}
	}
	found := false
	for _, n := range w.h.IP.Neighbours() {
		found = found || n.Addr == netip.AddrFrom4(peerIP)
	}
	if !found || len(w.h.IP.Neighbours()) != 4 {
		t.Errorf("the busy neighbour was evicted: %+v", w.h.IP.Neighbours())
	}
	if st := w.h.IP.Stats(); st.NeighEvicted != 27 {
		t.Errorf("evicted %d, want 27", st.NeighEvicted)
	}
}
