package main

import (
	"fmt"
	"sort"
	"strings"
)

// statusTCP prints the TCP counters, the services and a netstat-style
// socket list.
func (d *daemon) statusTCP(b *strings.Builder) {
	s := d.tcp.Stats()
	fmt.Fprintf(b, "tcp: in %d out %d retransmitted %d resets-out %d; bad %d no-port %d out-of-window %d quota-drops %d; opens active %d passive %d failed %d; established %d\n",
		s.InSegs, s.OutSegs, s.RetransSegs, s.OutRsts, s.InErrs, s.NoPort, s.DropOutOfWindow, s.DropQuota,
		s.ActiveOpens, s.PassiveOpens, s.AttemptFails, s.CurrEstab)
	fmt.Fprintf(b, "     fast-retransmits %d rto %d tlp %d rack-marked %d challenge-acks %d syn-cookies sent %d accepted %d\n",
		s.FastRetransmits, s.RTOExpired, s.TLPProbes, s.RACKMarked, s.ChallengeACKs, s.SynCookiesSent, s.SynCookiesOK)
	for _, t := range d.tcpSvcs {
		fmt.Fprintf(b, "%s port %d: %d connections, %d bytes\n", t.name, t.port, t.conns.Load(), t.bytes.Load())
	}
	if d.http != nil {
		fmt.Fprintf(b, "http: serving %s on port 80\n", d.http.dir)
	}
	conns := d.tcp.Connections()
	sort.Slice(conns, func(i, j int) bool {
		if conns[i].Local != conns[j].Local {
			return conns[i].Local.Compare(conns[j].Local) < 0
		}
		return conns[i].Remote.Compare(conns[j].Remote) < 0
	})
	ls := d.tcp.Listeners()
	sort.Slice(ls, func(i, j int) bool { return ls[i].Compare(ls[j]) < 0 })
	w := 22 // the address columns widen for IPv6 addresses
	for _, l := range ls {
		w = max(w, len(l.String())+1)
	}
	closed := d.tcp.Closed()
	for _, c := range append(conns[:len(conns):len(conns)], closed...) {
		w = max(w, len(c.Local.String())+1, len(c.Remote.String())+1)
	}
	fmt.Fprintf(b, "tcp sockets (netstat):\n  Recv-Q Send-Q %-*s %-*s State        cwnd     rtt          rto          backoff\n", w, "Local Address", w, "Foreign Address")
	for _, l := range ls {
		fmt.Fprintf(b, "  %6d %6d %-*v %-*s %-12s\n", 0, 0, w, l, w, "*:*", "LISTEN")
	}
	for _, c := range conns {
		fmt.Fprintf(b, "  %6d %6d %-*v %-*v %-12v %-8d %-12v %-12v %d\n", c.RecvQueue, c.SendQueue, w, c.Local, w, c.Remote, c.State, c.Cwnd, c.RTT, c.RTO, c.Backoff)
	}
	// The newest closed connections with their figures at the end (ss -E
	// in spirit): a transfer shorter than the status interval shows here.
	if len(closed) > 0 {
		fmt.Fprintf(b, "tcp recently closed (last %d, oldest first):\n", len(closed))
		for _, c := range closed {
			fmt.Fprintf(b, "  %6d %6d %-*v %-*v %-12v %-8d %-12v %-12v %d\n", c.RecvQueue, c.SendQueue, w, c.Local, w, c.Remote, c.State, c.Cwnd, c.RTT, c.RTO, c.Backoff)
		}
	}
}
