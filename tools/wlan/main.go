package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"time"
	"unicode/utf8"

	"github.com/gopkt/gopkt/drivers/wifi80211/hwsim"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/sae"
	"github.com/spf13/pflag"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

const usage = `usage:
  wlan scan [--json]
  wlan connect --ssid SSID [--passphrase P | --psk HEX] [--timeout 30s]
               [--addr 198.18.0.2/24 | --dhcp] [--slaac [--stable-secret FILE]] [--ifname wlan0]
               [--pcap FILE [--pcap-count N]] [--timestamps] [--bgscan 10s]
  wlan ping ADDR [--count 5] [--interval 1s] [--wait 2s] [--size 56]
  wlan status [--json]
  wlan disconnect
  wlan medium          (relay between kernel radios only, e.g. for a wpa_supplicant reference)
  wlan decrypt -r IN -w OUT (--ssid S --passphrase P | --psk HEX | --pmk HEX)... [--bssid B] [--keep-80211]
common flags: --socket PATH (default /run/gopkt-wlan.sock), --mac ADDR (station address)
wlan COMMAND --help lists a command's flags.
`

// synopsis is each subcommand's first help line.
var synopsis = map[string]string{
	"scan":       "wlan scan [flags]: list the networks in range",
	"connect":    "wlan connect --ssid SSID [flags]: join a network and hold the link until disconnect",
	"ping":       "wlan ping ADDR [flags]: send ICMP (IPv4) or ICMPv6 echo requests through a running connect's stack",
	"status":     "wlan status [flags]: state, ciphers and counters of a running connect",
	"disconnect": "wlan disconnect [flags]: deauthenticate and stop a running connect",
	"medium":     "wlan medium [flags]: only relay between kernel radios (the hwsim medium)",
}

// cmdFlags are the values of every subcommand's flags; each subcommand's
// flag set binds only its own.
type cmdFlags struct {
	sock, mac              string
	asJSON                 bool
	ssid, pass, psk        string
	timeout                time.Duration
	addr, ifname, pcapPath string
	dhcp, stamps, slaac    bool
	secret                 string
	pcapCount, count, size int
	interval, wait         time.Duration
	dropSAEConfirms        int
	reorderData            int
	forgeBIP               int
	crypto                 string
	udpSink                uint16
	signals                []string
	bgscan                 time.Duration
	saeGroups              []uint
}

// newFlagSet builds the flag set of subcommand cmd, or nil when there is
// no such subcommand.
func newFlagSet(cmd string, f *cmdFlags) *pflag.FlagSet {
	if _, ok := synopsis[cmd]; !ok {
		return nil
	}
	fs := pflag.NewFlagSet("wlan "+cmd, pflag.ContinueOnError)
	fs.StringVar(&f.sock, "socket", "/run/gopkt-wlan.sock", "control socket of wlan connect")
	fs.StringVar(&f.mac, "mac", "02:67:6f:70:6b:01", "station address of the card")
	switch cmd {
	case "scan", "connect", "medium":
		fs.StringArrayVar(&f.signals, "signal", nil, "FROM[>TO]=DBM: the medium carries frames from radio FROM (an AP's BSSID) to TO (default: every radio) at DBM dBm; repeatable")
	}
	switch cmd {
	case "scan", "status":
		fs.BoolVar(&f.asJSON, "json", false, "print JSON")
	case "connect":
		fs.StringVar(&f.ssid, "ssid", "", "network to join")
		fs.StringVar(&f.pass, "passphrase", "", "WPA2 passphrase: 8 to 63 printable ASCII characters; empty for an open network")
		fs.StringVar(&f.psk, "psk", "", "WPA2 pre-shared key as 64 hex digits (hostapd's wpa_psk=), instead of --passphrase")
		fs.Uint16Var(&f.udpSink, "udp-sink", 0, "with --addr or --dhcp: count the UDP datagrams sent to this port (status shows them)")
		fs.UintSliceVar(&f.saeGroups, "sae-groups", []uint{19, 20, 21}, "WPA3-SAE groups to offer, in order; the next after the AP refuses one (status 77): 19 (NIST P-256), 20 (P-384), 21 (P-521)")
		fs.StringVar(&f.crypto, "crypto", "card", "where CCMP runs: card (the card's key cache) or soft (the software engine of the crypto offload API, a batch per burst of frames)")
		fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "give up connecting after this long")
		fs.StringVar(&f.addr, "addr", "", "attach the station to a gopkt stack with this IPv4 address/prefix")
		fs.BoolVar(&f.dhcp, "dhcp", false, "attach the station to a gopkt stack and get its address by DHCPv4")
		fs.BoolVar(&f.slaac, "slaac", false, "IPv6 on the station's stack: link-local address, router discovery and stateless address autoconfiguration (RFC 4861, 4862, 7217); with --addr or --dhcp, dual stack")
		fs.StringVar(&f.secret, "stable-secret", "/var/lib/gopkt/wlan-stable-secret", "file with the RFC 7217 secret that keys --slaac's interface identifiers (made, 256 random bits, when missing)")
		fs.StringVar(&f.ifname, "ifname", "wlan0", "stack interface name of the station")
		fs.StringVar(&f.pcapPath, "pcap", "", "write every 802.11 frame with its radiotap header to this pcap file")
		fs.IntVar(&f.pcapCount, "pcap-count", 0, "stop the capture after this many frames; 0: until disconnect")
		fs.BoolVar(&f.stamps, "timestamps", false, "end each progress line with [seconds since connecting began]")
		fs.DurationVar(&f.bgscan, "bgscan", 10*time.Second, "while connected, visit another channel (40 ms) this often to keep the other access points of the SSID known for roaming; 0: never")
		fs.IntVar(&f.dropSAEConfirms, "drop-sae-confirms", 0, "testing: the medium loses the first N SAE Confirms the access point sends")
		fs.IntVar(&f.forgeBIP, "forge-bip", 0, "testing: before each of the first N group-addressed frames with a Management MIC element the access point sends, the medium gives the station a copy with a wrong MIC")
		fs.IntVar(&f.reorderData, "reorder-data", 0, "testing: once the access point offers a Block Ack agreement, the medium swaps N of its QoS Data frames with the frame after each")
	case "ping":
		fs.IntVar(&f.count, "count", 5, "echo requests to send")
		fs.DurationVar(&f.interval, "interval", time.Second, "time between echo requests")
		fs.DurationVar(&f.wait, "wait", 2*time.Second, "how long to wait for each reply")
		fs.IntVar(&f.size, "size", 56, "data bytes per echo request")
	}
	fs.Usage = func() {} // run prints help itself (to stdout, exit 0)
	return fs
}

// parseKey checks connect's credentials: a passphrase of 8 to 63
// printable ASCII characters (IEEE 802.11-2016 J.4.1), counted as
// characters, or a PSK of exactly 64 hex digits.
func parseKey(pass, psk string) (key *[32]byte, err error) {
	const allowed = "8 to 63 printable ASCII characters, or --psk with 64 hex digits"
	switch {
	case pass != "" && psk != "":
		return nil, errors.New("--passphrase and --psk exclude each other")
	case psk != "":
		var k [32]byte
		if n := utf8.RuneCountInString(psk); n != 64 {
			return nil, fmt.Errorf("--psk has %d characters; it wants 64 hex digits (or --passphrase with 8 to 63 printable ASCII characters)", n)
		}
		if _, err := hex.Decode(k[:], []byte(psk)); err != nil {
			return nil, fmt.Errorf("--psk: %v; it wants 64 hex digits", err)
		}
		return &k, nil
	case pass != "":
		n := utf8.RuneCountInString(pass)
		for i, r := range []rune(pass) {
			if r < 32 || r > 126 {
				return nil, fmt.Errorf("the passphrase's character %d, %q, is not printable ASCII; WPA2 wants %s (IEEE 802.11-2016 J.4.1)", i+1, r, allowed)
			}
		}
		if n < 8 || n > 63 {
			return nil, fmt.Errorf("the passphrase has %d characters; WPA2 wants %s (IEEE 802.11-2016 J.4.1)", n, allowed)
		}
	}
	return nil, nil
}

// run is main without the process: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if args[0] == "help" || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if args[0] == "decrypt" {
		return decryptCmd(args[1:], stdout, stderr) // offline: its own flags (decrypt.go)
	}
	var fl cmdFlags
	fs := newFlagSet(args[0], &fl)
	if fs == nil {
		fmt.Fprintf(stderr, "wlan: unknown command %q\n%s", args[0], usage)
		return 2
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(stdout, "%s\n\n%s", synopsis[args[0]], fs.FlagUsages())
			return 0
		}
		fmt.Fprintf(stderr, "wlan %s: %v\n%s\n\n%s", args[0], err, synopsis[args[0]], fs.FlagUsages())
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "wlan %s: %v\n", args[0], err)
		return 1
	}
	mac, err := net.ParseMAC(fl.mac)
	if err != nil || len(mac) != 6 {
		return fail(fmt.Errorf("--mac %q: want a 6-byte address like 02:67:6f:70:6b:01", fl.mac))
	}
	if args[0] != "ping" && fs.NArg() > 0 {
		return fail(fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	switch args[0] {
	case "scan":
		links, err := parseLinks(fl.signals)
		if err != nil {
			return fail(err)
		}
		rows, err := doScan(fl.sock, mac, links)
		if err != nil {
			return fail(err)
		}
		if err := printScan(stdout, rows, fl.asJSON); err != nil {
			return fail(err)
		}
		return 0
	case "status":
		resp, err := call(fl.sock, request{Cmd: "status"})
		if err != nil {
			return fail(err)
		}
		if err := printStatus(stdout, *resp.Status, fl.asJSON); err != nil {
			return fail(err)
		}
		return 0
	case "disconnect":
		if _, err := call(fl.sock, request{Cmd: "disconnect"}); err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, "disconnected")
		return 0
	case "medium":
		links, err := parseLinks(fl.signals)
		if err != nil {
			return fail(err)
		}
		return medium(mac, links, stdout, stderr)
	case "ping":
		if fs.NArg() != 1 {
			return fail(errors.New("want one destination address, like wlan ping 198.18.0.1 or wlan ping fe80::1%wlan0"))
		}
		dst, err := parsePingAddr(fs.Arg(0))
		if err != nil {
			return fail(err)
		}
		if fl.count < 1 || fl.interval <= 0 || fl.wait <= 0 || fl.size < 0 || fl.size > 65000 {
			return fail(errors.New("--count must be at least 1, --interval and --wait positive, --size 0 to 65000"))
		}
		req := request{Cmd: "ping", Addr: dst.String(), Count: fl.count, Interval: fl.interval, Wait: fl.wait, Size: fl.size}
		resp, err := call(fl.sock, req)
		if err != nil {
			return fail(err)
		}
		printPing(stdout, *resp.Ping)
		if resp.Ping.Received == 0 {
			return 1
		}
		return 0
	}
	// connect
	if fl.ssid == "" {
		return fail(errors.New("--ssid is required"))
	}
	psk, err := parseKey(fl.pass, fl.psk)
	if err != nil {
		return fail(err)
	}
	o := connectOpts{sock: fl.sock, mac: mac, ssid: fl.ssid, pass: fl.pass, psk: psk, timeout: fl.timeout,
		ip: ipConfig{Name: fl.ifname, DHCP: fl.dhcp, SLAAC: fl.slaac}, pcap: fl.pcapPath, pcapCount: fl.pcapCount, stamps: fl.stamps}
	o.dropSAEConfirms, o.reorderData, o.forgeBIP = fl.dropSAEConfirms, fl.reorderData, fl.forgeBIP
	o.bgscan = fl.bgscan
	o.udpSink = fl.udpSink
	for _, g := range fl.saeGroups {
		if g > 0xffff || !sae.Supported(uint16(g)) {
			return fail(fmt.Errorf("--sae-groups: group %d: only 19 (NIST P-256), 20 (P-384) and 21 (P-521)", g))
		}
		o.saeGroups = append(o.saeGroups, uint16(g))
	}
	switch fl.crypto {
	case "card":
	case "soft":
		o.softCrypto = true
	default:
		return fail(fmt.Errorf("--crypto %q: want card (the card's key cache) or soft (the software engine)", fl.crypto))
	}
	if o.links, err = parseLinks(fl.signals); err != nil {
		return fail(err)
	}
	if fl.addr != "" {
		if fl.dhcp {
			return fail(errors.New("--addr and --dhcp exclude each other"))
		}
		p, err := netip.ParsePrefix(fl.addr)
		if err != nil || !p.Addr().Is4() {
			return fail(fmt.Errorf("--addr %q: want an IPv4 address with prefix length, like 198.18.0.2/24", fl.addr))
		}
		o.ip.Addr = p
	}
	if fl.slaac {
		if o.ip.Secret, err = loadSecret(fl.secret); err != nil {
			return fail(err)
		}
	}
	return connect(o, stdout, stderr)
}

// doScan asks a running connect, or scans with a card of its own.
func doScan(sock string, mac net.HardwareAddr, links []hwsim.Link) ([]scanRow, error) {
	resp, err := call(sock, request{Cmd: "scan"})
	if err == nil {
		return resp.Scan, nil
	}
	if !errors.Is(err, errNoDaemon) {
		return nil, err
	}
	st, err := openStation(mac, func(net80211.Event) {}, nil, hwsim.Config{Links: links}, false, 0, nil)
	if err != nil {
		return nil, err
	}
	es, err := st.scan(3, 15*time.Second)
	if cerr := st.close(); err == nil {
		err = cerr
	}
	return scanRows(es), err
}
