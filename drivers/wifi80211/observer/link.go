package observer

import (
	"encoding/binary"
	"hash/crc32"

	"github.com/gopkt/gopkt/drivers/wifi80211/radiotap"
)

// Link-layer header types of captures (tcpdump.org LINKTYPE_* values).
const (
	LinkEthernet  = 1   // LINKTYPE_ETHERNET: what Decrypt writes by default
	LinkIEEE80211 = 105 // LINKTYPE_IEEE802_11: MAC frame, with or without FCS
	LinkPrism     = 119 // LINKTYPE_IEEE802_11_PRISM: Prism (or AVS) header + MAC frame
	LinkRadiotap  = 127 // LINKTYPE_IEEE802_11_RADIOTAP
	LinkPPI       = 192 // LINKTYPE_PPI: Per-Packet Information header + MAC frame
)

// FCSMode says whether plain 802.11 records (link type 105, Prism and PPI
// without an FCS field) end in a frame check sequence.
type FCSMode uint8

// FCS modes.
const (
	FCSAuto    FCSMode = iota // strip the last 4 octets when they are the frame's CRC-32
	FCSNone                   // records hold the frame only
	FCSPresent                // every record ends in an FCS
)

// Link headers.
const (
	prismHeaderLen = 144        // Prism II capture header: msgcode, msglen, devname[16], 10 items
	avsMagic       = 0x80211000 // AVS capture header version, top 28 bits (big-endian)
	ppiHeaderLen   = 8          // version, flags, length, DLT
	ppiField80211  = 2          // 802.11-Common field type
	ppiFlagFCS     = 0x0001     // 802.11-Common flags: FCS present
	ppiFlagBadFCS  = 0x0004     // 802.11-Common flags: FCS invalid
)

// MAC returns the 802.11 MAC frame (FCS removed) inside one capture record
// of the given link type, as a subslice of rec (no copy). A record whose
// link header is malformed returns ErrLinkHeader; a frame the capture
// marked as failing its FCS check returns ErrBadFCS; an unknown link type
// returns ErrLinkType.
func MAC(linkType int, rec []byte, fcs FCSMode) ([]byte, error) {
	switch linkType {
	case LinkIEEE80211:
		return stripFCS(rec, fcs), nil
	case LinkRadiotap:
		f, mac, err := radiotap.Parse(rec)
		if err != nil {
			return nil, ErrLinkHeader
		}
		if f.Has(radiotap.BitFlags) && f.Flags&radiotap.FlagBadFCS != 0 {
			return nil, ErrBadFCS
		}
		return mac, nil
	case LinkPrism:
		return prism(rec, fcs)
	case LinkPPI:
		return ppi(rec, fcs)
	}
	return nil, ErrLinkType
}

// prism strips a Prism II monitor header (msglen little-endian at offset
// 4, normally 144) or an AVS header (version 0x8021100x and header length
// big-endian at offset 4), which share link type 119.
func prism(rec []byte, fcs FCSMode) ([]byte, error) {
	if len(rec) < 8 {
		return nil, ErrLinkHeader
	}
	n := int(binary.LittleEndian.Uint32(rec[4:]))
	if binary.BigEndian.Uint32(rec)&^0xf == avsMagic {
		n = int(binary.BigEndian.Uint32(rec[4:]))
	}
	if n < 8 || n > len(rec) {
		return nil, ErrLinkHeader
	}
	return stripFCS(rec[n:], fcs), nil
}

// ppi strips a PPI header (PPI specification 1.0.10: version 0, length
// little-endian at offset 2, DLT at offset 4), whose DLT must be 105; an
// 802.11-Common field says whether the frame ends in an FCS.
func ppi(rec []byte, fcs FCSMode) ([]byte, error) {
	if len(rec) < ppiHeaderLen || rec[0] != 0 {
		return nil, ErrLinkHeader
	}
	n := int(binary.LittleEndian.Uint16(rec[2:]))
	if n < ppiHeaderLen || n > len(rec) || binary.LittleEndian.Uint32(rec[4:]) != LinkIEEE80211 {
		return nil, ErrLinkHeader
	}
	for off := ppiHeaderLen; off+4 <= n; {
		typ, l := binary.LittleEndian.Uint16(rec[off:]), int(binary.LittleEndian.Uint16(rec[off+2:]))
		off += 4
		if off+l > n {
			return nil, ErrLinkHeader
		}
		if typ == ppiField80211 && l >= 10 {
			flags := binary.LittleEndian.Uint16(rec[off+8:])
			if flags&ppiFlagBadFCS != 0 {
				return nil, ErrBadFCS
			}
			fcs = FCSNone
			if flags&ppiFlagFCS != 0 {
				fcs = FCSPresent
			}
		}
		off += l
	}
	mac := rec[n:]
	if fcs == FCSPresent && len(mac) < 4 {
		return nil, ErrLinkHeader
	}
	return stripFCS(mac, fcs), nil
}

// stripFCS removes the trailing FCS per mode: always, never, or when the
// last 4 octets are the CRC-32 of the rest (IEEE 802.11-2020 9.2.4.8).
func stripFCS(b []byte, fcs FCSMode) []byte {
	if len(b) < 4 {
		return b
	}
	switch fcs {
	case FCSPresent:
		return b[:len(b)-4]
	case FCSAuto:
		n := len(b) - 4
		if crc32.ChecksumIEEE(b[:n]) == binary.LittleEndian.Uint32(b[n:]) {
			return b[:n]
		}
	}
	return b
}
