package e1000test

import "encoding/binary"

// Transmit side of the model: legacy descriptors (SDM §3.3.3), TCP/IP context
// and data descriptors (§3.3.6-3.3.7) with checksum insertion and TCP
// segmentation (§3.5), VLAN insertion (§9.2.1, VLE), short-frame padding
// (TCTL.PSP), DD write-back for RS descriptors.

type txCtx struct {
	ipcss, ipcso uint8
	ipcse        uint16
	tucss, tucso uint8
	tucse        uint16
	paylen       uint32
	tucmd        uint8
	hdrlen       uint8
	mss          uint16
}

type txState struct {
	ctx     txCtx
	popts   uint8
	tse     bool
	started bool
}

// transmit processes descriptors from TDH to TDT. Callers hold the bus lock.
func (p *Port) transmit() {
	if p.reg[rTCTL/4]&tctlEN == 0 {
		return
	}
	if p.hostile.StallTX {
		p.counts.TxStalled++
		return
	}
	n := p.reg[rTDLEN/4] / 16
	head, tail := p.reg[rTDH/4], p.reg[rTDT/4]
	if n == 0 || head >= n || tail >= n {
		if head != tail {
			p.counts.DMAFaults++
		}
		return
	}
	base := uint64(p.reg[rTDBAH/4])<<32 | uint64(p.reg[rTDBAL/4]&^0xf)
	for head != tail {
		d, ok := p.bus.space.Lookup(base+uint64(head)*16, 16)
		if !ok {
			p.counts.DMAFaults++
			break
		}
		lo := binary.LittleEndian.Uint32(d[8:])
		hi := binary.LittleEndian.Uint32(d[12:])
		cmd := uint8(lo >> 24)
		dtyp := (lo >> 20) & 0xf
		if cmd&txDEXT != 0 && dtyp == 0 {
			p.tx.ctx = txCtx{
				ipcss: d[0], ipcso: d[1], ipcse: binary.LittleEndian.Uint16(d[2:]),
				tucss: d[4], tucso: d[5], tucse: binary.LittleEndian.Uint16(d[6:]),
				paylen: lo & 0xfffff, tucmd: cmd, hdrlen: uint8(hi >> 8), mss: uint16(hi >> 16),
			}
		} else {
			var length int
			if cmd&txDEXT != 0 {
				length = int(lo & 0xfffff)
				if !p.tx.started {
					p.tx.popts = uint8(hi >> 8)
					p.tx.tse = cmd&txTSE != 0
				}
			} else {
				length = int(lo & 0xffff)
				if !p.tx.started {
					p.tx.popts, p.tx.tse = 0, false
				}
			}
			p.tx.started = true
			addr := binary.LittleEndian.Uint64(d)
			if buf, ok := p.bus.space.Lookup(addr, length); ok && len(p.txbuf)+length <= cap(p.txbuf) {
				p.txbuf = append(p.txbuf, buf...)
			} else {
				p.counts.DMAFaults++
			}
			if cmd&txEOP != 0 {
				vlan := cmd&txVLE != 0 && p.reg[rCTRL/4]&ctrlVME != 0
				p.emitPacket(vlan, uint16(hi>>16))
				p.txbuf = p.txbuf[:0]
				p.tx.started = false
			}
		}
		if cmd&txRS != 0 {
			d[12] |= txDD
		}
		head = (head + 1) % n
	}
	p.reg[rTDH/4] = head
	p.cause(icrTXDW | icrTXQE)
}

// putsum inserts the Internet checksum of data[css:cse] at sloc (SDM §3.3.6:
// CSE 0 means "to the end of the packet"). The field's current value is
// part of the sum, so the sender seeds it (0, or a pseudo-header sum).
func putsum(data []byte, sloc, css, cse int, l4 bool) {
	end := len(data)
	if cse != 0 && cse+1 < end {
		end = cse + 1
	}
	if css >= end || sloc+2 > end {
		return
	}
	c := Checksum(data[css:end], 0)
	if l4 && c == 0 {
		c = 0xffff // RFC 768: a computed 0 is sent as all ones
	}
	binary.BigEndian.PutUint16(data[sloc:], c)
}

func (p *Port) emitPacket(vlan bool, tci uint16) {
	pkt := p.txbuf
	c := &p.tx.ctx
	if !p.tx.tse {
		if p.tx.popts&poptsTXSM != 0 {
			putsum(pkt, int(c.tucso), int(c.tucss), int(c.tucse), true)
		}
		if p.tx.popts&poptsIXSM != 0 {
			putsum(pkt, int(c.ipcso), int(c.ipcss), int(c.ipcse), false)
		}
		p.emitFrame(pkt, vlan, tci)
		return
	}
	// TCP segmentation (SDM §3.5): replicate the HDRLEN-byte header in front
	// of each MSS-sized piece of payload; fix IP length and ID, TCP sequence
	// number and flags; then insert the checksums.
	hdr := int(c.hdrlen)
	mss := int(c.mss)
	if hdr == 0 || hdr >= len(pkt) || mss == 0 || hdr+mss > maxFrame || c.tucmd&tucmdTSE == 0 {
		p.counts.DMAFaults++
		return
	}
	payload := pkt[hdr:]
	ipcss, tucss := int(c.ipcss), int(c.tucss)
	if ipcss+20 > hdr || tucss+20 > hdr {
		p.counts.DMAFaults++
		return
	}
	seq := binary.BigEndian.Uint32(pkt[tucss+4:])
	id := binary.BigEndian.Uint16(pkt[ipcss+4:])
	pseudo := binary.BigEndian.Uint16(pkt[int(c.tucso):])
	flags := pkt[tucss+13]
	for off, k := 0, 0; off < len(payload); off, k = off+mss, k+1 {
		chunk := min(mss, len(payload)-off)
		seg := append(p.txseg[:0], pkt[:hdr]...)
		seg = append(seg, payload[off:off+chunk]...)
		if c.tucmd&tucmdIP != 0 {
			binary.BigEndian.PutUint16(seg[ipcss+2:], uint16(len(seg)-ipcss))
			binary.BigEndian.PutUint16(seg[ipcss+4:], id+uint16(k))
		} else {
			binary.BigEndian.PutUint16(seg[ipcss+4:], uint16(len(seg)-ipcss-40))
		}
		binary.BigEndian.PutUint32(seg[tucss+4:], seq+uint32(off))
		if off+chunk < len(payload) {
			seg[tucss+13] = flags &^ 0x09 // FIN and PSH only on the last segment
		}
		// The sender seeded the checksum with the pseudo header without the
		// length (SDM §3.5.4); add this segment's TCP length.
		ph := uint32(pseudo) + uint32(len(seg)-tucss)
		ph = ph&0xffff + ph>>16
		binary.BigEndian.PutUint16(seg[int(c.tucso):], uint16(ph))
		if p.tx.popts&poptsTXSM != 0 {
			putsum(seg, int(c.tucso), tucss, 0, true)
		}
		if p.tx.popts&poptsIXSM != 0 {
			putsum(seg, int(c.ipcso), ipcss, int(c.ipcse), false)
		}
		p.reg[rTSCTC/4]++
		p.emitFrame(seg, vlan, tci)
	}
}

// emitFrame inserts the VLAN tag, pads and puts the frame on the hub.
func (p *Port) emitFrame(f []byte, vlan bool, tci uint16) {
	if len(f)+4 > cap(p.txseg) || len(f) == 0 {
		p.counts.DMAFaults++ // longer than any frame the wire carries
		return
	}
	if vlan && len(f) >= 12 {
		if &f[0] == &p.txseg[:1][0] {
			// Shift in place inside txseg.
			f = f[:len(f)+4]
			copy(f[16:], f[12:len(f)-4])
		} else {
			seg := p.txseg[:len(f)+4]
			copy(seg, f[:12])
			copy(seg[16:], f[12:])
			f = seg
		}
		binary.BigEndian.PutUint16(f[12:], uint16(p.reg[rVET/4]))
		binary.BigEndian.PutUint16(f[14:], tci)
	}
	if len(f) < 60 {
		// TCTL.PSP pads short frames to 64 bytes with the FCS.
		pad := p.txseg[:60]
		if &f[0] != &pad[0] {
			copy(pad, f)
		}
		clear(pad[len(f):])
		f = pad
	}
	p.counts.TxFrames++
	p.reg[rGPTC/4]++
	p.reg[rTPT/4]++
	gotc := uint64(p.reg[rGOTCH/4])<<32 | uint64(p.reg[rGOTCL/4])
	gotc += uint64(len(f) + 4)
	p.reg[rGOTCL/4], p.reg[rGOTCH/4] = uint32(gotc), uint32(gotc>>32)
	if p.tap != nil {
		p.tap(f)
	}
	if p.link {
		p.bus.hub(p, f)
	}
}
