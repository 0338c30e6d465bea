package ipv4

import "sync/atomic"

// Stats are the IPv4, ICMP and ARP counters (names after RFC 4293
// ipSystemStatsTable and RFC 4022/2011 where one exists).
type Stats struct {
	InReceives, InHdrErrors, InAddrErrors, InUnknownProtos, InTruncated     uint64
	InDelivers, InDiscards, InFiltered                                      uint64
	ForwDatagrams, ForwTTLExceeded, ForwNoRoute, ForwFragNeeded             uint64
	OutRequests, OutNoRoutes, OutDiscards, OutFiltered, OutNoBuffers        uint64
	FragCreates, FragOKs, FragFails                                         uint64
	ReasmReqds, ReasmOKs, ReasmFails, ReasmTimeouts, ReasmOverlaps          uint64
	ReasmEvicted                                                            uint64
	ICMPInMsgs, ICMPInErrors, ICMPInEchos, ICMPInEchoReps, ICMPInUnreach    uint64
	ICMPInTimeExcds, ICMPOutMsgs, ICMPOutRateLimited, ICMPOutEchoReps       uint64
	ARPInRequests, ARPInReplies, ARPInErrors, ARPOutRequests, ARPOutReplies uint64
	ARPResolveFailed, ARPQueueDrops, ARPConflicts                           uint64
	// RFC 5227 (acd.go): announcements sent in defence of an address
	// another host claimed (at most one per 10 s and address), and probes
	// ProbeAddress sent.
	ARPDefences, ARPOutProbes uint64
	// ARP senders not learned: a reply we did not ask for, or a request to
	// us from an address off the interface's subnets (RFC 826 merges only
	// into existing entries; see arp.go). NeighEvicted counts dynamic
	// entries dropped for a new one; NeighStaticRefused AddStaticNeighbour
	// calls past Options.NeighStaticMax.
	ARPInRefused, NeighEvicted, NeighStaticRefused uint64
	// Buffer quota refusals by reason (quota.go): the quota's own limit,
	// or the pool budget. A refused hold-queue packet is dropped; a
	// refused fragment first evicts the oldest datagram (ReasmEvicted).
	ARPHoldRefusedQuota, ARPHoldRefusedBudget uint64
	ReasmRefusedQuota, ReasmRefusedBudget     uint64
	// Routed fast forwarding (fastfwd.go): datagrams the flow cache
	// forwarded (also in InReceives and ForwDatagrams); datagrams the full
	// path forwarded while it was on; lookups that found their flow
	// invalidated; entries written; IPv4's invalidations (neighbour,
	// address, interface, switch; route changes show in FastStale); times
	// the cache was paused for thrashing (flow.Admission).
	FastHits, FastMisses, FastStale, FastInstalls, FastInvalidations, FastPauses uint64
}

type stats struct {
	forwarding atomic.Bool

	inReceives, inHdrErrors, inAddrErrors, inUnknownProtos, inTruncated     atomic.Uint64
	inDelivers, inDiscards, inFiltered                                      atomic.Uint64
	forwDatagrams, forwTTLExceeded, forwNoRoute, forwFragNeeded             atomic.Uint64
	outRequests, outNoRoutes, outDiscards, outFiltered, outNoBuffers        atomic.Uint64
	fragCreates, fragOKs, fragFails                                         atomic.Uint64
	reasmReqds                                                              atomic.Uint64
	icmpInMsgs, icmpInErrors, icmpInEchos, icmpInEchoReps, icmpInUnreach    atomic.Uint64
	icmpInTimeExcds, icmpOutMsgs, icmpOutRateLimited, icmpOutEchoReps       atomic.Uint64
	arpInRequests, arpInReplies, arpInErrors, arpOutRequests, arpOutReplies atomic.Uint64
	arpResolveFailed, arpQueueDrops, arpConflicts                           atomic.Uint64
	arpDefences, arpOutProbes                                               atomic.Uint64
	arpInRefused                                                            atomic.Uint64
}

// Stats returns a snapshot of the counters.
func (ip *IPv4) Stats() Stats {
	s := &ip.st
	hold, reass := ip.holdQ.Stats(), ip.reassQ.Stats()
	ff := ip.ff.Stats()
	rc := &ip.reass.t.C
	c := ip.neigh
	c.mu.Lock()
	evicted, refused := c.evicted, c.staticRefuse
	c.mu.Unlock()
	return Stats{
		ARPInRefused: s.arpInRefused.Load(), NeighEvicted: evicted, NeighStaticRefused: refused,
		ARPHoldRefusedQuota: hold.RefusedQuota, ARPHoldRefusedBudget: hold.RefusedBudget,
		ReasmRefusedQuota: reass.RefusedQuota, ReasmRefusedBudget: reass.RefusedBudget,

		InReceives: s.inReceives.Load(), InHdrErrors: s.inHdrErrors.Load(), InAddrErrors: s.inAddrErrors.Load(),
		InUnknownProtos: s.inUnknownProtos.Load(), InTruncated: s.inTruncated.Load(), InDelivers: s.inDelivers.Load(),
		InDiscards: s.inDiscards.Load(), InFiltered: s.inFiltered.Load(),
		ForwDatagrams: s.forwDatagrams.Load(), ForwTTLExceeded: s.forwTTLExceeded.Load(), ForwNoRoute: s.forwNoRoute.Load(),
		ForwFragNeeded: s.forwFragNeeded.Load(),
		OutRequests:    s.outRequests.Load(), OutNoRoutes: s.outNoRoutes.Load(), OutDiscards: s.outDiscards.Load(),
		OutFiltered: s.outFiltered.Load(), OutNoBuffers: s.outNoBuffers.Load(),
		FragCreates: s.fragCreates.Load(), FragOKs: s.fragOKs.Load(), FragFails: s.fragFails.Load(),
		ReasmReqds: s.reasmReqds.Load(), ReasmOKs: rc.OKs.Load(), ReasmFails: rc.Fails.Load(),
		ReasmTimeouts: rc.Timeouts.Load(), ReasmOverlaps: rc.Overlaps.Load(), ReasmEvicted: rc.Evicted.Load(),
		ICMPInMsgs: s.icmpInMsgs.Load(), ICMPInErrors: s.icmpInErrors.Load(), ICMPInEchos: s.icmpInEchos.Load(),
		ICMPInEchoReps: s.icmpInEchoReps.Load(), ICMPInUnreach: s.icmpInUnreach.Load(), ICMPInTimeExcds: s.icmpInTimeExcds.Load(),
		ICMPOutMsgs: s.icmpOutMsgs.Load(), ICMPOutRateLimited: s.icmpOutRateLimited.Load(), ICMPOutEchoReps: s.icmpOutEchoReps.Load(),
		ARPInRequests: s.arpInRequests.Load(), ARPInReplies: s.arpInReplies.Load(), ARPInErrors: s.arpInErrors.Load(),
		ARPOutRequests: s.arpOutRequests.Load(), ARPOutReplies: s.arpOutReplies.Load(),
		ARPResolveFailed: s.arpResolveFailed.Load(), ARPQueueDrops: s.arpQueueDrops.Load(), ARPConflicts: s.arpConflicts.Load(),
		ARPDefences: s.arpDefences.Load(), ARPOutProbes: s.arpOutProbes.Load(),
		FastHits: ff.Hits, FastMisses: ff.Misses, FastStale: ff.Stale,
		FastInstalls: ff.Installs, FastInvalidations: ff.Invalidations, FastPauses: ff.Pauses,
	}
}
