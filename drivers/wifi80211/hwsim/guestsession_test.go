package hwsim_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/softmac"
)

// session is our station connected to hostapd: card, layer, a minimal IP
// host on the vap, and the events since the connection.
type session struct {
	s      *station
	vap    *net80211.Vap
	h      *host
	events chan net80211.Event
}

// connectSession connects the net80211 station on our card to the AP of the
// environment (AP_SSID, AP_PASSPHRASE), waits until hostapd authorizes it
// and checks the keys went to the card. Teardown (deauthentication, radio
// service, detach with the pool full) is registered with t.Cleanup.
func connectSession(t *testing.T) *session {
	t.Helper()
	s := newStation(t, vcard.Interrupt)
	t.Cleanup(func() { s.close(t) })
	r := softmac.New(s.d, s.pool)
	ss := &session{s: s, events: make(chan net80211.Event, 64)}
	com, err := net80211.NewCom(net80211.ComConfig{Radio: r})
	if err != nil {
		t.Fatal(err)
	}
	rxEther := make(chan []byte, 256)
	ss.vap, err = com.NewVap(net80211.VapConfig{
		// TCG guests on a shared host stall for hundreds of milliseconds:
		// allow 5 s without beacons and 1 s per management exchange.
		Timeouts: net80211.Timeouts{BeaconMiss: 50, Auth: time.Second, Assoc: time.Second},
		Events: func(e net80211.Event) {
			select {
			case ss.events <- e:
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
	ss.h = &host{mac: staMAC, out: ss.vap.Output, apMAC: make(chan net.HardwareAddr, 1), replies: make(chan uint16, 64)}
	hostDone := make(chan struct{})
	go func() {
		defer close(hostDone)
		for f := range rxEther {
			ss.h.input(f)
		}
	}()
	t.Cleanup(func() { close(rxEther); <-hostDone })
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- r.Serve(ctx, com, 20*time.Millisecond) }()
	t.Cleanup(func() {
		ss.vap.Disconnect()
		time.Sleep(50 * time.Millisecond) // let the deauthentication leave
		cancel()
		<-served
		r.Close()
	})

	start := time.Now()
	if err := ss.vap.Connect([]byte(os.Getenv("AP_SSID")), os.Getenv("AP_PASSPHRASE")); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(20 * time.Second)
wait:
	for {
		select {
		case e := <-ss.events:
			fmt.Printf("GUEST: %7.3fs event %+v\n", time.Since(start).Seconds(), e)
			if e.Kind == net80211.EventConnected {
				break wait
			}
		case <-timeout:
			t.Fatalf("not connected within 20 s; state %v", ss.vap.State())
		}
	}
	fmt.Printf("GUEST: connected in %v (guest time)\n", time.Since(start).Round(time.Millisecond))
	// Our port opens when message 4 leaves; hostapd authorizes when it has
	// processed it, a moment later.
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
	if k := ss.vap.PairwiseKey(); k == nil || k.Flags&net80211.KeyHW == 0 {
		t.Errorf("pairwise key not in the card's key cache: %+v", k)
	}
	if free := s.d.KeyCache().Free(); free > 14 {
		t.Errorf("key cache has %d free slots; want the PTK and GTK installed", free)
	}
	return ss
}
