package hwsim_test

import (
	"bytes"
	"context"
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
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/softmac"
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
// lists us as authorized; the keys sit in the card's key cache.
func TestGuestConnect(t *testing.T) {
	guestOnly(t)
	s := newStation(t, vcard.Interrupt)
	defer s.close(t)
	r := softmac.New(s.d, s.pool)
	events := make(chan net80211.Event, 64)
	com, err := net80211.NewCom(net80211.ComConfig{Radio: r})
	if err != nil {
		t.Fatal(err)
	}
	rxEther := make(chan []byte, 256)
	vap, err := com.NewVap(net80211.VapConfig{
		// TCG guests on a shared host stall for hundreds of milliseconds:
		// allow 5 s without beacons and 1 s per management exchange.
		Timeouts: net80211.Timeouts{BeaconMiss: 50, Auth: time.Second, Assoc: time.Second},
		Events: func(e net80211.Event) {
			select {
			case events <- e:
			default:
			}
		},
		Sink: net80211.EtherSinkFunc(func(f []byte) {
			select {
			case rxEther <- append([]byte(nil), f...):
			default:
			}
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	h := &host{mac: staMAC, out: vap.Output, apMAC: make(chan net.HardwareAddr, 1), replies: make(chan uint16, 64)}
	hostDone := make(chan struct{})
	go func() {
		defer close(hostDone)
		for f := range rxEther {
			h.input(f)
		}
	}()
	defer func() { close(rxEther); <-hostDone }()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- r.Serve(ctx, com, 20*time.Millisecond) }()
	defer func() {
		vap.Disconnect()
		time.Sleep(50 * time.Millisecond) // let the deauthentication leave
		cancel()
		<-served
		r.Close()
	}()
	start := time.Now()
	if err := vap.Connect([]byte(os.Getenv("AP_SSID")), os.Getenv("AP_PASSPHRASE")); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(20 * time.Second)
wait:
	for {
		select {
		case e := <-events:
			fmt.Printf("GUEST: %7.3fs event %+v\n", time.Since(start).Seconds(), e)
			if e.Kind == net80211.EventConnected {
				break wait
			}
		case <-timeout:
			t.Fatalf("not connected within 20 s; state %v", vap.State())
		}
	}
	fmt.Printf("GUEST: connected in %v (guest time)\n", time.Since(start).Round(time.Millisecond))
	// Our port opens when message 4 leaves; hostapd authorizes when it
	// has processed it, a moment later.
	var out []byte
	for deadline := time.Now().Add(5 * time.Second); ; {
		out, err = exec.Command("hostapd_cli", "-p", "/var/run/hostapd", "all_sta").CombinedOutput()
		if err == nil && strings.Contains(string(out), staMAC.String()) && strings.Contains(string(out), "[AUTHORIZED]") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("hostapd does not list %v as authorized within 5 s: %v\n%s", staMAC, err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "flags=") {
			fmt.Printf("GUEST: hostapd_cli all_sta: %s %s\n", staMAC, l)
		}
	}
	if k := vap.PairwiseKey(); k == nil || k.Flags&net80211.KeyHW == 0 {
		t.Errorf("pairwise key not in the card's key cache: %+v", k)
	}
	if free := s.d.KeyCache().Free(); free > 14 {
		t.Errorf("key cache has %d free slots; want the PTK and GTK installed", free)
	}
	sent, lost := pingAcross(t, h)
	rekeys := 0
	for len(events) > 0 {
		if e := <-events; e.Kind != net80211.EventRekeyed {
			t.Errorf("event while connected: %+v", e)
		} else {
			rekeys++
		}
	}
	fmt.Printf("GUEST: %d pings, %d lost, %d rekeys (hostapd: GTK every 5 s, PTK every 10 s)\n", sent, lost, rekeys)
	if rekeys < 2 || lost > rekeys {
		t.Errorf("%d pings lost across %d rekeys: want at least 2 rekeys and at most one loss each", lost, rekeys)
	}
	// Every rekey freed the old slot: the card holds exactly the vap's
	// hardware keys.
	hw := 0
	for _, k := range []*net80211.Key{vap.PairwiseKey(), vap.GroupKey(1), vap.GroupKey(2), vap.GroupKey(3)} {
		if k != nil && k.Flags&net80211.KeyHW != 0 {
			hw++
		}
	}
	if used := s.d.KeyCache().Slots() - s.d.KeyCache().Free(); used != hw {
		t.Errorf("key cache holds %d keys, the vap %d hardware keys: a rekey leaked a slot", used, hw)
	}
	st := s.d.Stats()
	if st.TxCrypto < uint32(sent) || st.RxDecrypted < uint32(sent-lost) {
		t.Errorf("key cache: %d frames encrypted, %d decrypted; want at least %d each way through the card", st.TxCrypto, st.RxDecrypted, sent-lost)
	}
}

// pingFor is how long pingAcross pings: past hostapd's first PTK rekey.
const pingFor = 12 * time.Second

// pingAcross resolves the AP's address, pings it one echo at a time for
// pingFor, then has the AP side's Linux ping us. It returns how many of our
// pings it sent and how many got no reply.
func pingAcross(t *testing.T, h *host) (sent, lost int) {
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
	for seq := uint16(1); time.Since(start) < pingFor; seq++ {
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
	if !strings.Contains(string(out), "50 packets transmitted, 50 packets received") && !strings.Contains(string(out), "50 packets transmitted, 49 packets received") {
		t.Errorf("the AP side's ping of %v lost more than one packet (a rekey may cost one)", staIP)
	}
	return sent, lost
}
