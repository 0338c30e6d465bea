package main

import (
	"fmt"
	"strings"

	"github.com/gopkt/gopkt/stack/pf"
)

// --filter is also the front of stack/pf: a rule that starts with pass or
// block is pf syntax (stack/pf doc.go), and all of them, in command-line
// order, form one rule set, loaded once the stack is up and attached to
// IPv4's hook points and, with -p ipv6, IPv6's (rules say inet or inet6;
// neighbour discovery passes before the rules). The older "drop ..." rules
// still install the example filter (filter.go).

// isPFRule reports whether a --filter argument is pf syntax.
func isPFRule(a string) bool {
	w, _, _ := strings.Cut(strings.TrimSpace(a), " ")
	return w == "pass" || w == "block" || w == "nat" || w == "rdr"
}

// startPF loads the pf rules and attaches the filter; none: nothing.
func (d *daemon) startPF() error {
	if len(d.cfg.PF) == 0 {
		return nil
	}
	d.pf = pf.New(d.s, pf.Options{})
	if err := d.pf.Load(strings.Join(d.cfg.PF, "\n")); err != nil {
		return fmt.Errorf("--filter: %w", err)
	}
	if err := d.pf.Attach(d.ip); err != nil {
		return err
	}
	if d.ip6 != nil {
		return d.pf.AttachIPv6(d.ip6)
	}
	return nil
}

// statusPF reports each pf rule's counters.
func (d *daemon) statusPF(b *strings.Builder) {
	if d.pf == nil {
		return
	}
	st := d.pf.Stats()
	fmt.Fprintf(b, "pf: passed %d blocked %d state-matches %d states %d refused %d; nd/mld passed %d\n", st.Passed, st.Blocked, st.StateMatches, st.States, st.StatesRefused, st.LinkControl)
	for _, r := range d.pf.Rules() {
		fmt.Fprintf(b, "pf rule %d %q: %d packets %d bytes %d states\n", r.Line, r.Text, r.Packets, r.Bytes, r.States)
	}
	if rules := d.pf.NATRules(); len(rules) > 0 {
		n := d.pf.NATStats()
		fmt.Fprintf(b, "pf nat: translated %d made %d refused %d live %d\n", n.Translated, n.Made, n.Refused, n.Translations)
		for _, r := range rules {
			fmt.Fprintf(b, "pf rule %d %q: %d translations\n", r.Line, r.Text, r.States)
		}
	}
}
