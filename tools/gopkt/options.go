package main

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// usageError is a mistake on the command line: gopkt prints it with a hint
// to run -h and exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// option is one key=value of a module's options, as io-pkt writes them
// after the driver name ("pci=0000:00:02.0,mtu=9000"). A bare key ("promisc")
// has the value "on".
type option struct{ Key, Value string }

// options are a module's options in the order given.
type options []option

// parseOptions splits "a=1,b=2" (commas or spaces between options).
func parseOptions(s string) (options, error) {
	var o options
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		k, v, ok := strings.Cut(f, "=")
		switch {
		case k == "":
			return nil, fmt.Errorf("option %q has no name (want key=value)", f)
		case !ok:
			v = "on"
		case v == "":
			return nil, fmt.Errorf("option %q has no value (want %s=VALUE)", f, k)
		}
		if slices.ContainsFunc(o, func(x option) bool { return x.Key == k }) {
			return nil, fmt.Errorf("option %q given twice", k)
		}
		o = append(o, option{k, v})
	}
	return o, nil
}

// get returns the value of key.
func (o options) get(key string) (string, bool) {
	for _, x := range o {
		if x.Key == key {
			return x.Value, true
		}
	}
	return "", false
}

// check rejects keys outside known.
func (o options) check(known []string) error {
	for _, x := range o {
		if !slices.Contains(known, x.Key) {
			return fmt.Errorf("unknown option %q (known: %s)", x.Key, strings.Join(known, ", "))
		}
	}
	return nil
}

// onOff reads a boolean option: on/off, yes/no, true/false, 1/0.
func (o options) onOff(key string, def bool) (bool, error) {
	v, ok := o.get(key)
	if !ok {
		return def, nil
	}
	switch strings.ToLower(v) {
	case "on", "yes", "true", "1":
		return true, nil
	case "off", "no", "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%s=%s: want on or off", key, v)
}

// intRange reads an integer option within [lo, hi]; absent gives def.
func (o options) intRange(key string, def, lo, hi int) (int, error) {
	v, ok := o.get(key)
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s=%s: want a number from %d to %d", key, v, lo, hi)
	}
	return n, nil
}

// duration reads a positive duration option ("200ms").
func (o options) duration(key string, def time.Duration) (time.Duration, error) {
	v, ok := o.get(key)
	if !ok {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%s: want a positive duration such as 500ms or 2s", key, v)
	}
	return d, nil
}

// splitModule splits a -d or -p value, "e1000 pci=0000:00:02.0,mtu=9000" or
// "e1000,pci=...", into the module name and its options.
func splitModule(v string) (string, options, error) {
	v = strings.TrimSpace(v)
	i := strings.IndexAny(v, " ,")
	name, rest := v, ""
	if i >= 0 {
		name, rest = v[:i], v[i+1:]
	}
	if name == "" || strings.Contains(name, "=") {
		return "", nil, fmt.Errorf("%q does not start with a module name", v)
	}
	o, err := parseOptions(rest)
	return name, o, err
}

// joinModuleArgs rewrites io-pkt's "-d e1000 pci=0000:00:02.0" (the options
// in their own argument) into one flag value "e1000 pci=0000:00:02.0", so
// pflag sees a normal flag. An argument is taken as options when it follows
// the module name, does not start with '-' and contains '='.
func joinModuleArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		out = append(out, a)
		if a == "--" {
			return append(out, args[i+1:]...)
		}
		switch {
		case a == "-d" || a == "-p" || a == "--driver" || a == "--protocol":
			if i+1 >= len(args) {
				continue
			}
			i++
			out = append(out, args[i])
		case strings.HasPrefix(a, "--driver=") || strings.HasPrefix(a, "--protocol="),
			len(a) > 2 && (strings.HasPrefix(a, "-d") || strings.HasPrefix(a, "-p")) && !strings.HasPrefix(a, "--"):
			// -de1000, -d=e1000, --driver=e1000: the name is inline.
		default:
			continue
		}
		if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") && strings.Contains(args[i+1], "=") {
			out[len(out)-1] += " " + args[i+1]
			i++
		}
	}
	return out
}

// parsePCIAddr accepts a full PCI address (0000:00:02.0) or one without
// the domain (00:02.0) and returns the full form.
func parsePCIAddr(s string) (string, error) {
	full := s
	if strings.Count(s, ":") == 1 {
		full = "0000:" + s
	}
	var dom, bus, dev, fn uint
	if n, err := fmt.Sscanf(full, "%04x:%02x:%02x.%1x", &dom, &bus, &dev, &fn); err != nil || n != 4 ||
		len(full) != len("0000:00:00.0") || dev > 0x1f || fn > 7 {
		return "", fmt.Errorf("pci=%s: not a PCI address (want DOMAIN:BUS:DEV.FN such as 0000:00:02.0; 'vfio-bind list' shows them)", s)
	}
	return strings.ToLower(full), nil
}

// parseAddrPrefix reads "198.18.0.2/24" (an IPv4 address with its prefix length).
func parseAddrPrefix(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("%q is not an IPv4 address with a prefix length (want A.B.C.D/LEN such as 198.18.0.2/24)", s)
	}
	return p, nil
}

// parseAddr4 reads an IPv4 address.
func parseAddr4(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return netip.Addr{}, fmt.Errorf("%q is not an IPv4 address", s)
	}
	return a, nil
}

// parsePrefixAny reads an IPv4 or IPv6 address with its prefix length.
func parsePrefixAny(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || p.Addr().Is4In6() {
		return netip.Prefix{}, fmt.Errorf("%q is not an address with a prefix length (want 198.18.0.2/24 or 2001:db8::2/64)", s)
	}
	return p, nil
}

// parseAddrAny reads an IPv4 or IPv6 address (a zone names the interface
// of a link-local one: fe80::1%em0).
func parseAddrAny(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Is4In6() {
		return netip.Addr{}, fmt.Errorf("%q is not an IPv4 or IPv6 address", s)
	}
	return a, nil
}
