package pf

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/gopkt/gopkt/stack/wire"
)

func TestParse(t *testing.T) {
	rules, err := Parse(`
# comment
block in all
pass out quick on tap0 proto tcp from 198.18.0.0/15 port 1024:65535 to ! 198.18.9.9 port = 22 flags S/SA keep state
pass in inet proto udp from any to 198.18.0.2 port != 53 no state   # trailing comment
pass in proto icmp icmp-type echoreq code 0
block drop out proto 47
pass in proto tcp to any port > 1023 flags any
block in proto udp from port 5353 to port 53:54
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 7 {
		t.Fatalf("%d rules", len(rules))
	}
	r := rules[1]
	if r.Action != Pass || r.Dir != Out || !r.Quick || r.Interface != "tap0" || r.Proto != wire.IPProtocolTCP ||
		r.Src.Prefix != netip.MustParsePrefix("198.18.0.0/15") || r.SrcPort != (Port{PortRange, 1024, 65535}) ||
		!r.Dst.Not || r.Dst.Prefix != netip.MustParsePrefix("198.18.9.9/32") || r.DstPort != (Port{PortEq, 22, 0}) ||
		r.Flags != 0x02 || r.FlagsMask != 0x12 || !r.KeepState || r.Line != 4 {
		t.Errorf("rule 2: %+v", r)
	}
	if r := rules[2]; r.KeepState || r.DstPort != (Port{PortNe, 53, 0}) || !r.Src.Any || r.Text != "pass in inet proto udp from any to 198.18.0.2 port != 53 no state" {
		t.Errorf("rule 3: %+v", r)
	}
	if r := rules[3]; r.ICMPType != 8 || r.ICMPCode != 0 || !r.KeepState {
		t.Errorf("rule 4: %+v", r)
	}
	if r := rules[4]; r.Action != Block || r.Proto != 47 || r.KeepState {
		t.Errorf("rule 5: %+v", r)
	}
	if r := rules[5]; r.DstPort != (Port{PortGt, 1023, 0}) || r.FlagsMask != 0 {
		t.Errorf("rule 6: %+v", r)
	}
	if r := rules[6]; !r.Src.Any || !r.Dst.Any || r.SrcPort != (Port{PortEq, 5353, 0}) || r.DstPort != (Port{PortRange, 53, 54}) {
		t.Errorf("rule 7 (ports without addresses): %+v", r)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"allow in all", `line 1: a rule starts with "pass", "block", "nat" or "rdr", got "allow"`},
		{"pass in proto smtp", `tcp, udp, icmp, icmp6, gre, ipencap or a protocol number`},
		{"pass in from 198.18.0.0/33", "an IPv4 or IPv6 address or prefix"},
		{"pass in inet from 2001:db8::/32", "2001:db8::/32 is inet6, the rule inet"},
		{"pass in from 198.18.0.1 to 2001:db8::1", "2001:db8::1/128 is inet6, the rule inet"},
		{"pass in inet6 proto icmp", "proto icmp is inet, the rule inet6"},
		{"pass in proto icmp6 from 198.18.0.1", "198.18.0.1/32 is inet, the rule inet6"},
		{"pass in proto icmp6 icmp-type echoreq", "icmp-type needs proto icmp"},
		{"pass in proto icmp icmp6-type echoreq", "icmp6-type needs proto icmp6"},
		{"pass in from ::ffff:198.18.0.1", "IPv4-mapped"},
		{"pass in from fe80::1%tap0", "an IPv4 or IPv6 address"},
		{"nat on tap1 from 2001:db8::/64 to any -> (tap1)", "nat and rdr translate IPv4 only"},
		{"pass in proto tcp to any port 70000", "a port number"},
		{"pass in proto tcp to any port 9:8", "a port range"},
		{"pass in to any port 80", "ports need proto tcp or proto udp"},
		{"pass in proto udp flags S/SA", "flags need proto tcp"},
		{"pass in proto tcp flags SX/SA", "flags SET/MASK"},
		{"pass in proto tcp flags SA/S", "flags SET/MASK"},
		{"pass in icmp-type 8", "icmp-type needs proto icmp"},
		{"pass in proto icmp icmp-type bogus", "an ICMP type"},
		{"pass in keep going", `"state" after keep`},
		{"pass in on", "an interface name after on"},
		{"pass in from ! any", "an address or prefix"},
		{"pass in all log", "flags, icmp-type, icmp6-type, keep state or no state"},
		{"pass\nblock in bogus", "line 2:"},
	} {
		_, err := Parse(c.in)
		var pe *ParseError
		if !errors.As(err, &pe) || !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want a ParseError with %q", c.in, err, c.want)
		}
	}
}

// FuzzParse: no input panics; what parses, re-parses from each rule's
// normalised text to the same rule.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"block in all",
		"pass out quick on tap0 proto tcp from 198.18.0.0/15 port 1024:65535 to ! 198.18.9.9 port = 22 flags S/SA keep state",
		"pass in proto udp to 198.18.0.2 port != 53 no state",
		"pass in proto icmp icmp-type echoreq code 0\nblock drop out proto 47",
		"pass in from !198.18.0.1 to any",
		"pass in proto tcp to any port < 5 flags any",
		"# only a comment",
		"pass in inet6 proto icmp6 icmp6-type neighbrsol\nblock in quick inet6 from ! 2001:db8::/32 to 2001:db8:1::5 \npass proto tcp from 2001:db8::1 port 22",
		"nat on tap1 from 198.18.92.0/24 to any -> (tap1)",
		"nat on tap1 proto udp to any port 53 -> 198.18.93.9 port 40000:40099\nrdr on tap1 proto tcp to 198.18.93.2 port 8080 -> 198.18.92.1 port 80",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		rs, err := ParseRuleset(text)
		if err != nil {
			return
		}
		for _, r := range rs.nats {
			again, err := ParseRuleset(r.Text)
			if err != nil || len(again.nats) != 1 || again.nats[0].Kind != r.Kind || again.nats[0].To != r.To ||
				again.nats[0].ToIface != r.ToIface || again.nats[0].ToPort != r.ToPort || again.nats[0].Src != r.Src || again.nats[0].Dst != r.Dst {
				t.Fatalf("%q: translation rule changed when re-parsed: %v", r.Text, err)
			}
		}
		rules := rs.rules
		for _, r := range rules {
			again, err := Parse(r.Text)
			if err != nil || len(again) != 1 {
				t.Fatalf("%q parsed, its text %q does not: %v", text, r.Text, err)
			}
			a := again[0]
			if a.Action != r.Action || a.Dir != r.Dir || a.Quick != r.Quick || a.Family != r.Family || a.Interface != r.Interface || a.Proto != r.Proto ||
				a.Src != r.Src || a.Dst != r.Dst || a.SrcPort != r.SrcPort || a.DstPort != r.DstPort ||
				a.ICMPType != r.ICMPType || a.ICMPCode != r.ICMPCode || a.Flags != r.Flags || a.FlagsMask != r.FlagsMask || a.KeepState != r.KeepState {
				t.Fatalf("%q: rule changed when re-parsed", r.Text)
			}
		}
	})
}

// TestParse6: inet6 rules, IPv6 addresses and prefixes, icmp6 and its
// type names; the family follows from the addresses and the protocol,
// and a rule naming none applies to both families.
func TestParse6(t *testing.T) {
	rules, err := Parse(`
block in all
pass in inet6 proto icmp6 icmp6-type echoreq
pass in quick proto udp from 2001:db8:96::/64 to 2001:db8:97::1 port 7
block in proto icmp6 icmp6-type neighbrsol
pass out inet6 all
pass in proto icmp icmp-type echoreq
pass in proto tcp from ! 2001:db8::/32
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		fam   Family
		proto wire.IPProtocol
		typ   int
	}{{AnyFamily, 0, -1}, {Inet6, 58, 128}, {Inet6, 17, -1}, {Inet6, 58, 135}, {Inet6, 0, -1}, {Inet, 1, 8}, {Inet6, 6, -1}}
	for i, w := range want {
		if r := rules[i]; r.Family != w.fam || r.Proto != w.proto || r.ICMPType != w.typ {
			t.Errorf("rule %d %q: family %v proto %d type %d, want %v %d %d", i+1, r.Text, r.Family, r.Proto, r.ICMPType, w.fam, w.proto, w.typ)
		}
	}
	if r := rules[2]; r.Src.Prefix != netip.MustParsePrefix("2001:db8:96::/64") || r.Dst.Prefix != netip.MustParsePrefix("2001:db8:97::1/128") {
		t.Errorf("rule 3 addresses: %+v %+v", r.Src, r.Dst)
	}
}
