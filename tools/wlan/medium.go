package main

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/hwsim"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/sae"
)

// saeConfirmLoser returns a hwsim.Config.Lose that loses the first n SAE
// Confirms (Authentication frames, algorithm 3, transaction 2) a kernel
// radio sends — the access point's — as a noisy channel might; nil when n
// is not positive. connect --drop-sae-confirms uses it so that the VM test
// exercises the exchange's recovery every run, not only under load.
func saeConfirmLoser(n int) func([]byte) bool {
	if n <= 0 {
		return nil
	}
	var left atomic.Int64
	left.Store(int64(n))
	return func(b []byte) bool {
		f, err := frame.Parse(b)
		if err != nil || f.Type() != frame.TypeMgmt || f.Subtype() != frame.SubAuth {
			return false
		}
		a, err := frame.ParseAuth(f.Body())
		if err != nil || a.Algorithm() != frame.AuthSAE || a.Seq() != sae.AuthSeqConfirm {
			return false
		}
		return left.Add(-1) >= 0
	}
}

// dataSwapper returns a hwsim.Config.Hold that, once a kernel radio (the
// access point) has sent an ADDBA Request, holds every tenth unicast QoS
// Data frame it sends to a station, n of them, so each reaches the
// station after the frame that followed it: what an A-MPDU whose MPDU
// was retransmitted looks like. nil when n is not positive. connect
// --reorder-data uses it so that the VM test exercises receive
// reordering (net80211 reorder.go) every run.
func dataSwapper(n int) func([]byte) bool {
	if n <= 0 {
		return nil
	}
	var offered bool
	var seen, left int
	left = n
	return func(b []byte) bool {
		f, err := frame.Parse(b)
		if err != nil {
			return false
		}
		if f.Type() == frame.TypeMgmt && f.Subtype() == frame.SubAction {
			if a, err := frame.ParseAction(f.Body()); err == nil && a.Category() == frame.CategoryBlockAck && a.ActionCode() == 0 {
				offered = true
			}
			return false
		}
		if !offered || left == 0 || f.Type() != frame.TypeData || !f.FC().IsQoSData() || f.FC()&(frame.FlagToDS|frame.FlagFromDS) != frame.FlagFromDS || f.Addr1()[0]&1 != 0 {
			return false
		}
		if seen++; seen%10 != 0 {
			return false
		}
		left--
		return true
	}
}

// bipForger returns a hwsim.Config.Forge that, for each of the first n
// group-addressed management frames a kernel radio (the access point)
// sends with a Management MIC element (BIP, 802.11-2020 12.5.4: the last
// element, 18 or 26 octets), makes a copy with the last MIC octet
// flipped, which the station hears first: an attacker replaying the frame
// with a forged MIC. nil when n is not positive. connect --forge-bip uses
// it so that the VM test sees a bad MIC dropped and counted, then the
// real frame verified.
func bipForger(n int) func([]byte) []byte {
	if n <= 0 {
		return nil
	}
	left := n
	return func(b []byte) []byte {
		f, err := frame.Parse(b)
		if left == 0 || err != nil || f.Type() != frame.TypeMgmt || f.Addr1()[0]&1 == 0 {
			return nil
		}
		body := f.Body()
		for _, l := range []int{18, 26} {
			if len(body) >= l && body[len(body)-l] == ie.IDMMIE && int(body[len(body)-l+1]) == l-2 {
				left--
				c := append([]byte(nil), b...)
				c[len(c)-1] ^= 0x01
				return c
			}
		}
		return nil
	}
}

// parseLinks parses --signal values, FROM=DBM or FROM>TO=DBM: frames from
// the radio with address FROM (an AP's BSSID, a kernel radio's hwsim
// address, or our station's) are heard by TO (every radio when absent)
// at DBM dBm (hwsim.Config.Links).
func parseLinks(specs []string) ([]hwsim.Link, error) {
	var links []hwsim.Link
	for _, spec := range specs {
		addrs, dbm, ok := strings.Cut(spec, "=")
		from, to, hasTo := strings.Cut(addrs, ">")
		d, err := strconv.ParseInt(dbm, 10, 8)
		if !ok || err != nil || d > 0 || d < -120 {
			return nil, fmt.Errorf("--signal %q: want FROM=DBM or FROM>TO=DBM with DBM from -120 to 0, like 02:00:00:00:00:00=-40", spec)
		}
		l := hwsim.Link{Signal: int8(d)}
		if l.From, err = net.ParseMAC(from); err != nil || len(l.From) != 6 {
			return nil, fmt.Errorf("--signal %q: FROM %q is not a MAC address", spec, from)
		}
		if hasTo {
			if l.To, err = net.ParseMAC(to); err != nil || len(l.To) != 6 {
				return nil, fmt.Errorf("--signal %q: TO %q is not a MAC address", spec, to)
			}
		}
		links = append(links, l)
	}
	return links, nil
}
