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
	// DEL_MAC_ADDR of the permanent address does not make radio 1 deaf.
	var a attrs
	a.bytes(attrAddrTransmitter, radio1[:])
	a.bytes(attrAddrReceiver, perm1)
	m.handle(&genetlink.Message{Header: genetlink.Header{Command: cmdDelMACAddr}, Data: a.b})
	*out = (*out)[:0]
	m.handle(kmsg(radio0, perm1, flagReqTxStatus, 3))
	if flags, _, _ := txInfoOf(t, (*out)[len(*out)-1]); flags&flagStatAck == 0 {
		t.Fatalf("after DEL_MAC_ADDR of the permanent address: flags %#x", flags)
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
