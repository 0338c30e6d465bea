package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/spf13/pflag"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

const usage = `usage:
  wlan scan [--json]
  wlan connect --ssid SSID [--passphrase P] [--timeout 30s]
  wlan status [--json]
  wlan disconnect
common flags: --socket PATH (default /run/gopkt-wlan.sock), --mac ADDR (station address)
`

// run is main without the process: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	fs := pflag.NewFlagSet("wlan "+args[0], pflag.ContinueOnError)
	fs.SetOutput(stderr)
	sock := fs.String("socket", "/run/gopkt-wlan.sock", "control socket of wlan connect")
	macFlag := fs.String("mac", "02:67:6f:70:6b:01", "station address of the card")
	asJSON := fs.Bool("json", false, "print JSON")
	ssid := fs.String("ssid", "", "network to join (connect)")
	pass := fs.String("passphrase", "", "WPA2 passphrase, 8 to 63 characters; empty for an open network (connect)")
	timeout := fs.Duration("timeout", 30*time.Second, "give up connecting after this long (connect)")
	if err := fs.Parse(args[1:]); err != nil {
		fmt.Fprintf(stderr, "wlan %s: %v\n%s", args[0], err, usage)
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "wlan %s: %v\n", args[0], err)
		return 1
	}
	mac, err := net.ParseMAC(*macFlag)
	if err != nil || len(mac) != 6 {
		return fail(fmt.Errorf("--mac %q: want a 6-byte address like 02:67:6f:70:6b:01", *macFlag))
	}
	switch args[0] {
	case "scan":
		rows, err := doScan(*sock, mac)
		if err != nil {
			return fail(err)
		}
		if err := printScan(stdout, rows, *asJSON); err != nil {
			return fail(err)
		}
		return 0
	case "status":
		resp, err := call(*sock, request{Cmd: "status"})
		if err != nil {
			return fail(err)
		}
		if err := printStatus(stdout, *resp.Status, *asJSON); err != nil {
			return fail(err)
		}
		return 0
	case "disconnect":
		if _, err := call(*sock, request{Cmd: "disconnect"}); err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, "disconnected")
		return 0
	case "connect":
		if *ssid == "" {
			return fail(errors.New("--ssid is required"))
		}
		if *pass != "" && (len(*pass) < 8 || len(*pass) > 63) {
			return fail(fmt.Errorf("the passphrase has %d characters; WPA2 wants 8 to 63 (IEEE 802.11-2016 J.4.1)", len(*pass)))
		}
		return connect(*sock, mac, *ssid, *pass, *timeout, stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return 2
}

// doScan asks a running connect, or scans with a card of its own.
func doScan(sock string, mac net.HardwareAddr) ([]scanRow, error) {
	resp, err := call(sock, request{Cmd: "scan"})
	if err == nil {
		return resp.Scan, nil
	}
	if !errors.Is(err, errNoDaemon) {
		return nil, err
	}
	st, err := openStation(mac, func(net80211.Event) {})
	if err != nil {
		return nil, err
	}
	es, err := st.scan(3, 15*time.Second)
	if cerr := st.close(); err == nil {
		err = cerr
	}
	return scanRows(es), err
}

// connect joins the network, prints progress, then serves the control
// socket until disconnect or a signal.
func connect(sock string, mac net.HardwareAddr, ssid, pass string, timeout time.Duration, stdout, stderr io.Writer) (code int) {
	events := make(chan net80211.Event, 64)
	st, err := openStation(mac, func(e net80211.Event) {
		select {
		case events <- e:
		default:
		}
	})
	if err != nil {
		fmt.Fprintf(stderr, "wlan connect: %v\n", err)
		return 1
	}
	defer func() {
		if err := st.close(); err != nil {
			fmt.Fprintln(stderr, err)
			code = 1
		}
	}()
	quit := make(chan struct{}, 1)
	l, err := serveControl(sock, func(req request) response {
		switch req.Cmd {
		case "status":
			v := makeStatus(st.vap.Status(), st.dev.Stats())
			return response{Status: &v}
		case "scan":
			return response{Scan: scanRows(st.vap.ScanResults())}
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
	if err := st.vap.Connect([]byte(ssid), pass); err != nil {
		fmt.Fprintf(stderr, "wlan connect: %v\n", err)
		return 1
	}
	deadline := time.After(timeout)
	connected := false
	var retry <-chan time.Time
	for {
		select {
		case e := <-events:
			if line := progress(e); line != "" {
				if e.Kind == net80211.EventConnected {
					line += fmt.Sprintf(" in %v", time.Since(start).Round(time.Millisecond))
				}
				fmt.Fprintln(stdout, line)
			}
			switch e.Kind {
			case net80211.EventConnected:
				connected = true
			case net80211.EventFailed:
				if !connected {
					fmt.Fprintf(stderr, "wlan connect: %v\n", e.Err)
					return 1
				}
				// We had the network and lost it (the AP went away, say):
				// keep trying, as a supplicant does, until disconnect.
				fmt.Fprintf(stdout, "lost %q: %v; retrying in 1 s\n", ssid, e.Err)
				retry = time.After(time.Second)
			}
		case <-retry:
			retry = nil
			if err := st.vap.Connect([]byte(ssid), pass); err != nil {
				fmt.Fprintf(stdout, "retry: %v\n", err)
				retry = time.After(time.Second)
			}
		case <-deadline:
			if !connected {
				fmt.Fprintf(stderr, "wlan connect: not connected to %q after %v (state %v)\n", ssid, timeout, st.vap.State())
				st.vap.Disconnect()
				return 1
			}
		case <-quit:
			st.vap.Disconnect()
			time.Sleep(50 * time.Millisecond) // let the deauthentication leave
			fmt.Fprintln(stdout, "disconnected")
			return 0
		case s := <-sigs:
			st.vap.Disconnect()
			time.Sleep(50 * time.Millisecond)
			fmt.Fprintf(stdout, "disconnected (%v)\n", s)
			return 0
		}
	}
}
