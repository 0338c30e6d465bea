package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/gopkt/gopkt/crypto"
	"github.com/gopkt/gopkt/crypto/soft"
	"github.com/gopkt/gopkt/drivers/wifi80211/hwsim"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/softmac"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/vcardsim"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// poolBuffers sizes the shared pool: the card's rings (256 RX, 256 TX),
// the port's RX queue and the stack's bursts in flight.
const poolBuffers = 2048

// station is the whole wireless stack of one process: medium, card model,
// driver, pool, net80211 com and vap, and the radio's service goroutine.
type station struct {
	md     *hwsim.Medium
	model  *vcardsim.Model
	dev    *vcard.Device
	pool   *mbuf.Pool
	radio  *softmac.Radio
	soft   *soft.Engine // the software crypto engine (--crypto soft), or nil
	com    *net80211.Com
	vap    *net80211.Vap
	cancel context.CancelFunc
	served chan error
	mdDone chan error
}

// openStation builds the stack on a medium configured by mc (per-link
// signal levels, frames lost on purpose); events go to ev (which must not
// block); tap, if not nil, sees every 802.11 frame with its radiotap
// header. With softCrypto, CCMP and GCMP keys get sessions on a software
// engine of the crypto offload API (encrypted and decrypted a batch per
// burst) instead of slots in the card's key cache. bgscan is the period of
// background scan visits while connected (0: none).
func openStation(mac net.HardwareAddr, ev func(net80211.Event), tap net80211.Tap, mc hwsim.Config, softCrypto bool, bgscan time.Duration, saeGroups []uint16) (*station, error) {
	md, err := hwsim.Open(mc)
	if err != nil {
		return nil, err
	}
	s := &station{md: md, model: vcardsim.New(vcardsim.Config{MAC: mac})}
	f := s.model.Function()
	fail := func(err error) (*station, error) {
		s.close()
		return nil, err
	}
	if s.pool, err = mbuf.NewPool(f.DMA(), mbuf.PoolOptions{Name: "wlan", Buffers: poolBuffers}); err != nil {
		return fail(err)
	}
	if s.dev, err = vcard.Attach(f, vcard.Config{Pool: s.pool, Mode: vcard.Interrupt}); err != nil {
		return fail(err)
	}
	s.model.SetMedium(md)
	md.Join(s.model)
	s.mdDone = make(chan error, 1)
	go func() { s.mdDone <- md.Serve() }()
	s.radio = softmac.New(s.dev, s.pool)
	cc := net80211.ComConfig{Radio: s.radio, Tap: tap}
	if softCrypto {
		s.soft = soft.New(soft.Options{})
		cc.Crypto = &crypto.Registry{}
		if err := cc.Crypto.Register(s.soft); err != nil {
			return fail(err)
		}
	}
	if s.com, err = net80211.NewCom(cc); err != nil {
		return fail(err)
	}
	if s.vap, err = s.com.NewVap(net80211.VapConfig{Events: ev,
		// A probe response crosses the medium, the kernel and hostapd:
		// give it 100 ms per channel. 3 beacon intervals without a
		// beacon (307 ms at hostapd's 100 TU) move us to another AP of
		// the ESS when one is known; with none, 50 (5 s) give the AP up.
		// TCG guests stall: a Tick gap over 60 ms (three 20 ms ticks)
		// is time nobody listened, not missed beacons. A 4-way handshake
		// takes well under 0.5 s even there; 2 s without message 3
		// (twice) means a wrong passphrase, reported within 10 s.
		Scan: net80211.ScanConfig{ActiveDwell: 100 * time.Millisecond},
		Timeouts: net80211.Timeouts{BeaconMiss: 3, BeaconLost: 50, Stall: 60 * time.Millisecond,
			Handshake: 2 * time.Second},
		Roam:      net80211.RoamConfig{BgScan: bgscan},
		SAEGroups: saeGroups}); err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.served = cancel, make(chan error, 1)
	go func() { s.served <- s.radio.Serve(ctx, s.com, 20*time.Millisecond) }()
	return s, nil
}

// scan runs up to passes scans, stopping at the first that found a
// network, and returns the cache.
func (s *station) scan(passes int, timeout time.Duration) ([]net80211.ScanEntry, error) {
	deadline := time.Now().Add(timeout)
	for range passes {
		if err := s.vap.Scan(); err != nil {
			return nil, err
		}
		for s.vap.Scanning() {
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("scan did not finish within %v", timeout)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if es := s.vap.ScanResults(); len(es) > 0 {
			return es, nil
		}
	}
	return nil, nil
}

// close tears everything down in reverse order and reports leaked buffers.
func (s *station) close() error {
	var leak error
	if s.cancel != nil {
		s.cancel()
		<-s.served
		s.radio.Close()
	}
	if s.md != nil {
		_ = s.md.Close()
		if s.mdDone != nil {
			<-s.mdDone
		}
	}
	if s.dev != nil {
		_ = s.dev.Close() // closes the function too
	} else {
		_ = s.model.Function().Close()
	}
	s.model.Close()
	if s.pool != nil && s.pool.InUse() != 0 {
		leak = fmt.Errorf("wlan: %d buffers still in use after detach", s.pool.InUse())
	}
	return leak
}

// cryptoView says where the pairwise key's cipher runs (vap status's
// PairwiseOffload), for status.
func (s *station) cryptoView(vs net80211.Status) cryptoView {
	var v cryptoView
	switch o := vs.PairwiseOffload; {
	case o == "radio":
		v.Where = "card key cache"
	case strings.HasPrefix(o, "engine "):
		v.Where = "software engine (" + strings.TrimPrefix(o, "engine ") + "), batched"
	default:
		v.Where = o
	}
	if s.soft != nil {
		st := s.soft.Stats()
		v.Batches, v.Ops, v.AuthFailures = st.Batches, st.Ops, st.AuthFailures
	}
	return v
}
