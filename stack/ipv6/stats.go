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
	// Extension headers (RFC 8200 §4).
	InExtErrors    uint64 // hop-by-hop not first, or a routing header with segments left
	InRH0          uint64 // of which routing type 0 (RFC 5095)
	InOptionErrors uint64 // options malformed, or unknown with a discard action
	// Output.
	OutRequests  uint64
	OutNoRoutes  uint64
	OutDiscards  uint64
	OutNoBuffers uint64
	FragCreates  uint64
	FragOKs      uint64
	FragFails    uint64
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
	IcmpInMsgs         uint64
	IcmpInErrors       uint64
	IcmpInCsumErrors   uint64
	IcmpInEchos        uint64
	IcmpInEchoReplies  uint64
	IcmpInDestUnreachs uint64
	IcmpInPktTooBigs   uint64
	IcmpInTimeExcds    uint64
	IcmpInParmProblems uint64
	IcmpInMLD          uint64
	IcmpInUnknown      uint64
	IcmpOutMsgs        uint64
	IcmpOutErrors      uint64
	IcmpOutEchos       uint64
	IcmpOutEchoReplies uint64
	IcmpOutRateLimited uint64
	// Neighbour discovery (RFC 4861); drops by reason.
	NdInSolicits       uint64
	NdInAdverts        uint64
	NdInRouterSolicits uint64
	NdInRouterAdverts  uint64
	NdInRedirects      uint64
	NdOutSolicits      uint64
	NdOutAdverts       uint64
	NdBadHopLimit      uint64 // hop limit not 255 (§7.1)
	NdBadOptions       uint64 // an option of length 0 or past the end (§4.6)
	NdInvalid          uint64 // other §7.1 validation failures
	NdDupAddr          uint64 // advertisements claiming one of our addresses
	NdResolveFailed    uint64 // resolutions that got no answer
	NdQueueDrops       uint64 // packets over NeighQueue
	NdHoldRefused      uint64 // packets the nd-hold quota refused
	NeighEvicted       uint64 // entries dropped for a new one
}

type stats struct {
	inReceives, inHdrErrors, inTruncated, inAddrErrors, inNotJoined, inUnknownProtos, inDelivers, inDiscards, inMcastPkts                                                                                                                                             atomic.Uint64
	inExtErrors, inRH0, inOptionErrors                                                                                                                                                                                                                                atomic.Uint64
	outRequests, outNoRoutes, outDiscards, outNoBuffers, fragCreates, fragOKs, fragFails                                                                                                                                                                              atomic.Uint64
	reasmReqds, reasmOKs, reasmFails, reasmTimeouts, reasmOverlaps, reasmDuplicates, reasmEvicted, reasmIncompleteChain, reasmAtomic                                                                                                                                  atomic.Uint64
	icmpInMsgs, icmpInErrors, icmpInCsumErrors, icmpInEchos, icmpInEchoReplies, icmpInDestUnreachs, icmpInPktTooBigs, icmpInTimeExcds, icmpInParmProblems, icmpInMLD, icmpInUnknown, icmpOutMsgs, icmpOutErrors, icmpOutEchos, icmpOutEchoReplies, icmpOutRateLimited atomic.Uint64
	ndInSolicits, ndInAdverts, ndInRouterSolicits, ndInRouterAdverts, ndInRedirects, ndOutSolicits, ndOutAdverts, ndBadHopLimit, ndBadOptions, ndInvalid, ndDupAddr, ndResolveFailed, ndQueueDrops, ndHoldRefused                                                     atomic.Uint64
}

// Stats returns a snapshot of the counters.
func (ip *IPv6) Stats() Stats {
	s := &ip.st
	ip.neigh.mu.Lock()
	ev := ip.neigh.evicted
	ip.neigh.mu.Unlock()
	return Stats{
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
		ReasmOKs:             s.reasmOKs.Load(),
		ReasmFails:           s.reasmFails.Load(),
		ReasmTimeouts:        s.reasmTimeouts.Load(),
		ReasmOverlaps:        s.reasmOverlaps.Load(),
		ReasmDuplicates:      s.reasmDuplicates.Load(),
		ReasmEvicted:         s.reasmEvicted.Load(),
		ReasmIncompleteChain: s.reasmIncompleteChain.Load(),
		ReasmAtomic:          s.reasmAtomic.Load(),
		IcmpInMsgs:           s.icmpInMsgs.Load(),
		IcmpInErrors:         s.icmpInErrors.Load(),
		IcmpInCsumErrors:     s.icmpInCsumErrors.Load(),
		IcmpInEchos:          s.icmpInEchos.Load(),
		IcmpInEchoReplies:    s.icmpInEchoReplies.Load(),
		IcmpInDestUnreachs:   s.icmpInDestUnreachs.Load(),
		IcmpInPktTooBigs:     s.icmpInPktTooBigs.Load(),
		IcmpInTimeExcds:      s.icmpInTimeExcds.Load(),
		IcmpInParmProblems:   s.icmpInParmProblems.Load(),
		IcmpInMLD:            s.icmpInMLD.Load(),
		IcmpInUnknown:        s.icmpInUnknown.Load(),
		IcmpOutMsgs:          s.icmpOutMsgs.Load(),
		IcmpOutErrors:        s.icmpOutErrors.Load(),
		IcmpOutEchos:         s.icmpOutEchos.Load(),
		IcmpOutEchoReplies:   s.icmpOutEchoReplies.Load(),
		IcmpOutRateLimited:   s.icmpOutRateLimited.Load(),
		NdInSolicits:         s.ndInSolicits.Load(),
		NdInAdverts:          s.ndInAdverts.Load(),
		NdInRouterSolicits:   s.ndInRouterSolicits.Load(),
		NdInRouterAdverts:    s.ndInRouterAdverts.Load(),
		NdInRedirects:        s.ndInRedirects.Load(),
		NdOutSolicits:        s.ndOutSolicits.Load(),
		NdOutAdverts:         s.ndOutAdverts.Load(),
		NdBadHopLimit:        s.ndBadHopLimit.Load(),
		NdBadOptions:         s.ndBadOptions.Load(),
		NdInvalid:            s.ndInvalid.Load(),
		NdDupAddr:            s.ndDupAddr.Load(),
		NdResolveFailed:      s.ndResolveFailed.Load(),
		NdQueueDrops:         s.ndQueueDrops.Load(),
		NdHoldRefused:        s.ndHoldRefused.Load(),
		NeighEvicted:         ev,
	}
}
