package net80211

import (
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
)

// MaxMSDU is the largest MSDU the defragmenter reassembles (802.11-2016
// 9.2.4.7.1: 2304 octets of MSDU, plus room for a TKIP MIC and headers).
const MaxMSDU = 2304 + 8 + 32

// fragLifetime bounds how long a partial MSDU waits for its next fragment
// (dot11MaxReceiveLifetime is 512 TU by default, about 524 ms).
const fragLifetime = 524 * time.Millisecond

// defrag reassembles one MSDU at a time per node, as NetBSD's ni_rxfrag
// does (10.6 "Defragmentation"): fragments must arrive in order with the
// same sequence number; a gap or a new sequence drops the partial MSDU.
type defrag struct {
	buf    []byte // header of fragment 0 followed by the bodies so far
	seq    uint16
	next   uint8
	hdrLen int
	at     time.Time
	active bool
}

// add feeds one decrypted MPDU. It returns the complete frame (header of
// the first fragment + whole body) when the MSDU is done, nil while more
// fragments are expected. An unfragmented MPDU is returned as is. The
// returned slice aliases either b or the defragmenter's buffer.
func (d *defrag) add(b []byte, hdrLen int, now time.Time, st *VapStats) []byte {
	f := frame.Frame(b)
	more := f.FC()&frame.FlagMoreFrag != 0
	fragNo := f.Frag()
	if d.active && now.Sub(d.at) > fragLifetime {
		d.active = false
		st.RxFragDropped++
	}
	if !more && fragNo == 0 {
		if d.active && f.Seq() == d.seq {
			d.active = false
			st.RxFragDropped++
		}
		return b
	}
	if fragNo == 0 {
		if d.active {
			st.RxFragDropped++
		}
		if len(b) > MaxMSDU {
			st.RxTooLong++
			d.active = false
			return nil
		}
		if d.buf == nil {
			d.buf = make([]byte, 0, MaxMSDU+32)
		}
		d.buf = append(d.buf[:0], b...)
		d.seq, d.next, d.hdrLen, d.at, d.active = f.Seq(), 1, hdrLen, now, true
		return nil
	}
	if !d.active || f.Seq() != d.seq || fragNo != d.next {
		st.RxFragDropped++
		d.active = false
		return nil
	}
	body := b[hdrLen:]
	if len(d.buf)+len(body) > cap(d.buf) {
		st.RxTooLong++
		d.active = false
		return nil
	}
	d.buf = append(d.buf, body...)
	d.next++
	d.at = now
	if more {
		return nil
	}
	d.active = false
	out := frame.Frame(d.buf)
	out.SetFC(out.FC() &^ frame.FlagMoreFrag)
	return d.buf
}
