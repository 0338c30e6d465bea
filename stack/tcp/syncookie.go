package tcp

import (
	"time"

	"github.com/gopkt/gopkt/stack/wire"
)

// SYN cookies (RFC 4987 §3.6): when a listener's backlog is full, a SYN is
// answered statelessly. Our ISN then carries what the connection needs
// later, authenticated:
//
//	bits 31..5  MAC: SipHash(cookie key; 4-tuple, peer ISN, counter, MSS index)
//	bits  4..3  the low two bits of the counter (it ticks every 64 s)
//	bits  2..0  index into cookieMSS
//
// The final ACK of the handshake returns ISN+1 and the peer's ISN+1, so
// the listener rebuilds the connection from it if the MAC matches for the
// current or the previous counter value (a cookie lives 64 to 128 s).
// Options other than the MSS are not encoded: a cookie connection runs
// without window scaling, timestamps or SACK (the limitation RFC 4987
// describes).

var cookieMSS = [8]uint16{536, 1220, 1360, 1440, 1452, 1460, 4312, 8960}

const cookiePeriod = 64 * time.Second

func (t *TCP) cookieCounter() uint32 { return uint32(time.Duration(t.now()) / cookiePeriod) }

func (t *TCP) cookieMAC(k fourTuple, peerISN, counter uint32, idx int) uint32 {
	h := t.cookieKey.sipTuple(&k, uint64(peerISN)<<32|uint64(counter)<<3|uint64(idx))
	return uint32(h) &^ 0x1f
}

// makeCookie returns our ISN for a SYN from k with sequence number
// peerISN offering mss.
func (t *TCP) makeCookie(k fourTuple, peerISN uint32, mss int) uint32 {
	idx := 0
	for i, m := range cookieMSS {
		if int(m) <= mss {
			idx = i
		}
	}
	ctr := t.cookieCounter()
	return t.cookieMAC(k, peerISN, ctr, idx) | (ctr&3)<<3 | uint32(idx)
}

// checkCookie validates the ACK completing a cookie handshake: ack−1 is
// our ISN, seq−1 the peer's. It returns the MSS encoded.
func (t *TCP) checkCookie(k fourTuple, s *segment) (int, bool) {
	isn, peer := s.ack-1, s.seq-1
	idx := int(isn & 7)
	now := t.cookieCounter()
	for _, ctr := range [2]uint32{now, now - 1} {
		if ctr&3 != (isn>>3)&3 {
			continue
		}
		if t.cookieMAC(k, peer, ctr, idx) == isn&^0x1f {
			return int(cookieMSS[idx]), true
		}
	}
	return 0, false
}

// sendCookie answers a SYN with a cookie SYN-ACK (MSS option only).
func (t *TCP) sendCookie(k fourTuple, s *segment) {
	peerMSS := 536
	if s.hasMSS {
		peerMSS = int(s.mss)
	}
	ours := t.routeMSS(&k)
	mss := min(peerMSS, ours)
	var ob [4]byte
	putMSS(ob[:], uint16(ours))
	t.st.synCookiesSent.Add(1)
	_ = t.emitTo(k, &segOut{seq: t.makeCookie(k, s.seq, mss), ack: s.seq + 1, flags: wire.TCPFlagSYN | wire.TCPFlagACK,
		wnd: uint16(min(t.o.ReadBuffer, 0xffff)), opts: ob[:]})
}
