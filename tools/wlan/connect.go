package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/hwsim"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/pktdump"
)

// connectOpts are connect's flags.
type connectOpts struct {
	sock       string
	mac        net.HardwareAddr
	ssid, pass string
	psk        *[32]byte // instead of pass when set
	timeout    time.Duration
	ip         ipConfig // attach to a stack when enabled
	pcap       string   // radiotap capture file, or ""
	pcapCount  int
	stamps     bool // progress lines end with [elapsed]
	// dropSAEConfirms: the medium loses the AP's first N SAE Confirms
	// (testing the exchange's recovery).
	dropSAEConfirms int
	// reorderData: the medium delivers N of the AP's QoS Data frames
	// after the one that follows them, once a Block Ack agreement was
	// offered (testing receive reordering).
	reorderData int
	// forgeBIP: the medium gives us a copy with a wrong MIC before each
	// of the AP's first N group-addressed frames that carry a Management
	// MIC element (--forge-bip).
	forgeBIP int
	links    []hwsim.Link // per-link signal levels of the medium (--signal)
	// bgscan: period of background scan visits while connected (0: none).
	bgscan time.Duration
	// softCrypto: CCMP and GCMP in the software engine of the crypto
	// offload API (batched per burst) instead of the card's key cache.
	softCrypto bool
	udpSink    uint16 // count datagrams to this UDP port (0: none)
	// saeGroups: the SAE groups to offer, in order (nil: 19, 20, 21).
	saeGroups []uint16
}

// connect joins the network, prints progress, then serves the control
// socket until disconnect or a signal. With an address (or --dhcp) the
// vap is a stack interface that answers and sends pings.
func connect(o connectOpts, stdout, stderr io.Writer) (code int) {
	events := make(chan net80211.Event, 64)
	var src *radiotapSource
	var tap net80211.Tap
	if o.pcap != "" {
		src = newRadiotapSource()
		tap = src.tap
	}
	st, err := openStation(o.mac, func(e net80211.Event) {
		select {
		case events <- e:
		default:
		}
	}, tap, hwsim.Config{Lose: saeConfirmLoser(o.dropSAEConfirms), Hold: dataSwapper(o.reorderData), Forge: bipForger(o.forgeBIP), Links: o.links}, o.softCrypto, o.bgscan, o.saeGroups)
	if err != nil {
		fmt.Fprintf(stderr, "wlan connect: %v\n", err)
		return 1
	}
	// Teardown runs in reverse: stack and port, capture, then the card
	// (which reports buffers still in use).
	defer func() {
		if err := st.close(); err != nil {
			fmt.Fprintln(stderr, err)
			code = 1
		}
	}()
	if src != nil {
		stop, err := startCapture(o.pcap, o.pcapCount, src, stdout)
		if err != nil {
			fmt.Fprintf(stderr, "wlan connect: %v\n", err)
			return 1
		}
		defer func() {
			if err := stop(); err != nil {
				fmt.Fprintf(stderr, "wlan connect: capture: %v\n", err)
				code = 1
			}
		}()
	}
	var x *ipIface
	if o.ip.enabled() {
		if x, err = attachIP(st, o.ip); err != nil {
			fmt.Fprintf(stderr, "wlan connect: %v\n", err)
			return 1
		}
		defer func() {
			if err := x.close(); err != nil {
				fmt.Fprintf(stderr, "wlan connect: %v\n", err)
				code = 1
			}
		}()
	}
	var sink *udpSink
	if o.udpSink != 0 {
		if x == nil {
			fmt.Fprintln(stderr, "wlan connect: --udp-sink needs a stack: give --addr or --dhcp")
			return 2
		}
		if sink, err = startUDPSink(x, o.udpSink); err != nil {
			fmt.Fprintf(stderr, "wlan connect: --udp-sink %d: %v\n", o.udpSink, err)
			return 1
		}
		defer sink.close() // before the stack closes (deferred earlier, runs later)
	}
	lines6 := make(chan string, 16)
	if x != nil && x.ip6 != nil {
		done := make(chan struct{})
		watched := make(chan struct{})
		go func() { x.watch6(done, lines6); close(watched) }()
		defer func() { close(done); <-watched }()
	}

	quit := make(chan struct{}, 1)
	l, err := serveControl(o.sock, func(req request) response {
		switch req.Cmd {
		case "status":
			vs, cs := st.vap.Status(), st.dev.Stats()
			v := makeStatus(vs, cs)
			v.Crypto = st.cryptoView(vs)
			var ps port.Stats
			if x != nil {
				v.Interface, v.Addresses = x.cfg.Name, x.addresses()
				if sink != nil {
					v.UDPSink = sink.view()
				}
				ps = x.port.Stats()
			}
			ms := st.md.Stats()
			v.Drops, v.RefusedByOtherRadios = makeDrops(vs, cs, ms, ps), ms.Refused
			if x != nil {
				v.Drops.Stack = makeStackView(x.ip.Stats(), x.ifc.Counters())
				x.ipv6Status(&v)
			}
			return response{Status: &v}
		case "scan":
			return response{Scan: scanRows(st.vap.ScanResults())}
		case "ping":
			if x == nil {
				return response{Error: "wlan connect runs without a stack interface: start it with --addr, --dhcp or --slaac"}
			}
			dst, err := x.pingDst(req.Addr)
			if err != nil {
				return response{Error: err.Error()}
			}
			if req.Count < 1 || req.Interval <= 0 || req.Wait <= 0 {
				return response{Error: fmt.Sprintf("malformed ping request %+v", req)}
			}
			v := x.ping(dst, req.Count, req.Interval, req.Wait, req.Size)
			return response{Ping: &v}
		case "disconnect":
			select {
			case quit <- struct{}{}:
			default:
			}
			return response{}
		}
		return response{Error: fmt.Sprintf("unknown command %q", req.Cmd)}
	})
	if err != nil {
		fmt.Fprintf(stderr, "wlan connect: %v\n", err)
		return 1
	}
	defer l.Close()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)

	start := time.Now()
	join := func() error {
		if o.psk != nil {
			return st.vap.ConnectPSK([]byte(o.ssid), *o.psk)
		}
		return st.vap.Connect([]byte(o.ssid), o.pass)
	}
	if err := join(); err != nil {
		fmt.Fprintf(stderr, "wlan connect: %v\n", err)
		return 1
	}
	deadline := time.After(o.timeout)
	connected := false
	var retry <-chan time.Time
	addrDone := make(chan string, 1)
	for {
		select {
		case e := <-events:
			if line := progress(e); line != "" {
				if e.Kind == net80211.EventConnected {
					line += fmt.Sprintf(" in %v", time.Since(start).Round(time.Millisecond))
				}
				if o.stamps {
					// At the end, so that a line's first word stays
					// what scripts match on.
					line = fmt.Sprintf("%s [%.6fs]", line, time.Since(start).Seconds())
				}
				fmt.Fprintln(stdout, line)
			}
			switch e.Kind {
			case net80211.EventConnected:
				if !connected && x != nil && x.cfg.hasIPv4() {
					go func() { addrDone <- x.announce(o.timeout) }()
				}
				if x != nil {
					x.linkUp() // IPv6: a new link (RFC 4862 §5.3)
				}
				connected = true
			case net80211.EventFailed:
				if !connected {
					fmt.Fprintf(stderr, "wlan connect: %v\n", e.Err)
					return 1
				}
				// We had the network and lost it (the AP went away, say):
				// keep trying, as a supplicant does, until disconnect.
				fmt.Fprintf(stdout, "lost %q: %v; retrying in 1 s\n", o.ssid, e.Err)
				retry = time.After(time.Second)
			}
		case line := <-addrDone:
			fmt.Fprintln(stdout, line)
		case line := <-lines6:
			if o.stamps {
				line = fmt.Sprintf("%s [%.6fs]", line, time.Since(start).Seconds())
			}
			fmt.Fprintln(stdout, line)
		case <-retry:
			retry = nil
			if err := join(); err != nil {
				fmt.Fprintf(stdout, "retry: %v\n", err)
				retry = time.After(time.Second)
			}
		case <-deadline:
			if !connected {
				fmt.Fprintf(stderr, "wlan connect: not connected to %q after %v (state %v)\n", o.ssid, o.timeout, st.vap.State())
				st.vap.Disconnect()
				return 1
			}
		case <-quit:
			if x != nil {
				x.release()
			}
			st.vap.Disconnect()
			time.Sleep(50 * time.Millisecond) // let the deauthentication leave
			fmt.Fprintln(stdout, "disconnected")
			return 0
		case s := <-sigs:
			if x != nil {
				x.release()
			}
			st.vap.Disconnect()
			time.Sleep(50 * time.Millisecond)
			fmt.Fprintf(stdout, "disconnected (%v)\n", s)
			return 0
		}
	}
}

// announce starts DHCP (or takes the static address) once the link is up
// and returns the progress line.
func (x *ipIface) announce(timeout time.Duration) string {
	if x.cfg.DHCP {
		if err := x.startDHCP(); err != nil {
			return "dhcp: " + err.Error()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	a, err := x.waitLease(ctx)
	if err != nil {
		return "address: " + err.Error()
	}
	how := "static"
	if x.cfg.DHCP {
		how = "dhcp"
	}
	return fmt.Sprintf("address %v on %s (%s)", a, x.cfg.Name, how)
}

// startCapture runs pktdump on the radiotap source into path until stop.
func startCapture(path string, count int, src *radiotapSource, stdout io.Writer) (stop func() error, err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--pcap: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		res pktdump.Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := pktdump.Run(ctx, src, pktdump.Options{Count: count, Pcap: f})
		_ = src.Close() // after Count frames the tap stops copying
		done <- result{r, err}
	}()
	return func() error {
		cancel()
		_ = src.Close()
		r := <-done
		cerr := f.Close()
		fmt.Fprintf(stdout, "capture: %d frames to %s (802.11 + radiotap), %d dropped\n", r.res.Packets, path, src.dropped.Load())
		if r.err != nil {
			return r.err
		}
		return cerr
	}, nil
}

// medium only runs the hwsim medium (and our idle card) until a signal, so
// that kernel radios reach each other: the reference wpa_supplicant of the
// benchmark needs a medium, and only one process can be it.
func medium(mac net.HardwareAddr, links []hwsim.Link, stdout, stderr io.Writer) int {
	st, err := openStation(mac, func(net80211.Event) {}, nil, hwsim.Config{Links: links}, false, 0, nil)
	if err != nil {
		fmt.Fprintf(stderr, "wlan medium: %v\n", err)
		return 1
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	fmt.Fprintln(stdout, "medium: relaying between kernel radios")
	<-sigs
	ms := st.md.Stats()
	if err := st.close(); err != nil {
		fmt.Fprintf(stderr, "wlan medium: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "medium: %d kernel frames, %d relayed, %d acknowledged\n", ms.KernelFrames, ms.Relayed, ms.Acked)
	return 0
}
