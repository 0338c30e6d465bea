package tcp

import "time"

// isn returns the initial send sequence number for a connection (RFC 6528
// §3): ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
// M a timer ticking every 4 microseconds (RFC 9293 §3.4.1) and F a keyed
// hash (SipHash-2-4 with the per-stack random key drawn in New). Distinct
// 4-tuples get unrelated sequence spaces, so an off-path attacker cannot
// predict ours; one 4-tuple's ISNs keep increasing, protecting a new
// incarnation from old duplicates.
//
// The hash covers the 16-byte addresses of both families (IPv4 ones
// mapped) and the link of a link-local connection.
func (t *TCP) isn(k *fourTuple) uint32 {
	m := uint32(time.Duration(t.now()) / (4 * time.Microsecond))
	return m + uint32(t.key.sipTuple(k, 0))
}
