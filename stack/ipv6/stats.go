package ipv6

import "sync/atomic"

// Stats are the IPv6, ICMPv6 and neighbour discovery counters. Every
// dropped packet is counted under one reason.
type Stats struct {
	// IPv6 input (RFC 4293 ipSystemStatsTable names; the rest are drop reasons).
	InReceives      uint64
	InHdrErrors     uint64
	InTruncated     uint64 // shorter than the header or Payload Length, or an extension header past the first segment
	InAddrErrors    uint64 // source or destination not acceptable (RFC 4291 §2.5.3, §2.7), or not ours
	InNotJoined     uint64 // to a multicast group the interface has not joined
	InUnknownProtos uint64
	InDelivers      uint64
	InDiscards      uint64
	InMcastPkts     uint64
	InFiltered      uint64 // dropped by a hook: In, or Forward for forwarded packets
	// Extension headers (RFC 8200 §4).
	InExtErrors    uint64 // hop-by-hop not first, or a routing header with segments left
	InRH0          uint64 // of which routing type 0 (RFC 5095)
	InOptionErrors uint64 // options malformed, or unknown with a discard action
	// Output.
	OutRequests  uint64
	OutNoRoutes  uint64
	OutDiscards  uint64
	OutNoBuffers uint64
	OutFiltered  uint64 // dropped by an Out hook
	FragCreates  uint64
	FragOKs      uint64
	FragFails    uint64
	// Forwarding (RFC 8200 §3, §5; RFC 4443 errors): forwarded, and
	// refused by reason.
	ForwDatagrams        uint64
	ForwHopLimitExceeded uint64
	ForwNoRoutes         uint64
	ForwPktTooBigs       uint64
	// Reassembly (RFC 8200 §4.5, RFC 5722, RFC 7112, RFC 8021).
	ReasmReqds           uint64
	ReasmOKs             uint64
	ReasmFails           uint64
	ReasmTimeouts        uint64
	ReasmOverlaps        uint64
	ReasmDuplicates      uint64
	ReasmEvicted         uint64
	ReasmIncompleteChain uint64
	ReasmAtomic          uint64 // atomic fragments, processed without reassembly (RFC 6946)
	// ICMPv6 (RFC 4293 icmpStatsTable, icmpMsgStatsTable).
	ICMPInMsgs         uint64
	ICMPInErrors       uint64
	ICMPInCsumErrors   uint64
	ICMPInEchos        uint64
	ICMPInEchoReplies  uint64
	ICMPInDestUnreachs uint64
	ICMPInPktTooBigs   uint64
	ICMPInTimeExcds    uint64
	ICMPInParmProblems uint64
	ICMPInMLD          uint64
	ICMPInUnknown      uint64
	ICMPOutMsgs        uint64
	ICMPOutErrors      uint64
	ICMPOutEchos       uint64
	ICMPOutEchoReplies uint64
	ICMPOutRateLimited uint64
	// Neighbour discovery (RFC 4861); drops by reason.
	NDInSolicits       uint64
	NDInAdverts        uint64
	NDInRouterSolicits uint64
	NDInRouterAdverts  uint64
	NDInRedirects      uint64
	NDOutSolicits      uint64
	NDOutAdverts       uint64
	NDBadHopLimit      uint64 // hop limit not 255 (§7.1)
	NDBadOptions       uint64 // an option of length 0 or past the end (§4.6)
	NDInvalid          uint64 // other §7.1 validation failures
	NDDupAddr          uint64 // advertisements claiming one of our usable addresses
	NDResolveFailed    uint64 // resolutions that got no answer
	NDQueueDrops       uint64 // packets over NeighQueue
	NDHoldRefused      uint64 // packets the nd-hold quota refused
	// Path MTU discovery (RFC 8201).
	PMTULowered uint64 // packet too big messages that lowered a path MTU
	PMTUIgnored uint64 // ones quoting a packet not from us
	// Duplicate address detection, router discovery, SLAAC, MLDv2 (RFC 4862, RFC 4861 §6, RFC 3810).
	NDDADFailed         uint64 // addresses found in use by another node
	NDOutRouterSolicits uint64
	NDRAProcessed       uint64 // advertisements acted on (autoconfiguration on)
	SLAACAddrs          uint64 // addresses formed from prefixes
	MLDOutReports       uint64
	// Detecting network attachment after LinkUp (RFC 6059, dna.go):
	// detections begun (a known router to probe), probes sent, ended as
	// the same link (an old router or prefix answered), as another link
	// (the old link's state dropped), undecided (nothing heard).
	DNARuns, DNAProbes, DNASameLink, DNANewLink, DNAUnknown uint64
	NeighEvicted                                            uint64 // neighbour entries dropped for a new one
	NDRABadMTU                                              uint64 // advertised MTUs below 1280 or above the device's, ignored (RFC 4861 §6.3.4)
	// Redirects (RFC 4861 §8): valid ones followed; valid ones refused
	// (not from the destination's first-hop router, or we route);
	// sent, and not sent for the rate limit. Malformed ones count in
	// NDBadHopLimit, NDBadOptions and NDInvalid.
	NDRedirectsApplied    uint64
	NDRedirectsRejected   uint64
	NDOutRedirects        uint64
	NDOutRedirectsLimited uint64
	// Routed fast forwarding (fastfwd.go), as IPv4's: packets the flow
	// cache forwarded (also in InReceives and ForwDatagrams), packets the
	// full path forwarded while it was on, lookups that found their flow
	// invalidated, entries written, IPv6's own invalidations, pauses for
	// thrashing.
	FastHits, FastMisses, FastStale, FastInstalls, FastInvalidations, FastPauses uint64
}

type stats struct {
	forwDatagrams, forwHopLimitExceeded, forwNoRoutes, forwPktTooBigs atomic.Uint64
	inReceives                                                        atomic.Uint64
	inHdrErrors                                                       atomic.Uint64
	inTruncated                                                       atomic.Uint64
	inAddrErrors                                                      atomic.Uint64
	inNotJoined                                                       atomic.Uint64
	inUnknownProtos                                                   atomic.Uint64
	inDelivers                                                        atomic.Uint64
	inDiscards                                                        atomic.Uint64
	inMcastPkts                                                       atomic.Uint64
	inExtErrors                                                       atomic.Uint64
	inRH0                                                             atomic.Uint64
	inOptionErrors                                                    atomic.Uint64
	outRequests                                                       atomic.Uint64
	outNoRoutes                                                       atomic.Uint64
	outDiscards                                                       atomic.Uint64
	outNoBuffers                                                      atomic.Uint64
	fragCreates                                                       atomic.Uint64
	fragOKs                                                           atomic.Uint64
	fragFails                                                         atomic.Uint64
	reasmReqds                                                        atomic.Uint64
	reasmIncompleteChain                                              atomic.Uint64
	reasmAtomic                                                       atomic.Uint64
	icmpInMsgs                                                        atomic.Uint64
	icmpInErrors                                                      atomic.Uint64
	icmpInCsumErrors                                                  atomic.Uint64
	icmpInEchos                                                       atomic.Uint64
	icmpInEchoReplies                                                 atomic.Uint64
	icmpInDestUnreachs                                                atomic.Uint64
	icmpInPktTooBigs                                                  atomic.Uint64
	icmpInTimeExcds                                                   atomic.Uint64
	icmpInParmProblems                                                atomic.Uint64
	icmpInMLD                                                         atomic.Uint64
	icmpInUnknown                                                     atomic.Uint64
	icmpOutMsgs                                                       atomic.Uint64
	icmpOutErrors                                                     atomic.Uint64
	icmpOutEchos                                                      atomic.Uint64
	icmpOutEchoReplies                                                atomic.Uint64
	icmpOutRateLimited                                                atomic.Uint64
	ndInSolicits                                                      atomic.Uint64
	ndInAdverts                                                       atomic.Uint64
	ndInRouterSolicits                                                atomic.Uint64
	ndInRouterAdverts                                                 atomic.Uint64
	ndInRedirects                                                     atomic.Uint64
	ndOutSolicits                                                     atomic.Uint64
	ndOutAdverts                                                      atomic.Uint64
	ndBadHopLimit                                                     atomic.Uint64
	ndBadOptions                                                      atomic.Uint64
	ndInvalid                                                         atomic.Uint64
	ndDupAddr                                                         atomic.Uint64
	ndResolveFailed                                                   atomic.Uint64
	ndQueueDrops                                                      atomic.Uint64
	ndHoldRefused                                                     atomic.Uint64
	pmtuLowered                                                       atomic.Uint64
	pmtuIgnored                                                       atomic.Uint64
	ndDADFailed                                                       atomic.Uint64
	ndOutRouterSolicits                                               atomic.Uint64
	ndRAProcessed                                                     atomic.Uint64
	slaacAddrs                                                        atomic.Uint64
	mldOutReports                                                     atomic.Uint64
	dnaRuns, dnaProbes, dnaSameLink, dnaNewLink, dnaUnknown           atomic.Uint64
	ndRABadMTU                                                        atomic.Uint64
	ndRedirectsApplied, ndRedirectsRejected                           atomic.Uint64
	ndOutRedirects, ndOutRedirectsLimited                             atomic.Uint64
	inFiltered, outFiltered                                           atomic.Uint64
}

// Stats returns a snapshot of the counters.
func (ip *IPv6) Stats() Stats {
	s := &ip.st
	rc := &ip.reass.t.C
	ip.neigh.mu.Lock()
	ev := ip.neigh.evicted
	ip.neigh.mu.Unlock()
	st := Stats{
		InReceives:           s.inReceives.Load(),
		InHdrErrors:          s.inHdrErrors.Load(),
		InTruncated:          s.inTruncated.Load(),
		InAddrErrors:         s.inAddrErrors.Load(),
		InNotJoined:          s.inNotJoined.Load(),
		InUnknownProtos:      s.inUnknownProtos.Load(),
		InDelivers:           s.inDelivers.Load(),
		InDiscards:           s.inDiscards.Load(),
		InMcastPkts:          s.inMcastPkts.Load(),
		InExtErrors:          s.inExtErrors.Load(),
		InRH0:                s.inRH0.Load(),
		InOptionErrors:       s.inOptionErrors.Load(),
		OutRequests:          s.outRequests.Load(),
		OutNoRoutes:          s.outNoRoutes.Load(),
		OutDiscards:          s.outDiscards.Load(),
		OutNoBuffers:         s.outNoBuffers.Load(),
		FragCreates:          s.fragCreates.Load(),
		FragOKs:              s.fragOKs.Load(),
		FragFails:            s.fragFails.Load(),
		ReasmReqds:           s.reasmReqds.Load(),
		ReasmOKs:             rc.OKs.Load(),
		ReasmFails:           rc.Fails.Load(),
		ReasmTimeouts:        rc.Timeouts.Load(),
		ReasmOverlaps:        rc.Overlaps.Load(),
		ReasmDuplicates:      rc.Duplicates.Load(),
		ReasmEvicted:         rc.Evicted.Load(),
		ReasmIncompleteChain: s.reasmIncompleteChain.Load(),
		ReasmAtomic:          s.reasmAtomic.Load(),
		ICMPInMsgs:           s.icmpInMsgs.Load(),
		ICMPInErrors:         s.icmpInErrors.Load(),
		ICMPInCsumErrors:     s.icmpInCsumErrors.Load(),
		ICMPInEchos:          s.icmpInEchos.Load(),
		ICMPInEchoReplies:    s.icmpInEchoReplies.Load(),
		ICMPInDestUnreachs:   s.icmpInDestUnreachs.Load(),
		ICMPInPktTooBigs:     s.icmpInPktTooBigs.Load(),
		ICMPInTimeExcds:      s.icmpInTimeExcds.Load(),
		ICMPInParmProblems:   s.icmpInParmProblems.Load(),
		ICMPInMLD:            s.icmpInMLD.Load(),
		ICMPInUnknown:        s.icmpInUnknown.Load(),
		ICMPOutMsgs:          s.icmpOutMsgs.Load(),
		ICMPOutErrors:        s.icmpOutErrors.Load(),
		ICMPOutEchos:         s.icmpOutEchos.Load(),
		ICMPOutEchoReplies:   s.icmpOutEchoReplies.Load(),
		ICMPOutRateLimited:   s.icmpOutRateLimited.Load(),
		NDInSolicits:         s.ndInSolicits.Load(),
		NDInAdverts:          s.ndInAdverts.Load(),
		NDInRouterSolicits:   s.ndInRouterSolicits.Load(),
		NDInRouterAdverts:    s.ndInRouterAdverts.Load(),
		NDInRedirects:        s.ndInRedirects.Load(),
		NDOutSolicits:        s.ndOutSolicits.Load(),
		NDOutAdverts:         s.ndOutAdverts.Load(),
		NDBadHopLimit:        s.ndBadHopLimit.Load(),
		NDBadOptions:         s.ndBadOptions.Load(),
		NDInvalid:            s.ndInvalid.Load(),
		NDDupAddr:            s.ndDupAddr.Load(),
		NDResolveFailed:      s.ndResolveFailed.Load(),
		NDQueueDrops:         s.ndQueueDrops.Load(),
		NDHoldRefused:        s.ndHoldRefused.Load(),
		PMTULowered:          s.pmtuLowered.Load(),
		PMTUIgnored:          s.pmtuIgnored.Load(),
		NDDADFailed:          s.ndDADFailed.Load(),
		NDOutRouterSolicits:  s.ndOutRouterSolicits.Load(),
		NDRAProcessed:        s.ndRAProcessed.Load(),
		SLAACAddrs:           s.slaacAddrs.Load(),
		MLDOutReports:        s.mldOutReports.Load(),
		DNARuns:              s.dnaRuns.Load(), DNAProbes: s.dnaProbes.Load(), DNASameLink: s.dnaSameLink.Load(), DNANewLink: s.dnaNewLink.Load(), DNAUnknown: s.dnaUnknown.Load(),
		NeighEvicted:  ev,
		ForwDatagrams: s.forwDatagrams.Load(), ForwHopLimitExceeded: s.forwHopLimitExceeded.Load(),
		ForwNoRoutes: s.forwNoRoutes.Load(), ForwPktTooBigs: s.forwPktTooBigs.Load(),
	}
	st.InFiltered, st.OutFiltered = s.inFiltered.Load(), s.outFiltered.Load()
	st.NDRABadMTU = s.ndRABadMTU.Load()
	st.NDRedirectsApplied, st.NDRedirectsRejected = s.ndRedirectsApplied.Load(), s.ndRedirectsRejected.Load()
	st.NDOutRedirects, st.NDOutRedirectsLimited = s.ndOutRedirects.Load(), s.ndOutRedirectsLimited.Load()
	f := ip.ff.Stats()
	st.FastHits, st.FastMisses, st.FastStale = f.Hits, f.Misses, f.Stale
	st.FastInstalls, st.FastInvalidations, st.FastPauses = f.Installs, f.Invalidations, f.Pauses
	return st
}
