package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"

	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/spf13/pflag"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

const usage = `usage:
  wlan scan [--json]
  wlan connect --ssid SSID [--passphrase P] [--timeout 30s]
               [--addr 198.18.0.2/24 | --dhcp] [--ifname wlan0] [--pcap FILE [--pcap-count N]] [--timestamps]
  wlan ping ADDR [--count 5] [--interval 1s] [--wait 2s] [--size 56]
  wlan status [--json]
  wlan disconnect
  wlan medium          (relay between kernel radios only, e.g. for a wpa_supplicant reference)
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
	addr := fs.String("addr", "", "attach the station to a gopkt stack with this IPv4 address/prefix (connect)")
	dhcp := fs.Bool("dhcp", false, "attach the station to a gopkt stack and get its address by DHCPv4 (connect)")
	ifname := fs.String("ifname", "wlan0", "stack interface name of the station (connect)")
	pcapPath := fs.String("pcap", "", "write every 802.11 frame with its radiotap header to this pcap file (connect)")
	pcapCount := fs.Int("pcap-count", 0, "stop the capture after this many frames; 0: until disconnect (connect)")
	stamps := fs.Bool("timestamps", false, "prefix progress lines with the time since connecting began (connect)")
	count := fs.Int("count", 5, "echo requests to send (ping)")
	interval := fs.Duration("interval", time.Second, "time between echo requests (ping)")
	wait := fs.Duration("wait", 2*time.Second, "how long to wait for each reply (ping)")
	size := fs.Int("size", 56, "data bytes per echo request (ping)")
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
	case "medium":
		return medium(mac, stdout, stderr)
	case "ping":
		if fs.NArg() != 1 {
			return fail(errors.New("want one destination address, like wlan ping 198.18.0.1"))
		}
		dst, err := netip.ParseAddr(fs.Arg(0))
		if err != nil || !dst.Is4() {
			return fail(fmt.Errorf("%q is not an IPv4 address", fs.Arg(0)))
		}
		if *count < 1 || *interval <= 0 || *wait <= 0 || *size < 0 || *size > 65000 {
			return fail(errors.New("--count must be at least 1, --interval and --wait positive, --size 0 to 65000"))
		}
		req := request{Cmd: "ping", Addr: dst.String(), Count: *count, Interval: *interval, Wait: *wait, Size: *size}
		resp, err := call(*sock, req)
		if err != nil {
			return fail(err)
		}
		printPing(stdout, *resp.Ping)
		if resp.Ping.Received == 0 {
			return 1
		}
		return 0
	case "connect":
		if *ssid == "" {
			return fail(errors.New("--ssid is required"))
		}
		if *pass != "" && (len(*pass) < 8 || len(*pass) > 63) {
			return fail(fmt.Errorf("the passphrase has %d characters; WPA2 wants 8 to 63 (IEEE 802.11-2016 J.4.1)", len(*pass)))
		}
		o := connectOpts{sock: *sock, mac: mac, ssid: *ssid, pass: *pass, timeout: *timeout,
			ip: ipConfig{Name: *ifname, DHCP: *dhcp}, pcap: *pcapPath, pcapCount: *pcapCount, stamps: *stamps}
		if *addr != "" {
			if *dhcp {
				return fail(errors.New("--addr and --dhcp exclude each other"))
			}
			p, err := netip.ParsePrefix(*addr)
			if err != nil || !p.Addr().Is4() {
				return fail(fmt.Errorf("--addr %q: want an IPv4 address with prefix length, like 198.18.0.2/24", *addr))
			}
			o.ip.Addr = p
		}
		return connect(o, stdout, stderr)
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
	st, err := openStation(mac, func(net80211.Event) {}, nil)
	if err != nil {
		return nil, err
	}
	es, err := st.scan(3, 15*time.Second)
	if cerr := st.close(); err == nil {
		err = cerr
	}
	return scanRows(es), err
}
