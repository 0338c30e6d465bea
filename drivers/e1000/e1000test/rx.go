package e1000test

import (
	"encoding/binary"
	"hash/crc32"
)

// Receive side of the model: address filter (SDM §13.5), VLAN strip (§9.2.2,
// CTRL.VME with VET), descriptor write-back (SDM §3.2.3), 82574 receive
// checksum verification (82574 §7.1.9), statistics.

// frameQueue is a preallocated FIFO of frames waiting for RX descriptors.
type frameQueue struct {
	slots [][]byte
	lens  []int
	head  int
	n     int
}

func (q *frameQueue) init(n, size int) {
	q.slots = make([][]byte, n)
	q.lens = make([]int, n)
	for i := range q.slots {
		q.slots[i] = make([]byte, size)
	}
}

func (q *frameQueue) reset() { q.head, q.n = 0, 0 }

func (q *frameQueue) push(f []byte) bool {
	if q.n == len(q.slots) {
		return false
	}
	i := (q.head + q.n) % len(q.slots)
	q.lens[i] = copy(q.slots[i], f)
	q.n++
	return true
}

func (q *frameQueue) peek() []byte { return q.slots[q.head][:q.lens[q.head]] }

func (q *frameQueue) pop() {
	q.head = (q.head + 1) % len(q.slots)
	q.n--
}

// receive takes a frame from the wire. Callers hold the bus lock.
func (p *Port) receive(frame []byte) {
	if !p.link || p.reg[rRCTL/4]&rctlEN == 0 {
		return
	}
	if len(frame) > maxFrame {
		p.reg[rROC/4]++
		return
	}
	if !p.accept(frame) {
		p.counts.RxFiltered++
		return
	}
	if p.queue.n > 0 || !p.deliver(frame) {
		if p.queue.push(frame) {
			p.counts.RxQueued++
			return
		}
		p.counts.RxMissed++
		p.reg[rMPC/4]++
		p.reg[rRNBC/4]++
		p.cause(icrRXO)
	}
}

// flushQueue delivers waiting frames after an RDT write.
func (p *Port) flushQueue() {
	for p.queue.n > 0 {
		if !p.deliver(p.queue.peek()) {
			return
		}
		p.queue.pop()
	}
}

// fillFromSource fills every free descriptor with the generator frame.
func (p *Port) fillFromSource() {
	if p.source == nil || !p.link || p.reg[rRCTL/4]&rctlEN == 0 {
		return
	}
	for p.deliver(p.source) {
	}
}

// accept is the receive address filter (SDM §13.4.22 UPE/MPE/BAM, §13.5.1
// MTA, §13.5.2 RAL/RAH).
func (p *Port) accept(f []byte) bool {
	if len(f) < 14 {
		return false
	}
	rctl := p.reg[rRCTL/4]
	dst := f[:6]
	if dst[0]&1 == 0 {
		if rctl&rctlUPE != 0 {
			return true
		}
		for i := uint32(0); i < 16; i++ {
			lo, hi := p.reg[(rRAL0+8*i)/4], p.reg[(rRAL0+8*i+4)/4]
			if hi&rahAV != 0 && binary.LittleEndian.Uint32(dst) == lo && binary.LittleEndian.Uint16(dst[4:]) == uint16(hi) {
				return true
			}
		}
		return false
	}
	if binary.LittleEndian.Uint32(dst) == 0xffffffff && binary.LittleEndian.Uint16(dst[4:]) == 0xffff {
		return rctl&rctlBAM != 0 || rctl&rctlMPE != 0
	}
	if rctl&rctlMPE != 0 {
		return true
	}
	var h uint32
	switch (rctl >> rctlMOShift) & 3 {
	case 0:
		h = uint32(dst[4])>>4 | uint32(dst[5])<<4
	case 1:
		h = uint32(dst[4])>>3 | uint32(dst[5])<<5
	case 2:
		h = uint32(dst[4])>>2 | uint32(dst[5])<<6
	case 3:
		h = uint32(dst[4]) | uint32(dst[5])<<8
	}
	h &= 0xfff
	return p.reg[(rMTA+4*(h>>5))/4]&(1<<(h&31)) != 0
}

// rxBufSize decodes RCTL.BSIZE/BSEX (SDM §13.4.22 table 13-67).
func rxBufSize(rctl uint32) int {
	sizes := [4]int{2048, 1024, 512, 256}
	n := sizes[(rctl&rctlBSIZEMask)>>16]
	if rctl&rctlBSEX != 0 && n != 2048 {
		n *= 16
	}
	return n
}

// deliver writes one frame into the RX ring; false means not enough
// descriptors (the frame stays queued).
func (p *Port) deliver(frame []byte) bool {
	rctl := p.reg[rRCTL/4]
	ctrl := p.reg[rCTRL/4]
	var status, errs uint8
	var special uint16
	f := frame
	if ctrl&ctrlVME != 0 && len(f) >= 18 && binary.BigEndian.Uint16(f[12:]) == uint16(p.reg[rVET/4]) {
		// Strip the tag (SDM §9.2.2): it moves into the descriptor.
		special = binary.BigEndian.Uint16(f[14:])
		status |= rxVP
		seg := p.rxscratch[:len(f)-4]
		copy(seg, f[:12])
		copy(seg[12:], f[16:])
		f = seg
	}
	if len(f) > 1522 && rctl&rctlLPE == 0 {
		p.reg[rROC/4]++
		return true // dropped as oversize, not queued
	}
	total := len(f)
	crc := rctl&rctlSECRC == 0
	if crc {
		total += 4
	}
	bsize := rxBufSize(rctl)
	need := (total + bsize - 1) / bsize
	n := p.reg[rRDLEN/4] / 16
	if n == 0 {
		return false
	}
	head, tail := p.reg[rRDH/4], p.reg[rRDT/4]
	if head >= n || tail >= n {
		p.counts.DMAFaults++
		return false
	}
	avail := int((tail + n - head) % n)
	if avail < need {
		return false
	}
	if p.gen == 2 && p.reg[rRXCSUM/4]&(rxcsumIPOFL|rxcsumTUOFL) != 0 {
		status, errs = p.rxChecksum(f, status, errs)
	} else {
		status |= rxIXSM
	}
	var fcs [4]byte
	if crc {
		binary.LittleEndian.PutUint32(fcs[:], crc32.ChecksumIEEE(f))
	}
	base := uint64(p.reg[rRDBAH/4])<<32 | uint64(p.reg[rRDBAL/4]&^0xf)
	off := 0
	for k := 0; k < need; k++ {
		dsc, ok := p.bus.space.Lookup(base+uint64(head)*16, 16)
		if !ok {
			p.counts.DMAFaults++
			return true
		}
		chunk := min(bsize, total-off)
		addr := binary.LittleEndian.Uint64(dsc)
		buf, ok := p.bus.space.Lookup(addr, chunk)
		if !ok {
			p.counts.DMAFaults++
			errs |= rxeRXE
		} else {
			c := copy(buf, f[min(off, len(f)):min(off+chunk, len(f))])
			if c < chunk { // FCS bytes
				copy(buf[c:], fcs[off+c-len(f):])
			}
		}
		off += chunk
		st := status | rxDD
		if k == need-1 {
			st |= rxEOP
		}
		ln := uint16(chunk)
		st, e2, ln := p.hostileRx(st, errs, ln, k == need-1)
		binary.LittleEndian.PutUint16(dsc[8:], ln)
		binary.LittleEndian.PutUint16(dsc[10:], 0)
		dsc[13] = e2
		binary.LittleEndian.PutUint16(dsc[14:], special)
		dsc[12] = st // status last: DD publishes the descriptor
		head = (head + 1) % n
	}
	p.reg[rRDH/4] = head
	p.hostileRogue()
	p.counts.RxFrames++
	p.reg[rGPRC/4]++
	p.reg[rTPR/4]++
	gorc := uint64(p.reg[rGORCH/4])<<32 | uint64(p.reg[rGORCL/4])
	gorc += uint64(total)
	p.reg[rGORCL/4], p.reg[rGORCH/4] = uint32(gorc), uint32(gorc>>32)
	if frame[0]&1 != 0 {
		if frame[0] == 0xff {
			p.reg[rBPRC/4]++
		} else {
			p.reg[rMPRC/4]++
		}
	}
	c := uint32(icrRXT0)
	if avail-need < int(n)/2 {
		c |= icrRXDMT0
	}
	p.cause(c)
	return true
}

// rxChecksum verifies IPv4 header and TCP/UDP checksums (82574 §7.1.9).
func (p *Port) rxChecksum(f []byte, status, errs uint8) (uint8, uint8) {
	if len(f) < 34 || binary.BigEndian.Uint16(f[12:]) != 0x0800 {
		return status, errs
	}
	ip := f[14:]
	ihl := int(ip[0]&0xf) * 4
	if ip[0]>>4 != 4 || ihl < 20 || len(ip) < ihl {
		return status, errs
	}
	status |= rxIPCS
	if Checksum(ip[:ihl], 0) != 0 {
		errs |= rxeIPE
	}
	tot := int(binary.BigEndian.Uint16(ip[2:]))
	if tot < ihl || tot > len(ip) || binary.BigEndian.Uint16(ip[6:])&0x3fff != 0 {
		return status, errs
	}
	proto := ip[9]
	l4 := ip[ihl:tot]
	if proto != 6 && proto != 17 {
		return status, errs
	}
	if proto == 17 && len(l4) >= 8 && binary.BigEndian.Uint16(l4[6:]) == 0 {
		return status, errs // UDP without checksum
	}
	status |= rxTCPCS
	if Checksum(l4, PseudoSum(ip[12:16], ip[16:20], proto, len(l4))) != 0 {
		errs |= rxeTCPE
	}
	return status, errs
}

// Checksum is the Internet checksum (RFC 1071) of b folded with an initial
// partial sum; a correct packet checksums to 0.
func Checksum(b []byte, initial uint32) uint16 {
	s := initial
	for len(b) >= 2 {
		s += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// PseudoSum is the unfolded IPv4 pseudo-header sum (RFC 793 §3.1, RFC 768).
func PseudoSum(src, dst []byte, proto uint8, length int) uint32 {
	return uint32(binary.BigEndian.Uint16(src)) + uint32(binary.BigEndian.Uint16(src[2:])) +
		uint32(binary.BigEndian.Uint16(dst)) + uint32(binary.BigEndian.Uint16(dst[2:])) +
		uint32(proto) + uint32(length)
}
