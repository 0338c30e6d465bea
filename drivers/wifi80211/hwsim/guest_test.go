package hwsim_test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/hwsim"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/vcardsim"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// guestEnv is set by TestVMHostapd for the tests that run inside the guest.
const guestEnv = "GOPKT_HWSIM_GUEST"

var staMAC = net.HardwareAddr{0x02, 0x67, 0x6f, 0x70, 0x6b, 0x01}

// station is our card on the hwsim medium: model, driver, pool, medium.
type station struct {
	md   *hwsim.Medium
	m    *vcardsim.Model
	d    *vcard.Device
	pool *mbuf.Pool
	done chan error
}

func guestOnly(t *testing.T) {
	t.Helper()
	if os.Getenv(guestEnv) == "" {
		t.Skip("runs inside the VM of TestVMHostapd (needs mac80211_hwsim and hostapd); set " + guestEnv + "=1 there")
	}
}

func newStation(t *testing.T, mode vcard.Mode) *station {
	t.Helper()
	md, err := hwsim.Open(hwsim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	m := vcardsim.New(vcardsim.Config{MAC: staMAC})
	f := m.Function()
	pool, err := mbuf.NewPool(f.DMA(), mbuf.PoolOptions{Name: "sta", Buffers: 512})
	if err != nil {
		t.Fatal(err)
	}
	d, err := vcard.Attach(f, vcard.Config{Pool: pool, Mode: mode})
	if err != nil {
		t.Fatal(err)
	}
	m.SetMedium(md)
	md.Join(m)
	s := &station{md: md, m: m, d: d, pool: pool, done: make(chan error, 1)}
	go func() { s.done <- md.Serve() }()
	return s
}

// close detaches everything and checks the pool is full.
func (s *station) close(t *testing.T) {
	t.Helper()
	st := s.md.Stats()
	fmt.Printf("GUEST: medium %+v radios %v card %+v\n", st, s.md.Radios(), s.d.Stats())
	if err := s.md.Close(); err != nil {
		t.Error(err)
	}
	if err := <-s.done; err != hwsim.ErrClosed {
		t.Errorf("Serve: %v", err)
	}
	if err := s.d.Close(); err != nil {
		t.Error(err)
	}
	s.m.Close()
	if n := s.pool.InUse(); n != 0 {
		t.Errorf("%d buffers in use after detach", n)
	}
	if st.Bad != 0 {
		t.Errorf("%d malformed kernel messages", st.Bad)
	}
	// The guest runs us as root: the 16 MiB buffer (beyond rmem_max) holds
	// thousands of kernel frames, so none may have been dropped for us.
	if os.Geteuid() == 0 && st.ReadBuffer < 16<<20 {
		t.Errorf("netlink receive buffer %d bytes, want at least 16 MiB", st.ReadBuffer)
	}
	if st.Overruns != 0 {
		t.Errorf("%d receive buffer overruns: the kernel dropped frames for the medium", st.Overruns)
	}
}

// TestGuestBeacon: hostapd's beacons reach our card through the medium, the
// RX ring and the driver; the frame and ie packages parse SSID, channel and
// RSN. A probe request we send is answered by a probe response to us.
func TestGuestBeacon(t *testing.T) {
	guestOnly(t)
	s := newStation(t, vcard.Interrupt)
	defer s.close(t)
	if err := s.d.SetChannel(2412); err != nil {
		t.Fatal(err)
	}
	var bufs [32]*mbuf.Buf
	var info [32]vcard.RxInfo
	var bssid net.HardwareAddr
	deadline := time.Now().Add(10 * time.Second)
	probed, gotResp := false, false
	for time.Now().Before(deadline) && !gotResp {
		if _, err := s.d.Wait(100 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
		n := s.d.Receive(bufs[:], info[:])
		for i := range n {
			f, err := frame.Parse(bufs[i].Bytes())
			if err != nil || f.Type() != frame.TypeMgmt {
				continue
			}
			switch f.Subtype() {
			case frame.SubBeacon, frame.SubProbeResp:
				b, err := frame.ParseBeacon(f.Body())
				if err != nil {
					t.Errorf("beacon body: %v", err)
					continue
				}
				ssidIE, _ := ie.Find(b.Elements(), ie.IDSSID)
				ssid, _ := ie.ParseSSID(ssidIE)
				ds, _ := ie.Find(b.Elements(), ie.IDDSParams)
				ch, _ := ie.ParseDS(ds)
				rsnIE, ok := ie.Find(b.Elements(), ie.IDRSN)
				rsn, err := ie.ParseRSN(rsnIE)
				if string(ssid) != os.Getenv("AP_SSID") || ch != 1 || !ok || err != nil || !rsn.HasPairwise(ie.CipherCCMP128) || !rsn.HasAKM(ie.AKMPSK) {
					t.Fatalf("frame from %v: SSID %q channel %d RSN %+v %v", f.Addr2(), ssid, ch, rsn, err)
				}
				if f.Subtype() == frame.SubProbeResp {
					if !bytes.Equal(f.Addr1(), staMAC) {
						t.Fatalf("probe response to %v", f.Addr1())
					}
					fmt.Printf("GUEST: probe response from %v, rate %d signal %d freq %d\n", f.Addr2(), info[i].Rate, info[i].Signal, info[i].Freq)
					gotResp = true
				} else if bssid == nil {
					bssid = append(net.HardwareAddr(nil), f.Addr2()...)
					fmt.Printf("GUEST: beacon from %v SSID %q channel %d RSN pairwise CCMP AKM PSK, rate %d signal %d freq %d\n",
						bssid, ssid, ch, info[i].Rate, info[i].Signal, info[i].Freq)
				}
			}
		}
		s.pool.Free(bufs[:n])
		if bssid != nil && !probed {
			probed = true
			req := probeRequest(staMAC, []byte(os.Getenv("AP_SSID")))
			b, _ := s.pool.Get()
			p, _ := b.Append(len(req))
			copy(p, req)
			if s.d.Transmit([]*mbuf.Buf{b}, []vcard.TxInfo{{Rate: 2, Key: -1, NoAck: true, Seq: true}}) != 1 {
				t.Fatal("probe request refused")
			}
		}
		var st [8]vcard.TxStatus
		s.d.Reap(st[:])
	}
	if bssid == nil || !gotResp {
		t.Fatalf("beacon from %v, probe response %v within 10 s", bssid, gotResp)
	}
}

// probeRequest is a broadcast Probe Request for ssid (IEEE 802.11-2016
// 9.3.3.10) with the 802.11b/g rates.
func probeRequest(sa net.HardwareAddr, ssid []byte) []byte {
	bc := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	f := []byte{0x40, 0x00, 0, 0}
	f = append(f, bc...)
	f = append(f, sa...)
	f = append(f, bc...)
	f = append(f, 0, 0)
	f = ie.AppendSSID(f, ssid)
	return ie.AppendRates(f, []ie.Rate{2, 4, 11, 22, 12, 18, 24, 36})
}

// TestGuestConnect: the net80211 station on our card scans, authenticates,
// associates and completes the WPA2-PSK 4-way handshake with hostapd; hostapd
// lists us as authorized; the keys sit in the card's key cache; 200 pings
// each way cross the link, encrypted and decrypted by the card, none lost.
func TestGuestConnect(t *testing.T) {
	guestOnly(t)
	if os.Getenv("AP_REKEY") != "" {
		t.Skip("hostapd rekeys in this run; TestGuestRekey covers it")
	}
	ss := connectSession(t)
	sent, lost := pingAcross(t, ss.h, 200, 0, 0)
	if lost != 0 {
		t.Errorf("%d of %d pings lost", lost, sent)
	}
	for len(ss.events) > 0 {
		t.Errorf("event while connected: %+v", <-ss.events)
	}
	vs := ss.vap.Status()
	fmt.Printf("GUEST: status: %s on %d MHz, signal %d dBm, rate %g Mb/s, %s/%s\n", vs.State, vs.FreqMHz, vs.SignalDBm, vs.TxRate.Mbps(), vs.Pairwise, vs.Group)
	// TX status reached rate control: hundreds of acknowledged frames move
	// AMRR off the lowest rate.
	if vs.TxRate <= 2 {
		t.Errorf("rate control still at %g Mb/s after %d acknowledged frames", vs.TxRate.Mbps(), ss.s.d.Stats().TxAcked)
	}
	if st := ss.s.d.Stats(); st.TxCrypto < uint32(sent) || st.RxDecrypted < uint32(sent) || st.RxMICErr != 0 {
		t.Errorf("key cache: %d frames encrypted, %d decrypted, %d MIC errors; want at least %d each way through the card", st.TxCrypto, st.RxDecrypted, st.RxMICErr, sent)
	}
}

// TestGuestRekey: with hostapd replacing the group key every 5 s and the
// pairwise key every 10 s, traffic keeps flowing through the key cache for
// 12 s, losing at most one ping per rekey, and every rekey frees its old
// slot.
func TestGuestRekey(t *testing.T) {
	guestOnly(t)
	if os.Getenv("AP_REKEY") == "" {
		t.Skip("needs hostapd with wpa_group_rekey and wpa_ptk_rekey (the second phase of TestVMHostapd sets AP_REKEY=1)")
	}
	ss := connectSession(t)
	sent, lost := pingAcross(t, ss.h, 0, 12*time.Second, 1)
	rekeys := 0
	for len(ss.events) > 0 {
		if e := <-ss.events; e.Kind != net80211.EventRekeyed {
			t.Errorf("event while connected: %+v", e)
		} else {
			rekeys++
		}
	}
	fmt.Printf("GUEST: %d pings, %d lost, %d rekeys (hostapd: GTK every 5 s, PTK every 10 s)\nGUEST: vap stats %+v\n", sent, lost, rekeys, ss.vap.Stats())
	if rekeys < 2 || lost > rekeys {
		t.Errorf("%d pings lost across %d rekeys: want at least 2 rekeys and at most one loss each", lost, rekeys)
	}
	hw := 0
	for _, k := range []*net80211.Key{ss.vap.PairwiseKey(), ss.vap.GroupKey(1), ss.vap.GroupKey(2), ss.vap.GroupKey(3)} {
		if k != nil && k.Flags&net80211.KeyHW != 0 {
			hw++
		}
	}
	if used := ss.s.d.KeyCache().Slots() - ss.s.d.KeyCache().Free(); used != hw {
		t.Errorf("key cache holds %d keys, the vap %d hardware keys: a rekey leaked a slot", used, hw)
	}
}

// pingAcross resolves the AP's address, pings it one echo at a time until
// it sent at least count pings and pinged for at least d, then has the AP
// side's Linux ping us 50 times, failing the test if more than apLoss of
// those are lost. It returns how many of our pings it sent and how many got
// no reply.
func pingAcross(t *testing.T, h *host, count int, d time.Duration, apLoss int) (sent, lost int) {
	t.Helper()
	bc := net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	var apMAC net.HardwareAddr
	for try := 0; apMAC == nil && try < 5; try++ {
		if err := h.out(ether(bc, staMAC, etherARP, arp(1, staMAC, staIP, make(net.HardwareAddr, 6), apIP))); err != nil {
			t.Fatal(err)
		}
		select {
		case apMAC = <-h.apMAC:
		case <-time.After(time.Second):
		}
	}
	if apMAC == nil {
		t.Fatal("no ARP reply from 198.18.0.1")
	}
	start := time.Now()
	for seq := uint16(1); sent < count || time.Since(start) < d; seq++ {
		sent++
		if err := h.out(ether(apMAC, staMAC, etherIPv4, icmpEcho(8, staIP, apIP, 0x6770, seq, []byte("gopkt vcard ping payload")))); err != nil {
			t.Fatal(err)
		}
	wait:
		for {
			select {
			case got := <-h.replies:
				if got == seq {
					break wait
				}
			case <-time.After(time.Second):
				lost++
				break wait
			}
		}
	}
	fmt.Printf("GUEST: %d pings to %v, %d lost, %v per round trip (guest time)\n", sent, apIP, lost, time.Since(start)/time.Duration(sent))
	out, _ := exec.Command("ping", "-c", "50", "-i", "0.05", "-W", "2", staIP.String()).CombinedOutput()
	fmt.Printf("GUEST: AP-side ping: %s\n", strings.TrimSpace(string(out)))
	var tx, rx int
	if i := strings.Index(string(out), " packets transmitted, "); i >= 0 {
		fmt.Sscanf(string(out[strings.LastIndex(string(out[:i]), "\n")+1:]), "%d packets transmitted, %d packets received", &tx, &rx)
	}
	if tx != 50 || 50-rx > apLoss {
		t.Errorf("the AP side's ping of %v: %d of %d answered, at most %d may be lost", staIP, rx, tx, apLoss)
	}
	return sent, lost
}
