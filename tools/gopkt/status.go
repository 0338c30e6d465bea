package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv6"
)

// status prints the daemon's state: interfaces with their counters and the
// driver's, routes, the ARP table, protocol counters, filters, dumps and
// services, and the pool. gopkt prints it on SIGUSR1 and at exit.
func (d *daemon) status(out io.Writer) {
	d.protoMu.RLock() // udp, tcp and their services (ctlproto.go)
	defer d.protoMu.RUnlock()
	var b strings.Builder
	// The system's CLOCK_MONOTONIC, the clock of Linux's TCP timestamps
	// and of its trace: a status placed against a capture or a log.
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	fmt.Fprintf(&b, "=== gopkt status (monotonic %d.%03d s)\n", ts.Sec, ts.Nsec/1e6)
	d.statusInterfaces(&b)
	d.statusBridges(&b) // l2status.go
	d.statusRoutes(&b)
	if d.ip != nil {
		b.WriteString("neighbours (ARP):\n")
		for _, n := range d.ip.Neighbours() {
			fmt.Fprintf(&b, "  %v dev %s lladdr %v %v", n.Addr, d.ifname(n.IfIndex), n.MAC, n.State)
			if n.Queued > 0 {
				fmt.Fprintf(&b, " (%d queued)", n.Queued)
			}
			b.WriteString("\n")
		}
		s := d.ip.Stats()
		fmt.Fprintf(&b, "ipv4: in %d delivered %d hdr-errors %d truncated %d addr-errors %d unknown-proto %d discards %d filtered %d; out %d no-route %d discards %d filtered %d no-buffers %d\n",
			s.InReceives, s.InDelivers, s.InHdrErrors, s.InTruncated, s.InAddrErrors, s.InUnknownProtos, s.InDiscards, s.InFiltered,
			s.OutRequests, s.OutNoRoutes, s.OutDiscards, s.OutFiltered, s.OutNoBuffers)
		fmt.Fprintf(&b, "      forwarded %d ttl-exceeded %d no-route %d frag-needed %d\n", s.ForwDatagrams, s.ForwTTLExceeded, s.ForwNoRoute, s.ForwFragNeeded)
		fmt.Fprintf(&b, "      fast-forward %s: hits %d misses %d stale %d installs %d invalidations %d pauses %d\n",
			onOffText(d.ip.FastForward()), s.FastHits, s.FastMisses, s.FastStale, s.FastInstalls, s.FastInvalidations, s.FastPauses)
		fmt.Fprintf(&b, "      fragments created %d (%d ok, %d failed); reassembled %d of %d needed, failed %d, timeouts %d, overlaps %d, evicted %d; refused %d (quota) %d (budget)\n",
			s.FragCreates, s.FragOKs, s.FragFails, s.ReasmOKs, s.ReasmReqds, s.ReasmFails, s.ReasmTimeouts, s.ReasmOverlaps, s.ReasmEvicted, s.ReasmRefusedQuota, s.ReasmRefusedBudget)
		fmt.Fprintf(&b, "icmp: in %d echo-requests %d echo-replies %d errors %d unreachable %d time-exceeded %d; out %d echo-replies %d rate-limited %d\n",
			s.ICMPInMsgs, s.ICMPInEchos, s.ICMPInEchoReps, s.ICMPInErrors, s.ICMPInUnreach, s.ICMPInTimeExcds, s.ICMPOutMsgs, s.ICMPOutEchoReps, s.ICMPOutRateLimited)
		fmt.Fprintf(&b, "arp: in requests %d replies %d errors %d refused %d; out requests %d replies %d; unresolved %d conflicts %d; neighbours evicted %d static-refused %d\n",
			s.ARPInRequests, s.ARPInReplies, s.ARPInErrors, s.ARPInRefused, s.ARPOutRequests, s.ARPOutReplies, s.ARPResolveFailed, s.ARPConflicts,
			s.NeighEvicted, s.NeighStaticRefused)
		fmt.Fprintf(&b, "     hold queues: dropped %d; refused %d (quota) %d (budget)\n",
			s.ARPQueueDrops, s.ARPHoldRefusedQuota, s.ARPHoldRefusedBudget)
	}
	if d.ip6 != nil {
		d.statusIPv6(&b)
	}
	if d.udp != nil {
		u := d.udp.Stats()
		fmt.Fprintf(&b, "udp: in %d no-port %d errors %d bad-checksum %d queue-full %d; out %d\n",
			u.InDatagrams, u.NoPorts, u.InErrors, u.InCsumErrors, u.RcvbufErrors, u.OutDatagrams)
	}
	for _, s := range d.sinks {
		fmt.Fprintf(&b, "udp-sink ports %v: %d sockets, never read\n", s.ports, len(s.conns))
	}
	for _, e := range d.echo {
		fmt.Fprintf(&b, "udp-echo port %d: %d datagrams echoed, %d failures\n", e.port, e.echoed.Load(), e.failures.Load())
	}
	if d.tcp != nil {
		d.statusTCP(&b) // tcpstatus.go
	}
	for _, f := range d.filters {
		fmt.Fprintf(&b, "filter %s %q: %d dropped\n", f.name, f.arg.Text, f.f.Dropped())
	}
	d.statusPF(&b) // pf.go
	for _, dp := range d.dumps {
		st := dp.tap.Stats()
		fmt.Fprintf(&b, "dump %s -> %s: seen %d accepted %d dropped %d\n", dp.arg.Iface, dp.arg.File, st.Seen, st.Accepted, st.Dropped)
	}
	d.statusBudget(&b) // budget.go
	_, _ = io.WriteString(out, b.String())
}

func (d *daemon) statusInterfaces(b *strings.Builder) {
	b.WriteString("interfaces:\n")
	for _, ifc := range d.s.Interfaces() {
		p := ifc.Port()
		fmt.Fprintf(b, "  %s: index %d %v mtu %d ether %v link %v\n", ifc.Name(), ifc.Index(), ifc.Flags(), ifc.MTU(), ifc.MAC(), ifc.Link())
		for _, a := range ifc.Addresses() {
			fmt.Fprintf(b, "    inet %v\n", a)
		}
		if d.ip6 != nil {
			for _, a := range d.ip6.Addresses(ifc) {
				fmt.Fprintf(b, "    inet6 %v\n", a)
			}
			statusIPv6Params(b, d.ip6.Params(ifc))
		}
		c := ifc.Counters()
		fmt.Fprintf(b, "    RX packets %d bytes %d multicast %d errors %d dropped %d unknown-proto %d\n",
			c.InPackets, c.InBytes, c.InMulticast, c.InErrors, c.InDrops, c.InUnknownProto)
		fmt.Fprintf(b, "    TX packets %d bytes %d errors %d dropped %d\n", c.OutPackets, c.OutBytes, c.OutErrors, c.OutDrops)
		if ifc.Queues() > 1 {
			for i, q := range ifc.QueueCounters() {
				fmt.Fprintf(b, "    queue %d: rx %d bytes %d; tx %d bytes %d dropped %d\n", i, q.InPackets, q.InBytes, q.OutPackets, q.OutBytes, q.OutDrops)
			}
		}
		statusLink(b, ifc)
		ps := p.Stats()
		fmt.Fprintf(b, "    port: rx %d missed %d no-buf %d errors %d dropped %d; tx %d errors %d dropped %d; link flaps %d resets %d\n",
			ps.RxPackets, ps.RxMissed, ps.RxNoBuf, ps.RxErrors, ps.RxDropped, ps.TxPackets, ps.TxErrors, ps.TxDropped, ps.LinkFlaps, ps.Resets)
	}
}

// statusLink prints the link as the stack follows it (the port's link
// events): state, changes seen, frames dropped because it was down, and
// frames the port refused from memory it cannot reach.
func statusLink(b *strings.Builder, ifc *stack.Interface) {
	c := ifc.Counters()
	fmt.Fprintf(b, "    link: %v, %d changes, tx dropped while down %d, tx foreign buffers %d\n",
		ifc.Link(), c.LinkChanges, c.OutLinkDown, ifc.Port().Stats().TxForeign)
}

func (d *daemon) statusRoutes(b *strings.Builder) {
	b.WriteString("routes:\n")
	tw := tabwriter.NewWriter(b, 0, 4, 2, ' ', 0)
	routes := d.s.Routes().Routes()
	if d.ip6 != nil {
		routes = append(routes, d.ip6.Routes().Routes()...)
	}
	// A full table is a million lines: the status shows the first
	// statusMaxRoutes and counts the rest (gopktctl route lists them all).
	more := 0
	if len(routes) > statusMaxRoutes {
		routes, more = routes[:statusMaxRoutes], len(routes)-statusMaxRoutes
	}
	for _, r := range routes {
		via := "-"
		if r.Gateway.IsValid() {
			via = r.Gateway.String()
		}
		dst := r.Prefix.String()
		if r.Prefix.Bits() == 0 {
			dst = "default"
			if r.Prefix.Addr().Is6() {
				dst = "default6"
			}
		}
		fmt.Fprintf(tw, "  %s\tvia %s\tdev %s\tmetric %d\t%v\n", dst, via, d.ifname(r.IfIndex), r.Metric, r.Kind)
	}
	_ = tw.Flush()
	if more > 0 {
		fmt.Fprintf(b, "  ... and %d more routes (gopktctl route lists them all)\n", more)
	}
}

// statusMaxRoutes is how many routes the status prints.
const statusMaxRoutes = 100

// statusIPv6Params prints an interface's IPv6 host variables (RFC 4861
// §6.3.2), "(ra)" after those a router advertisement set.
func statusIPv6Params(b *strings.Builder, p ipv6.LinkParams) {
	ra := func(on bool) string {
		if on {
			return " (ra)"
		}
		return ""
	}
	fmt.Fprintf(b, "    inet6 hoplimit %d%s mtu %d%s reachable %v of base %v%s retrans %v%s\n",
		p.HopLimit, ra(p.HopLimitFromRA), p.MTU, ra(p.MTUFromRA), p.ReachableTime.Round(time.Millisecond),
		p.BaseReachableTime, ra(p.ReachableFromRA), p.RetransTimer, ra(p.RetransFromRA))
}

// statusIPv6 prints the neighbour discovery cache (as ip -6 neigh) and the
// IPv6, ICMPv6 and ND counters.
func (d *daemon) statusIPv6(b *strings.Builder) {
	b.WriteString("neighbours (NDP):\n")
	for _, n := range d.ip6.Neighbours() {
		fmt.Fprintf(b, "  %v dev %s lladdr %v", n.Addr, d.ifname(n.IfIndex), n.MAC)
		if n.Router {
			b.WriteString(" router")
		}
		fmt.Fprintf(b, " %v", n.State)
		if n.Queued > 0 {
			fmt.Fprintf(b, " (%d queued)", n.Queued)
		}
		b.WriteString("\n")
	}
	s := d.ip6.Stats()
	fmt.Fprintf(b, "ipv6: in %d delivered %d hdr-errors %d truncated %d addr-errors %d not-joined %d ext-errors %d option-errors %d unknown-next %d filtered %d; out %d no-route %d no-buffers %d filtered %d\n",
		s.InReceives, s.InDelivers, s.InHdrErrors, s.InTruncated, s.InAddrErrors, s.InNotJoined, s.InExtErrors, s.InOptionErrors, s.InUnknownProtos, s.InFiltered,
		s.OutRequests, s.OutNoRoutes, s.OutNoBuffers, s.OutFiltered)
	fmt.Fprintf(b, "      fragments created %d; reassembled %d of %d needed, failed %d, overlaps %d, timeouts %d, atomic %d\n",
		s.FragCreates, s.ReasmOKs, s.ReasmReqds, s.ReasmFails, s.ReasmOverlaps, s.ReasmTimeouts, s.ReasmAtomic)
	fmt.Fprintf(b, "      forwarded %d hop-limit-exceeded %d no-route %d too-big %d\n", s.ForwDatagrams, s.ForwHopLimitExceeded, s.ForwNoRoutes, s.ForwPktTooBigs)
	fmt.Fprintf(b, "      fast-forward %s: hits %d misses %d stale %d installs %d invalidations %d pauses %d\n",
		onOffText(d.ip6.FastForward()), s.FastHits, s.FastMisses, s.FastStale, s.FastInstalls, s.FastInvalidations, s.FastPauses)
	fmt.Fprintf(b, "icmp6: in %d echo-requests %d echo-replies %d errors %d bad-checksum %d; out %d echo-replies %d errors %d rate-limited %d\n",
		s.ICMPInMsgs, s.ICMPInEchos, s.ICMPInEchoReplies, s.ICMPInErrors, s.ICMPInCsumErrors, s.ICMPOutMsgs, s.ICMPOutEchoReplies, s.ICMPOutErrors, s.ICMPOutRateLimited)
	if rs := d.ip6.Routers(); len(rs) > 0 {
		fmt.Fprintf(b, "default routers (RA): %v\n", rs)
	}
	fmt.Fprintf(b, "nd: in solicits %d adverts %d router-adverts %d (used %d); out solicits %d adverts %d router-solicits %d; bad hop limit %d bad options %d invalid %d duplicates %d unresolved %d; dad failed %d; slaac addresses %d; mld reports %d\n",
		s.NDInSolicits, s.NDInAdverts, s.NDInRouterAdverts, s.NDRAProcessed, s.NDOutSolicits, s.NDOutAdverts, s.NDOutRouterSolicits,
		s.NDBadHopLimit, s.NDBadOptions, s.NDInvalid, s.NDDupAddr, s.NDResolveFailed, s.NDDADFailed, s.SLAACAddrs, s.MLDOutReports)
	fmt.Fprintf(b, "    redirects: in %d followed %d refused %d; out %d rate-limited %d; bad ra mtu %d\n",
		s.NDInRedirects, s.NDRedirectsApplied, s.NDRedirectsRejected, s.NDOutRedirects, s.NDOutRedirectsLimited, s.NDRABadMTU)
	fmt.Fprintf(b, "    attachment (RFC 6059, after a link up): detections %d probes %d same link %d new link %d undecided %d\n",
		s.DNARuns, s.DNAProbes, s.DNASameLink, s.DNANewLink, s.DNAUnknown)
}

// onOffText is a switch as the command line spells it.
func onOffText(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
