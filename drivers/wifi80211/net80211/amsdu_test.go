package net80211_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/internal/hosttest"
)

// amsduFrames returns n Ethernet frames to the station with payloads of
// different lengths (so every padding from 0 to 3 octets occurs).
func amsduFrames(tag string, n int) [][]byte {
	var out [][]byte
	for i := range n {
		out = append(out, ether(staMAC, baPeer, fmt.Sprintf("%s %d%s", tag, i, bytes.Repeat([]byte{'.'}, i))))
	}
	return out
}

// expectRx checks the frames delivered since from are exactly want.
func expectRx(t *testing.T, b *bench, from int, want [][]byte) {
	t.Helper()
	got := b.rx[from:]
	if len(got) != len(want) {
		t.Fatalf("delivered %d frames %q, want %d (stats %+v)", len(got), got, len(want), b.vap.Stats())
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("frame %d: %q, want %q", i, got[i], want[i])
		}
	}
}

// TestAMSDU: A-MSDUs from a WMM+HT AP under CCMP are split into their
// MSDUs, delivered in order with the payload intact (IEEE 802.11-2020
// 9.3.2.2.2); a group subframe goes up too; malformed ones (a length
// past the end, missing padding, padding after the last) are dropped
// whole and counted, as is one carrying an LLC/SNAP header as a DA
// (CVE-2020-24588); subframes for another DA and EAPOL subframes are
// dropped alone; an A-MSDU in the clear while keys are in place counts
// as unprotected.
func TestAMSDU(t *testing.T) {
	b := qosBench(t, true, "aggregate me")
	b.connect("aggregate me")
	st0 := b.vap.Stats()

	n := len(b.rx)
	want := amsduFrames("msdu", 5)
	bcast := ether(net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, baPeer, "to everyone")
	want = append(want, bcast)
	if err := b.ap.SendAMSDU(want, nil); err != nil {
		t.Fatal(err)
	}
	b.medium.Run(100)
	expectRx(t, b, n, want)
	st := b.vap.Stats()
	if st.RxAMSDU != st0.RxAMSDU+1 || st.RxAMSDUMSDUs != 6 || st.RxGroup != st0.RxGroup+1 || st.RxDecryptErr != 0 {
		t.Fatalf("stats %+v", st)
	}

	drops := []struct {
		name   string
		mangle func([]byte) []byte
		count  func(s net80211.VapStats) uint64
	}{
		{"length past the end", func(p []byte) []byte { binary.BigEndian.PutUint16(p[12:], 2000); return p },
			func(s net80211.VapStats) uint64 { return s.RxAMSDUShort }},
		{"last subframe cut", func(p []byte) []byte { return p[:len(p)-1] },
			func(s net80211.VapStats) uint64 { return s.RxAMSDUShort }},
		{"padding after the last", func(p []byte) []byte { return append(p, 0, 0) },
			func(s net80211.VapStats) uint64 { return s.RxAMSDUShort }},
		{"header cut", func(p []byte) []byte { return p[:10] },
			func(s net80211.VapStats) uint64 { return s.RxAMSDUShort }},
		{"empty", func(p []byte) []byte { return p[:0] },
			func(s net80211.VapStats) uint64 { return s.RxAMSDUShort }},
		{"LLC/SNAP as the second DA", func(p []byte) []byte {
			off := (14 + int(binary.BigEndian.Uint16(p[12:])) + 3) &^ 3
			copy(p[off:], []byte{0xaa, 0xaa, 0x03, 0, 0, 0})
			return p
		}, func(s net80211.VapStats) uint64 { return s.RxAMSDUInjection }},
	}
	for i, d := range drops {
		before := d.count(b.vap.Stats())
		n := len(b.rx)
		if err := b.ap.SendAMSDU(amsduFrames("bad", 3), d.mangle); err != nil {
			t.Fatal(err)
		}
		b.medium.Run(100)
		if len(b.rx) != n || d.count(b.vap.Stats()) != before+1 {
			t.Fatalf("%s: %d delivered, counter %d→%d (stats %+v)", d.name, len(b.rx)-n, before, d.count(b.vap.Stats()), b.vap.Stats())
		}
		if b.vap.Stats().RxAMSDU != st0.RxAMSDU+2+uint64(i) {
			t.Fatalf("%s: RxAMSDU %d", d.name, b.vap.Stats().RxAMSDU)
		}
	}

	// A subframe for another station and an EAPOL subframe go; the
	// others arrive.
	other := ether(net.HardwareAddr{2, 0, 0, 0, 0, 0x55}, baPeer, "not for us")
	eapol := ether(staMAC, apMAC, "\x02\x03\x00\x00")
	binary.BigEndian.PutUint16(eapol[12:], 0x888e)
	mixed := amsduFrames("mixed", 2)
	n = len(b.rx)
	if err := b.ap.SendAMSDU([][]byte{mixed[0], other, eapol, mixed[1]}, nil); err != nil {
		t.Fatal(err)
	}
	b.medium.Run(100)
	expectRx(t, b, n, mixed)
	if s := b.vap.Stats(); s.RxAMSDUSubNotForUs != 1 || s.RxAMSDUSubEAPOL != 1 || s.EAPOLRx != st0.EAPOLRx {
		t.Fatalf("stats %+v", s)
	}

	// In the clear while the PTK is in place: unprotected, even when the
	// body reads like an EAPOL frame.
	h := frame.HeaderFields{FC: frame.MakeFC(frame.TypeData, frame.SubQoSData, frame.FlagFromDS), Addr1: staMAC, Addr2: apMAC, Addr3: apMAC,
		SeqCtl: frame.SeqCtlOf(3000, 0), QoS: frame.QoSAMSDU}
	clear := append(frame.AppendHeader(nil, &h), 0xaa, 0xaa, 0x03, 0, 0, 0, 0x88, 0x8e)
	clear = append(clear, make([]byte, 40)...)
	unprot := b.vap.Stats().RxUnprotected
	n = len(b.rx)
	b.ap.Inject(clear)
	b.medium.Run(10)
	if len(b.rx) != n || b.vap.Stats().RxUnprotected != unprot+1 {
		t.Fatalf("clear A-MSDU: delivered %d, stats %+v", len(b.rx)-n, b.vap.Stats())
	}
	b.pingPong("after")
}

// TestAMSDUInjection is the FragAttacks A-MSDU attack (CVE-2020-24588)
// as an attacker on the path makes it: the AP sends an ordinary MSDU
// whose payload the attacker chose (shaped as A-MSDU subframes), and the
// attacker sets the A-MSDU Present bit on the air. Without SPP A-MSDUs
// the bit is not in the CCMP AAD (12.5.3.3.3), so the frame decrypts;
// its body then reads as subframes whose first DA is the LLC/SNAP header.
// The A-MSDU is dropped whole, and nothing the attacker placed arrives.
func TestAMSDUInjection(t *testing.T) {
	b := qosBench(t, true, "aggregate me")
	b.connect("aggregate me")
	flip := false
	b.medium.Filter = func(from *wlantest.Radio, p []byte) []byte {
		if f, err := frame.Parse(p); flip && from == b.ap.Radio() && err == nil && f.FC().IsQoSData() {
			p = bytes.Clone(p)
			p[24] |= byte(frame.QoSAMSDU) // QoS Control, first octet: bit 7
		}
		return p
	}
	// The MSDU body is LLC/SNAP (aa aa 03 00 00 00 08 00) and the payload;
	// read as an A-MSDU, the first subframe has DA aa:aa:03:00:00:00, SA
	// 08:00 and the payload's first four octets, and the length in the
	// next two (0 here); after two octets of padding the attacker's own
	// subframe to us follows.
	inj := ether(staMAC, net.HardwareAddr{6, 6, 6, 6, 6, 6}, "")
	payload := []byte{0, 0, 0, 0, 0, 0, 0, 0} // SA tail, length 0, padding
	payload = append(payload, inj[:12]...)
	payload = binary.BigEndian.AppendUint16(payload, uint16(len("injected")))
	payload = append(payload, "injected"...)
	carrier := append(ether(staMAC, baPeer, ""), payload...)
	flip = true
	before := b.vap.Stats()
	n := len(b.rx)
	if err := b.ap.SendEther(carrier); err != nil {
		t.Fatal(err)
	}
	b.medium.Run(100)
	flip = false
	st := b.vap.Stats()
	if len(b.rx) != n || st.RxAMSDUInjection != before.RxAMSDUInjection+1 || st.RxDecryptErr != before.RxDecryptErr {
		t.Fatalf("flipped MSDU: %d delivered %q, stats %+v", len(b.rx)-n, b.rx[n:], st)
	}
	b.pingPong("after")
}

// TestAMSDUBlockAck: an AP that offers A-MSDUs in its Block Ack agreement
// gets "A-MSDU Supported" back (9.4.1.14); A-MSDUs sent out of order
// under the agreement go up in sequence order, each split in order.
func TestAMSDUBlockAck(t *testing.T) {
	b := newBABench(t)
	b.ap.OfferAMSDU = true
	b.ap.SendADDBA(0)
	b.medium.Run(100)
	if b.ap.Stats.LastADDBAStatus != 0 || b.ap.Stats.LastADDBAParams&1 == 0 {
		t.Fatalf("ADDBA with A-MSDU: status %d params %#x", b.ap.Stats.LastADDBAStatus, b.ap.Stats.LastADDBAParams)
	}
	b.ap.OfferAMSDU = false
	b.ap.SendADDBA(0)
	b.medium.Run(100)
	if b.ap.Stats.LastADDBAParams&1 != 0 {
		t.Fatalf("ADDBA without A-MSDU answered with params %#x", b.ap.Stats.LastADDBAParams)
	}
	var sets [][][]byte
	b.holding = true
	for i := range 3 {
		sets = append(sets, amsduFrames(fmt.Sprintf("set %d", i), 2+i))
		if err := b.ap.SendAMSDU(sets[i], nil); err != nil {
			t.Fatal(err)
		}
		b.medium.Run(100)
	}
	b.holding = false
	if len(b.held) != 3 {
		t.Fatalf("%d frames held", len(b.held))
	}
	n := len(b.rx)
	for _, i := range []int{2, 0, 1} {
		b.inject(i)
	}
	var want [][]byte
	for _, s := range sets {
		want = append(want, s...)
	}
	expectRx(t, b.bench, n, want)
	if s := b.vap.Stats(); s.RxReorderHeld != 1 || s.RxAMSDU != 3 || s.RxAMSDUMSDUs != uint64(len(want)) {
		t.Fatalf("stats %+v", s)
	}
}

// TestAMSDUPort: through the stack's port the MSDUs of an A-MSDU go up in
// order, all but the last as copies, the last in the received mbuf, and
// the pool is full at the end.
func TestAMSDUPort(t *testing.T) {
	pool := newPool(t, 64)
	b := qosBench(t, true, "aggregate me")
	b.connect("aggregate me")
	b.sta.Handler = func(p []byte, rx *net80211.RxInfo) {
		m, err := pool.Get()
		if err != nil {
			t.Fatal(err)
		}
		dst, _ := m.Append(len(p))
		copy(dst, p)
		b.com.InputBuf(m, rx)
	}
	pt, err := b.vap.NewPort(pool, 8)
	if err != nil {
		t.Fatal(err)
	}
	want := amsduFrames("port", 4)
	if err := b.ap.SendAMSDU(want, nil); err != nil {
		t.Fatal(err)
	}
	b.medium.Run(100)
	bufs := make([]*mbuf.Buf, 8)
	n := pt.RxBurst(bufs)
	if n != len(want) {
		t.Fatalf("RxBurst %d (stats %+v)", n, b.vap.Stats())
	}
	for i := range n {
		if !bytes.Equal(bufs[i].Bytes(), want[i]) {
			t.Errorf("frame %d: %q", i, bufs[i].Bytes())
		}
		if inPlace := bufs[i].Headroom() > mbuf.Headroom; inPlace != (i == n-1) {
			t.Errorf("frame %d: in the received mbuf %v", i, inPlace)
		}
	}
	pool.Free(bufs[:n])
	_ = pt.Close()
	if pool.InUse() != 0 {
		t.Fatalf("%d mbufs in use", pool.InUse())
	}
}

// TestAMSDUOpenAndOldCiphers: on an open WMM network A-MSDUs arrive in
// the clear and are split; a fragmented one is dropped (an A-MSDU is
// never fragmented, 10.12); under TKIP, a pre-HT cipher, they are dropped.
func TestAMSDUOpenAndOldCiphers(t *testing.T) {
	b := qosBench(t, true, "")
	b.connect("")
	n := len(b.rx)
	want := amsduFrames("open", 3)
	if err := b.ap.SendAMSDU(want, nil); err != nil {
		t.Fatal(err)
	}
	b.medium.Run(100)
	expectRx(t, b, n, want)
	b.medium.Filter = func(from *wlantest.Radio, p []byte) []byte {
		if f, err := frame.Parse(p); from == b.ap.Radio() && err == nil && f.FC().IsQoSData() {
			p = bytes.Clone(p)
			p[1] |= byte(frame.FlagMoreFrag >> 8)
		}
		return p
	}
	n = len(b.rx)
	if err := b.ap.SendAMSDU(want, nil); err != nil {
		t.Fatal(err)
	}
	b.medium.Run(100)
	if len(b.rx) != n || b.vap.Stats().RxAMSDUFragment != 1 {
		t.Fatalf("fragmented A-MSDU: %d delivered, stats %+v", len(b.rx)-n, b.vap.Stats())
	}

	tk := newBench(t, benchOpts{passphrase: "temporal key", pairwise: ie.CipherTKIP, apCfg: func(c *wlantest.APConfig) { c.QoS = true },
		comCfg: func(c *net80211.ComConfig) { c.Radio = htRadio{c.Radio.(*wlantest.Radio)} }})
	tk.connect("temporal key")
	n = len(tk.rx)
	if err := tk.ap.SendAMSDU(amsduFrames("tkip", 2), nil); err != nil {
		t.Fatal(err)
	}
	tk.medium.Run(100)
	if len(tk.rx) != n || tk.vap.Stats().RxAMSDUCipher != 1 {
		t.Fatalf("TKIP A-MSDU: %d delivered, stats %+v", len(tk.rx)-n, tk.vap.Stats())
	}
	tk.pingPong("tkip")
}

// FuzzAMSDU feeds A-MSDU bodies to the station of a WMM+HT open network
// in QoS Data frames with the A-MSDU bit: nothing may panic, and what is
// delivered is at most what the body holds.
func FuzzAMSDU(f *testing.F) {
	seed := qosBench(f, true, "")
	seed.connect("")
	var seeds [][]byte
	seed.medium.Filter = func(from *wlantest.Radio, p []byte) []byte {
		if fr, err := frame.Parse(p); from == seed.ap.Radio() && err == nil && fr.FC().IsQoSData() {
			seeds = append(seeds, bytes.Clone(p[fr.HeaderLen():]))
		}
		return p
	}
	_ = seed.ap.SendAMSDU(amsduFrames("seed", 3), nil)
	_ = seed.ap.SendAMSDU(amsduFrames("seed", 1), nil)
	_ = seed.ap.SendAMSDU([][]byte{ether(net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, baPeer, "b")}, nil)
	_ = seed.ap.SendAMSDU(amsduFrames("cut", 2), func(p []byte) []byte { return p[:len(p)-3] })
	_ = seed.ap.SendAMSDU(amsduFrames("inj", 2), func(p []byte) []byte { copy(p, []byte{0xaa, 0xaa, 3, 0, 0, 0}); return p })
	seed.medium.Run(100)
	for _, s := range seeds {
		f.Add(s)
	}
	b := qosBench(f, true, "")
	b.connect("")
	b.keep = false
	rx := &net80211.RxInfo{Rate: 2, SignalDBm: -40, FreqMHz: 2437}
	seq := uint16(100)
	f.Fuzz(func(t *testing.T, body []byte) {
		seq++
		h := frame.HeaderFields{FC: frame.MakeFC(frame.TypeData, frame.SubQoSData, frame.FlagFromDS), Addr1: staMAC, Addr2: apMAC, Addr3: apMAC,
			SeqCtl: frame.SeqCtlOf(seq&0xfff, 0), QoS: frame.QoSAMSDU}
		p := append(frame.AppendHeader(nil, &h), body...)
		before := b.count
		b.com.Input(p, rx)
		if got := b.count - before; got > len(body)/14 {
			t.Fatalf("%d MSDUs from a %d-octet body", got, len(body))
		}
	})
}

// BenchmarkInputAMSDU measures Input of a CCMP A-MSDU holding two
// 1500-octet MSDUs (3036 octets of body: what fits the 3839-octet
// Maximum A-MSDU Length), next to BenchmarkDataPath/input's single MSDU:
// duplicate and replay checks, one decryption, the split, two deliveries.
func BenchmarkInputAMSDU(bm *testing.B) {
	b := qosBench(bm, true, "benchmark")
	b.connect("benchmark")
	payload := string(make([]byte, 1500-14))
	var down []byte
	b.medium.Trace = func(_ *wlantest.Radio, p []byte) {
		if len(p) > 3000 {
			down = bytes.Clone(p)
		}
	}
	if err := b.ap.SendAMSDU([][]byte{ether(staMAC, baPeer, payload), ether(staMAC, baPeer, payload)}, nil); err != nil {
		bm.Fatal(err)
	}
	b.medium.Run(10)
	b.medium.Trace = nil
	if down == nil {
		bm.Fatal("no A-MSDU captured")
	}
	b.keep = false
	key := b.vap.PairwiseKey()
	buf := make([]byte, len(down))
	rx := &net80211.RxInfo{Rate: 108, SignalDBm: -40, FreqMHz: 2437}
	bm.ReportAllocs()
	bm.SetBytes(int64(len(down)))
	n := b.count
	for bm.Loop() {
		copy(buf, down)
		key.SetRxPN(0)  // the same frame again: rewind the replay counter
		buf[22] ^= 0x10 // new sequence number for the duplicate cache
		down[22] = buf[22]
		b.com.Input(buf, rx)
	}
	if b.count-n != 2*bm.N {
		bm.Fatalf("delivered %d MSDUs from %d A-MSDUs (stats %+v)", b.count-n, bm.N, b.vap.Stats())
	}
	bm.ReportMetric(float64(bm.Elapsed().Nanoseconds())/float64(2*bm.N), "ns/MSDU")
}

// TestAMSDUTapTshark records a CCMP association with A-MSDUs from the AP
// through ComConfig.Tap and has tshark, given the passphrase, decrypt and
// split them: every A-MSDU and every subframe we delivered must be there
// in tshark's reading, with nothing malformed.
func TestAMSDUTapTshark(t *testing.T) {
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeIEEE80211Radio); err != nil {
		t.Fatal(err)
	}
	var b *bench
	tap := func(p []byte) {
		ci := gopacket.CaptureInfo{Timestamp: b.clock.Now(), CaptureLength: len(p), Length: len(p)}
		if err := w.WritePacket(ci, p); err != nil {
			t.Error(err)
		}
	}
	b = newBench(t, benchOpts{passphrase: "aggregate me", apCfg: func(c *wlantest.APConfig) { c.QoS = true },
		comCfg: func(c *net80211.ComConfig) { c.Radio = htRadio{c.Radio.(*wlantest.Radio)}; c.Tap = tap }})
	b.connect("aggregate me")
	n := len(b.rx)
	sent := 0
	for i := range 4 {
		fr := amsduFrames(fmt.Sprintf("capture %d", i), 2+i)
		for _, e := range fr {
			e[12], e[13] = 0x88, 0xb5 // local experimental: shown as data, not as a bogus IPv4 packet
		}
		sent += len(fr)
		if err := b.ap.SendAMSDU(fr, nil); err != nil {
			t.Fatal(err)
		}
		b.medium.Run(100)
	}
	if len(b.rx)-n != sent || b.vap.Stats().RxAMSDU != 4 {
		t.Fatalf("delivered %d of %d MSDUs (stats %+v)", len(b.rx)-n, sent, b.vap.Stats())
	}
	file := filepath.Join(t.TempDir(), "amsdu.pcap")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	hosttest.Require(t, hosttest.Tshark)
	tshark := hosttest.Tshark.Argv()[0]
	fields := func(filter string, field string) []string {
		out, err := exec.Command(tshark, "-r", file, "-o", "wlan.enable_decryption:TRUE",
			"-o", `uat:80211_keys:"wpa-pwd","aggregate me:gopkt-test"`, "-Y", filter, "-T", "fields", "-e", field).Output()
		if err != nil {
			t.Fatalf("tshark: %v\n%s", err, out)
		}
		var r []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if l != "" {
				r = append(r, l)
			}
		}
		return r
	}
	amsdus := fields("wlan.qos.amsdupresent == 1", "frame.number")
	var subframes int
	for _, l := range fields("wlan.qos.amsdupresent == 1", "wlan_aggregate.a_mdsu.subframe") {
		subframes += len(strings.Split(l, ","))
	}
	malformed := fields("_ws.malformed || _ws.expert.severity == error", "frame.number")
	t.Logf("tshark: %d A-MSDUs, %d subframes, %d malformed", len(amsdus), subframes, len(malformed))
	if len(amsdus) != 4 || subframes != sent || len(malformed) != 0 {
		t.Fatalf("tshark: %d A-MSDUs (want 4), %d subframes (want %d), malformed %v", len(amsdus), subframes, sent, malformed)
	}
}

// TestAMSDUInputBurst: A-MSDUs that arrive in one burst through
// Com.InputBurst are decrypted in one batch of the software engine (the
// A-MSDU Present bit masked in the AAD as for single frames) and split
// into their MSDUs in order; every mbuf returns to the pool.
func TestAMSDUInputBurst(t *testing.T) {
	pool := newPool(t, 64)
	reg, eng := softRegistry(t)
	b := newBench(t, benchOpts{passphrase: "aggregate me", apCfg: func(c *wlantest.APConfig) { c.QoS = true },
		comCfg: func(c *net80211.ComConfig) { c.Radio = htRadio{c.Radio.(*wlantest.Radio)}; c.Crypto = reg }})
	pt, err := b.vap.NewPort(pool, 32)
	if err != nil {
		t.Fatal(err)
	}
	b.connect("aggregate me")
	out := make([]*mbuf.Buf, 32)
	pool.Free(out[:pt.RxBurst(out)])
	var frames [][]byte
	b.medium.Filter = func(from *wlantest.Radio, p []byte) []byte {
		if f, err := frame.Parse(p); from == b.ap.Radio() && err == nil && f.FC().IsQoSData() {
			frames = append(frames, p)
			return nil
		}
		return p
	}
	var want [][]byte
	for i := range 4 {
		fr := amsduFrames(fmt.Sprintf("burst %d", i), 2+i)
		want = append(want, fr...)
		if err := b.ap.SendAMSDU(fr, nil); err != nil {
			t.Fatal(err)
		}
		b.medium.Run(100)
	}
	bufs := make([]*mbuf.Buf, len(frames))
	infos := make([]net80211.RxInfo, len(frames))
	if pool.Alloc(bufs) != len(bufs) {
		t.Fatal("pool empty")
	}
	for i, m := range bufs {
		d, _ := m.Append(len(frames[i]))
		copy(d, frames[i])
		infos[i] = net80211.RxInfo{Rate: net80211.MCSRate(7), SignalDBm: -40, FreqMHz: 2437}
	}
	batches := eng.Stats().Batches
	b.com.InputBurst(bufs, infos)
	n := pt.RxBurst(out)
	if n != len(want) {
		t.Fatalf("RxBurst %d, want %d (stats %+v)", n, len(want), b.vap.Stats())
	}
	for i := range n {
		if !bytes.Equal(out[i].Bytes(), want[i]) {
			t.Errorf("frame %d: %q, want %q", i, out[i].Bytes(), want[i])
		}
	}
	pool.Free(out[:n])
	if eng.Stats().Batches != batches+1 || b.vap.Stats().RxDecryptErr != 0 {
		t.Fatalf("batches %d→%d, stats %+v", batches, eng.Stats().Batches, b.vap.Stats())
	}
	closePort(t, pt, pool)
}
