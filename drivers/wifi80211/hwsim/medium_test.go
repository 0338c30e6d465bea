package hwsim

import (
	"bytes"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/air"
	"github.com/mdlayher/genetlink"
)

// sent is one command the medium sent to the kernel.
type sent struct {
	cmd   uint8
	attrs []byte
}

// fakeStation acks unicast frames to its address and records what it hears.
type fakeStation struct {
	addr  net.HardwareAddr
	freq  int
	heard [][]byte
	rx    []air.RxInfo
}

func (s *fakeStation) Addr() net.HardwareAddr { return s.addr }
func (s *fakeStation) Freq() int              { return s.freq }
func (s *fakeStation) Receive(f []byte, rx air.RxInfo) bool {
	s.heard = append(s.heard, append([]byte(nil), f...))
	s.rx = append(s.rx, rx)
	return bytes.Equal(f[4:10], s.addr)
}

func newTestMedium(t *testing.T) (*Medium, *[]sent) {
	var out []sent
	m := newMedium(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, func(cmd uint8, a []byte) (uint32, error) {
		out = append(out, sent{cmd, append([]byte(nil), a...)})
		return uint32(len(out)), nil
	})
	return m, &out
}

// kmsg builds a kernel HWSIM_CMD_FRAME from radio with a frame to a1.
func kmsg(radio [6]byte, a1 net.HardwareAddr, flags uint32, cookie uint64) *genetlink.Message {
	f := append([]byte{0x08, 0x02, 0, 0}, a1...)
	f = append(f, radio[:]...)
	f = append(f, radio[:]...)
	f = append(f, 0, 0, 0xaa, 0xaa)
	var a attrs
	a.bytes(attrAddrTransmitter, radio[:])
	a.bytes(attrFrame, f)
	a.u32(attrFlags, flags)
	a.bytes(attrTxInfo, []byte{3, 2, 0xff, 0, 0xff, 0, 0xff, 0}) // 11 Mb/s, 2 tries
	a.u64(attrCookie, cookie)
	a.u32(attrFreq, 2412)
	return &genetlink.Message{Header: genetlink.Header{Command: cmdFrame}, Data: a.b}
}

// txInfoFlags decodes the FLAGS and COOKIE of a TX_INFO_FRAME we sent.
func txInfoOf(t *testing.T, s sent) (flags uint32, cookie uint64, txInfo []byte) {
	t.Helper()
	if s.cmd != cmdTxInfoFrame {
		t.Fatalf("command %d, want TX_INFO_FRAME", s.cmd)
	}
	b := s.attrs
	for len(b) >= 4 {
		n := int(binary.NativeEndian.Uint16(b))
		v := b[4:n]
		switch binary.NativeEndian.Uint16(b[2:]) {
		case attrFlags:
			flags = binary.NativeEndian.Uint32(v)
		case attrCookie:
			cookie = binary.NativeEndian.Uint64(v)
		case attrTxInfo:
			txInfo = v
		}
		b = b[min(len(b), (n+3)&^3):]
	}
	return
}

var (
	radio0 = [6]byte{0x42, 0, 0, 0, 0, 0}
	radio1 = [6]byte{0x42, 0, 0, 0, 1, 0}
	perm0  = net.HardwareAddr{0x02, 0, 0, 0, 0, 0}
	perm1  = net.HardwareAddr{0x02, 0, 0, 0, 1, 0}
)

func TestMediumKernelFrameToOurStation(t *testing.T) {
	m, out := newTestMedium(t)
	st := &fakeStation{addr: net.HardwareAddr{2, 0x67, 0x6f, 0x70, 0x6b, 1}, freq: 2412}
	m.Join(st)
	m.handle(kmsg(radio0, st.addr, flagReqTxStatus, 99))
	if len(st.heard) != 1 || st.rx[0] != (air.RxInfo{Freq: 2412, Rate: 22, Signal: -50, Noise: -95}) {
		t.Fatalf("station heard %d frames, rx %+v", len(st.heard), st.rx)
	}
	if len(*out) != 1 {
		t.Fatalf("sent %d commands, want the TX status only", len(*out))
	}
	flags, cookie, ti := txInfoOf(t, (*out)[0])
	if flags != flagReqTxStatus|flagStatAck || cookie != 99 || !bytes.Equal(ti, []byte{3, 1, 0xff, 0, 0xff, 0, 0xff, 0}) {
		t.Fatalf("TX status flags %#x cookie %d tx info % x", flags, cookie, ti)
	}
	// Nobody owns the address: answered, not acknowledged.
	*out = (*out)[:0]
	m.handle(kmsg(radio0, net.HardwareAddr{2, 9, 9, 9, 9, 9}, flagReqTxStatus, 100))
	if flags, _, _ := txInfoOf(t, (*out)[0]); flags != flagReqTxStatus {
		t.Fatalf("unowned address acknowledged: flags %#x", flags)
	}
	if m.Stats().Unacked != 1 {
		t.Fatalf("stats %+v", m.Stats())
	}
	// Another channel: not delivered.
	st.freq = 2437
	m.handle(kmsg(radio0, st.addr, flagReqTxStatus, 101))
	if len(st.heard) != 2 {
		t.Fatalf("station on 2437 heard a 2412 frame")
	}
}

func TestMediumRelaysBetweenKernelRadios(t *testing.T) {
	m, out := newTestMedium(t)
	m.handle(kmsg(radio1, perm0, 0, 1)) // learn radio 1 (a probe, say)
	m.handle(kmsg(radio0, perm1, flagReqTxStatus, 2))
	// Radio 0's frame to radio 1's permanent address: relayed to radio 1
	// with rate index 3, signal and frequency, then acknowledged.
	var relay, status *sent
	for i := range *out {
		s := &(*out)[i]
		if s.cmd == cmdFrame {
			relay = s
		} else if c := s; func() bool { _, ck, _ := txInfoOf(t, *c); return ck == 2 }() {
			status = s
		}
	}
	if relay == nil || status == nil {
		t.Fatalf("commands %+v", *out)
	}
	var want attrs
	want.bytes(attrAddrReceiver, radio1[:])
	var k kframe
	_ = parseFrame(kmsg(radio0, perm1, 0, 2).Data, &k)
	want.bytes(attrFrame, k.frame)
	want.u32(attrRxRate, 3)
	want.u32(attrSignal, uint32(0xffffffce)) // -50 dBm
	want.u32(attrFreq, 2412)
	if !bytes.Equal(relay.attrs, want.b) {
		t.Fatalf("relay attributes\n got % x\nwant % x", relay.attrs, want.b)
	}
	if flags, _, _ := txInfoOf(t, *status); flags&flagStatAck == 0 {
		t.Fatalf("frame to a kernel radio not acknowledged: %#x", flags)
	}
	// A hardware scan's ADD and DEL of the permanent address leave radio
	// 1 answering (its interface is still up); the DEL of its interface
	// going down makes it deaf; the ADD of it coming up answers again.
	var a attrs
	a.bytes(attrAddrTransmitter, radio1[:])
	a.bytes(attrAddrReceiver, perm1)
	mac := func(cmd uint8) { m.handle(&genetlink.Message{Header: genetlink.Header{Command: cmd}, Data: a.b}) }
	cookie := uint64(3)
	acked := func() bool {
		*out = (*out)[:0]
		m.handle(kmsg(radio0, perm1, flagReqTxStatus, cookie))
		cookie++
		flags, _, _ := txInfoOf(t, (*out)[len(*out)-1])
		return flags&flagStatAck != 0
	}
	for _, c := range []struct {
		cmd  uint8
		want bool
		what string
	}{{cmdAddMACAddr, true, "a scan's ADD"}, {cmdDelMACAddr, true, "the scan's DEL"}, {cmdDelMACAddr, false, "the interface's DEL"}, {cmdAddMACAddr, true, "the interface's ADD"}} {
		mac(c.cmd)
		if got := acked(); got != c.want {
			t.Fatalf("after %s: acknowledged %v, want %v", c.what, got, c.want)
		}
	}
}

func TestMediumTransmitFromOurStation(t *testing.T) {
	m, out := newTestMedium(t)
	st := &fakeStation{addr: net.HardwareAddr{2, 0x67, 0x6f, 0x70, 0x6b, 1}, freq: 2412}
	m.Join(st)
	m.handle(kmsg(radio0, perm1, 0, 1))
	*out = (*out)[:0]
	f := append([]byte{0xb0, 0, 0, 0}, perm0...) // authentication to the AP
	f = append(f, st.addr...)
	f = append(f, perm0...)
	f = append(f, 0, 0)
	if !m.Transmit(st, f, air.TxInfo{Freq: 2412, Rate: 108}) {
		t.Fatal("frame to the kernel radio's address not acknowledged")
	}
	if len(*out) != 1 || (*out)[0].cmd != cmdFrame || !bytes.Contains((*out)[0].attrs, radio0[:]) {
		t.Fatalf("injections %+v", *out)
	}
	f[4] = 0x06 // nobody's address
	if m.Transmit(st, f, air.TxInfo{Freq: 2412, Rate: 108}) {
		t.Fatal("frame to an unknown address acknowledged")
	}
	bc := bytes.Clone(f)
	copy(bc[4:], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	if m.Transmit(st, bc, air.TxInfo{Freq: 2412}) {
		t.Fatal("group-addressed frame reported acknowledged")
	}
	if len(st.heard) != 1 { // the kernel radio's frame above, none of its own
		t.Fatalf("station heard %d frames", len(st.heard))
	}
}

// TestMediumLose: a frame Config.Lose picks reaches neither our station
// nor another kernel radio, and its transmitter hears it was not
// acknowledged; the next one goes through.
func TestMediumLose(t *testing.T) {
	m, out := newTestMedium(t)
	loseNext := false
	m.cfg.Lose = func([]byte) bool {
		l := loseNext
		loseNext = false
		return l
	}
	st := &fakeStation{addr: net.HardwareAddr{2, 0x67, 0x6f, 0x70, 0x6b, 1}, freq: 2412}
	m.Join(st)
	m.handle(kmsg(radio1, perm0, 0, 1)) // learn radio 1, a relay target
	*out = (*out)[:0]
	loseNext = true
	m.handle(kmsg(radio0, st.addr, flagReqTxStatus, 7))
	if len(st.heard) != 1 { // radio 1's frame only
		t.Fatalf("station heard %d frames, want the lost one missing", len(st.heard))
	}
	if len(*out) != 1 {
		t.Fatalf("sent %d commands (a relay?), want the TX status only", len(*out))
	}
	if flags, cookie, _ := txInfoOf(t, (*out)[0]); flags != flagReqTxStatus || cookie != 7 {
		t.Fatalf("lost frame's TX status: flags %#x cookie %d, want no ACK", flags, cookie)
	}
	m.handle(kmsg(radio0, st.addr, flagReqTxStatus, 8))
	if len(st.heard) != 2 || m.Stats().Lost != 1 {
		t.Fatalf("after the loss: heard %d, stats %+v", len(st.heard), m.Stats())
	}
}

// TestMediumHold: a frame Config.Hold picks reaches our station right
// after the next one, and its transmitter hears at once that it was
// acknowledged.
func TestMediumHold(t *testing.T) {
	m, out := newTestMedium(t)
	holdNext := false
	m.cfg.Hold = func([]byte) bool {
		h := holdNext
		holdNext = false
		return h
	}
	st := &fakeStation{addr: net.HardwareAddr{2, 0x67, 0x6f, 0x70, 0x6b, 1}, freq: 2412}
	m.Join(st)
	holdNext = true
	m.handle(kmsg(radio0, st.addr, flagReqTxStatus, 7))
	if len(st.heard) != 0 {
		t.Fatalf("station heard the held frame at once")
	}
	if flags, cookie, _ := txInfoOf(t, (*out)[len(*out)-1]); flags != flagReqTxStatus|flagStatAck || cookie != 7 {
		t.Fatalf("held frame's TX status: flags %#x cookie %d, want ACK", flags, cookie)
	}
	second := kmsg(radio0, st.addr, flagReqTxStatus, 8)
	m.handle(second)
	if len(st.heard) != 2 || m.Stats().Held != 1 {
		t.Fatalf("after the next frame: heard %d, stats %+v", len(st.heard), m.Stats())
	}
	m.handle(kmsg(radio0, st.addr, flagReqTxStatus, 9))
	if len(st.heard) != 3 {
		t.Fatalf("heard %d frames, want 3", len(st.heard))
	}
}

// attrU32 finds a u32 attribute in a command we sent.
func attrU32(t *testing.T, s sent, attr uint16) (uint32, bool) {
	t.Helper()
	b := s.attrs
	for len(b) >= 4 {
		n := int(binary.NativeEndian.Uint16(b))
		if binary.NativeEndian.Uint16(b[2:]) == attr && n == 8 {
			return binary.NativeEndian.Uint32(b[4:8]), true
		}
		b = b[min(len(b), (n+3)&^3):]
	}
	return 0, false
}

// TestMediumLinks: Config.Links set the signal per link — a kernel radio
// named by its permanent address (an AP's BSSID) or its hwsim address,
// toward every receiver or one — in what our stations receive and in
// what the medium relays and injects; other links keep Config.Signal.
func TestMediumLinks(t *testing.T) {
	m, out := newTestMedium(t)
	st := &fakeStation{addr: net.HardwareAddr{2, 0x67, 0x6f, 0x70, 0x6b, 1}, freq: 2412}
	m.cfg.Signal = -50
	m.cfg.Links = []Link{
		{From: perm0, Signal: -35},                                    // the strong AP, to everyone
		{From: net.HardwareAddr(radio1[:]), To: st.addr, Signal: -70}, // the weak AP, to us
		{From: st.addr, To: perm1, Signal: -72},                       // us, as the weak AP hears us
	}
	m.Join(st)
	m.handle(kmsg(radio0, perm1, 0, 1)) // radio 1 not known yet: not relayed
	m.handle(kmsg(radio1, perm0, 0, 2))
	m.handle(kmsg(radio0, perm1, 0, 3))
	if len(st.rx) != 3 || st.rx[0].Signal != -35 || st.rx[1].Signal != -70 || st.rx[2].Signal != -35 {
		t.Fatalf("station rx %+v, want -35, -70, -35 dBm", st.rx)
	}
	signals := map[byte]int32{} // relayed to the radio whose hwsim address ends in ..:N:00
	for _, s := range *out {
		if s.cmd != cmdFrame {
			continue
		}
		v, ok := attrU32(t, s, attrSignal)
		if !ok {
			t.Fatalf("relay without a signal: % x", s.attrs)
		}
		to := s.attrs[4:10] // ADDR_RECEIVER comes first
		signals[to[4]] = int32(v)
	}
	if signals[0] != -50 || signals[1] != -35 {
		t.Fatalf("relayed signals %v, want radio 0 hearing radio 1 at -50 and radio 1 hearing radio 0 at -35", signals)
	}
	*out = (*out)[:0]
	f := append([]byte{0xb0, 0, 0, 0}, perm1...)
	f = append(f, st.addr...)
	f = append(f, perm1...)
	f = append(f, 0, 0)
	m.Transmit(st, f, air.TxInfo{Freq: 2412, Rate: 108})
	got := map[byte]int32{}
	for _, s := range *out {
		v, _ := attrU32(t, s, attrSignal)
		got[s.attrs[4+4]] = int32(v)
	}
	if got[0] != -50 || got[1] != -72 {
		t.Fatalf("our frame injected with signals %v, want -50 at radio 0 and -72 at radio 1", got)
	}
}
