package main

import (
	"encoding/binary"
	"fmt"
	"os"
)

// readPCAP returns the frames of a libpcap file (the format QEMU's
// filter-dump writes: 24-byte global header, 16-byte record headers).
// Truncated records (captured length below the original) are skipped.
func readPCAP(path string) ([][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 24 {
		return nil, fmt.Errorf("%s: %d bytes, no pcap header", path, len(b))
	}
	var le binary.ByteOrder
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		le = binary.LittleEndian
	default:
		if m := binary.BigEndian.Uint32(b); m != 0xa1b2c3d4 && m != 0xa1b23c4d {
			return nil, fmt.Errorf("%s: not a pcap file (magic %#x)", path, m)
		}
		le = binary.BigEndian
	}
	var out [][]byte
	for off := 24; off+16 <= len(b); {
		incl := int(le.Uint32(b[off+8:]))
		orig := int(le.Uint32(b[off+12:]))
		off += 16
		if incl > len(b)-off {
			return out, fmt.Errorf("%s: record of %d bytes runs past the end", path, incl)
		}
		if incl == orig {
			out = append(out, b[off:off+incl])
		}
		off += incl
	}
	return out, nil
}
