package ipv4_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/gopkt/gopkt/clock/clocktest"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/wire"
)

// fragments splits an ICMP echo request of n data bytes into pieces of at
// most size data bytes (a multiple of 8) and returns the frames.
func fragments(id uint16, n, size int) [][]byte {
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(i)
	}
	payload := echoRequest(7, 1, data)
	var out [][]byte
	for off := 0; off < len(payload); off += size {
		end := min(off+size, len(payload))
		var flags uint8
		if end < len(payload) {
			flags = wire.IPv4FlagMF
		}
		out = append(out, toHost(ipPacket(wire.IPv4Fields{ID: id, Flags: flags, FragmentOffset: uint16(off), Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, payload[off:end])))
	}
	return out
}

// replyData reassembles our (fragmented) echo reply and returns its data.
func replyData(t *testing.T, frames [][]byte) []byte {
	t.Helper()
	var buf []byte
	for _, f := range frames {
		h, err := wire.NewIPv4(f[14:])
		if err != nil || h.Protocol() != wire.IPProtocolICMP {
			t.Fatalf("not an ICMP datagram: % x", f)
		}
		off := int(h.FragmentOffset())
		if need := off + len(h.Payload()); len(buf) < need {
			buf = append(buf, make([]byte, need-len(buf))...)
		}
		copy(buf[off:], h.Payload())
	}
	if len(buf) < 8 || wire.ICMPv4(buf).Type() != wire.ICMPv4EchoReply || !wire.ICMPv4(buf).ChecksumValid() {
		t.Fatalf("reply is not a valid echo reply (%d bytes)", len(buf))
	}
	return buf[8:]
}

func TestReassemblyOrders(t *testing.T) {
	for _, tc := range []struct {
		name  string
		order func([][]byte) [][]byte
	}{
		{"in order", func(f [][]byte) [][]byte { return f }},
		{"reversed", func(f [][]byte) [][]byte {
			r := make([][]byte, len(f))
			for i := range f {
				r[len(f)-1-i] = f[i]
			}
			return r
		}},
		{"duplicates", func(f [][]byte) [][]byte { return append(append([][]byte{f[1]}, f...), f[2]) }},
		{"last first", func(f [][]byte) [][]byte { return append([][]byte{f[len(f)-1]}, f[:len(f)-1]...) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, ipv4.Options{})
			w.learn()
			w.inject(tc.order(fragments(0x4242, 3000, 800))...)
			data := replyData(t, w.frames())
			if len(data) != 3000 || data[2999] != byte(2999%256) {
				t.Errorf("echo data %d bytes", len(data))
			}
			st := w.h.IP.Stats()
			if st.ReasmOKs != 1 || st.FragCreates != 3 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestReassemblyOverlapDropsDatagram(t *testing.T) {
	w := newWire(t, ipv4.Options{})
	w.learn()
	f := fragments(1, 3000, 800)
	// A piece overlapping the first fragment's tail (offset 400, not 0
	// nor 800): RFC 5722-style, the whole datagram goes.
	over := toHost(ipPacket(wire.IPv4Fields{ID: 1, Flags: wire.IPv4FlagMF, FragmentOffset: 400, Protocol: wire.IPProtocolICMP, Src: peerIP, Dst: hostIP}, make([]byte, 800)))
	w.inject(f[0], over)
	w.inject(f[1:]...)
	if got := w.frames(); len(got) != 0 {
		t.Errorf("host answered an overlapping datagram (%d frames)", len(got))
	}
	if st := w.h.IP.Stats(); st.ReasmOverlaps != 1 || st.ReasmOKs != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestReassemblyFloodIsBounded(t *testing.T) {
	w := newWire(t, ipv4.Options{ReassemblyDatagrams: 8, ReassemblyBuffers: 16})
	w.learn()
	// 100 datagrams that never complete (first fragment only).
	for id := range 100 {
		w.inject(fragments(uint16(id), 3000, 800)[0])
	}
	st := w.h.IP.Stats()
	if st.ReasmEvicted < 92 {
		t.Errorf("evicted %d, want at least 92", st.ReasmEvicted)
	}
	if in := w.pool.InUse(); in > 16+4 {
		t.Errorf("%d buffers pinned by the reassembler, limit 16", in)
	}
	// A complete datagram still gets through.
	w.inject(fragments(5000, 3000, 800)...)
	if got := w.frames(); len(got) != 3 {
		t.Errorf("after the flood: %d reply frames", len(got))
	}
}

func TestReassemblyTimeoutSendsTimeExceeded(t *testing.T) {
	w := newWire(t, ipv4.Options{ReassemblyTimeout: 30 * time.Millisecond, Tick: 5 * time.Millisecond})
	w.learn()
	f := fragments(9, 3000, 800)
	w.inject(f[0], f[2])
	got := w.waitFrames(2*time.Second, 1)
	if len(got) != 1 {
		t.Fatalf("got %d frames, want one time exceeded", len(got))
	}
	m := wire.ICMPv4(got[0][34:])
	if m.Type() != wire.ICMPv4TimeExceeded || m.Code() != wire.ICMPv4ReassemblyExceeded || !bytes.Equal(m.Payload()[:20], f[0][14:34]) {
		t.Errorf("time exceeded: % x", got[0])
	}
	if st := w.h.IP.Stats(); st.ReasmTimeouts != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestFragmentationOnOutput(t *testing.T) {
	w := newWire(t, ipv4.Options{})
	w.learn()
	c, err := w.h.UDP.Dial(netipAP("0.0.0.0:5000"), netipAP("198.18.0.1:9"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := make([]byte, 3000)
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	got := w.frames()
	// 3008 bytes of UDP in 1480-byte pieces (RFC 791: multiples of 8).
	type piece struct {
		off, n int
		mf     bool
	}
	want := []piece{{0, 1480, true}, {1480, 1480, true}, {2960, 48, false}}
	if len(got) != len(want) {
		t.Fatalf("%d fragments", len(got))
	}
	for i, f := range got {
		h, err := wire.NewIPv4(f[14:])
		if err != nil || !h.ChecksumValid() {
			t.Fatalf("fragment %d: %v", i, err)
		}
		p := piece{int(h.FragmentOffset()), len(h.Payload()), h.MoreFragments()}
		if p != want[i] || h.ID() != wire.IPv4(got[0][14:]).ID() {
			t.Errorf("fragment %d: %+v id %d, want %+v", i, p, h.ID(), want[i])
		}
	}
}

// TestReassemblyTimeoutOnInjectedClock: with Options.Clock a test moves
// 30 s of reassembly time at once: nothing expires before the timeout,
// the incomplete datagram does after it (ICMP time exceeded), no sleep.
func TestReassemblyTimeoutOnInjectedClock(t *testing.T) {
	clk := clocktest.New(time.Unix(1000, 0))
	w := newWire(t, ipv4.Options{Clock: clk})
	w.learn()
	f := fragments(9, 3000, 800)
	w.inject(f[0], f[2])
	clk.Advance(29 * time.Second)
	if got := w.waitFrames(200*time.Millisecond, 1); len(got) != 0 {
		t.Fatalf("%d frames before the 30 s timeout", len(got))
	}
	clk.Advance(2 * time.Second)
	got := w.waitFrames(5*time.Second, 1)
	if len(got) != 1 || wire.ICMPv4(got[0][34:]).Type() != wire.ICMPv4TimeExceeded {
		t.Fatalf("after the timeout: %d frames, want one time exceeded", len(got))
	}
	if st := w.h.IP.Stats(); st.ReasmTimeouts != 1 {
		t.Errorf("reassembly timeouts %d, want 1", st.ReasmTimeouts)
	}
}
