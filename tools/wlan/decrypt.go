package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/gopkt/gopkt/drivers/wifi80211/observer"
	"github.com/spf13/pflag"
)

const decryptSynopsis = "wlan decrypt -r IN -w OUT (--ssid S --passphrase P | --psk HEX | --pmk HEX)... [flags]: decrypt a capture offline, like airdecap-ng"

// decryptCmd is `wlan decrypt`: drivers/wifi80211/observer.DecryptCapture
// from a file to a file, with airdecap-ng's summary. It needs no card,
// medium or control socket, so it has a flag set of its own.
func decryptCmd(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("wlan decrypt", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var in, out, ssid, pass, bssid, fcs string
	var psks, pmks []string
	var keep bool
	fs.StringVarP(&in, "read", "r", "", "capture to decrypt: pcap or pcapng of radiotap, 802.11 (with or without FCS), Prism/AVS or PPI records")
	fs.StringVarP(&out, "write", "w", "", "pcap file for the decrypted frames (Ethernet, as airdecap-ng writes; see --keep-80211)")
	fs.StringVar(&ssid, "ssid", "", "the network's SSID (needed with --passphrase)")
	fs.StringVar(&pass, "passphrase", "", "WPA/WPA2 passphrase, 8 to 63 characters")
	fs.StringArrayVar(&psks, "psk", nil, "WPA/WPA2 pre-shared key, 64 hex digits (hostapd's wpa_psk=); repeatable")
	fs.StringArrayVar(&pmks, "pmk", nil, "PMK, 64 hex digits: for WPA3-SAE, one per association (wpa_supplicant -K logs it as \"SAE: PMK\"); repeatable")
	fs.StringVar(&bssid, "bssid", "", "decrypt only this access point's traffic")
	fs.BoolVar(&keep, "keep-80211", false, "write unprotected 802.11 frames (link type 105) instead of Ethernet, like airdecap-ng -l")
	fs.StringVar(&fcs, "fcs", "auto", "whether 802.11 and Prism records end in an FCS: auto (when the last 4 octets check), yes, no")
	help := func(w io.Writer) { fmt.Fprintf(w, "%s\n\n%s", decryptSynopsis, fs.FlagUsages()) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			help(stdout)
			return 0
		}
		fmt.Fprintf(stderr, "wlan decrypt: %v\n", err)
		help(stderr)
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "wlan decrypt: "+format+"\n", a...)
		return 1
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q; the capture goes with -r", fs.Arg(0))
	}
	if in == "" || out == "" {
		return fail("want -r CAPTURE and -w OUTPUT (wlan decrypt --help lists the flags)")
	}
	c := observer.CaptureConfig{Config: observer.Config{SSID: []byte(ssid), Passphrase: pass}}
	if pass == "" && len(psks) == 0 && len(pmks) == 0 {
		return fail("no key: give --ssid and --passphrase, --psk (64 hex digits) or --pmk (64 hex digits)")
	}
	for _, s := range psks {
		k, err := observer.ParseKey(s)
		if err != nil {
			return fail("--psk %q: %v", s, err)
		}
		c.PSKs = append(c.PSKs, k)
	}
	for _, s := range pmks {
		k, err := observer.ParseKey(s)
		if err != nil {
			return fail("--pmk %q: %v", s, err)
		}
		c.PMKs = append(c.PMKs, k)
	}
	if bssid != "" {
		m, err := net.ParseMAC(bssid)
		if err != nil || len(m) != 6 {
			return fail("--bssid %q: want an address like 02:00:00:00:00:00", bssid)
		}
		c.BSSID = m
	}
	switch fcs {
	case "auto":
	case "yes":
		c.FCS = observer.FCSPresent
	case "no":
		c.FCS = observer.FCSNone
	default:
		return fail("--fcs %q: want auto, yes or no", fcs)
	}
	if keep {
		c.Output = observer.Output80211
	}
	if _, err := observer.New(c.Config); err != nil {
		return fail("%v", err)
	}
	r, err := os.Open(in)
	if err != nil {
		return fail("%v", err)
	}
	defer r.Close()
	w, err := os.Create(out)
	if err != nil {
		return fail("%v", err)
	}
	st, err := observer.DecryptCapture(r, w, c)
	if cerr := w.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out)
		return fail("%s: %v", in, err)
	}
	if err := st.Write(stdout); err != nil {
		return fail("%v", err)
	}
	switch {
	case st.WPA > 0 && st.Handshakes == 0 && st.HandshakeNoKey > 0:
		fmt.Fprintln(stderr, "wlan decrypt: no key given verifies a handshake in the capture: check the passphrase and SSID (or the PSK/PMK; SAE needs each association's PMK)")
	case st.WPA > 0 && st.Handshakes == 0:
		fmt.Fprintln(stderr, "wlan decrypt: the capture holds no 4-way handshake with messages 1 (or 3) and 2, so no key could be derived; capture from before the station associates")
	}
	return 0
}
